"""The student kit (``make student-kit``) holds the labs and an installable package, no answers,
and installs into a fresh virtual environment where a lab's checks run.

The fresh environment gets the kit's package (built from the kit's own files) and what a lab's
checks import, NumPy and torch, at the pinned versions; torch comes from pip's configured wheel
cache or index (``pip install torch==2.13.0``). The full requirements.txt (JupyterLab and all)
is what a student installs; it is not needed to run the checks and would make this test slow.
"""

import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import nbformat
import pytest

from dlbasics.tools import kit
from dlbasics.tools.labgen import nbgrader_meta

ROOT = Path(__file__).resolve().parents[1]
LAB = "lab5_home_test"  # no data, no training: its checks take a second


def pinned(name):
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    return re.search(rf"^{name}==\S+", text, re.M).group(0)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return kit.build(tmp_path_factory.mktemp("kit") / kit.KIT_NAME)


def test_the_kit_holds_the_labs_and_the_package_but_no_answers(built):
    assert not (built / "solutions").exists() and kit.check(built) == []
    assert sorted(p.name for p in (built / "labs").glob("*.ipynb")) == sorted(
        p.name for p in (ROOT / "labs").glob("*.ipynb"))
    for path in (built / "labs").glob("*.ipynb"):
        assert path.read_bytes() == (ROOT / "labs" / path.name).read_bytes()
    assert (built / "dlbasics" / "checks.py").exists() and (built / "pyproject.toml").exists()
    assert (built / "README.md").read_text(encoding="utf-8") == (
        ROOT / "labs" / "README.md").read_text(encoding="utf-8")
    assert not list(built.rglob("__pycache__"))
    with zipfile.ZipFile(built.with_suffix(".zip")) as archive:
        names = archive.namelist()
    assert f"{kit.KIT_NAME}/labs/{LAB}.ipynb" in names and not any("solutions" in n for n in names)


def test_a_solution_in_the_kit_is_refused(tmp_path):
    (tmp_path / "labs").mkdir()
    (tmp_path / "labs" / "leak.ipynb").write_text("### BEGIN HIDDEN TESTS", encoding="utf-8")
    assert kit.check(tmp_path) == [str(Path("labs", "leak.ipynb"))]


# Runs a lab's code cells in the fresh environment, with the answers given in a JSON file
# ({grade_id: source}); prints what the cells print and, for each check cell, its error.
RUNNER = textwrap.dedent('''
    import json, sys, traceback
    nb = json.load(open(sys.argv[1], encoding="utf-8"))
    answers = json.load(open(sys.argv[2], encoding="utf-8"))
    namespace = {"__name__": "__main__"}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        meta = cell["metadata"].get("nbgrader", {})
        source = answers.get(meta.get("grade_id"), "".join(cell["source"]))
        try:
            exec(compile(source, "<cell>", "exec"), namespace)
        except Exception as err:
            if meta.get("grade"):
                print(f"✘ {meta['grade_id']}: {type(err).__name__}: {err}")
    import dlbasics
    print("dlbasics from", dlbasics.__file__)
''')


def test_the_kit_installs_in_a_fresh_venv_and_runs_a_lab(built, tmp_path):
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    python = env_dir / ("Scripts" if os.name == "nt" else "bin") / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
           "--no-compile"]  # the checks need no byte-compiled torch; it saves time
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    subprocess.run([*pip, pinned("numpy"), pinned("torch")], check=True, env=environ,
                   cwd=tmp_path, timeout=900)
    subprocess.run([*pip, "--no-deps", str(built)], check=True, env=environ, cwd=tmp_path,
                   timeout=300)
    solution = nbformat.read(ROOT / "solutions" / f"{LAB}.ipynb", as_version=4)
    answers = {nbgrader_meta(c)["grade_id"]: c.source for c in solution.cells
               if nbgrader_meta(c).get("solution")}
    (tmp_path / "runner.py").write_text(RUNNER, encoding="utf-8")
    (tmp_path / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
    (tmp_path / "none.json").write_text("{}", encoding="utf-8")
    lab = built / "labs" / f"{LAB}.ipynb"
    solved = subprocess.run([str(python), "runner.py", str(lab), "answers.json"], cwd=tmp_path,
                            env=environ, capture_output=True, text=True, timeout=300)
    assert solved.returncode == 0, solved.stderr
    assert solved.stdout.count("✔ 통과") == 9 and "✘" not in solved.stdout, solved.stdout
    assert str(env_dir) in solved.stdout, "the installed package, not the book's"
    untouched = subprocess.run([str(python), "runner.py", str(lab), "none.json"], cwd=tmp_path,
                               env=environ, capture_output=True, text=True, timeout=300)
    failures = [line for line in untouched.stdout.splitlines() if line.startswith("✘")]
    assert len(failures) == 9 and all("NotImplementedError" in line for line in failures)
    assert "아직 풀지 않은 빈칸입니다" in failures[0]
