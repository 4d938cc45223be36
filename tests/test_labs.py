"""labs/ is generated from solutions/ (make labs), is current, and gives nothing away."""

import json
import re
from pathlib import Path

import nbformat
import pytest

from dlbasics.tools import labgen
from dlbasics.tools.labgen import (
    HIDDEN_TESTS,
    MARKDOWN_STUB,
    SOLUTION,
    make_lab,
    nbgrader_meta,
    replace_regions,
    validate_nbgrader,
)

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
NAMES = [path.stem for path in SOLUTIONS]


def meta(grade_id, kind, points=1):
    m = {"grade": kind == "test", "grade_id": grade_id, "locked": kind == "test",
         "schema_version": 3, "solution": kind == "solution", "task": False}
    if kind == "test":
        m["points"] = points
    return m


def toy_solution(first="# 실습 9: 장난감\n\n[![Colab](b.svg)](https://x/blob/main/solutions/toy.ipynb)"):
    nb = nbformat.v4.new_notebook()
    answer = nbformat.v4.new_code_cell(
        "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION")
    answer.metadata["nbgrader"] = meta("f_answer", "solution")
    answer.outputs, answer.execution_count = [], 3
    check = nbformat.v4.new_code_cell(
        "assert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(41) == 42\n### END HIDDEN TESTS\n"
        "print('ok')")
    check.metadata["nbgrader"] = meta("f_check", "test", 2)
    check.metadata["execution"] = {"iopub.status.busy": "2026-01-01"}
    check.outputs = [nbformat.v4.new_output("stream", text="ok\n")]
    check.execution_count = 4
    nb.cells = [nbformat.v4.new_markdown_cell(first), answer, check]
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def test_replace_regions_keeps_indentation_and_counts():
    source = "def f():\n    a = 1\n    ### BEGIN SOLUTION\n    return a\n    ### END SOLUTION\n"
    new, count = replace_regions(source, SOLUTION, ("# 빈칸", "raise NotImplementedError"))
    assert count == 1
    assert new == "def f():\n    a = 1\n    # 빈칸\n    raise NotImplementedError\n"
    assert replace_regions("x = 1", SOLUTION, ()) == ("x = 1", 0)


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\nx = 1", "never closed"),
    ("x = 1\n### END SOLUTION", "without"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another"),
])
def test_replace_regions_rejects_unbalanced_markers(source, message):
    with pytest.raises(ValueError, match=message):
        replace_regions(source, SOLUTION, ())


def test_make_lab_blanks_solutions_drops_hidden_tests_and_outputs():
    solution = toy_solution()
    lab = make_lab(solution, "toy")
    answer, check = lab.cells[1], lab.cells[2]
    assert "return x + y" not in answer.source and "    y = 1" in answer.source
    assert '    raise NotImplementedError("' in answer.source
    assert "41" not in check.source and "HIDDEN" not in check.source
    assert check.source == "assert f(1) == 2\nprint('ok')"
    assert check.outputs == [] and check.execution_count is None
    assert answer.execution_count is None and "execution" not in check.metadata
    assert check.metadata.nbgrader == solution.cells[2].metadata.nbgrader
    assert check.metadata.editable is False and check.metadata.deletable is False
    assert "editable" not in answer.metadata
    assert [c.id for c in lab.cells] == [c.id for c in solution.cells]
    assert lab.metadata.dlbasics == {"lab": "toy"}
    assert solution.cells[2].outputs, "the solution itself is left unchanged"


def test_make_lab_points_badges_at_the_lab():
    lab = make_lab(toy_solution(), "toy")
    assert "blob/main/labs/toy.ipynb" in lab.cells[0].source
    assert "solutions/toy.ipynb" not in lab.cells[0].source


def test_make_lab_replaces_markdown_answers():
    nb = toy_solution()
    cell = nbformat.v4.new_markdown_cell("답:\n### BEGIN SOLUTION\n비밀\n### END SOLUTION")
    cell.metadata["nbgrader"] = {**meta("essay", "solution"), "grade": True, "points": 1}
    nb.cells.append(cell)
    assert make_lab(nb, "toy").cells[-1].source == "답:\n여기에 답을 쓰세요 (YOUR ANSWER HERE)"


