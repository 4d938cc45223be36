"""How the book's notebooks become web pages (a Sphinx extension; book/conf.py loads it).

Sphinx reads each notebook as it is in the repository (the page's "notebook file" link serves
that file), and ``web_notebook`` changes only what the page shows:

- under the title, links to Colab, to the notebook file and to GitHub take the place of the
  Colab badge, an image from Colab's server that a page must not load;
- a widget (slider, menu) cannot move on a static page and its picture is not stored in the
  notebook, so its output becomes a sentence saying it moves in JupyterLab or Colab; a stored
  progress bar (a tqdm widget) is dropped;
- the Colab-only install cell (tag ``colab-install``) is left out: it does nothing off Colab;
- links to the lab solutions lose their target (the site carries the handouts only, and the
  table of contents of the start notebook loses its solutions list); links to other files
  of the repository (dlbasics/, docs/) point to GitHub;
- inside ``<details>`` answers, blank lines around the summary and the closing tag let the
  answer's Markdown and math render.

After the build, MathJax (the parts the pages load) and the Korean fallback font are copied
into ``_static``, and the theme's source maps (for debugging its scripts) are left out.
"""

from __future__ import annotations

import posixpath
import re
import shutil
from pathlib import Path

import nbformat
from sphinx.util import logging

from dlbasics.tools.colab import BADGE_IMAGE, BRANCH, GITHUB_REPO, INSTALL_TAG, colab_url

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = ("이 칸의 위젯(슬라이더, 선택 상자)은 웹 페이지에서는 움직이지 않습니다. "
               "노트북을 JupyterLab이나 Colab에서 실행하면 값을 바꾸어 가며 결과를 볼 수 있습니다.")
PROGRESS_BAR = re.compile(r"\d+%\|")  # tqdm: "epoch:  40%|████      | 2/5 [00:01<...]"
SITE_FOLDERS = ("chapters", "labs")  # notebooks that are pages; solutions/ never is
MARKDOWN_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)\)")
# Code and math are left as they are: "[1, z](U)" there is no link.
CODE_OR_MATH = re.compile(r"```.*?```|`[^`\n]*`|\$\$.*?\$\$|\$[^$\n]*\$", re.S)
TOC_START, TOC_END = "<!-- toc -->", "<!-- /toc -->"
# MathJax files the pages can load: the tex-chtml component, its on-demand TeX extensions,
# fonts, menu and accessibility parts (the speech engine and other bundles are left out).
MATHJAX_PARTS = ("tex-chtml.js", "input/tex/extensions", "output/chtml", "ui", "a11y",
                 "adaptors")
FONT = "NanumGothic.ttf"
LOGGER = logging.getLogger(__name__)


def github_blob(repo_path):
    return f"https://github.com/{GITHUB_REPO}/blob/{BRANCH}/{repo_path}"


def page_links(repo_path):
    """The HTML line under a page's title: Colab, the notebook file, GitHub."""
    up = "../" * repo_path.count("/")
    return (f'<p class="book-links">'
            f'<a class="book-colab" href="{colab_url(repo_path)}">Colab에서 열기</a>'
            f'<a class="book-notebook" href="{up}_sources/{repo_path}" download>'
            f'노트북 파일 받기 (.ipynb)</a>'
            f'<a class="book-github" href="{github_blob(repo_path)}">GitHub에서 보기</a></p>')


def rewrite_link(match, repo_path_of_page, root):
    """A Markdown link as the site needs it (see the module's docstring)."""
    text, target = match.groups()
    folder = posixpath.dirname(repo_path_of_page)
    path, _, anchor = target.partition("#")
    if not path or re.match(r"^[a-z][a-z0-9+.-]*:", path):  # #anchor, https:, mailto:
        return match.group(0)
    repo_path = posixpath.normpath(posixpath.join(folder, path))
    top = repo_path.split("/", 1)[0]
    if top == "solutions":
        return text
    if root is None or top in SITE_FOLDERS and repo_path.endswith(".ipynb"):
        return match.group(0)
    if (root / repo_path).exists():
        return f"[{text}]({github_blob(repo_path)}{'#' + anchor if anchor else ''})"
    # A link to no file (e.g. "[1, Z](U^l)" meant as math) is a dead link in JupyterLab too:
    # show what was written, as text.
    LOGGER.warning("%s: the link target %r is no file of the book; shown as text",
                   repo_path_of_page, target, type="book", subtype="dead_link")
    return match.group(0).replace("[", r"\[", 1)


def rewrite_links(source, repo_path, root):
    """``source`` with each Markdown link rewritten, outside code and math."""
    parts, end = [], 0
    for protected in CODE_OR_MATH.finditer(source):
        parts.append(MARKDOWN_LINK.sub(lambda m: rewrite_link(m, repo_path, root),
                                       source[end:protected.start()]))
        parts.append(protected.group(0))
        end = protected.end()
    parts.append(MARKDOWN_LINK.sub(lambda m: rewrite_link(m, repo_path, root), source[end:]))
    return "".join(parts)


def without_solutions_toc(source):
    """The start notebook's table of contents without its solutions part."""
    def trim(block):
        kept = []
        for line in block.group(0).splitlines():
            if "(solutions)" in line or "solutions/" in line:
                continue
            kept.append(line)
        return re.sub(r"\n{3,}", "\n\n", "\n".join(kept))
    return re.sub(re.escape(TOC_START) + r".*?" + re.escape(TOC_END), trim, source, flags=re.S)


def open_details(source):
    """Blank lines after ``<summary>…</summary>`` and before ``</details>``, so that the
    answer inside is Markdown (with math), not a raw HTML block."""
    source = re.sub(r"(<summary>.*?</summary>)[ \t]*\n?", r"\1\n\n", source, flags=re.S)
    return re.sub(r"\n?[ \t]*</details>", "\n\n</details>", source)


def widget_note():
    return nbformat.v4.new_output(
        "display_data", data={"text/html": f'<p class="widget-note">{WIDGET_NOTE}</p>',
                              "text/plain": WIDGET_NOTE})


def web_outputs(outputs):
    """A code cell's outputs for the page: widgets become one note, progress bars go."""
    kept, noted = [], False
    for output in outputs:
        data = output.get("data", {})
        if WIDGET_MIME not in data:
            kept.append(output)
        elif not PROGRESS_BAR.search(data.get("text/plain", "")) and not noted:
            kept.append(widget_note())
            noted = True
    return kept


def web_notebook(nb, repo_path, root=None):
    """The notebook ``nb`` (at ``repo_path`` in the repository) as its web page shows it."""
    titled = False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            lines = [line for line in cell.source.splitlines() if BADGE_IMAGE not in line]
            if not titled:
                for i, line in enumerate(lines):
                    if line.startswith("# "):
                        lines[i + 1:i + 1] = ["", page_links(repo_path), ""]
                        titled = True
                        break
            source = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
            source = without_solutions_toc(source)
            source = rewrite_links(source, repo_path, root)
            if "<details" in source:
                source = open_details(source)
            cell.source = source
        elif cell.cell_type == "code":
            tags = cell.metadata.get("tags", [])
            if INSTALL_TAG in tags:
                cell.metadata["tags"] = [*tags, "remove-cell"]
            cell.outputs = web_outputs(cell.get("outputs", []))
    nb.metadata.pop("widgets", None)
    return nb


def on_source_read(app, docname, source):
    path = Path(app.env.doc2path(docname))
    if path.suffix != ".ipynb":
        return
    nb = nbformat.reads(source[0], as_version=4)
    repo_path = Path(path).relative_to(app.srcdir).as_posix()
    web_notebook(nb, repo_path, root=Path(app.config.book_repository_root))
    source[0] = nbformat.writes(nb)


def mathjax_dir():
    import importlib.util

    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("sphinx-mathjax-offline is not installed (make book installs it)")
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax"


def font_file():
    import importlib.util

    spec = importlib.util.find_spec("koreanize_matplotlib")
    return Path(spec.origin).parent / "fonts" / FONT


def copy_assets(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    source = mathjax_dir()
    for part in MATHJAX_PARTS:
        src, dst = source / part, static / "mathjax" / part
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    (static / "fonts").mkdir(exist_ok=True)
    shutil.copy2(font_file(), static / "fonts" / FONT)
    for source_map in static.rglob("*.map"):  # the theme's source maps: 3.5 MB for debuggers
        source_map.unlink()


def setup(app):
    app.add_config_value("book_repository_root", "", "env")
    app.connect("source-read", on_source_read)
    app.connect("build-finished", copy_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
