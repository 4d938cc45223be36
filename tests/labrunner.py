"""Run a lab's cells in this process, as a student's kernel (visible checks) or the grader
(visible and hidden checks) would, without starting a Jupyter kernel.

Used by the mutation tests (tests/test_mutations.py): a common mistake is applied to the
solution's answer, and the outcome of every check cell is compared between the two runs.
"""

import contextlib
import io
import linecache
import os
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from dlbasics.tools.labgen import HIDDEN_TESTS, nbgrader_meta, replace_regions

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Run:
    """Outcome of one run: {grade_id: None when the check passed, else its message}."""

    checks: dict = field(default_factory=dict)
    output: str = ""

    def failed(self, grade_id):
        return self.checks.get(grade_id) is not None


def solution(name):
    return nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)


def mutate(nb, grade_id, old, new):
    """A copy of ``nb`` whose cell ``grade_id`` has ``old`` replaced by ``new`` (once)."""
    nb = nbformat.from_dict(nb)
    cell = next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == grade_id)
    assert cell.source.count(old) == 1, f"{grade_id}: {old!r} occurs {cell.source.count(old)}×"
    cell.source = cell.source.replace(old, new)
    return nb


def run(nb, hidden, skip=(), stop_after=None):
    """Run the code cells of ``nb`` in a fresh namespace; check cells with their hidden tests
    when ``hidden``. Cells whose id or grade_id is in ``skip`` are left out; the run ends
    after the cell ``stop_after`` (an id or grade_id). A failing cell does not stop the run."""
    namespace = {"__name__": "__main__"}
    result, out = Run(), io.StringIO()
    previous = os.getcwd()
    try:
        for index, cell in enumerate(nb.cells):
            meta = nbgrader_meta(cell)
            names = {cell.get("id"), meta.get("grade_id")}
            if cell.cell_type != "code" or names & set(skip):
                continue
            source = cell.source if hidden else replace_regions(cell.source, HIDDEN_TESTS, ())[0]
            filename = f"<cell {index}>"
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
            try:
                with contextlib.redirect_stdout(out):
                    exec(compile(source, filename, "exec"), namespace)
                error = None
            except Exception as err:  # what the cell shows: type and message
                error = f"{type(err).__name__}: {err}"
            if meta.get("grade"):
                result.checks[meta["grade_id"]] = error
            if stop_after is not None and stop_after in names:
                break
    finally:
        os.chdir(previous)
    result.output = out.getvalue()
    return result
