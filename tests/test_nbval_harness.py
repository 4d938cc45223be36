"""The nbval setup fails on a broken notebook: an exception or a changed output."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from dlbasics.nbtools import execute_notebook

ROOT = Path(__file__).resolve().parents[1]


def run_nbval(path):
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
           "--nbval-current-env", "--nbval-sanitize-with", str(ROOT / "tests/nbval_sanitize.cfg"),
           "--rootdir", str(ROOT), str(path)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.fixture
def executed(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("x = 21\nprint(2 * x)"),
                nbformat.v4.new_code_cell("# NBVAL_IGNORE_OUTPUT\nimport time\nprint(time.time())"),
                nbformat.v4.new_code_cell("object()")]
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    execute_notebook(path)
    return path


def edit_cell(path, index, change):
    nb = nbformat.read(path, as_version=4)
    change(nb.cells[index])
    nbformat.write(nb, path)


def test_unchanged_notebook_passes_with_ignored_timing_and_sanitised_address(executed):
    result = run_nbval(executed)
    assert result.returncode == 0, result.stdout[-2000:]


def test_changed_output_fails(executed):
    edit_cell(executed, 0, lambda cell: cell.outputs[0].update(text="41\n"))
    result = run_nbval(executed)
    assert result.returncode == 1 and "1 failed" in result.stdout


def test_exception_fails(executed):
    edit_cell(executed, 0, lambda cell: cell.update(source="raise RuntimeError('고장')"))
    result = run_nbval(executed)
    assert result.returncode == 1 and "RuntimeError" in result.stdout
