"""The start notebook in JupyterLab, in headless Chromium, as a student sees it.

The notebook's stored outputs are cleared, every cell is run from the menu (실행 > 모든 셀
실행), and then: the UI is Korean, no cell shows an error, the MNIST plot is shown, and the
digit slider redraws its image when it moves. Screenshots go to reports/browser/.
`make test` runs it (it is skipped where chromium is missing and cannot be installed);
`make test-browser` runs it alone.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

NOTEBOOK = Path(__file__).resolve().parents[2] / "chapters" / "00_getting_started.ipynb"
RUN_ALL_MS = 240_000
STEP_MS = 60_000
# Every code cell shows an empty prompt "[ ]:" and there is no output.
CLEARED = """() => {
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
  return prompts.length > 0 && prompts.every(p => p.textContent.trim() === '[ ]:')
    && document.querySelectorAll('.jp-Notebook .jp-OutputArea-output').length === 0;
}"""
# Every code cell has run: the prompts read [n]:, [n+1]:, ... in order.
ALL_RUN = """() => {
  const counts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
    .map(p => (p.textContent.trim().match(/^\\[(\\d+)\\]:$/) || [])[1]).map(Number);
  return counts.length > 0 && counts.every((n, i) => n === counts[0] + i);
}"""
expect.set_options(timeout=STEP_MS)  # assertions wait as long as actions
IDLE = '.jp-Notebook-ExecutionIndicator[data-status="idle"]'
KERNEL_READY = re.compile(r"Python 3 \(ipykernel\) \| 대기$")  # status bar: kernel idle


def menu(page, label, command, screenshot=None):
    """Open the menu-bar menu ``label`` and click its item that runs ``command``."""
    page.locator(".lm-MenuBar-item", has=page.get_by_text(label, exact=True)).click()
    item = page.locator(f'.lm-Menu-item[data-command="{command}"]')
    item.wait_for(state="visible")
    if screenshot:
        page.screenshot(path=screenshot)
    item.click()


def code_cell(page, text):
    """The code cell whose source contains ``text``."""
    cell = page.locator(".jp-Notebook .jp-CodeCell", has=page.locator(".jp-InputArea",
                                                                      has_text=text))
    expect(cell).to_have_count(1)
    return cell


@pytest.fixture(scope="module")
def notebook(browser, lab_url, reports, stopwatch):
    """The start notebook opened at the URL `make lab` prints, cleared, then run from the menu."""
    before = NOTEBOOK.read_bytes()
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(STEP_MS)
    try:
        with stopwatch("open the notebook (page load, kernel idle)"):
            page.goto(lab_url)
            page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-CodeCell")
            expect(page.locator(".jp-StatusBar-TextItem", has_text=KERNEL_READY)).to_have_count(1)
        page.screenshot(path=reports / "01_opened.png")
        menu(page, "편집", "editmenu:clear-all")
        page.wait_for_function(CLEARED)
        with stopwatch("run all cells"):
            menu(page, "실행", "runmenu:run-all", screenshot=reports / "02_run_menu.png")
            page.wait_for_function(ALL_RUN, timeout=RUN_ALL_MS)
            page.wait_for_selector(IDLE)
        page.screenshot(path=reports / "03_after_run_all.png")
        yield page
    finally:
        page.close()
    assert NOTEBOOK.read_bytes() == before, "the browser test must not rewrite the notebook"


def test_ui_is_korean_and_english_is_one_click_away(notebook, reports):
    assert notebook.evaluate("document.documentElement.lang") == "ko-KR"
    labels = notebook.locator(".lm-MenuBar-itemLabel").all_inner_texts()
    assert labels[:5] == ["파일", "편집", "보기", "실행", "커널"], labels
    notebook.locator(".lm-MenuBar-item", has=notebook.get_by_text("설정", exact=True)).click()
    notebook.locator(".lm-Menu-item", has_text="언어").hover()
    english = notebook.locator('.lm-Menu-item[data-command="jupyterlab-translation:en"]')
    expect(english).to_be_visible()
    notebook.screenshot(path=reports / "04_language_menu.png")
    notebook.keyboard.press("Escape")
    notebook.keyboard.press("Escape")
    expect(english).to_be_hidden()


def test_every_cell_runs_without_an_error(notebook):
    stderr = notebook.locator(
        '.jp-Notebook [data-mime-type="application/vnd.jupyter.stderr"]')
    assert stderr.count() == 0, "\n".join(stderr.all_inner_texts())
    text = notebook.locator(".jp-Notebook").inner_text()
    for expected in ("고정 버전과 다른 패키지: 없음", "훈련: (4000, 1, 28, 28) float32",
                     "'NanumGothic dlbasics'"):
        assert expected in text, f"{expected!r} is not in the outputs shown"
    assert re.search(r"Python 3\.(1[1-9]|[2-9]\d)\.\d+", text), "no Python 3.11+ version shown"


def test_the_mnist_plot_is_shown(notebook, reports):
    cell = code_cell(notebook, "dlbasics.show_images")
    image = cell.locator(".jp-OutputArea-output img")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") >= 600
    cell.locator(".jp-Cell-outputArea").screenshot(path=reports / "05_mnist_plot.png")


def test_the_digit_slider_redraws_the_image(notebook, reports):
    cell = code_cell(notebook, "widgets.interact")
    outputs = cell.locator(".jp-Cell-outputArea")
    expect(cell.locator(".widget-hslider .widget-label")).to_have_text("번호")
    handle = cell.locator(".widget-hslider .noUi-handle")
    readout = cell.locator(".widget-hslider .widget-readout")
    image = cell.locator(".widget-output img")
    expect(image).to_be_visible()
    expect(readout).to_have_text("0")
    first = image.get_attribute("src")
    outputs.screenshot(path=reports / "06_widget_index_0.png")

    handle.focus()
    notebook.keyboard.press("ArrowRight")  # move the slider one step
    expect(handle).to_have_attribute("aria-valuenow", re.compile(r"^1(\.0)?$"))
    expect(readout).to_have_text("1")
    expect(image).not_to_have_attribute("src", first)
    expect(image).to_be_visible()
    notebook.wait_for_selector(IDLE)
    outputs.screenshot(path=reports / "07_widget_index_1.png")

    second = image.get_attribute("src")
    readout.click()
    notebook.keyboard.press("Control+A")
    notebook.keyboard.type("7")
    notebook.keyboard.press("Enter")  # type a number into the slider's box
    expect(handle).to_have_attribute("aria-valuenow", re.compile(r"^7(\.0)?$"))
    expect(image).not_to_have_attribute("src", second)
    expect(image).to_be_visible()
    notebook.wait_for_selector(IDLE)
    outputs.screenshot(path=reports / "08_widget_index_7.png")
