"""The modules a lab forbids by name exist: a renamed module would silently stop being forbidden.

A lab's own-work check (``checks.check_own_work(fn, "dlbasics.conv", ...)``) names modules as
strings. When a module moves (dlbasics.conv_loops became dlbasics.conv), a stale string forbids
nothing; this test reads every string passed to check_own_work, directly or through a tuple
named in the call, and imports it.
"""

import ast
import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def forbidden_names(nb):
    """The string arguments of every check_own_work call, with tuples named by ``*NAME``."""
    tuples, names = {}, set()
    calls = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple)
                    and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
                tuples[node.targets[0].id] = [e.value for e in node.value.elts
                                              if isinstance(e, ast.Constant)]
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "check_own_work"):
                calls.append(node)
    for call in calls:
        for arg in call.args[1:]:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                names.add(arg.value)
            elif isinstance(arg, ast.Starred) and isinstance(arg.value, ast.Name):
                names.update(v for v in tuples.get(arg.value.id, []) if isinstance(v, str))
    return names


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_module_a_lab_forbids_exists(path):
    names = forbidden_names(nbformat.read(path, as_version=4))
    missing = sorted(name for name in names if importlib.util.find_spec(name) is None)
    assert not missing, f"{path.name} forbids modules that do not exist: {missing}"


def test_the_reader_finds_names_in_calls_and_in_tuples():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        'FORBIDDEN = ("torch", "dlbasics.gone")\n'
        'checks.check_own_work(f, *FORBIDDEN)\n'
        'checks.check_own_work(g, np.correlate, "scipy")')]
    assert forbidden_names(nb) == {"torch", "dlbasics.gone", "scipy"}
