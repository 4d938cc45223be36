"""What readers and nbval see: every book notebook executed, clean and listed in the TOC."""

import json
import re
from pathlib import Path

import nbformat
import pytest

from dlbasics.tools.nbtools import update_toc

ROOT = Path(__file__).resolve().parents[1]
EXECUTED = [*sorted((ROOT / "chapters").glob("*.ipynb")),
            *sorted((ROOT / "solutions").glob("*.ipynb"))]
ALL = EXECUTED + sorted((ROOT / "labs").glob("*.ipynb"))
# nbval reads these cell tags; its comment markers (# NBVAL_...) are not used in the book.
NBVAL_TAGS = {"nbval-ignore-output", "nbval-check-output", "nbval-skip", "raises-exception"}
NBVAL_COMMENT = re.compile(r"^\s*#+\s*(NBVAL_|PYTEST_VALIDATE_)", re.M)
PROGRESS_BAR = re.compile(r"\d+%\|")
MACHINE_PATHS = re.compile(r"/(?:home|root|work|Users)/|/tmp/ipykernel|[A-Z]:\\\\Users")


def ids(paths):
    return [p.relative_to(ROOT).as_posix() for p in paths]


@pytest.mark.parametrize("path", EXECUTED, ids=ids(EXECUTED))
def test_notebook_is_executed_in_order_without_errors(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    counts = [c.execution_count for c in code]
    assert None not in counts, f"{sum(c is None for c in counts)} code cells not executed"
    assert counts == list(range(1, len(code) + 1)), "execute top to bottom in a fresh kernel"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"stored error output: {errors[0].ename}: {errors[0].evalue}"


@pytest.mark.parametrize("path", EXECUTED, ids=ids(EXECUTED))
def test_outputs_hold_no_machine_paths_or_warnings(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        text = json.dumps(cell.outputs, ensure_ascii=False)
        assert not MACHINE_PATHS.search(text), f"machine path in the output of:\n{cell.source}"
        stderr = [o.text for o in cell.outputs if o.get("name") == "stderr"]
        assert not any("Warning" in s for s in stderr), f"warning in:\n{cell.source}\n{stderr}"


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_nbval_instructions_are_cell_tags_not_comments(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert not NBVAL_COMMENT.search(cell.source), (
            f"use the cell tag (one of {sorted(NBVAL_TAGS)}), not a comment, in:\n{cell.source}")
        tags = cell.metadata.get("tags", [])
        assert isinstance(tags, list), f"cell tags must be a list in:\n{cell.source}"
        assert "nbval-ignore-output" not in tags or "nbval-check-output" not in tags


@pytest.mark.parametrize("path", EXECUTED, ids=ids(EXECUTED))
def test_outputs_hold_no_progress_bars(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            text = json.dumps(cell.outputs, ensure_ascii=False)
            assert not PROGRESS_BAR.search(text), (
                f"a half-drawn progress bar is stored; run `make execute` on {path.name}:\n"
                f"{cell.source}")


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_notebook_uses_the_python3_kernel_and_an_ascii_name(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert path.name.isascii() and " " not in path.name


def test_table_of_contents_lists_every_notebook():
    stale = update_toc(ROOT, write=False)
    assert not stale, f"run `make toc`: the table of contents is stale in {stale}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in ALL:
        assert path.relative_to(ROOT).as_posix() in readme
