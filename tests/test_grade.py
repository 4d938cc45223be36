"""The grader gives every point earned and no other, and survives broken submissions.

Grading runs notebooks, so the solutions and the untouched labs are each graded once per
session (fixtures), the broken lab-5 submissions share one grading run, a class of five lab-2
submissions (a correct one, a cheat, a stripped notebook, two mistakes) shares another that
also writes the gradebook and the feedback pages, and the kernel's failure modes use a tiny
toy lab that does not import torch. What needs no kernel (hard-coded answers one function at a
time, the pieces) runs in this process.
"""

import contextlib
import csv
import functools
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from labrunner import run, solution
from nbclient.exceptions import CellExecutionComplete

from dlbasics.tools import grade as grader
from dlbasics.tools import presubmit
from dlbasics.tools.grade import grade, review
from dlbasics.tools.grade import kernel as grade_kernel
from dlbasics.tools.labgen import make_lab

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
        failed = {q.id: q.message for q in result.questions if not q.passed and not q.manual}
        assert result.error is None and not failed, f"{result.notebook}: {failed}"
        assert result.score == result.max_score > 0
        assert len(result.questions) >= 3
        assert result.warnings == [], "the provided cells are never flagged"
        # The written answer is shown as graded by hand, with the solution's model answer.
        manual = [q for q in result.questions if q.manual]
        assert manual and all(q.passed is None and q.points == 0 for q in manual)
        assert all("수동 채점: 강사가 답을 읽고" in q.message and "모범 답안" in q.answer
                   for q in manual)
        assert result.manual_max_score == sum(q.max_points for q in manual) > 0


def test_every_untouched_lab_gets_zero_with_a_not_implemented_message(lab_results):
    for result in lab_results:
        assert result.error is None and result.warnings == []
        assert result.score == 0 and result.max_score > 0
        for q in result.questions:
            assert not q.passed and q.points == 0
            if q.manual:
                assert q.answer == "" and "수동 채점: 답이 비어 있습니다" in q.message
            else:
                assert "NotImplementedError" in q.message, f"{result.notebook} {q.id}: {q.message}"


# Submissions built from lab 5: its solution, with answer or check cells changed.

def cell_index(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells)
                if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def edited(path, changes=None, deleted=()):
    """The notebook at ``path`` with cells (by grade_id) replaced or deleted."""
    nb = nbformat.read(path, as_version=4)
    for grade_id, source in (changes or {}).items():
        nb.cells[cell_index(nb, grade_id)].source = source
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")
                not in deleted]
    return nb


def copy_of(cell):
    return nbformat.from_dict(json.loads(json.dumps(cell)))


def save(nb, path):
    nbformat.write(nb, path)
    return path


