"""The book's website (`make book`) in headless Chromium, as a reader sees it.

The site is built once into a temporary folder from the notebooks as they are (their stored
outputs; nothing is executed) and served by Python's http.server on 127.0.0.1. Then:

- the left navigation holds the home page, 시작하기, the chapters in the lecture note's order
  and the labs (never a solution), every page is reached from the home page, its title is
  the notebook's title, and previous/next walk through that order;
- every page loads with no console error, no failed request and no request that leaves the
  machine: MathJax, fonts and scripts all come from the site itself;
- every internal link, #anchor included, points to something that exists;
- every formula is typeset by MathJax, with no TeX error and no raw $$ or \\frac left;
- every stored plot is on its page and loaded, at its drawn size or the column's width;
- each notebook page links to Colab and to its notebook file (the repository's own file);
- a widget's place says that it moves in JupyterLab or Colab;
- Korean search, with or without a particle (콘볼루션, 콘볼루션은, 덧대기, 덧대기를), lands on 4.3.1
  first, and the browser stems words exactly as the index was stemmed.

Screenshots in reports/site/: the home page, 4.3.1, a search result, math and a widget note.
`make test` runs it (skipped where chromium is missing and cannot be installed);
`make test-browser` runs it with the JupyterLab test.
"""

import functools
import importlib.util
import json
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytest.importorskip("myst_nb", reason="the website's packages are missing: run make book once")
pytest.importorskip("sphinx_book_theme", reason="the website's packages are missing: run make book")

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
REPORTS = ROOT / "reports" / "site"
CONVOLUTION = "chapters/4_3_1_convolution_pooling"
WIDGET = "application/vnd.jupyter.widget-view+json"
SEARCHES = ("콘볼루션", "콘볼루션은", "덧대기", "덧대기를", "덧대기로")
STEP_MS = 30_000
MATHJAX_MS = 20_000


def load(name):
    """A module of book/ (make_site, site_ext, korean_search), as Sphinx's conf.py loads it."""
    for path in (str(BOOK), str(ROOT)):
        if path not in sys.path:
            sys.path.append(path)
    spec = importlib.util.spec_from_file_location(f"book_{name}", BOOK / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_site = load("make_site")
site_ext = load("site_ext")
korean_search = load("korean_search")
PAGES = [path.with_suffix("").as_posix() for path in make_site.pages()]

# After MathJax's first typesetting: each formula and whether MathJax rendered it, TeX errors,
# and whatever TeX is left in the text outside code and outputs.
MATH = """async () => {
  if (window.MathJax && MathJax.startup) await MathJax.startup.promise;
  const article = document.querySelector('article');
  const math = [...article.querySelectorAll('.math')];
  const text = article.cloneNode(true);
  text.querySelectorAll('pre, code, mjx-container, script, .cell_output')
      .forEach((e) => e.remove());
  return {
    formulas: math.length,
    typeset: math.filter((m) => m.querySelector('mjx-container')).length,
    errors: article.querySelectorAll('mjx-merror').length,
    raw: text.textContent.match(/\\$\\$|\\\\(frac|mathbf|sum|delta|partial|begin)\\b/g),
  };
}"""
MATH_LOADED = ("() => !document.querySelector('article .math') || "
               "(window.MathJax && MathJax.startup && MathJax.startup.promise)")
IMAGES = """() => [...document.querySelectorAll('article .cell_output img')].map((img) => ({
  src: img.getAttribute('src'), complete: img.complete, natural: img.naturalWidth,
  shown: img.getBoundingClientRect().width,
  column: img.parentElement.getBoundingClientRect().width,
}))"""
LINKS = "() => [...document.querySelectorAll('a[href]')].map((a) => a.href)"
# Sphinx's search has listed every result: the heading's progress dots are gone.
SEARCH_DONE = """() => {
  const heading = document.querySelector('#search-results h2');
  return heading !== null && heading.querySelector('span') === null;
}"""
RESULT = "#search-results ul.search > li > a"
RESULTS = f"() => [...document.querySelectorAll('{RESULT}')].map((a) => a.href)"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory, stopwatch):
    """The website, built from the repository's notebooks into a temporary folder."""
    with stopwatch("website build (make_site.build)"):
        summary = make_site.build(tmp_path_factory.mktemp("book") / "site")
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "build.json").write_text(json.dumps(
        {"seconds": round(summary["seconds"], 1), "megabytes": round(summary["bytes"] / 1e6, 1),
         "pages": summary["pages"], "warnings": summary["warnings"]}, ensure_ascii=False,
        indent=1), encoding="utf-8")
    return summary["out"]


