"""Five of the note's figures as a student sees them in JupyterLab (stored outputs, nothing run).

Each chapter is opened at the URL `make lab` prints; the figure's image must be shown at its
natural size (not squeezed to an unreadable width) and its cell must show no error or warning.
A screenshot of each goes to reports/browser/figure_4-N.png, beside the other browser-test
screenshots, for a person to look at: Hangul, no overlaps, readable text.
"""

import re

import pytest
from playwright.sync_api import expect

FIGURES = [("4_2_deep_mlp", "그림 4-3"), ("4_3_1_convolution_pooling", "그림 4-6"),
           ("4_3_2_lenet5", "그림 4-19"), ("4_4_2_nin_googlenet", "그림 4-26"),
           ("4_4_3_resnet", "그림 4-28")]
OPEN_MS = 60_000
# JupyterLab restores the notebooks opened before in background tabs; Lumino hides those.
SHOWN_NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"


@pytest.fixture(scope="module")
def page(browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(OPEN_MS)
    yield page
    page.close()


def chapter_url(lab_url, stem):
    """The chapter in a workspace of its own: the default one, which the other browser tests
    open, keeps no notebook of this test in a background tab."""
    base, token = re.match(r"(http://127\.0\.0\.1:\d+)/lab\S*\?token=(\w+)", lab_url).groups()
    return f"{base}/lab/workspaces/figures/tree/chapters/{stem}.ipynb?token={token}"


@pytest.mark.parametrize(("stem", "caption"), FIGURES, ids=[c for _, c in FIGURES])
def test_figure_is_shown_readable_in_jupyterlab(page, lab_url, reports, stem, caption):
    page.goto(chapter_url(lab_url, stem))
    page.wait_for_selector(f"{SHOWN_NOTEBOOK} .jp-CodeCell")
    cell = (page.locator(f"{SHOWN_NOTEBOOK} .jp-CodeCell")
            .filter(has=page.locator(".jp-InputArea", has_text=caption))
            .filter(has=page.locator(".jp-OutputArea-output img")).first)
    image = cell.locator(".jp-OutputArea-output img").first
    image.scroll_into_view_if_needed()
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=image.element_handle())
    natural, shown = image.evaluate("img => [img.naturalWidth, img.getBoundingClientRect().width]")
    area = cell.locator(".jp-OutputArea").evaluate("e => e.getBoundingClientRect().width")
    assert natural >= 300, f"{caption}: the image is only {natural} pixels wide"
    assert shown >= 0.95 * min(natural, area - 100), (
        f"{caption}: drawn {shown:.0f} px wide for {natural} px of image: squeezed")
    errors = cell.locator('[data-mime-type="application/vnd.jupyter.stderr"]')
    assert errors.count() == 0, errors.all_inner_texts()
    number = caption.split()[-1]
    cell.locator(".jp-OutputArea").screenshot(path=reports / f"figure_{number}.png")
