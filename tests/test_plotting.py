import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from dlbasics import plotting  # noqa: E402


def test_korean_title_and_negative_ticks_draw_without_glyph_warnings():
    assert plotting.use_korean_font() == "NanumGothic"
    fig, ax = plt.subplots()
    ax.plot([-2, -1, 0, 1], [3, -1, 2, 0], label="손실 (loss)")
    ax.set_title("그레이디언트 소멸: 층별 노름 −1")
    ax.set_xlabel("층 번호 l")
    ax.legend()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" becomes a failure
        fig.canvas.draw()
    plt.close(fig)


def test_font_comes_from_the_installed_package_without_importing_it():
    import sys

    plotting.use_korean_font()
    path = font_manager.findfont(font_manager.FontProperties(family="NanumGothic"),
                                 fallback_to_default=False)
    assert path.startswith(str(plotting.font_dir()))
    assert "koreanize_matplotlib" not in sys.modules  # its import fails on Python 3.12+


def test_show_images_makes_a_grid_with_titles():
    plotting.use_korean_font()
    fig = plotting.show_images(np.zeros((12, 1, 28, 28)), titles=range(12), ncols=5,
                               suptitle="숫자")
    assert len(fig.axes) == 15 and fig.axes[11].get_title() == "11"
    plt.close(fig)
