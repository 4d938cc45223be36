"""Small notebooks written by the tests (one place, so every test builds them the same way)."""

import nbformat


def make_notebook(path, sources=(), title="# 제목"):
    """Write a notebook with a markdown ``title`` cell and one code cell per source."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(title)]
    nb.cells += [nbformat.v4.new_code_cell(src) for src in sources]
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path