@pytest.fixture(scope="module")
def base_url(site):
    """http://127.0.0.1:PORT/ serving the site; the server stops even on failure."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port),
         "--directory", str(site)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("the site's http.server did not start")
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def shots():
    REPORTS.mkdir(parents=True, exist_ok=True)
    for old in REPORTS.glob("*.png"):
        old.unlink()
    return REPORTS


class Reader:
    """A browser tab that records console errors, failed requests and requests to other hosts
    (which are blocked: the site must work without a network)."""

    def __init__(self, browser, base_url):
        self.base = base_url
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(STEP_MS)
        self.problems = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(
            f"console error: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(
            f"request failed: {r.url} ({r.failure})"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(
            f"HTTP {r.status}: {r.url}"))

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base) or url.startswith("data:"):
            route.continue_()
        else:
            self.problems.append(f"request to another host: {url}")
            route.abort()

    def open(self, path):
        """Load ``path`` (relative to the site) and wait until MathJax has typeset it."""
        self.problems.clear()
        self.page.goto(self.base + path, wait_until="load")
        try:
            self.page.wait_for_function(MATH_LOADED, timeout=MATHJAX_MS)
        except PlaywrightTimeout:
            pytest.fail(f"{path}: MathJax did not start: " + "; ".join(self.problems))
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def reader(browser, base_url):
    tab = Reader(browser, base_url)
    yield tab
    tab.close()


def site_file(site, base_url, url):
    """The file in ``site`` that ``url`` (on the site's server) serves, and its #anchor."""
    parts = urllib.parse.urlsplit(url)
    path = urllib.parse.unquote(parts.path).lstrip("/")
    target = site / path
    if not path or target.is_dir():
        target = target / "index.html"
    return target, urllib.parse.unquote(parts.fragment)


@functools.cache
def ids_of(path):
    """The ids of the HTML file ``path`` (the #anchors a link may point to)."""
    return set(re.findall(r'\bid="([^"]+)"', path.read_text(encoding="utf-8")))


def notebook(page_name):
    """The notebook of a page, as it is in the repository."""
    return nbformat.read(ROOT / f"{page_name}.ipynb", as_version=4)


def moving_widgets(nb):
    """Code cells of ``nb`` that show a widget (a progress bar is no widget to move)."""
    return sum(any(WIDGET in output.get("data", {})
                   and not re.search(r"\d+%\|", output["data"].get("text/plain", ""))
                   for output in cell.outputs)
               for cell in nb.cells if cell.cell_type == "code")


def stored_images(nb):
    """How many outputs of ``nb`` are pictures (PNG plots, or any other image type)."""
    return sum(any(mime.startswith("image/") for mime in output.get("data", {}))
               for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs)


def test_the_site_holds_the_chapters_then_the_labs_and_no_solution(site):
    assert PAGES[0] == "chapters/00_getting_started", PAGES
    assert [p.split("/")[0] for p in PAGES] == sorted(p.split("/")[0] for p in PAGES)
    for page in PAGES:
        assert (site / f"{page}.html").is_file(), f"{page}.html is missing"
    assert not (site / "solutions").exists()
    leaks = [p for p in site.rglob("*") if "solutions" in p.name or p.match("*solutions/*")]
    assert leaks == [], f"the site must not carry the solutions: {leaks}"
    assert (site / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert (site / "_static" / "fonts" / site_ext.FONT).is_file()  # Hangul without a Korean font


def test_the_left_navigation_follows_the_book(reader, shots):
    home = reader.open("index.html")
    home.screenshot(path=shots / "01_home.png")
    nav = home.locator(".bd-sidebar-primary nav a.reference.internal")
    hrefs = [urllib.parse.urlsplit(h).path.lstrip("/") for h in nav.evaluate_all(
        "links => links.map(a => a.href)")]
    assert hrefs == ["index.html", *(f"{p}.html" for p in PAGES)], hrefs
    # Hangul has a font even on a machine without Korean fonts: the site's own NanumGothic.
    faces = home.evaluate("async () => (await document.fonts.load('16px \"NanumGothic Book\"', "
                          "'한글')).length")
    assert faces >= 1
    assert reader.problems == []


def nbformat_title(page_name):
    from dlbasics.tools.nbtools import notebook_title

    return notebook_title(ROOT / f"{page_name}.ipynb")


def assert_title_and_neighbours(page, page_name):
    """The page's title is the notebook's; previous and next follow the navigation."""
    title = nbformat_title(page_name)
    assert page.title().startswith(title), (page.title(), title)
    assert page.locator("article h1").first.inner_text().strip().rstrip("#").strip() == title
    i = PAGES.index(page_name)
    assert_link(page, "a.left-prev", f"{'index' if i == 0 else PAGES[i - 1]}.html")
    if i + 1 < len(PAGES):
        assert_link(page, "a.right-next", f"{PAGES[i + 1]}.html")
    else:
        assert page.locator("a.right-next").count() == 0


def assert_link(page, selector, expected):
    link = page.locator(selector)
    assert link.count() == 1, f"{page.url} has no {selector}"
    href = urllib.parse.urlsplit(link.evaluate("a => a.href")).path.lstrip("/")
    assert href == expected, f"{page.url}: {selector} goes to {href}, not {expected}"


@pytest.mark.parametrize("page_name", ["index", *PAGES])
def test_every_page_loads_offline_with_math_images_and_links(reader, site, base_url, page_name):
    page = reader.open(f"{page_name}.html")
    math = page.evaluate(MATH)
    assert reader.problems == [], f"{page_name}: " + "\n".join(reader.problems)
    assert math["errors"] == 0, f"{page_name}: {math['errors']} MathJax errors"
    assert math["typeset"] == math["formulas"], f"{page_name}: {math}"
    assert not math["raw"], f"{page_name}: TeX left untypeset: {math['raw']}"

    broken = []
    for url in set(page.evaluate(LINKS)):
        if not url.startswith(base_url):
            continue
        target, anchor = site_file(site, base_url, url)
        missing_anchor = anchor and target.suffix == ".html" and anchor not in ids_of(target)
        if not target.is_file() or missing_anchor:
            broken.append(url)
    assert broken == [], f"{page_name}: broken internal links {sorted(broken)}"

    if page_name == "index":
        return
    assert_title_and_neighbours(page, page_name)
    nb = notebook(page_name)
    images = page.evaluate(IMAGES)
    assert len(images) == stored_images(nb), f"{page_name}: {images}"
    for image in images:
        assert image["complete"] and image["natural"] > 0, f"{page_name}: {image} not loaded"
        assert image["shown"] >= min(image["natural"], image["column"]) - 2, image
    notes = page.locator(".widget-note")
    assert notes.count() == moving_widgets(nb), f"{page_name}: a widget without its note"
    if page_name == PAGES[0]:
        assert notes.count() >= 1, "시작하기 shows the digit slider: where is its note?"
    for note in notes.all_inner_texts():
        assert "JupyterLab" in note and "Colab" in note

    repo_path = f"{page_name}.ipynb"
    colab = page.locator("a.book-colab")
    assert colab.get_attribute("href") == site_ext.colab_url(repo_path)
    file_link = page.locator("a.book-notebook").evaluate("a => a.href")
    served, _ = site_file(site, base_url, file_link)
    assert served.read_bytes() == (ROOT / repo_path).read_bytes(), f"{file_link} is not the file"





def test_a_page_and_its_math_and_widgets_as_seen(reader, shots):
    page = reader.open(f"{CONVOLUTION}.html")
    page.screenshot(path=shots / "02_4_3_1.png")
    formula = page.locator("article div.math mjx-container").first
    if formula.count():
        formula.scroll_into_view_if_needed()
        page.screenshot(path=shots / "04_math.png")
    note = page.locator(".widget-note").first
    if note.count():
        note.scroll_into_view_if_needed()
        page.screenshot(path=shots / "05_widget_note.png")
    assert reader.problems == []


@pytest.mark.parametrize("query", SEARCHES)
def test_korean_search_lands_on_the_convolution_chapter(reader, base_url, shots, query):
    page = reader.open("search.html?q=" + urllib.parse.quote(query))
    page.wait_for_function(SEARCH_DONE)
    results = [urllib.parse.urlsplit(url).path.lstrip("/") for url in page.evaluate(RESULTS)]
    assert results, f"searching {query!r} found nothing"
    assert results[0] == f"{CONVOLUTION}.html", f"searching {query!r}: {results}"
    if query == SEARCHES[2]:
        page.wait_for_load_state("networkidle")  # each result's excerpt
        page.screenshot(path=shots / "03_search.png")
    page.locator(RESULT).first.click()
    page.wait_for_load_state("networkidle")
    assert page.url.startswith(f"{base_url}{CONVOLUTION}.html")
    assert reader.problems == [], "\n".join(reader.problems)


def test_english_words_are_found_too(reader):
    page = reader.open("search.html?q=padding")
    page.wait_for_function(SEARCH_DONE)
    results = [urllib.parse.urlsplit(url).path.lstrip("/") for url in page.evaluate(RESULTS)]
    assert f"{CONVOLUTION}.html" in results, results


def test_the_browser_stems_words_as_the_index_did(reader):
    words = ["콘볼루션은", "콘볼루션", "덧대기를", "덧대기", "층의", "ResNet과", "신경망입니다",
             "정규화하는", "layers", "Padding", "이", "풀링층에서는", "1×1"]
    page = reader.open("search.html")
    in_browser = page.evaluate("words => words.map(w => new Stemmer().stemWord(w))", words)
    in_python = [korean_search.SearchKorean({}).stem(word) for word in words]
    assert in_browser == in_python
