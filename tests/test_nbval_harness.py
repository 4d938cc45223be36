"""The nbval setup fails on a broken notebook: an exception or a changed output."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbfactory import make_notebook

from dlbasics.tools.nbtools import execute_notebook

ROOT = Path(__file__).resolve().parents[1]
FIRST_CODE = 1  # cell 0 is the title


def run_nbval(path):
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
           "--nbval-current-env", "--nbval-sanitize-with", str(ROOT / "tests/nbval_sanitize.cfg"),
           "--rootdir", str(ROOT), str(path)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.fixture
def executed(tmp_path):
    path = make_notebook(tmp_path / "probe.ipynb", [
        "x = 21\nprint(2 * x)",
        "import time\nprint(time.time())",
        "object()"])  # its repr holds a memory address, which the sanitiser replaces
    timing = FIRST_CODE + 1
    edit_cell(path, timing, lambda cell: cell.metadata.update(tags=["nbval-ignore-output"]))
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
    edit_cell(executed, FIRST_CODE, lambda cell: cell.outputs[0].update(text="41\n"))
    result = run_nbval(executed)
    assert result.returncode == 1 and "1 failed" in result.stdout


def test_exception_fails(executed):
    edit_cell(executed, FIRST_CODE, lambda cell: cell.update(source="raise RuntimeError('고장')"))
    result = run_nbval(executed)
    assert result.returncode == 1 and "RuntimeError" in result.stdout
