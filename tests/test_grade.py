"""The grader gives every point earned and no other, and survives broken submissions.

Grading runs notebooks, so the solutions and the untouched labs are each graded once per
session (fixtures), and the broken submissions are built from the quick lab 5 (home test)
or from a tiny toy lab that does not import torch.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from dlbasics import grade as grader
from dlbasics.grade import grade
from dlbasics.labgen import make_lab

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
LABS = [ROOT / "labs" / path.name for path in SOLUTIONS]
HOME_TEST = "lab5_home_test"


@pytest.fixture(scope="session")
def solution_results():
    return grade(SOLUTIONS)


@pytest.fixture(scope="session")
def lab_results():
    return grade(LABS)


def by_id(result):
    return {q["id"]: q for q in result.to_dict()["questions"]}


def test_every_solution_gets_full_marks(solution_results):
    for result in solution_results:
        failed = {q.id: q.message for q in result.questions if not q.passed}
        assert result.error is None and not failed, f"{result.notebook}: {failed}"
        assert result.score == result.max_score > 0
        assert len(result.questions) >= 3


def test_every_untouched_lab_gets_zero_with_a_not_implemented_message(lab_results):
    for result in lab_results:
        assert result.error is None
        assert result.score == 0 and result.max_score > 0
        for q in result.questions:
            assert not q.passed and q.points == 0
            assert "NotImplementedError" in q.message, f"{result.notebook} {q.id}: {q.message}"


# Submissions built from lab 5: its solution, with one answer or check cell changed.

def edited(path, changes, deleted=()):
    """The notebook at ``path`` with cells (by grade_id) replaced or deleted."""
    nb = nbformat.read(path, as_version=4)
    cells = []
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in deleted:
            continue
        if grade_id in changes:
            cell.source = changes[grade_id]
        cells.append(cell)
    nb.cells = cells
    return nb


def save(nb, path):
    nbformat.write(nb, path)
    return path


def snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.fixture(scope="module")
def broken_results(tmp_path_factory):
    """One grading run over a non-notebook and three broken lab-5 submissions, in order."""
    folder = tmp_path_factory.mktemp("submissions")
    solution = ROOT / "solutions" / f"{HOME_TEST}.ipynb"
    (folder / "essay.txt").write_text("제 답은 …", encoding="utf-8")
    paths = [
        folder / "essay.txt",
        save(edited(solution, {"conv2d_answer": "while True:\n    pass"}),
             folder / f"kim_{HOME_TEST}.ipynb"),
        save(edited(solution, {"conv1d_answer": "def conv1d_at(z, u, i, b=0.0:\n    return 0"}),
             folder / f"lee_{HOME_TEST}.ipynb"),
        save(edited(solution, {"params_check": "pass",
                               "params_answer": "def fc_params(*args, **kw):\n    return 0\n\n"
                                                "def conv_params(*args, **kw):\n    return 0"},
                    deleted={"conv1d_check"}),
             folder / f"park_{HOME_TEST}.ipynb"),
    ]
    before = snapshot(folder)
    results = grade(paths, cell_timeout=10)
    assert snapshot(folder) == before, "the grader wrote next to the submissions"
    return results


def test_grading_goes_on_after_a_file_that_is_not_a_notebook(broken_results):
    essay = broken_results[0]
    assert "노트북(.ipynb) 파일이 아닙니다" in essay.error
    assert essay.score == 0 and essay.lab is None and essay.questions == []
    assert [r.lab for r in broken_results[1:]] == [HOME_TEST] * 3


def test_an_endless_loop_is_stopped_and_the_rest_is_graded(broken_results):
    questions = by_id(broken_results[1])
    assert not questions["conv2d_check"]["passed"]
    assert "시간초과" in questions["conv2d_check"]["message"]
    assert questions["params_check"]["passed"] and questions["lenet5_params_check"]["passed"]
    assert broken_results[1].score == broken_results[1].max_score - 2


def test_a_syntax_error_costs_only_its_question(broken_results):
    questions = by_id(broken_results[2])
    assert not questions["conv1d_check"]["passed"]
    assert "SyntaxError" in questions["conv1d_check"]["message"]
    assert sum(q["passed"] for q in questions.values()) == len(questions) - 1
    assert broken_results[2].score == broken_results[2].max_score - 2


def test_deleted_and_edited_check_cells(broken_results):
    questions = by_id(broken_results[3])
    assert questions["conv1d_check"]["points"] == 0
    assert "검사 칸이 없습니다" in questions["conv1d_check"]["message"]
    # The emptied check cell is put back from the solution, so the wrong answer is caught.
    assert not questions["params_check"]["passed"]
    assert "fc_params(8, 8, bias=False)" in questions["params_check"]["message"]
    assert not questions["lenet5_params_check"]["passed"]  # it uses the wrong conv_params
    assert broken_results[3].score == broken_results[3].max_score - 6


HARD_CODED = {
    "conv_output_size_answer":
        "def conv_output_size(n, h, stride=1, padding=0):\n"
        "    return {28: 14 if stride == 2 else 28, 14: 10, 10: 5, 5: 1}[n]",
    "lenet5_shapes_answer":
        "def lenet5_shapes(n=28):\n"
        "    return [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (120, 1, 1)]",
    "conv1d_answer":
        "def conv1d_at(z, u, i, b=0.0):\n    return 2.0 if len(z) == 6 else 8.9 + b",
    "conv2d_answer":
        "def conv2d_at(z, u, j, i, b=0.0):\n    return 0.0 if u[0, 1] == -1 else 21.0 + b",
    "params_answer":
        "def fc_params(n_in, n_out, bias=True):\n    return 64\n\n"
        "def conv_params(c_in, k, h, dims=2, bias=True):\n"
        "    return {3: 3, 5: 156, 1: 36, 11: 34944}[h]",
    "lenet5_params_answer": "def lenet5_params(n_classes=10):\n    return 61706",
}


def test_hard_coded_visible_answers_fail_the_hidden_tests(tmp_path):
    lab = ROOT / "labs" / f"{HOME_TEST}.ipynb"
    path = save(edited(lab, HARD_CODED), tmp_path / f"{HOME_TEST}.ipynb")
    # Against the lab's own check cells (no hidden tests) the answers look right ...
    visible = grade([path], solutions_dir=ROOT / "labs")[0]
    hidden = grade([path])[0]
    assert visible.score == visible.max_score, [q.message for q in visible.questions]
    # ... and the hidden tests in the solution catch every one of them.
    assert hidden.score == 0
    for q in hidden.questions:
        assert q.message and "NotImplementedError" not in q.message


def test_a_garbled_notebook_named_after_a_lab_scores_zero_on_each_question(tmp_path):
    path = tmp_path / f"{HOME_TEST}.ipynb"
    path.write_text('{"cells": [', encoding="utf-8")
    (result,) = grade([path])
    assert result.lab == HOME_TEST and result.max_score == 12 and result.score == 0
    assert all("노트북(.ipynb) 파일이 아닙니다" in q.message for q in result.questions)


def test_a_missing_file_and_an_unknown_lab(tmp_path):
    missing, unknown = grade([tmp_path / "lab5_home_test.ipynb",
                              save(nbformat.v4.new_notebook(), tmp_path / "other.ipynb")])
    assert "파일을 읽을 수 없습니다" in missing.error
    assert "어느 실습인지 알 수 없습니다" in unknown.error and unknown.max_score == 0


# A toy lab without torch, for the kernel's failure modes and the command line.

def toy_solutions(folder):
    nb = nbformat.v4.new_notebook()
    sources = [("answer", "x = 1"), ("q1", "assert x == 1"), ("q2", "assert x + 1 == 2"),
               ("q3", "assert str(x) == '1'")]
    for grade_id, source in sources:
        cell = nbformat.v4.new_code_cell(source)
        test = grade_id != "answer"
        cell.metadata["nbgrader"] = {
            "grade": test, "grade_id": grade_id, "locked": test, "schema_version": 3,
            "solution": not test, "task": False, **({"points": 1} if test else {})}
        if not test:
            cell.source = "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"
        nb.cells.append(cell)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir()
    save(nb, folder / "toy.ipynb")
    return folder


def toy_submission(toy, name, *extra):
    """The toy lab in folder ``toy``, solved, with ``extra`` code cells after the first check."""
    nb = make_lab(nbformat.read(toy / "solutions" / "toy.ipynb", as_version=4), "toy")
    nb.cells[0].source = "x = 1"
    nb.cells[2:2] = [nbformat.v4.new_code_cell(source) for source in extra]
    return save(nb, toy / name)


@pytest.fixture
def toy(tmp_path):
    toy_solutions(tmp_path / "solutions")
    return tmp_path


def test_a_dead_kernel_stops_the_run_with_a_message(toy):
    path = toy_submission(toy, "toy.ipynb", "import os\nos._exit(1)")
    questions = by_id(grade([path], solutions_dir=toy / "solutions")[0])
    assert questions["q1"]["passed"]
    assert not questions["q2"]["passed"] and "커널이 죽었습니다" in questions["q2"]["message"]
    assert "실행하지 않았습니다" in questions["q3"]["message"]


def test_a_loop_that_ignores_interrupts_stops_the_run(toy, monkeypatch):
    monkeypatch.setattr(grader, "PROBE_TIMEOUT", 2)
    path = toy_submission(toy, "toy.ipynb", "import time\nwhile True:\n    try:\n"
                          "        time.sleep(5)\n    except KeyboardInterrupt:\n        pass")
    result = grade([path], solutions_dir=toy / "solutions", cell_timeout=2)[0]
    questions = by_id(result)
    assert questions["q1"]["passed"] and result.score == 1
    assert "시간초과" in questions["q2"]["message"]
    assert "중단시킬 수 없었습니다" in questions["q3"]["message"]


def test_the_whole_notebook_has_a_time_limit(toy):
    path = toy_submission(toy, "toy.ipynb", "import time\ntime.sleep(1.5)",
                          "time.sleep(1.5)", "time.sleep(1.5)")
    result = grade([path], solutions_dir=toy / "solutions", notebook_timeout=3)[0]
    questions = by_id(result)
    assert questions["q1"]["passed"] and not questions["q3"]["passed"]
    assert "전체의 시간 제한" in questions["q3"]["message"]


def test_command_line_json_is_one_object(toy):
    path = toy_submission(toy, "toy_kim.ipynb", "import os\nos.system('echo noise')")
    (toy / "notes.txt").write_text("not a notebook")
    run = subprocess.run(
        [sys.executable, "-m", "dlbasics.grade", str(path), str(toy / "notes.txt"), "--json",
         "--solutions", str(toy / "solutions"), "--timeout", "30"],
        capture_output=True, text=True, check=True, cwd=ROOT)
    report = json.loads(run.stdout)
    assert list(report) == ["results"]
    first, second = report["results"]
    assert {"notebook", "score", "max_score", "questions"} <= set(first)
    assert first["score"] == first["max_score"] == 3
    assert set(first["questions"][0]) == {"id", "points", "max_points", "passed", "message"}
    assert second["error"] and second["score"] == 0


def test_command_line_table_and_help(toy, capsys):
    path = toy / "lab.txt"
    path.write_text("x")
    assert grader.main([str(path), "--solutions", str(toy / "solutions")]) == 0
    out = capsys.readouterr().out
    assert "오류: 주피터 노트북(.ipynb) 파일이 아닙니다" in out and "합계 (total)" in out
    with pytest.raises(SystemExit):
        grader.main(["--help"])
    help_text = capsys.readouterr().out
    for option in ("--json", "--timeout", "--notebook-timeout", "--solutions", "--lab"):
        assert option in help_text
    with pytest.raises(SystemExit):
        grader.main([str(path), "--lab", "nope", "--solutions", str(toy / "solutions")])


# The pieces, without a kernel.

def test_match_lab_prefers_metadata_then_the_longest_name():
    names = ["lab1_dmlp", "lab1_dmlp_extra"]
    nb = nbformat.v4.new_notebook(metadata={"dlbasics": {"lab": "lab1_dmlp"}})
    assert grader.match_lab(nb, "anything.ipynb", names) == "lab1_dmlp"
    assert grader.match_lab(None, "kim_lab1_dmlp_extra (1).ipynb", names) == "lab1_dmlp_extra"
    assert grader.match_lab(nbformat.v4.new_notebook(), "essay.ipynb", names) is None


def test_assemble_restores_check_cells_and_scores_the_first_copy(toy):
    solution = nbformat.read(toy / "solutions" / "toy.ipynb", as_version=4)
    submission = make_lab(solution, "toy")
    submission.cells[1].source = "pass  # 학생이 지운 검사"
    submission.cells.append(copy_of(submission.cells[1]))
    submission.cells.insert(0, nbformat.v4.new_markdown_cell("머리말"))
    run, positions = grader.assemble(submission, solution)
    assert [c.source for c in run.cells][:2] == ["# 여기에 코드를 작성하세요 (YOUR CODE HERE)\n"
                                                 'raise NotImplementedError("아직 풀지 않았습니다: '
                                                 '이 빈칸을 채우세요")', "assert x == 1"]
    assert run.cells[-1].source == "assert x == 1"
    assert positions == {"q1": 1, "q2": 2, "q3": 3}


def copy_of(cell):
    return nbformat.from_dict(json.loads(json.dumps(cell)))


def test_score_explains_a_name_error_by_the_cell_before(toy):
    solution = nbformat.read(toy / "solutions" / "toy.ipynb", as_version=4)
    outcomes = ["NotImplementedError: 아직", "NameError: name 'x' is not defined", None]
    questions = grader.score(solution, outcomes, {"q1": 1, "q2": 2})
    assert [q.points for q in questions] == [0, 1, 0]
    assert questions[0].message == ("NameError: name 'x' is not defined "
                                    "(앞 칸의 오류: NotImplementedError: 아직)")
    assert "검사 칸이 없습니다" in questions[2].message


def test_the_kernel_sees_the_book_and_one_thread(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "2")
    env = grader.kernel_env()
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(ROOT)
    assert env["OMP_NUM_THREADS"] == "1" and env["MKL_NUM_THREADS"] == "2"
    assert env["MPLBACKEND"] == "Agg"
