"""한글 그림 (Hangul in matplotlib plots), offline.

koreanize-matplotlib ships the NanumGothic font, but importing it fails on Python 3.12+
because it imports ``distutils``. We only locate its font files (without importing the
package) and register them with matplotlib ourselves.
"""

import importlib.util
import os
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from fontTools.ttLib import TTFont
from matplotlib import font_manager

# The copy gets a family name of its own: a system NanumGothic (Debian's fonts-nanum) lacks
# U+2212, and under a shared name matplotlib might pick that one instead.
FONT_NAME = "NanumGothic dlbasics"
FONT_FILES = ("NanumGothic.ttf", "NanumGothicBold.ttf")
MINUS = 0x2212


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
    NanumGothic lacks in plain text. Math text has no per-glyph fallback, and log-scale
    tick labels such as 10^{−5} are math text, so the registered copy of NanumGothic also
    maps the minus sign U+2212 to its hyphen (see :func:`font_with_minus`).
    """
    registered = {f.fname for f in font_manager.fontManager.ttflist}
    for name in FONT_FILES:
        path = str(font_with_minus(font_dir() / name))
        if path not in registered:
            font_manager.fontManager.addfont(path)
    matplotlib.rcParams["font.family"] = [FONT_NAME, "DejaVu Sans"]
    return FONT_NAME


def font_with_minus(source, cache=None):
    """A copy of the font ``source`` whose character map also sends U+2212 (−) to '-',
    renamed to the family :data:`FONT_NAME`.

    Made once with fontTools (a matplotlib dependency) in matplotlib's cache folder.
    """
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(f"font file {source} is missing; reinstall koreanize-matplotlib")
    target = Path(cache or matplotlib.get_cachedir()) / "dlbasics" / f"{source.stem}-dlbasics.ttf"
    if target.exists():
        return target
    font = TTFont(source)
    for table in font["cmap"].tables:
        if table.isUnicode() and MINUS not in table.cmap and ord("-") in table.cmap:
            table.cmap[MINUS] = table.cmap[ord("-")]
    _rename_family(font, FONT_NAME)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")  # kernels may race to make it
    font.save(partial)
    os.replace(partial, target)
    return target


def _rename_family(font, family):
    """Set the family name records (IDs 1, 16), full name (4) and PostScript name (6)."""
    style = font["name"].getDebugName(2) or "Regular"
    full = family if style == "Regular" else f"{family} {style}"
    names = {1: family, 16: family, 4: full, 6: full.replace(" ", "-")}
    for record in font["name"].names:
        if record.nameID in names:
            record.string = names[record.nameID]


def show_images(images, titles=None, ncols=10, cmap="gray", size=1.2, suptitle=None, **imshow):
    """Draw a grid of 2-D images (or (1, H, W) arrays) and return the figure.

    Extra keyword arguments go to every ``imshow`` call, e.g. ``vmin=-1, vmax=1`` so that
    signed weights share one colour scale.
    """
    images = [np.asarray(img).squeeze() for img in images]
    nrows = -(-len(images) // ncols)
    title_room = 0.3 if titles is not None else 0.0  # keeps a row's titles off the row above
    fig, axes = plt.subplots(nrows, ncols, squeeze=False,
                             figsize=(size * ncols, (size + title_room) * nrows + 0.4))
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i], cmap=cmap, **imshow)
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig
