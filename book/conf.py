"""Sphinx configuration of the book's website (``make book``; see book/make_site.py).

Sphinx with MyST-NB renders the notebooks from their stored outputs (nothing is executed) in
sphinx-book-theme. Everything the pages load is in the site itself: MathJax comes from the
sphinx-mathjax-offline package, the Hangul fallback font from koreanize-matplotlib, the
theme's icons and scripts from the theme; no page asks another host for anything.
"""

import sys
from pathlib import Path

BOOK = Path(__file__).resolve().parent
ROOT = BOOK.parent
sys.path[:0] = [str(BOOK), str(ROOT)]  # site_ext, korean_search; dlbasics without installing it

from dlbasics.tools.colab import BRANCH, GITHUB_REPO  # noqa: E402

project = "딥러닝 기초 (4장)"
html_title = "딥러닝 기초 (4장)"
author = "딥러닝 기초 교재 저자들"
copyright = "딥러닝 기초 교재 저자들, MIT 라이선스"
language = "ko"

extensions = ["myst_nb", "sphinx.ext.mathjax", "korean_search", "site_ext"]
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
suppress_warnings = ["myst.header"]  # a chapter may step from ## to #### for a small aside

# Notebooks: stored outputs only, never executed; no widget scripts from a CDN (see site_ext).
nb_execution_mode = "off"
nb_ipywidgets_js = {}
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_dmath_double_inline = True  # $$...$$ inside a paragraph, as JupyterLab renders it
myst_heading_anchors = 3

# Math: MathJax 3 from the sphinx-mathjax-offline package, copied into _static/mathjax.
mathjax_path = "mathjax/tex-chtml.js"

html_theme = "sphinx_book_theme"
html_theme_options = {
    "repository_url": f"https://github.com/{GITHUB_REPO}",
    "repository_branch": BRANCH,
    "path_to_docs": "",
    "use_repository_button": True,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "launch_buttons": {"colab_url": "https://colab.research.google.com"},
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "navbar_persistent": [],  # the sidebar has the search field; no header bar above the page
    "footer_content_items": ["copyright.html", "extra-footer.html"],
    "extra_footer": "이 웹사이트는 노트북에 저장된 실행 결과로 만들었습니다. "
                    "노트북을 직접 실행하려면 쪽마다 있는 Colab 링크를 쓰세요.",
}
html_static_path = ["_static"]
html_css_files = ["book.css"]
html_js_files = ["search_summary.js"]
html_favicon = "_static/favicon.svg"
html_context = {"default_mode": "light"}  # stored plots are drawn on white
html_copy_source = True  # _sources/<path>.ipynb: the notebook file each page links to
html_sourcelink_suffix = ""
html_show_sourcelink = False
html_search_language = "ko"
html_search_scorer = str(BOOK / "scorer.js")
html_last_updated_fmt = None
html_permalinks_icon = "#"