@pytest.mark.parametrize("change, message", [
    (lambda nb: nb.cells[2].metadata.nbgrader.update(grade_id="f_answer"), "duplicate"),
    (lambda nb: nb.cells[2].metadata.nbgrader.pop("points"), "points"),
    (lambda nb: nb.cells[2].metadata.nbgrader.update(grade_id="빈 칸"), "grade_id"),
    (lambda nb: nb.cells[2].metadata.nbgrader.update(schema_version=2), "schema_version"),
    (lambda nb: nb.cells[2].metadata.nbgrader.update(extra=1), "keys"),
    (lambda nb: nb.cells[1].metadata.pop("nbgrader"), "without solution=true"),
    (lambda nb: nb.cells[2].metadata.nbgrader.update(grade=False), "without grade=true"),
])
def test_validate_nbgrader_rejects_what_nbgrader_rejects(change, message):
    nb = toy_solution()
    validate_nbgrader(nb)
    change(nb)
    with pytest.raises(ValueError, match=message):
        validate_nbgrader(nb)


def test_generate_writes_checks_and_removes_orphans(tmp_path):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "labs").mkdir()
    nbformat.write(toy_solution(), tmp_path / "solutions" / "toy.ipynb")
    (tmp_path / "labs" / "old.ipynb").write_text("{}")
    assert labgen.main(["--root", str(tmp_path), "--check"]) == 1
    assert labgen.generate(tmp_path) == [tmp_path / "labs" / "toy.ipynb",
                                         tmp_path / "labs" / "old.ipynb"]
    assert not (tmp_path / "labs" / "old.ipynb").exists()
    assert labgen.stale_labs(tmp_path) == []
    assert labgen.main(["--root", str(tmp_path), "--check"]) == 0
    text = (tmp_path / "labs" / "toy.ipynb").read_text(encoding="utf-8")
    assert text == labgen.lab_text(tmp_path / "solutions" / "toy.ipynb")
    assert text.endswith("}\n")


def test_a_lab_is_stale_after_its_solution_or_itself_changes(tmp_path):
    (tmp_path / "solutions").mkdir()
    solution, lab = tmp_path / "solutions" / "toy.ipynb", tmp_path / "labs" / "toy.ipynb"
    nbformat.write(toy_solution(), solution)
    labgen.generate(tmp_path)
    assert labgen.generate(tmp_path) == [], "a second run changes nothing (deterministic)"
    nb = nbformat.read(solution, as_version=4)
    nb.cells[2].source = nb.cells[2].source.replace("f(1) == 2", "f(2) == 3")
    nbformat.write(nb, solution)
    assert labgen.stale_labs(tmp_path) == [lab]
    labgen.generate(tmp_path)
    lab.write_text(lab.read_text(encoding="utf-8").replace("f(2) == 3", "True"),
                   encoding="utf-8")
    assert labgen.stale_labs(tmp_path) == [lab], "a lab edited by hand is stale"


def test_a_solution_cell_without_an_id_is_refused(tmp_path):
    path = tmp_path / "toy.ipynb"
    data = json.loads(nbformat.writes(toy_solution()))
    del data["cells"][1]["id"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match=r"cells \[1\] have no id"):
        labgen.lab_text(path)


# The book's own solutions and labs.

def test_there_are_six_labs_and_each_solution_has_its_lab():
    assert len(SOLUTIONS) >= 6
    assert sorted(p.name for p in (ROOT / "labs").glob("*.ipynb")) == [p.name for p in SOLUTIONS]


def test_labs_are_current():
    assert labgen.stale_labs(ROOT) == [], "labs/ is stale: run `make labs`"


@pytest.mark.parametrize("path", SOLUTIONS, ids=NAMES)
def test_solution_metadata_is_valid_nbgrader(path):
    nb = nbformat.read(path, as_version=4)
    validate_nbgrader(nb)
    assert re.match(r"# 실습 \d+: ", nb.cells[0].source), "title: '# 실습 N: ...'"
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert graded and answers
    for cell in graded:
        meta = cell.metadata.nbgrader
        if cell.cell_type == "markdown":  # a written answer, graded by the instructor
            assert meta["solution"] and not meta["locked"]
        else:
            assert cell.cell_type == "code" and meta["locked"] and not meta["solution"]
        assert meta["points"] > 0
    for cell in answers:
        assert SOLUTION[0] in cell.source, f"{cell.id}: a solution cell without a solution"


@pytest.mark.parametrize("path", SOLUTIONS, ids=NAMES)
def test_every_lab_has_a_reasoning_question_graded_by_hand(path):
    """Issue 16: a short written answer, nbgrader's manually graded answer (a markdown cell with
    grade and solution), its model answer and rubric inside the solution region."""
    nb = nbformat.read(path, as_version=4)
    written = [c for c in nb.cells if c.cell_type == "markdown"
               and c.metadata.get("nbgrader", {}).get("grade")]
    assert written, f"{path.name}: no reasoning question"
    for cell in written:
        assert "모범 답안" in cell.source and "채점 기준" in cell.source
        assert cell.source.startswith(SOLUTION[0]) and cell.source.endswith(SOLUTION[1])


