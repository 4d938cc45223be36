"""Every figure of the lecture note is drawn where the chapter cites it (issue 15).

A figure counts as drawn when a code cell that names it ("그림 4-6 …", the caption it draws)
stores an image, right after the markdown cell whose prose cites it.
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]

# The note's 28 figures, by the chapter notebook whose section cites them.
FIGURES = {
    "4_1_rise_of_deep_learning": [1, 2],
    "4_2_deep_mlp": [3, 4],
    "4_3_1_convolution_pooling": [5, 6, 7, 8, 10, 11, 13, 14, 15, 16, 17, 18],
    "4_3_2_lenet5": [19],
    "4_4_1_ilsvrc_alexnet_vgg": [21, 22, 31],
    "4_4_2_nin_googlenet": [23, 24, 25, 26, 27],
    "4_4_3_resnet": [28, 29, 30],
}


def test_the_map_holds_the_notes_28_figures():
    numbers = sorted(n for figures in FIGURES.values() for n in figures)
    assert len(numbers) == 28 and len(set(numbers)) == 28
    assert set(range(1, 32)) - set(numbers) == {9, 12, 20}  # numbers the note skips


def has_image(cell):
    return any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))


def cites(cell, number):
    return re.search(rf"그림 4-{number}(?!\d)", cell.source) is not None


def drawn_figures(nb):
    """{figure number: [indices of the code cells that draw it with its caption]}."""
    drawn = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and has_image(cell):
            for number in re.findall(r"그림 4-(\d+)", cell.source):
                drawn.setdefault(int(number), []).append(index)
    return drawn


@pytest.mark.parametrize("stem", sorted(FIGURES))
def test_each_figure_is_drawn_where_it_is_cited(stem):
    nb = nbformat.read(ROOT / "chapters" / f"{stem}.ipynb", as_version=4)
    drawn = drawn_figures(nb)
    missing = [n for n in FIGURES[stem] if n not in drawn]
    assert not missing, f"{stem}: no drawing captioned 그림 4-{missing} (a code cell that " \
                        "names the figure and stores an image)"
    for number in FIGURES[stem]:
        after_prose = [i for i in drawn[number] if nb.cells[i - 1].cell_type == "markdown"
                       and cites(nb.cells[i - 1], number)]
        assert after_prose, (f"{stem}: 그림 4-{number} is drawn in cells {drawn[number]}, but "
                             "none follows the markdown cell that cites it")