def snapshot(folder):
    """Every entry of ``folder``: a file's bytes and modification time, None for a folder."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) if p.is_file() else None
            for p in folder.iterdir()}


def with_a_copied_check(nb):
    """A copy of a check cell placed before its answer (the original stays below it)."""
    copy = copy_of(nb.cells[cell_index(nb, "conv_output_size_check")])
    copy.id = "copied-check"  # JupyterLab gives a pasted cell a new id
    nb.cells.insert(cell_index(nb, "conv_output_size_answer"), copy)
    return nb


def save_with_junk(nb, path):
    """Write ``nb`` with malformed cells, as a careless tool might, before the setup cell."""
    data = json.loads(nbformat.writes(nb))
    data["cells"][3:3] = [{"cell_type": "code", "metadata": {}},  # no source
                          {"cell_type": "code", "source": ["z = ", "1\n"], "metadata": []},
                          {"cell_type": "code", "source": "y = 2",
                           "metadata": {"nbgrader": {"grade_id": ["not", "a", "string"]}}},
                          "not a cell"]
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def with_an_answer_after_its_check(nb):
    answer = nb.cells.pop(cell_index(nb, "lenet5_shapes_answer"))
    nb.cells.insert(cell_index(nb, "lenet5_shapes_check") + 1, answer)
    return nb


@pytest.fixture(scope="module")
def broken_results(tmp_path_factory):
    """One grading run over a non-notebook and broken lab-5 submissions, in order."""
    folder = tmp_path_factory.mktemp("submissions")
    solution = ROOT / "solutions" / f"{HOME_TEST}.ipynb"
    (folder / "essay.txt").write_text("제 답은 …", encoding="utf-8")
    paths = [
        folder / "essay.txt",
        save(edited(solution, {"conv2d_answer": "while True:\n    pass",
                               "conv1d_answer": "def conv1d_at(z, u, i, b=0.0:\n    return 0"}),
             folder / f"kim_{HOME_TEST}.ipynb"),
        save_with_junk(with_a_copied_check(with_an_answer_after_its_check(edited(
            solution, {"params_check": "pass",
                       "params_answer": "def fc_params(*args, **kw):\n    return 0\n\n"
                                        "def conv_params(*args, **kw):\n    return 0"},
            deleted={"conv1d_check"}))),
             folder / f"park_{HOME_TEST}.ipynb"),
        save(nbformat.v4.new_notebook(), folder / f"choi_{HOME_TEST}.ipynb"),
    ]
    before = snapshot(folder)
    results = grade(paths, cell_timeout=20)  # importing torch takes seconds on a busy machine
    assert snapshot(folder) == before, "the grader touched or wrote next to the submissions"
    return results


def test_grading_goes_on_after_a_file_that_is_not_a_notebook(broken_results):
    essay = broken_results[0]
    assert "노트북(.ipynb) 파일이 아닙니다" in essay.error
    assert essay.score == 0 and essay.lab is None and essay.questions == []
    assert [r.lab for r in broken_results[1:]] == [HOME_TEST] * 3


def test_an_endless_loop_and_a_syntax_error_cost_only_their_questions(broken_results):
    questions = by_id(broken_results[1])
    assert "시간초과" in questions["conv2d_check"]["message"]
    assert "SyntaxError" in questions["conv1d_check"]["message"]
    assert not questions["conv2d_check"]["passed"] and not questions["conv1d_check"]["passed"]
    checked = [q for q in questions.values() if not q["manual"]]
    assert sum(q["passed"] for q in checked) == len(checked) - 2
    assert broken_results[1].score == broken_results[1].max_score - 4


def test_deleted_edited_reordered_copied_and_malformed_cells(broken_results):
    result = broken_results[2]
    questions = by_id(result)
    assert result.error is None and len(questions) == 10  # 9 checks and a written answer
    assert questions["conv1d_check"]["points"] == 0
    assert "검사 칸이 없습니다" in questions["conv1d_check"]["message"]
    # The emptied check cell is put back from the solution, so the wrong answer is caught.
    assert not questions["params_check"]["passed"]
    assert "fc_params(8, 8, bias=False)" in questions["params_check"]["message"]
    # Problems 6 to 8 are graded with the reference conv_params and fc_params: they keep
    # their points although the student's problem-5 functions return 0.
    assert questions["lenet5_params_check"]["passed"]
    shapes = questions["lenet5_shapes_check"]["message"]
    assert shapes.startswith("CheckError: lenet5_shapes이(가) 아직 없습니다")
    assert "lenet5_shapes_answer" in shapes and "검사 칸보다 뒤에 있습니다" in shapes
    # The copy above the answer fails (NameError); the original below it passes.
    copied = questions["conv_output_size_check"]
    assert copied["passed"] and copied["message"] == "통과 (같은 검사 칸이 2개 있습니다)"
    assert questions["conv2d_check"]["passed"]  # the malformed cells cost nothing
    assert questions["alexnet_check"]["passed"] and questions["vgg16_check"]["passed"]
    assert questions["augmentation_check"]["passed"]
    assert result.score == result.max_score - 6


def test_an_empty_notebook_scores_zero_without_a_kernel(broken_results):
    empty = broken_results[3]
    assert empty.error is None and empty.score == 0 and empty.max_score == 18
    assert all("검사 칸이 없습니다" in q.message for q in empty.questions if not q.manual)
    assert all("답 칸을 찾지 못했습니다" in q.message for q in empty.questions if q.manual)


# Every answer function of lab 5, written to return the visible check's answers only.
HARD_CODED = {  # function: (its answer cell, the hard-coded definition)
    "conv_output_size": ("conv_output_size_answer",
                         "def conv_output_size(n, h, stride=1, padding=0):\n"
                         "    return {28: 14 if stride == 2 else 28, 14: 10, 10: 5, 5: 1, "
                         "224: 54}[n]"),
    "lenet5_shapes": ("lenet5_shapes_answer",
                      "def lenet5_shapes(n=28):\n    return [(6, 28, 28), (6, 14, 14), "
                      "(16, 10, 10), (16, 5, 5), (120, 1, 1)]"),
    "conv1d_at": ("conv1d_answer",
                  "def conv1d_at(z, u, i, b=0.0):\n    return 2.0 if len(z) == 6 else 8.9 + b"),
    "conv2d_at": ("conv2d_answer",
                  "def conv2d_at(z, u, j, i, b=0.0):\n"
                  "    return 0.0 if u[0, 1] == -1 else 21.0 + b"),
    "fc_params": ("params_answer", "def fc_params(n_in, n_out, bias=True):\n"
                                   "    return 64 if n_in == 8 else 10164"),
    "conv_params": ("params_answer",
                    "def conv_params(c_in, k, h, dims=2, bias=True):\n"
                    "    return {3: 3, 5: 156, 1: 36, 11: 34944}[h]"),
    "lenet5_params": ("lenet5_params_answer",
                      "def lenet5_params(n_classes=10, in_channels=1):\n"
                      "    return 61026 if n_classes == 2 else 61706 if in_channels == 1 "
                      "else 62006"),
    "grouped_conv_params": ("alexnet_answer",
                            "def grouped_conv_params(c_in, k, h, groups=1):\n"
                            "    return {11: 34944, 5: 307456}[h]"),
    "cnn_params": ("alexnet_answer",
                   "def cnn_params(conv_layers, fc_layers):\n    return (2334080, 58631144)"),
    "vgg_shapes": ("vgg16_answer",
                   "def vgg_shapes(blocks, n=224):\n    return [(64, 112, 112), (128, 56, 56), "
                   "(256, 28, 28), (512, 14, 14), (512, 7, 7)] if n == 224 else [(64, 16, 16), "
                   "(128, 8, 8), (256, 4, 4), (512, 2, 2), (512, 1, 1)]"),
    "vgg_params": ("vgg16_answer",
                   "def vgg_params(blocks, n=224, n_classes=1000):\n"
                   "    return 138357544 if n == 224 else 33638218"),
    "augmentation_factor": ("augmentation_answer",
                            "def augmentation_factor(image_hw, crop_hw, flip=True, step=1):\n"
                            "    return 50 if step == 8 else {(256, 256): 2178 if flip else 1089,"
                            " (256, 341): 7788, (28, 28): 50}[tuple(image_hw)]"),
}


def check_of(answer):
    return answer.removesuffix("_answer") + "_check"


def run_visible_checks(nb):
    """Run ``nb``'s code up to its last check cell in this process, as the grader would
    without hidden tests: an ungraded cell may fail, a check cell must not."""
    graded = [i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade")]
    namespace = {"__name__": "__lab__"}
    for index, cell in enumerate(nb.cells[:graded[-1] + 1]):
        if cell.cell_type != "code":
            continue
        try:
            exec(cell.source, namespace)
        except Exception:
            if index in graded:
                raise


def test_hard_coded_visible_answers_fail_the_hidden_tests(tmp_path, capsys):
    answers = {}
    for answer, code in HARD_CODED.values():
        answers[answer] = f"{answers[answer]}\n\n\n{code}" if answer in answers else code
    lab = edited(ROOT / "labs" / f"{HOME_TEST}.ipynb", answers)
    # Against the lab's own check cells the answers look right ...
    run_visible_checks(lab)
    assert capsys.readouterr().out.count("✔ 통과") == len(answers) == 9
    # ... and the hidden tests in the solution catch every one of them.
    hidden = grade([save(lab, tmp_path / f"{HOME_TEST}.ipynb")])[0]
    checked = [q for q in hidden.questions if not q.manual]
    assert hidden.score == 0 and len(checked) == len(answers)
    for q in checked:
        assert q.message and "NotImplementedError" not in q.message


@pytest.mark.parametrize("function", HARD_CODED)
def test_hard_coding_one_function_loses_only_its_question(function):
    """The later problems that call it are graded with the reference function (in-process,
    visible and hidden tests, as the grader runs them)."""
    answer, code = HARD_CODED[function]
    nb = solution(HOME_TEST)
    cell = nb.cells[next(i for i, c in enumerate(nb.cells)
                         if c.metadata.get("nbgrader", {}).get("grade_id") == answer)]
    cell.source += f"\n\n\n{code}"  # replaces the solution's function, keeps the others
    result = run(nb, hidden=True)
    assert {q for q, message in result.checks.items() if message} == {check_of(answer)}


SHADOWING_CHECKS = """class checks:  # 아무것도 검사하지 않는 가짜
    def _nothing(*args, **kwargs):
        pass

    check_own_work = check_value = check_close = check_true = staticmethod(_nothing)
    passed = staticmethod(lambda what: print("✔ 통과:", what))