@pytest.mark.parametrize("path", SOLUTIONS, ids=NAMES)
def test_lab_has_no_outputs_and_no_solution_or_hidden_text(path):
    solution = nbformat.read(path, as_version=4)
    lab = nbformat.read(ROOT / "labs" / path.name, as_version=4)
    assert lab.metadata.dlbasics == {"lab": path.stem}
    assert [c.id for c in lab.cells] == [c.id for c in solution.cells]
    for sol_cell, lab_cell in zip(solution.cells, lab.cells, strict=True):
        assert lab_cell.metadata.get("nbgrader") == sol_cell.metadata.get("nbgrader")
        for marker in (*SOLUTION, *HIDDEN_TESTS):
            assert marker not in lab_cell.source
        if lab_cell.cell_type == "code":
            assert lab_cell.outputs == [] and lab_cell.execution_count is None
        hidden = re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS",
                            sol_cell.source, re.S)
        visible = set(replace_regions(sol_cell.source, HIDDEN_TESTS, ())[0].splitlines())
        for line in set("".join(hidden).splitlines()) - visible:
            if line.strip():
                assert line not in lab_cell.source.splitlines(), f"hidden test in the lab: {line}"
        if sol_cell.metadata.get("nbgrader", {}).get("solution"):
            blank = ("raise NotImplementedError" if sol_cell.cell_type == "code"
                     else MARKDOWN_STUB[0])
            assert blank in lab_cell.source


def test_the_lab_templates_give_nothing_away():
    """dlbasics/tools/lab_templates.py (for the students' pre-submission check) holds exactly
    what the labs show (which hold no solution or hidden test, tested above)."""
    from dlbasics.tools.grade.assemble import template
    from dlbasics.tools.lab_templates import TEMPLATES

    labs = {p.stem: nbformat.read(p, as_version=4) for p in sorted((ROOT / "labs").glob("*.ipynb"))}
    assert {name: template(lab) for name, lab in labs.items()} == TEMPLATES
    text = (ROOT / labgen.TEMPLATES_MODULE).read_text(encoding="utf-8")
    for marker in (*SOLUTION, *HIDDEN_TESTS):
        assert marker not in text


# The labs' prose is about the lab and deep learning, not about the test harness (issue 13).
LAB_HARNESS_WORDS = {
    "nbval": re.compile(r"nbval|NBVAL", re.I),
    "what is not checked": re.compile(r"검사하지 않|비교하지 않습니다|출력은 검사"),
    "this cell's output": re.compile(r"이 칸의 출력"),
    "thread counts": re.compile(r"스레드"),
    "seeds tried": re.compile(r"\d+\s*개의?\s*시드|시드\s*\d+\s*개|여러 시드"),
    "generous thresholds": re.compile(r"넉넉한 기준|넉넉하게 검사|기준으로 검사|기준으로 확인"),
    "making-of asides": re.compile(r"정직하게 말하면|이 책을 만들|만들 때 .{0,20}해 보니"),
    "terms": re.compile(r"시험 집합|훈련집합|테스트집합|\d에포크"),
}


@pytest.mark.parametrize("path", SOLUTIONS, ids=NAMES)
def test_lab_prose_is_about_the_lab_not_the_harness(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        text = cell.source if cell.cell_type == "markdown" else ""
        for what, pattern in LAB_HARNESS_WORDS.items():
            found = pattern.search(text)
            assert not found, f"{path.name}: {what} ({found.group(0)!r}) in:\n{text}"


@pytest.mark.parametrize("path", SOLUTIONS, ids=NAMES)
def test_check_cells_show_values_not_bare_verdicts(path):
    """A check cell prints ✔ 통과 (its lesson) with the value it checked, never 'x ≥ y: True'."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            text = "".join(out.get("text") or out.get("data", {}).get("text/plain", ""))
            assert not re.search(r"\b(True|False)\s*$", text, re.M), f"{path.name}: {text}"
        if nbgrader_meta(cell).get("grade") and cell.cell_type == "code":
            assert cell.source.startswith("with checks.checking(") or \
                "\nwith checks.checking(" in cell.source, f"{path.name}: {cell.source[:80]}"
