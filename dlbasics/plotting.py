"""한글 그림 (Hangul in matplotlib plots), offline.

koreanize-matplotlib ships the NanumGothic font, but importing it fails on Python 3.12+
because it imports ``distutils``. We only locate its font files (without importing the
package) and register them with matplotlib ourselves.
"""

import importlib.util
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import font_manager

FONT_NAME = "NanumGothic"


def font_dir():
    """Folder of the NanumGothic files shipped by koreanize-matplotlib (not imported)."""
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "koreanize-matplotlib is not installed; run `make lab` or "
            "`pip install koreanize-matplotlib==0.1.1` to get the NanumGothic font"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "fonts"


def use_korean_font():
    """Make matplotlib draw Hangul with NanumGothic; returns the font family name.

    DejaVu Sans (matplotlib's own font) is the per-glyph fallback for the few symbols
    NanumGothic lacks, such as the minus sign U+2212 of tick labels, so that nothing is
    drawn as a box.
    """
    fonts = sorted(font_dir().glob("*.ttf"))
    if not fonts:
        raise FileNotFoundError(f"no .ttf font files in {font_dir()}")
    registered = {f.fname for f in font_manager.fontManager.ttflist}
    for path in fonts:
        if str(path) not in registered:
            font_manager.fontManager.addfont(str(path))
    matplotlib.rcParams["font.family"] = [FONT_NAME, "DejaVu Sans"]
    return FONT_NAME


def show_images(images, titles=None, ncols=10, cmap="gray", size=1.2, suptitle=None):
    """Draw a grid of 2-D images (or (1, H, W) arrays) and return the figure."""
    images = [np.asarray(img).squeeze() for img in images]
    nrows = -(-len(images) // ncols)
    title_room = 0.3 if titles is not None else 0.0  # keeps a row's titles off the row above
    fig, axes = plt.subplots(nrows, ncols, squeeze=False,
                             figsize=(size * ncols, (size + title_room) * nrows + 0.4))
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i], cmap=cmap)
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig
