"""Colab: a badge under the title and a first cell that installs the package on Colab only."""

import re
import subprocess
import sys
import tomllib
import types
from pathlib import Path

import nbfactory
import nbformat
import pytest
from nbclient import NotebookClient

from dlbasics import tools
from dlbasics.tools import colab

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = [*sorted((ROOT / "chapters").glob("*.ipynb")),
             *sorted((ROOT / "solutions").glob("*.ipynb")),
             *sorted((ROOT / "labs").glob("*.ipynb"))]
NOTEBOOK_IDS = [p.relative_to(ROOT).as_posix() for p in NOTEBOOKS]


def make_notebook(path, title="# 제목\n\n본문 첫 줄", sources=("print(1 + 1)",)):
    return nbfactory.make_notebook(path, sources, title)


def run_install_cell(monkeypatch, on_colab):
    """Execute the install cell's source; return the commands it passed to subprocess.run."""
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append((cmd, kw)))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(colab.install_source("someone/book"), {})
    return calls


def test_badge_goes_under_the_title_and_links_to_the_path_in_the_repo(tmp_path):
    path = make_notebook(tmp_path / "solutions" / "lab1.ipynb")
    assert colab.apply(path, repo="someone/book", root=tmp_path)
    title, *_ = nbformat.read(path, as_version=4).cells
    lines = title.source.splitlines()
    assert lines[:2] == ["# 제목", ""] and lines[3:] == ["", "본문 첫 줄"]
    url = "https://colab.research.google.com/github/someone/book/blob/main/solutions/lab1.ipynb"
    assert lines[2] == f"[![Colab에서 열기 (Open in Colab)]({colab.BADGE_IMAGE})]({url})"


def test_install_cell_is_the_first_code_cell_and_tagged(tmp_path):
    path = make_notebook(tmp_path / "a.ipynb", sources=("x = 1", "print(x)"))
    colab.apply(path, repo="someone/book", root=tmp_path)
    cells = nbformat.read(path, as_version=4).cells
    assert [c.cell_type for c in cells] == ["markdown", "code", "code", "code"]
    assert cells[1].source == colab.install_source("someone/book")
    assert cells[1].metadata.tags == [colab.INSTALL_TAG]
    assert "someone/book/archive/refs/heads/main.zip" in cells[1].source


def test_applying_twice_changes_nothing_and_another_repo_rewrites_the_links(tmp_path):
    path = make_notebook(tmp_path / "a.ipynb")
    colab.apply(path, repo="someone/book", root=tmp_path)
    first = path.read_bytes()
    assert not colab.apply(path, repo="someone/book", root=tmp_path)
    assert path.read_bytes() == first
    assert colab.apply(path, repo="other/place", root=tmp_path)
    text = path.read_text(encoding="utf-8")
    assert "someone/book" not in text and text.count(colab.BADGE_IMAGE) == 1
    assert text.count(colab.INSTALL_HEADER) == 1


def test_a_title_only_cell_gets_the_badge_after_it(tmp_path):
    path = make_notebook(tmp_path / "a.ipynb", title="# 제목")
    colab.apply(path, repo="someone/book", root=tmp_path)
    source = nbformat.read(path, as_version=4).cells[0].source
    assert source.startswith("# 제목\n\n[![Colab") and source.endswith("a.ipynb)")


def test_check_mode_reports_stale_notebooks_without_writing(tmp_path):
    path = make_notebook(tmp_path / "a.ipynb")
    before = path.read_bytes()
    assert colab.apply(path, repo="someone/book", root=tmp_path, write=False)
    assert path.read_bytes() == before


def test_install_cell_does_nothing_outside_colab(monkeypatch, capsys):
    assert run_install_cell(monkeypatch, on_colab=False) == []
    assert capsys.readouterr() == ("", "")


def test_install_cell_pip_installs_from_github_on_colab(monkeypatch):
    (cmd, kwargs), = run_install_cell(monkeypatch, on_colab=True)
    assert cmd[:4] == [sys.executable, "-m", "pip", "install"]
    assert cmd[-1] == "dlbasics @ https://github.com/someone/book/archive/refs/heads/main.zip"
    assert kwargs == {"check": True}


def test_install_cell_prints_nothing_in_a_real_kernel(tmp_path):
    path = make_notebook(tmp_path / "a.ipynb", sources=())
    colab.apply(path, repo="someone/book", root=tmp_path)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    assert nb.cells[1].outputs == []


@pytest.mark.parametrize("repo", ["book", "a/b/c", "https://github.com/a/b", "", None, "a/b c"])
def test_bad_repo_names_are_refused(repo):
    with pytest.raises(ValueError, match="OWNER/NAME"):
        colab.colab_url("chapters/a.ipynb", repo)


def test_notebook_outside_the_repository_or_without_title_is_refused(tmp_path):
    outside = make_notebook(tmp_path / "elsewhere" / "a.ipynb")
    with pytest.raises(ValueError, match="not inside"):
        colab.apply(outside, repo="someone/book", root=tmp_path / "repo")
    untitled = make_notebook(tmp_path / "b.ipynb", title="제목 줄이 없는 글")
    with pytest.raises(ValueError, match="# 제목"):
        colab.apply(untitled, repo="someone/book", root=tmp_path)


def test_command_line_check_fails_on_a_stale_notebook_until_the_tool_runs(
        tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(tools, "book_root", lambda: tmp_path)
    path = str(make_notebook(tmp_path / "chapters" / "a.ipynb"))
    assert colab.main(["--check", "--repo", "someone/book", path]) == 1
    assert colab.main(["--repo", "someone/book", path]) == 0
    assert "re-execute" in capsys.readouterr().out
    assert colab.main(["--check", "--repo", "someone/book", path]) == 0
    assert colab.main(["--check", path]) == 1  # the default repository differs
    with pytest.raises(SystemExit):
        colab.main(["--repo", "not a repo", path])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_every_notebook_has_current_colab_cells(path):
    assert not colab.apply(path, write=False), f"run `make colab` (then `make labs`): {path}"


def test_package_dependencies_leave_colabs_torch_numpy_and_matplotlib_alone():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {re.split(r"[<>=!~;\[ ]", dep, maxsplit=1)[0]: dep for dep in project["dependencies"]}
    for name in ("torch", "numpy", "matplotlib"):  # preinstalled on Colab
        assert names.get(name) == name, f"{names.get(name)!r}: a pin would replace Colab's build"
    assert {"koreanize-matplotlib", "mlxtend", "tqdm"} <= set(names)  # font, data, progress bars
    assert project["requires-python"] == ">=3.11"  # Colab runs Python 3.12
