"""The code a chapter teaches has one source, the chapter: `make collect` copies its `#@save` cells
into the package, and this test fails when a collected module and its chapter disagree."""

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from nbfactory import make_notebook

from dlbasics.tools import collect

ROOT = Path(__file__).resolve().parents[1]


def test_collected_modules_are_current():
    stale = collect.collect(ROOT, write=False)
    names = [str(p.relative_to(ROOT)) for p in stale]
    assert not stale, f"run `make collect`: {names} differ from their chapters' #@save cells"


@pytest.mark.parametrize("path", sorted(collect.generated_files(ROOT)),
                         ids=lambda p: p.name)
def test_collected_module_imports(path):
    importlib.import_module(f"dlbasics.{path.stem}")


SAVED = ["#@save toy\nimport numpy as np\n\n\ndef double(x):\n    \"\"\"2x.\"\"\"\n"
         "    return 2 * x",
         "print(double(3))  # not saved: a demonstration",
         "#@save toy\nimport math\n\nfrom dlbasics import functional as F\nimport numpy as np\n\n\n"
         "def probabilities(s):\n    \"\"\"softmax of s.\"\"\"\n    p = F.softmax(np.asarray(s))\n"
         "    assert math.isclose(p.sum(), 1.0)\n    return p"]


@pytest.fixture
def book(tmp_path):
    (tmp_path / "dlbasics").mkdir()
    make_notebook(tmp_path / "chapters" / "4_9_toy.ipynb", SAVED, title="# 4.9 장난감")
    return tmp_path


def test_saved_cells_become_one_module_with_its_imports_on_top(book):
    assert collect.collect(book) == [book / "dlbasics" / "toy.py"]
    text = (book / "dlbasics" / "toy.py").read_text(encoding="utf-8")
    assert text.startswith(collect.GENERATED)
    assert "4.9 장난감" in text and "chapters/4_9_toy.ipynb" in text and "#@save toy" in text
    body = text.split('"""', 2)[2]
    assert body.index("import math") < body.index("import numpy as np") < body.index(
        "from dlbasics import functional as F") < body.index("def double")
    assert body.count("import numpy as np") == 1 and "print(double(3))" not in body
    namespace = {}
    exec(compile(text, "toy.py", "exec"), namespace)  # noqa: S102 (our own generated module)
    assert namespace["double"](4) == 8 and abs(namespace["probabilities"]([0, 0]).sum() - 1) < 1e-12
    ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated",
                           "--select", "E,F,W,I", "--line-length", "100",
                           str(book / "dlbasics" / "toy.py")], capture_output=True, text=True)
    assert ruff.returncode == 0, ruff.stdout


def test_a_module_that_starts_with_an_assignment_is_ruff_clean(book):
    make_notebook(book / "chapters" / "4_9_toy.ipynb",
                  ["#@save toy\nimport numpy as np\n\nHALF = np.float64(0.5)\n\n\n"
                   "def half(x):\n    return HALF * x"])
    collect.collect(book)
    ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated",
                           "--select", "E,F,W,I", "--line-length", "100",
                           str(book / "dlbasics" / "toy.py")],
                          capture_output=True, text=True)
    assert ruff.returncode == 0, ruff.stdout


def test_editing_either_side_alone_makes_the_module_stale(book):
    collect.collect(book)
    module = book / "dlbasics" / "toy.py"
    assert collect.collect(book, write=False) == []
    module.write_text(module.read_text(encoding="utf-8").replace("2 * x", "3 * x"),
                      encoding="utf-8")
    assert collect.collect(book, write=False) == [module]  # the package edited alone
    collect.collect(book)
    make_notebook(book / "chapters" / "4_9_toy.ipynb", [SAVED[0].replace("2 * x", "x + x")])
    assert collect.collect(book, write=False) == [module]  # the chapter edited alone
    assert collect.main(["--root", str(book), "--check"]) == 1
    assert collect.main(["--root", str(book)]) == 0 and "x + x" in module.read_text("utf-8")


def test_a_module_whose_markers_are_gone_is_deleted_and_hand_written_ones_are_kept(book):
    collect.collect(book)
    make_notebook(book / "chapters" / "4_9_toy.ipynb", ["print('no markers')"])
    (book / "dlbasics" / "hand.py").write_text("X = 1\n", encoding="utf-8")
    assert collect.collect(book) == [book / "dlbasics" / "toy.py"]
    assert not (book / "dlbasics" / "toy.py").exists() and (book / "dlbasics" / "hand.py").exists()
    make_notebook(book / "chapters" / "4_9_toy.ipynb", ["#@save hand\nX = 2"])
    with pytest.raises(ValueError, match="hand-written"):
        collect.collect(book)


@pytest.mark.parametrize("marker", ["#@save", "#@save two words", "#@save 1abc", "#@save a-b"])
def test_a_malformed_marker_names_the_cell(book, marker):
    make_notebook(book / "chapters" / "4_9_toy.ipynb", [f"{marker}\nX = 1"])
    with pytest.raises(ValueError, match="4_9_toy.ipynb, cell 1.*#@save NAME"):
        collect.collect(book)


def test_a_saved_cell_that_does_not_parse_is_refused(book):
    make_notebook(book / "chapters" / "4_9_toy.ipynb", ["#@save toy\n%timeit 1 + 1"])
    with pytest.raises(ValueError, match="cell 1: the saved cell does not parse"):
        collect.collect(book)
