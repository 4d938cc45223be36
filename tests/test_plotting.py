import os
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from dlbasics import plotting  # noqa: E402


def test_korean_title_and_negative_ticks_draw_without_glyph_warnings():
    assert plotting.use_korean_font() == "NanumGothic dlbasics"
    fig, ax = plt.subplots()
    ax.plot([-2, -1, 0, 1], [3, -1, 2, 0], label="손실 (loss)")
    ax.set_title("그레이디언트 소멸: 층별 노름 −1")
    ax.set_xlabel("층 번호 l")
    ax.legend()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" becomes a failure
        fig.canvas.draw()
    plt.close(fig)


def test_log_scale_ticks_and_math_with_hangul_draw_without_glyph_warnings(caplog):
    plotting.use_korean_font()
    fig, ax = plt.subplots()
    ax.semilogy([1e-5, 1e-2, 1.0])  # tick labels are math text: $\\mathdefault{10^{-5}}$
    ax.set_title(r"층별 $\|\partial J / \partial U^l\|$ 와 $-1$")
    with warnings.catch_warnings(), caplog.at_level("WARNING", logger="matplotlib"):
        warnings.simplefilter("error")
        fig.canvas.draw()
    plt.close(fig)
    assert not [r.getMessage() for r in caplog.records if "glyph" in r.getMessage()]


def test_font_comes_from_the_installed_package_without_importing_it():
    import sys

    plotting.use_korean_font()
    path = font_manager.findfont(font_manager.FontProperties(family=plotting.FONT_NAME),
                                 fallback_to_default=False)
    assert path.endswith("NanumGothic-dlbasics.ttf")
    assert "koreanize_matplotlib" not in sys.modules  # its import fails on Python 3.12+


# A fresh matplotlib cache on a machine whose system NanumGothic (fonts-nanum, no U+2212) is
# registered too: log-scale ticks must still draw without a glyph warning.
SYSTEM_NANUM_SCRIPT = """
import logging, warnings
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import font_manager
from dlbasics import plotting

font_manager.fontManager.addfont(str(plotting.font_dir() / "NanumGothic.ttf"))
plotting.use_korean_font()
messages = []
handler = logging.Handler()
handler.emit = lambda record: messages.append(record.getMessage())
logging.getLogger("matplotlib").addHandler(handler)
fig, ax = plt.subplots()
ax.semilogy([1e-5, 1e-2, 1.0])
ax.set_title("층별 노름")
with warnings.catch_warnings():
    warnings.simplefilter("error")
    fig.canvas.draw()
print("glyph messages:", [m for m in messages if "glyph" in m.lower()])
"""


def test_a_system_nanum_gothic_without_the_minus_sign_is_not_chosen(tmp_path):
    import subprocess
    import sys

    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", SYSTEM_NANUM_SCRIPT], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "glyph messages: []", run.stdout + run.stderr


def test_font_with_minus_maps_the_minus_sign_and_is_made_once(tmp_path):
    from fontTools.ttLib import TTFont

    source = plotting.font_dir() / "NanumGothic.ttf"
    assert plotting.MINUS not in TTFont(source).getBestCmap()  # why the copy is needed
    made = plotting.font_with_minus(source, cache=tmp_path)
    cmap = TTFont(made).getBestCmap()
    assert cmap[plotting.MINUS] == cmap[ord("-")] and cmap[ord("한")] == "uniD55C"
    assert TTFont(made)["name"].getDebugName(1) == plotting.FONT_NAME
    stamp = made.stat().st_mtime_ns
    assert plotting.font_with_minus(source, cache=tmp_path) == made
    assert made.stat().st_mtime_ns == stamp
    with pytest.raises(FileNotFoundError, match="reinstall"):
        plotting.font_with_minus(tmp_path / "missing.ttf", cache=tmp_path)


def test_show_images_makes_a_grid_with_titles():
    plotting.use_korean_font()
    fig = plotting.show_images(np.zeros((12, 1, 28, 28)), titles=range(12), ncols=5,
                               suptitle="숫자")
    assert len(fig.axes) == 15 and fig.axes[11].get_title() == "11"
    plt.close(fig)


def test_show_images_passes_a_shared_colour_scale_to_imshow():
    fig = plotting.show_images([np.full((2, 2), 0.5), -np.ones((2, 2))], ncols=2,
                               cmap="bwr", vmin=-1, vmax=1)
    assert [ax.images[0].get_clim() for ax in fig.axes] == [(-1, 1), (-1, 1)]
    plt.close(fig)