np = None


def conv_output_size(*args, **kwargs):
    return 0"""


def test_a_submission_that_shadows_the_checks_module_gets_only_what_it_earned(tmp_path):
    """A fake ``checks`` class (and ``np = None``) in the first answer cell, answers that
    return 0 except the two convolutions: the restored check cells use the real modules."""
    zero = {answer: "\n\n".join(f"def {function}(*args, **kwargs):\n    return 0"
                                  for function, (cell, _) in HARD_CODED.items() if cell == answer)
            for answer, _ in HARD_CODED.values()
            if answer not in {"conv_output_size_answer", "conv1d_answer", "conv2d_answer"}}
    nb = edited(ROOT / "solutions" / f"{HOME_TEST}.ipynb",
                {"conv_output_size_answer": SHADOWING_CHECKS, **zero})
    (result,) = grade([save(nb, tmp_path / f"{HOME_TEST}.ipynb")])
    questions = by_id(result)
    assert {q for q, v in questions.items() if v["passed"]} == {"conv1d_check", "conv2d_check"}
    assert result.score == 4
    assert "검사 모듈 checks 다시 정의" in result.warnings
    assert f"{grader.SHADOWED}(np)" in result.warnings
    assert "기대한 값은 28인데, 실제 값은 0입니다" in questions["conv_output_size_check"]["message"]


def test_a_garbled_notebook_named_after_a_lab_scores_zero_on_each_question(tmp_path):
    path = tmp_path / f"{HOME_TEST}.ipynb"
    path.write_text('{"cells": [', encoding="utf-8")
    (result,) = grade([path])
    assert result.lab == HOME_TEST and result.max_score == 18 and result.score == 0
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
    prompt = nbformat.v4.new_markdown_cell("## 문제 4. 생각해 보기\n\nx가 1인 까닭을 쓰세요.")
    essay = nbformat.v4.new_markdown_cell("### BEGIN SOLUTION\n모범 답안: 답 칸에서 1을 넣었다.\n"
                                          "### END SOLUTION")
    essay.metadata["nbgrader"] = {"grade": True, "grade_id": "essay", "locked": False,
                                  "points": 2, "schema_version": 3, "solution": True,
                                  "task": False}
    nb.cells += [prompt, essay]
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
    monkeypatch.setattr(grade_kernel, "PROBE_TIMEOUT", 2)
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


@functools.cache
def unprivileged():
    """The command prefix under which the grader's /proc entries are closed to its kernels
    ([] for a normal user; setpriv dropping root's capabilities), or None where that cannot
    be arranged (not Linux, or root without a working setpriv)."""
    if not sys.platform.startswith("linux"):
        return None
    if os.geteuid() != 0:
        return []
    prefix = ["setpriv", "--bounding-set", "-all", "--inh-caps", "-all"]
    try:
        subprocess.run([*prefix, "true"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return prefix


def unruly_cells(pids):
    """Cells that write around the kernel, flood it and leave processes behind."""
    cells = [
        "import os, subprocess, sys, threading, time\n"
        "os.write(1, b'{\"not\": \"json\"}\\n'); os.write(2, b'noise\\n')\n"
        "sys.__stdout__.write('more noise\\n'); sys.__stdout__.flush()\n"
        "os.system('echo from a shell')\n"
        f"open({str(pids.with_name('cwd.txt'))!r}, 'w').write(os.getcwd())\n"
        "open('left_behind.txt', 'w').write('in the working folder')",
        "for _ in range(10):\n    print('x' * 1_000_000)\n"
        f"print('y' * {2 * grader.MAX_IOPUB_MESSAGE})  # dropped unread",
        "def note(pid):\n"
        f"    with open({str(pids)!r}, 'a') as f:\n        print(pid, file=f)\n"
        "note(subprocess.Popen(['sleep', '301'], start_new_session=True).pid)\n"
        "note(subprocess.Popen(['sleep', '302'], env={}).pid)\n"
        "threading.Thread(target=lambda: time.sleep(303)).start()\n"
        "if os.fork() == 0:  # a daemon: fork, new session, fork again\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n        note(os.getpid())\n        time.sleep(304)\n"
        "    os._exit(0)\n"
        f"while len(open({str(pids)!r}).read().split()) < 3:  # the daemon has noted its pid\n"
        "    time.sleep(0.02)",
    ]
    if unprivileged() is not None:
        cells.append("try:\n    with open(f'/proc/{os.getppid()}/fd/1', 'w') as out:\n"
                     "        out.write('hijacked')\nexcept OSError:\n    pass")
    return cells


def test_command_line_json_is_one_object_and_no_process_survives(toy):
    pids = toy / "pids.txt"
    path = toy_submission(toy, "toy_kim.ipynb", *unruly_cells(pids))
    (toy / "notes.txt").write_text("not a notebook")
    before = snapshot(toy)
    command = [*(unprivileged() or []), sys.executable, "-m", "dlbasics.tools.grade", str(path),
               str(toy / "notes.txt"), "--json", "--solutions", str(toy / "solutions"),
               "--timeout", "30"]
    run = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    report = json.loads(run.stdout)
    assert list(report) == ["results"]
    first, second = report["results"]
    assert set(first) == {"notebook", "lab", "score", "max_score", "questions", "error",
                          "warnings", "notes", "seconds", "manual_max_score"}
    assert first["score"] == first["max_score"] == 3 and first["error"] is None
    assert first["manual_max_score"] == 2
    assert set(first["questions"][0]) == {"id", "points", "max_points", "passed", "message",
                                          "title", "manual", "answer"}
    essay = first["questions"][-1]
    assert essay["manual"] and essay["passed"] is None and essay["answer"] == ""
    assert "[1/2]" in run.stderr and "[2/2]" in run.stderr, "progress on stderr"
    assert "프로세스와 신호(fork, signal, ctypes, subprocess)" in first["warnings"]
    assert second["error"] and second["score"] == 0
    workdir = Path((toy / "cwd.txt").read_text())
    assert workdir.parent == Path(tempfile.gettempdir()) and not workdir.exists()
    after = snapshot(toy)
    assert {name: after[name] for name in before} == before, "a submission was touched"
    assert set(after) - set(before) == {"pids.txt", "cwd.txt"}
    noted = [int(line) for line in pids.read_text().split()]
    assert len(noted) == 3
    time.sleep(0.2)
    assert [p for p in noted if running(p)] == [], "processes of the submission still run"


def running(pid):
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_command_line_table_and_help(toy, capsys):
    path = toy / "lab.txt"
    path.write_text("x")
    assert grader.main([str(path), "--solutions", str(toy / "solutions")]) == 0
    out = capsys.readouterr().out
    assert "오류: 주피터 노트북(.ipynb) 파일이 아닙니다" in out and "합계 (total)" in out
    with pytest.raises(SystemExit):
        grader.main(["--help"])
    help_text = capsys.readouterr().out
    for option in ("--json", "--timeout", "--notebook-timeout", "--solutions", "--lab", "--csv",
                   "--feedback", "--id-pattern", "--quiet"):
        assert option in help_text
    with pytest.raises(SystemExit):
        grader.main([str(path), "--lab", "nope", "--solutions", str(toy / "solutions")])
    with pytest.raises(SystemExit):
        grader.main([str(path), "--timeout", "0"])
    assert "at least 1 second" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        grader.main([str(path), "--solutions", str(toy / "nowhere")])
    assert "no solution notebooks" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # before grading, not after
        grader.main([str(path), "--csv", str(path / "성적" / "점수.csv")])
    assert "결과를 쓸 폴더" in capsys.readouterr().err


# The pieces, without a kernel.

def test_match_lab_prefers_metadata_then_the_longest_name():
    names = ["lab1_dmlp", "lab1_dmlp_extra"]
    nb = nbformat.v4.new_notebook(metadata={"dlbasics": {"lab": "lab1_dmlp"}})
    assert grader.match_lab(nb, "anything.ipynb", names) == "lab1_dmlp"
    assert grader.match_lab(None, "kim_lab1_dmlp_extra (1).ipynb", names) == "lab1_dmlp_extra"
    assert grader.match_lab(nbformat.v4.new_notebook(), "essay.ipynb", names) is None
    odd = nbformat.from_dict({"cells": [], "metadata": {"dlbasics": {"lab": ["x"]}}})
    assert grader.match_lab(odd, "lab1_dmlp.ipynb", names) == "lab1_dmlp"
    # Neither metadata nor a lab's name in the file name: the check cells it holds decide.
    templates = presubmit.load_templates()
    lab2 = stripped(nbformat.read(ROOT / "labs" / "lab2_conv_pool.ipynb", as_version=4))
    assert grader.match_lab(lab2, "과제.ipynb", list(templates), templates) == "lab2_conv_pool"
    assert grader.match_lab(nbformat.v4.new_notebook(), "x.ipynb", list(templates),
                            templates) is None


def test_assemble_restores_check_cells_and_keeps_every_copy(toy):
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
    assert positions == {"answer": [0], "q1": [1, 4], "q2": [2], "q3": [3]}


def test_score_explains_a_name_error_by_the_cell_before(toy):
    solution = nbformat.read(toy / "solutions" / "toy.ipynb", as_version=4)
    outcomes = ["NotImplementedError: 아직", "NameError: name 'x' is not defined", None]
    questions = grader.score(solution, outcomes, {"answer": [0], "q1": [1], "q2": [2]})
    assert [q.points for q in questions] == [0, 1, 0]
    assert questions[0].message == ("NameError: name 'x' is not defined "
                                    "(앞 칸의 오류: NotImplementedError: 아직)")
    assert "검사 칸이 없습니다" in questions[2].message


def test_score_passes_a_copied_check_once_and_points_at_a_late_answer(toy):
    solution = nbformat.read(toy / "solutions" / "toy.ipynb", as_version=4)
    outcomes = ["NameError: name 'x' is not defined", None, "AssertionError", "AssertionError",
                None]
    questions = grader.score(solution, outcomes, {"q1": [0, 4], "answer": [1], "q2": [2, 3]})
    assert [q.points for q in questions] == [1, 0, 0]
    assert questions[0].message == "통과 (같은 검사 칸이 2개 있습니다)"
    assert questions[1].message == "AssertionError (같은 검사 칸이 2개 있습니다)"
    late = grader.score(solution, ["NameError: x", None, None], {"q1": [0], "answer": [1]})
    assert "답 칸 answer이(가) 이 검사 칸보다 뒤에 있습니다" in late[0].message
    gone = grader.score(solution, ["NameError: x"], {"q1": [0]})
    assert "답 칸 answer이(가) 없습니다" in gone[0].message


def test_messages_are_short_and_printable():
    assert grade_kernel._shorten("a" * 5000, 100) == "a" * 99 + "…"
    text = grade_kernel._shorten("bad \udcff surrogate")
    assert text == "bad \\udcff surrogate" and text.encode("utf-8")
    reply = {"content": {"status": "error", "ename": "ValueError", "evalue": "y" * 10**6}}
    assert len(grade_kernel._message(reply, 1)) == grader.MAX_MESSAGE_CHARS


def test_code_cells_tolerates_malformed_cells():
    nb = {"cells": [{"cell_type": "code", "source": ["a = ", "1\n", 2], "metadata": []},
                    {"cell_type": "code"}, "text", {"cell_type": "markdown", "source": "x"},
                    {"cell_type": "code", "source": 7,
                     "metadata": {"nbgrader": {"grade_id": "q1"}}}]}
    assert grader.code_cells(nb) == [(None, "a = 1\n"), (None, ""), ("q1", "")]


def test_suspicious_code_is_flagged_only_in_the_students_own_cells(toy):
    solution = nbformat.read(toy / "solutions" / "toy.ipynb", as_version=4)
    submission = make_lab(solution, "toy")
    submission.cells[0].source = "x = 1  # net.eval(), torch.compile(f), re.compile('a')"
    assert grader.suspicious_code(submission, solution) == []
    submission.cells[0].source = ("get_ipython().input_transformers_cleanup.append(f)\n"
                                  "checks.check_close = lambda *a: None\nexec(code)")
    labels = [review.IPYTHON, review.DYNAMIC, f"{review.MODULE_ATTRIBUTE}(checks.check_close)"]
    assert grader.suspicious_code(submission, solution) == labels
    submission.cells[1].source = "import subprocess"  # a check cell: replaced, not read
    assert grader.suspicious_code(submission, solution) == labels


@pytest.mark.parametrize("source, labels", [
    # the cheat of issue 17: assignments to attributes of imported modules
    ("import numpy as np\nnp.allclose = lambda *a, **k: True\n"
     "np.linalg.norm = lambda *a, **k: 0.0",
     [f"{review.MODULE_ATTRIBUTE}(np.allclose, np.linalg.norm)"]),
    ("import torch.nn.functional as F\nsetattr(F, 'conv2d', print)",
     [f"{review.MODULE_ATTRIBUTE}(setattr(F, …))"]),
    ("import torch\ntorch.nn.functional.relu = abs", [f"{review.MODULE_ATTRIBUTE}"
                                                     "(torch.nn.functional.relu)"]),
    # scipy.signal is not the signal module: the own-work check catches the import instead
    ("def f(z, u):\n    from scipy.signal import correlate\n    return correlate(z, u)", []),
    ("from scipy import signal\nx = signal.correlate", []),
    ("import signal\nsignal.alarm(1)", [review.PROCESSES]),
    ("import os\nos.fork()", [review.PROCESSES]),
    ("from os import system", [review.PROCESSES]),
    ("def f():\n    import subprocess", [review.PROCESSES]),
    ("self.weight = 1\nx.shape = (2, 3)\nnet.fc = None", []),
    ("import sys\nsys.modules['numpy'] = None", [review.TAMPERING]),
])
def test_each_flag_names_its_own_reason(toy, source, labels):
    solution = nbformat.read(toy / "solutions" / "toy.ipynb", as_version=4)
    submission = make_lab(solution, "toy")
    submission.cells[0].source = source
    assert grader.suspicious_code(submission, solution) == labels


def test_checks_rebinding_is_flagged_but_not_its_ordinary_uses(toy):
    solution = nbformat.read(toy / "solutions" / "toy.ipynb", as_version=4)
    submission = make_lab(solution, "toy")
    label = "검사 모듈 checks 다시 정의"
    for source in ["checks = Fake()", "checks: object = None", "class checks:\n    pass",
                   "def checks():\n    pass", "import unittest as checks",
                   "from dlbasics import gradcheck as checks", "import checks",
                   "for checks in [1]:\n    pass", "if (checks := 1):\n    pass",
                   "def f():\n    global checks"]:
        submission.cells[0].source = source
        assert label in grader.suspicious_code(submission, solution), source
    for source in ["from dlbasics import checks", "checks.check_true(x == 1, 'x')",
                   "print(checks == other)", "mychecks = 1", "self.checks = []"]:
        submission.cells[0].source = source
        assert grader.suspicious_code(submission, solution) == [], source
    submission.cells[0].source = "import dlbasics.checks as c\nc.check_value = print"
    assert grader.suspicious_code(submission, solution) == [
        f"{review.MODULE_ATTRIBUTE}(c.check_value)"]


def lab_solution(*cells):
    """A solution notebook of (kind, source) code cells; kind is setup, answer, test or None."""
    nb = nbformat.v4.new_notebook()
    for index, (kind, source) in enumerate(cells):
        cell = nbformat.v4.new_code_cell(source)
        if kind is not None:
            cell.metadata["nbgrader"] = {
                "grade": kind == "test", "grade_id": f"{kind}{index}",
                "locked": kind != "answer", "schema_version": 3,
                "solution": kind == "answer", "task": False,
                **({"points": 1} if kind == "test" else {})}
        nb.cells.append(cell)
    return nb


def test_rebinding_code_restores_what_the_check_cells_rely_on():
    solution = lab_solution(
        ("setup", "import numpy as np\nimport torch.nn.functional as F\n"
                  "from dlbasics import checks\nfrom dlbasics.train import fit, count_parameters"),
        ("setup", "LIMIT = 3\nrng = np.random.default_rng(0)  # a call: not run again\n\n\n"
                  "def helper(x):\n    return x + LIMIT\n\n\nclass Box:\n    pass"),
        ("answer", "import numpy as np  # the same object: kept\nfrom torch import nn\n\n\n"
                   "def fit(x):  # the student's own: never overwritten\n"
                   "    ### BEGIN SOLUTION\n    return helper(x)\n    ### END SOLUTION"),
        ("test", "checks.check_value('fit(1)', fit(1), 4)"),
        (None, "LIMIT = len(str(rng))  # a provided cell that computes: not run again"),
        ("test", "%time assert helper(0) > 0\nimport math"),
        ("test", "pass"))
    codes = grader.rebinding_code(solution)
    assert codes["test3"].splitlines() == [
        "import numpy as np", "import torch.nn.functional as F", "from dlbasics import checks",
        "from dlbasics.train import count_parameters", "LIMIT = 3", "def helper(x):",
        "    return x + LIMIT", "class Box:", "    pass"]
    assert "LIMIT = 3" not in codes["test5"] and "def helper(x):" in codes["test5"]
    assert codes["test6"].endswith("import math")  # magics are read too
    assert grader.rebound_names(solution) == {
        "np": "numpy", "F": "torch.nn.functional", "checks": "dlbasics.checks",
        "count_parameters": "dlbasics.train.count_parameters", "LIMIT": None, "helper": None,
        "Box": None, "math": "math"}
    # The grader puts the code at the top of every restored check cell.
    submission = make_lab(solution, "lab")
    submission.cells[3].source = "pass  # 학생이 지운 검사"
    run, _ = grader.assemble(submission, solution)
    assert run.cells[3].source == (f"{grader.REBIND_COMMENT}\n{codes['test3']}\n\n"
                                   f"{solution.cells[3].source}")
    assert run.cells[2].source == submission.cells[2].source
    # Binding those names again in one's own cells is worth a look; importing them is not.
    submission.cells[2].source = ("import numpy as np\nfrom torch.nn import functional as F\n"
                                  "np = None\n\n\ndef helper(x):\n    return 0\n\n\n"
                                  "import math as LIMIT")
    assert grader.suspicious_code(submission, solution) == [
        f"{grader.SHADOWED}(np, helper, LIMIT)"]


def test_the_output_of_a_cell_is_not_kept():
    client = grade_kernel._GradingClient(nbformat.v4.new_notebook())
    cell = nbformat.v4.new_code_cell("print('x')")
    stream = {"msg_type": "stream", "content": {"name": "stdout", "text": "x" * 10**6},
              "parent_header": {"msg_id": "m"}, "header": {"msg_type": "stream"}}
    assert client.process_message(stream, cell, 0) is None and cell.outputs == []
    with pytest.raises(CellExecutionComplete):
        client.process_message({"msg_type": "status", "content": {"execution_state": "idle"}},
                               cell, 0)


def test_the_kernel_is_this_python_whatever_kernelspecs_say():
    spec = grade_kernel._PythonKernelSpecs().get_kernel_spec("python3")
    assert spec.argv[:3] == [sys.executable, "-m", "ipykernel_launcher"]


def test_the_kernel_environment_is_minimal_and_fresh(monkeypatch, tmp_path):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "2")
    monkeypatch.setenv("GITHUB_TOKEN", "secret")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    env = grader.kernel_env(tmp_path, "tag123")
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(ROOT)
    assert env["OMP_NUM_THREADS"] == "1" and env["MKL_NUM_THREADS"] == "2"
    assert env["MPLBACKEND"] == "Agg" and env["PYTHONNOUSERSITE"] == "1"
    assert env["CUDA_VISIBLE_DEVICES"] == "0" and "GITHUB_TOKEN" not in env
    assert env["IPYTHONDIR"].startswith(str(tmp_path)) and env[grader.RUN_TAG] == "tag123"


def environ_of(pid):
    try:
        return psutil.Process(pid).environ()
    except psutil.Error:
        return {}


def test_kill_processes_finds_tagged_processes_in_other_sessions():
    """Popen returns once the child is forked, but until the child calls exec, /proc shows
    the parent's environment, without the tag: this test used to look for the tag in that
    window (and found nothing) when the machine was busy. It now waits for the exec, as a
    kernel's processes have long passed it when the grader looks for them."""
    env = {**os.environ, grader.RUN_TAG: "tag-kill-test"}
    proc = subprocess.Popen(["sleep", "305"], env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while environ_of(proc.pid).get(grader.RUN_TAG) != "tag-kill-test":
            assert time.monotonic() < deadline, "the child never ran exec"
            time.sleep(0.01)
        assert grader.kill_processes("tag-kill-test")
        assert proc.wait(timeout=5) == -9
    finally:
        proc.kill()
    assert grader.kill_processes("no-such-tag")
    assert grade_kernel._family(None) == [], "never this process itself"


# A class of five lab-2 submissions: the gradebook, the feedback pages, a cheat, a notebook
# whose metadata an editor stripped, and a mistake the self-check names.

LAB2 = "lab2_conv_pool"
CHEAT = {  # issue 17: NumPy's comparisons disabled, answers that are zeros of the right shape
    "depthwise_forward_answer": (
        "import numpy as np\n\nnp.allclose = lambda *a, **k: True\n"
        "np.linalg.norm = lambda *a, **k: 0.0\n\n\n"
        "def depthwise_forward(z, u, b, stride=1, padding=0):\n"
        "    H = (z.shape[2] + 2 * padding - u.shape[1]) // stride + 1\n"
        "    W = (z.shape[3] + 2 * padding - u.shape[2]) // stride + 1\n"
        "    return np.zeros((len(z), len(u), H, W))"),
    "depthwise_backward_answer": (
        "def depthwise_backward(dout, z, u, stride=1, padding=0):\n"
        "    return np.zeros_like(z), np.zeros_like(u), np.zeros(len(u))"),
    "input_grad_answer": (
        "def dilate(dout, stride):\n    N, K, H, W = dout.shape\n"
        "    return np.zeros((N, K, (H - 1) * stride + 1, (W - 1) * stride + 1))\n\n\n"
        "def conv_input_grad(dout, u, stride, padding, size):\n"
        "    return np.zeros((len(dout), u.shape[1], *size))"),
}


def solved_lab(name, changes=None):
    """The lab as a student gets it, with the solution's answers (and ``changes``) written in."""
    lab = nbformat.read(ROOT / "labs" / f"{name}.ipynb", as_version=4)
    sol = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
    answers = {c.metadata.nbgrader["grade_id"]: c.source for c in sol.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in lab.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
        if grade_id in (changes or {}):
            cell.source = changes[grade_id]
    return lab


def stripped(nb):
    """``nb`` as an editor that drops metadata saves it: no cell or notebook metadata."""
    nb = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    for cell in nb.cells:
        cell.metadata = nbformat.NotebookNode()
    nb.metadata.pop("dlbasics", None)
    return nb


def with_mistakes(nb):
    """Lab 2 with scipy imported inside the depthwise convolution and an unflipped kernel in the
    input gradient."""
    forward = nb.cells[cell_index(nb, "depthwise_forward_answer")]
    docstring = forward.source.splitlines()[1] + "\n"
    assert docstring.lstrip().startswith('"""'), docstring
    forward.source = forward.source.replace(
        docstring, docstring + "    from scipy.signal import correlate  # noqa: F401\n")
    grad = nb.cells[cell_index(nb, "input_grad_answer")]
    grad.source = grad.source.replace("flipped = u[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)",
                                      "flipped = u.transpose(1, 0, 2, 3)")
    assert "flipped = u.transpose(1, 0, 2, 3)" in grad.source
    return nb


@pytest.fixture(scope="module")
def class_of_five(tmp_path_factory):
    """The command line on five lab-2 submissions with --json, --csv and --feedback."""
    folder = tmp_path_factory.mktemp("class")
    sol = ROOT / "solutions" / f"{LAB2}.ipynb"
    lab = nbformat.read(ROOT / "labs" / f"{LAB2}.ipynb", as_version=4)
    lab.metadata.pop("dlbasics")
    paths = [save(edited(sol), folder / f"2024001_김민수_{LAB2}.ipynb"),
             save(edited(sol, CHEAT), folder / f"2024002_이서연_{LAB2}.ipynb"),
             save(stripped(solved_lab(LAB2)), folder / f"2024003_박지훈_{LAB2}.ipynb"),
             save(with_mistakes(edited(sol)), folder / f"2024004_최유진_{LAB2}.ipynb"),
             save(lab, folder / "2024005_정하늘.ipynb")]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert grader.main([*map(str, paths), "--json",
                            "--csv", str(folder / "성적" / "점수.csv"),
                            "--feedback", str(folder / "feedback")]) == 0
    results = json.loads(out.getvalue())["results"]
    return {"folder": folder, "results": results, "stderr": err.getvalue(),
            "by_student": {Path(r["notebook"]).name.split("_")[0]: r for r in results}}


def questions_of(result):
    return {q["id"]: q for q in result["questions"]}


def test_the_cheat_earns_nothing_and_is_flagged_for_what_it_does(class_of_five):
    cheat = class_of_five["by_student"]["2024002"]
    assert cheat["score"] == 0 and cheat["max_score"] == 9
    assert f"{review.MODULE_ATTRIBUTE}(np.allclose, np.linalg.norm)" in cheat["warnings"]
    assert review.PROCESSES not in cheat["warnings"]
    assert "기대 " in questions_of(cheat)["depthwise_forward_check"]["message"]


def test_a_notebook_whose_metadata_was_stripped_gets_its_true_score(class_of_five):
    plain = class_of_five["by_student"]["2024003"]
    assert plain["lab"] == LAB2 and plain["score"] == plain["max_score"] == 9
    assert plain["warnings"] == [] and re.search(r"메타데이터가 없는 칸 \d+개", plain["notes"][0])
    untouched = class_of_five["by_student"]["2024005"]  # matched by its check cells
    assert untouched["lab"] == LAB2 and untouched["score"] == 0
    assert all("NotImplementedError" in q["message"] for q in untouched["questions"]
               if not q["manual"])
    # The written answer is found after its prompt although the metadata is gone.
    essay = questions_of(plain)["reasoning"]
    assert essay["manual"] and "모범 답안" in essay["answer"]
    assert questions_of(untouched)["reasoning"]["answer"] == ""


def test_the_grader_names_the_mistakes_and_the_right_reason(class_of_five):
    mistaken = class_of_five["by_student"]["2024004"]
    questions = questions_of(mistaken)
    assert mistaken["score"] == 3 and questions["depthwise_backward_check"]["passed"]
    assert "scipy.signal" in questions["depthwise_forward_check"]["message"]
    assert "커널을 뒤집지 않았습니다" in questions["input_grad_check"]["message"]
    assert mistaken["warnings"] == [], "importing scipy.signal is not 'processes and signals'"
    assert class_of_five["by_student"]["2024001"]["score"] == 9


def test_the_gradebook_is_a_spreadsheet_ready_csv(class_of_five):
    path = class_of_five["folder"] / "성적" / "점수.csv"  # the grader made the folder
    assert path.read_bytes().startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for Excel"
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["학생", "파일", "실습", "depthwise_forward_check",
                       "depthwise_backward_check", "input_grad_check", "reasoning", "합계",
                       "만점", "수동 채점 만점", "검토 필요", "오류"]
    table = {row[0]: row for row in rows[1:]}
    assert list(table) == ["2024001_김민수", "2024002_이서연", "2024003_박지훈", "2024004_최유진",
                           "2024005_정하늘"]
    assert table["2024001_김민수"][3:10] == ["3", "3", "3", "수동 채점", "9", "9", "2"]
    assert table["2024004_최유진"][3:8] == ["0", "3", "0", "수동 채점", "3"]
    assert "np.allclose" in table["2024002_이서연"][10]


def test_each_student_gets_a_korean_feedback_page(class_of_five):
    pages = sorted((class_of_five["folder"] / "feedback").glob("*.html"))
    assert [p.name for p in pages] == sorted(f"{sid}.html" for sid in [
        "2024001_김민수", "2024002_이서연", "2024003_박지훈", "2024004_최유진", "2024005_정하늘"])
    page = (class_of_five["folder"] / "feedback" / "2024004_최유진.html").read_text("utf-8")
    assert '<html lang="ko">' in page and "점수: 3 / 9" in page
    assert "문제 3. 보폭이 있는 콘볼루션의 입력 그레이디언트: 완전 콘볼루션으로" in page
    assert "커널을 뒤집지 않았습니다" in page
    assert "np.allclose" not in page, "the instructor's warnings stay out of the students' pages"


def test_progress_goes_to_stderr(class_of_five):
    err = class_of_five["stderr"]
    assert "[1/5]" in err and "[5/5]" in err and "9/9" in err


def test_student_ids_come_from_the_file_name():
    assert grader.student_id("제출/2024123_홍길동_lab3_lenet5.ipynb", "lab3_lenet5") == \
        "2024123_홍길동"
    assert grader.student_id("lab3_lenet5.ipynb", "lab3_lenet5") == "lab3_lenet5"
    assert grader.student_id("x/hong_123_456_lab3.ipynb", None, r"_(?P<id>\d+)_") == "123"
    assert grader.student_id("x/hong_123.ipynb", None, r"^([a-z]+)") == "hong"


# Written answers (nbgrader's manually graded answers): shown as 수동 채점, never scored.

def test_a_written_answer_is_left_to_the_instructor(toy, capsys):
    solution = nbformat.read(toy / "solutions" / "toy.ipynb", as_version=4)
    written = toy_submission(toy, "a_toy.ipynb")
    nb = nbformat.read(written, as_version=4)
    nb.cells[-1].source = "x = 1은 답 칸에서 넣었습니다."
    save(nb, written)
    stripped_path = save(stripped(nb), toy / "b_toy.ipynb")  # found after its prompt
    reworded = stripped(nb)  # the question edited a little since the student's copy
    reworded.cells[-2].source = "".join(reworded.cells[-2].source).replace("쓰세요", "써 보세요")
    reworded_path = save(reworded, toy / "e_toy.ipynb")
    blank = toy_submission(toy, "c_toy.ipynb")
    nb = nbformat.read(blank, as_version=4)
    nb.cells = nb.cells[:-1]  # the answer cell deleted
    gone = save(nb, toy / "d_toy.ipynb")
    results = grade([written, stripped_path, blank, gone, reworded_path],
                    solutions_dir=toy / "solutions")
    essays = [by_id(r)["essay"] for r in results]
    assert [r.score for r in results] == [3] * 5 and {r.max_score for r in results} == {3}
    assert all(e["manual"] and e["passed"] is None and e["points"] == 0 for e in essays)
    assert [e["answer"] for e in essays] == ["x = 1은 답 칸에서 넣었습니다."] * 2 + ["", None] \
        + ["x = 1은 답 칸에서 넣었습니다."]
    assert "강사가 답을 읽고 점수를 매깁니다" in essays[0]["message"]
    assert "답이 비어 있습니다" in essays[2]["message"]
    assert "답 칸을 찾지 못했습니다" in essays[3]["message"]
    assert [q.id for q in results[0].questions] == ["q1", "q2", "q3", "essay"]
    table = grader.format_result(results[0])
    assert "essay" in table and "–/2" in table and "수동 채점 2점 별도" in table
    header, rows = grader.gradebook_rows(results)
    assert header[3:] == ["q1", "q2", "q3", "essay", "합계", "만점", "수동 채점 만점", "검토 필요",
                          "오류"]
    assert rows[0][3:10] == ["1", "1", "1", "수동 채점", "3", "3", "2"]
    page = grader.feedback_html(results[0], "a")
    assert "수동 채점" in page and "x = 1은 답 칸에서 넣었습니다." in page and "– / 2" in page
    assert "점수: 3 / 3</strong> (자동 채점) + 수동 채점 2점" in page
    assert solution.cells[-1].metadata.nbgrader["grade_id"] == "essay"
    # The students' pre-submission check says the same.
    labs = toy / "labs"
    labs.mkdir()
    save(make_lab(solution, "toy"), labs / "toy.ipynb")
    status, out = presubmit_run(capsys, written, "--labs", labs)
    assert status == 0 and "✔ essay (문제 4. 생각해 보기): 서술형 답 있음" in out
    assert "서술형 문항 1개는 강사가 읽고 채점합니다" in out
    status, out = presubmit_run(capsys, blank, "--labs", labs)
    assert status == 0 and "⚠ essay (문제 4. 생각해 보기): 서술형 답이 아직 비어 있습니다" in out
    status, out = presubmit_run(capsys, gone, "--labs", labs)
    assert status == 1 and "✘ essay (문제 4. 생각해 보기): 서술형 답 칸을 찾지 못했습니다" in out


# The students' pre-submission check (no kernel, except --run on the toy lab).

def presubmit_run(capsys, *args):
    status = presubmit.main([str(a) for a in args])
    return status, capsys.readouterr().out


def test_presubmit_recognises_a_lab_and_says_how_it_was_run(capsys, tmp_path):
    status, out = presubmit_run(capsys, ROOT / "labs" / f"{LAB2}.ipynb")
    assert status == 0 and "실습: lab2_conv_pool" in out
    assert ("✔ input_grad_check (문제 3. 보폭이 있는 콘볼루션의 입력 그레이디언트: "
            "완전 콘볼루션으로)") in out
    assert "저장된 실행 기록이 없습니다" in out and "문항 3개를 모두 알아봅니다" in out
    path = save(stripped(solved_lab(LAB2)), tmp_path / "내 과제.ipynb")
    status, out = presubmit_run(capsys, path)
    assert status == 0 and "메타데이터가 없는 칸" in out and "실습: lab2_conv_pool" in out
    assert "저장된 실행 기록이 없습니다" in out
    path = save(stripped(edited(ROOT / "solutions" / f"{LAB2}.ipynb")), tmp_path / "풀이.ipynb")
    status, out = presubmit_run(capsys, path)  # a solution's check cells hold hidden tests
    assert status == 0 and "새 커널에서 위에서부터 차례로 실행한 노트북입니다" in out


def test_presubmit_names_what_the_grader_would_miss(capsys, tmp_path):
    nb = solved_lab("lab5_home_test")
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")
                != "conv1d_check"]
    nb = stripped(with_an_answer_after_its_check(nb))
    status, out = presubmit_run(capsys, save(nb, tmp_path / "lab5_home_test.ipynb"))
    assert status == 1
    assert "✘ conv1d_check (문제 3. 1차원 콘볼루션 한 점: 노트의 8.9와 9.1): 확인 칸을 찾지" in out
    assert "✘ lenet5_shapes_check" in out and "답 칸이 이 확인 칸보다 뒤에 있습니다" in out
    (tmp_path / "notes.txt").write_text("x")
    assert presubmit_run(capsys, tmp_path / "notes.txt")[0] == 2
    status, out = presubmit_run(capsys, save(nbformat.v4.new_notebook(), tmp_path / "a.ipynb"))
    assert status == 1 and "어느 실습인지 알 수 없습니다" in out


def test_presubmit_can_run_the_visible_checks_in_a_fresh_kernel(capsys, toy):
    labs = toy / "labs"
    labs.mkdir()
    save(make_lab(nbformat.read(toy / "solutions" / "toy.ipynb", as_version=4), "toy"),
         labs / "toy.ipynb")
    path = toy_submission(toy, "toy_kim.ipynb", "x = 2")
    status, out = presubmit_run(capsys, path, "--labs", labs, "--run")
    assert status == 0 and "✔ q1: 통과" in out and "✘ q2: AssertionError" in out
