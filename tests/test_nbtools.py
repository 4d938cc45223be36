import nbformat
import pytest
from nbfactory import make_notebook

from dlbasics.tools import nbtools


def test_execute_notebook_stores_outputs_in_the_notebook_folder(tmp_path):
    path = make_notebook(tmp_path / "a.ipynb", ["import os\nprint(os.path.basename(os.getcwd()))",
                                                "1 + 1"])
    nbtools.execute_notebook(path)
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[1].outputs[0].text == f"{tmp_path.name}\n"
    assert nb.cells[2].outputs[0].data["text/plain"] == "2"
    assert "execution" not in nb.cells[1].metadata


def test_executed_notebooks_store_no_progress_bars(tmp_path):
    path = make_notebook(tmp_path / "a.ipynb", [
        "from tqdm.auto import tqdm\nfor _ in tqdm(range(3)): pass",  # off by TQDM_DISABLE
        "from tqdm.auto import tqdm\nfor _ in tqdm(range(3), disable=False): pass\nprint('끝')"])
    nbtools.execute_notebook(path)
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[1].outputs == []
    assert [out.get("text") for out in nb.cells[2].outputs] == ["끝\n"]


def test_toc_lists_sections_with_titles_and_relative_links(tmp_path):
    for folder in ("chapters", "labs", "solutions"):
        (tmp_path / folder).mkdir()
    make_notebook(tmp_path / "chapters" / "00_getting_started.ipynb", [], "# 시작하기")
    make_notebook(tmp_path / "labs" / "lab1.ipynb", [], "# 실습 1\n본문")
    (tmp_path / "README.md").write_text("머리말\n\n<!-- toc -->\n옛 차례\n<!-- /toc -->\n꼬리\n")
    start = nbformat.read(tmp_path / "chapters" / "00_getting_started.ipynb", as_version=4)
    start.cells.append(nbformat.v4.new_markdown_cell("## 차례\n\n<!-- toc -->\n<!-- /toc -->"))
    nbformat.write(start, tmp_path / "chapters" / "00_getting_started.ipynb")

    assert len(nbtools.update_toc(tmp_path)) == 2
    readme = (tmp_path / "README.md").read_text()
    assert "- [시작하기](chapters/00_getting_started.ipynb)" in readme
    assert "- [실습 1](labs/lab1.ipynb)" in readme and "옛 차례" not in readme
    assert readme.endswith("<!-- /toc -->\n꼬리\n")
    cell = nbformat.read(tmp_path / "chapters" / "00_getting_started.ipynb", as_version=4).cells[-1]
    assert "- [실습 1](../labs/lab1.ipynb)" in cell.source
    assert nbtools.update_toc(tmp_path) == []  # idempotent


def test_toc_needs_both_markers(tmp_path):


    (tmp_path / "chapters").mkdir()
    (tmp_path / "README.md").write_text("<!-- toc -->\n뒤에 남을 글\n")
    with pytest.raises(ValueError, match="block"):
        nbtools.update_toc(tmp_path)
    assert "뒤에 남을 글" in (tmp_path / "README.md").read_text()
