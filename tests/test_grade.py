"""The grader gives every point earned and no other, and survives broken submissions.

Grading runs notebooks, so the solutions and the untouched labs are each graded once per
session (fixtures), the broken lab-5 submissions share one grading run, and the kernel's
failure modes use a tiny toy lab that does not import torch.
"""

import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from nbclient.exceptions import CellExecutionComplete

from dlbasics.tools import grade as grader
from dlbasics.tools.grade import grade
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
        failed = {q.id: q.message for q in result.questions if not q.passed}
        assert result.error is None and not failed, f"{result.notebook}: {failed}"
        assert result.score == result.max_score > 0
        assert len(result.questions) >= 3
        assert result.warnings == [], "the provided cells are never flagged"


def test_every_untouched_lab_gets_zero_with_a_not_implemented_message(lab_results):
    for result in lab_results:
        assert result.error is None and result.warnings == []
        assert result.score == 0 and result.max_score > 0
        for q in result.questions:
            assert not q.passed and q.points == 0
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
    results = grade(paths, cell_timeout=5)
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
    assert sum(q["passed"] for q in questions.values()) == len(questions) - 2
    assert broken_results[1].score == broken_results[1].max_score - 4


def test_deleted_edited_reordered_copied_and_malformed_cells(broken_results):
    result = broken_results[2]
    questions = by_id(result)
    assert result.error is None and len(questions) == 9
    assert questions["conv1d_check"]["points"] == 0
    assert "검사 칸이 없습니다" in questions["conv1d_check"]["message"]
    # The emptied check cell is put back from the solution, so the wrong answer is caught.
    assert not questions["params_check"]["passed"]
    assert "fc_params(8, 8, bias=False)" in questions["params_check"]["message"]
    assert not questions["lenet5_params_check"]["passed"]  # it uses the wrong conv_params
    assert "문제 5의 conv_params" in questions["lenet5_params_check"]["message"]
    shapes = questions["lenet5_shapes_check"]["message"]
    assert shapes.startswith("NameError") and "lenet5_shapes_answer" in shapes
    assert "검사 칸보다 뒤에 있습니다" in shapes
    # The copy above the answer fails (NameError); the original below it passes.
    copied = questions["conv_output_size_check"]
    assert copied["passed"] and copied["message"] == "통과 (같은 검사 칸이 2개 있습니다)"
    assert questions["conv2d_check"]["passed"]  # the malformed cells cost nothing
    # AlexNet's and VGG's counts are built on the zeroed conv_params, so they fail as well.
    assert not questions["alexnet_check"]["passed"] and not questions["vgg16_check"]["passed"]
    assert questions["augmentation_check"]["passed"]
    assert result.score == result.max_score - 12


def test_an_empty_notebook_scores_zero_without_a_kernel(broken_results):
    empty = broken_results[3]
    assert empty.error is None and empty.score == 0 and empty.max_score == 18
    assert all("검사 칸이 없습니다" in q.message for q in empty.questions)


def test_check_cells_explain_common_mistakes(tmp_path):
    """A flipped kernel (lab 2) and a first convolution without padding (lab 3) get named."""
    solutions = ROOT / "solutions"
    flipped = edited(solutions / "lab2_conv_pool.ipynb")
    cell = flipped.cells[cell_index(flipped, "conv_forward_answer")]
    cell.source = cell.source.replace("np.tensordot(field, u,",
                                      "np.tensordot(field, u[:, :, ::-1, ::-1],")
    unpadded = edited(solutions / "lab3_lenet5.ipynb")
    cell = unpadded.cells[cell_index(unpadded, "lenet_answer")]
    cell.source = cell.source.replace("nn.Conv2d(1, 6, kernel_size=5, padding=2)",
                                      "nn.Conv2d(1, 6, kernel_size=5)")
    lab2, lab3 = grade([save(flipped, tmp_path / "lab2_conv_pool.ipynb"),
                        save(unpadded, tmp_path / "lab3_lenet5.ipynb")])
    assert "커널을 상하좌우로 뒤집었습니다" in by_id(lab2)["conv_forward_check"]["message"]
    assert "(6, 24, 24)" in by_id(lab3)["lenet_check"]["message"]


# Every answer function of lab 5, written to return the visible check's answers only.
HARD_CODED = {  # function: (its answer cell, the hard-coded definition)
    "conv_output_size": ("conv_output_size_answer",
                         "def conv_output_size(n, h, stride=1, padding=0):\n"
                         "    return {28: 14 if stride == 2 else 28, 14: 10, 10: 5, 5: 1}[n]"),
    "lenet5_shapes": ("lenet5_shapes_answer",
                      "def lenet5_shapes(n=28):\n    return [(6, 28, 28), (6, 14, 14), "
                      "(16, 10, 10), (16, 5, 5), (120, 1, 1)]"),
    "conv1d_at": ("conv1d_answer",
                  "def conv1d_at(z, u, i, b=0.0):\n    return 2.0 if len(z) == 6 else 8.9 + b"),
    "conv2d_at": ("conv2d_answer",
                  "def conv2d_at(z, u, j, i, b=0.0):\n"
                  "    return 0.0 if u[0, 1] == -1 else 21.0 + b"),
    "fc_params": ("params_answer", "def fc_params(n_in, n_out, bias=True):\n    return 64"),
    "conv_params": ("params_answer",
                    "def conv_params(c_in, k, h, dims=2, bias=True):\n"
                    "    return {3: 3, 5: 156, 1: 36, 11: 34944}[h]"),
    "lenet5_params": ("lenet5_params_answer",
                      "def lenet5_params(n_classes=10, in_channels=1):\n"
                      "    return 61706 if in_channels == 1 else 62006"),
    "grouped_conv_params": ("alexnet_answer",
                            "def grouped_conv_params(c_in, k, h, groups=1):\n"
                            "    return {11: 34944, 5: 307456}[h]"),
    "cnn_params": ("alexnet_answer",
                   "def cnn_params(conv_layers, fc_layers):\n    return (2334080, 58631144)"),
    "vgg_shapes": ("vgg16_answer",
                   "def vgg_shapes(blocks, n=224):\n    return [(64, 112, 112), (128, 56, 56), "
                   "(256, 28, 28), (512, 14, 14), (512, 7, 7)]"),
    "vgg_params": ("vgg16_answer",
                   "def vgg_params(blocks, n=224, n_classes=1000):\n    return 138357544"),
    "augmentation_factor": ("augmentation_answer",
                            "def augmentation_factor(image_size, crop_size, flip=True):\n"
                            "    return {256: 2178 if flip else 1089, 28: 50}[image_size]"),
}
# The later questions whose functions call an earlier problem's function: {function:
# {check cell: problem number}}. A wrong helper fails them too, and their message says so.
USERS = {
    "conv_output_size": {"lenet5_shapes_check": 1, "vgg16_check": 1, "augmentation_check": 1},
    "fc_params": {"lenet5_params_check": 5, "alexnet_check": 5, "vgg16_check": 5},
    "conv_params": {"lenet5_params_check": 5, "alexnet_check": 5, "vgg16_check": 5},
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
    assert hidden.score == 0 and len(hidden.questions) == len(answers)
    for q in hidden.questions:
        assert q.message and "NotImplementedError" not in q.message


@pytest.fixture(scope="module")
def one_hard_coded(tmp_path_factory):
    """{function: the grading of the lab-5 solution with only that function hard-coded}."""
    folder = tmp_path_factory.mktemp("hard_coded")
    solution = ROOT / "solutions" / f"{HOME_TEST}.ipynb"
    paths = []
    for function, (answer, code) in HARD_CODED.items():
        nb = edited(solution)
        cell = nb.cells[cell_index(nb, answer)]
        cell.source += f"\n\n\n{code}"  # replaces the solution's function, keeps the others
        paths.append(save(nb, folder / f"{function}_{HOME_TEST}.ipynb"))
    return dict(zip(HARD_CODED, grade(paths), strict=True))


@pytest.mark.parametrize("function", HARD_CODED)
def test_hard_coding_one_function_loses_its_question(one_hard_coded, function):
    result = one_hard_coded[function]
    questions = by_id(result)
    users = USERS.get(function, {})
    lost = {check_of(HARD_CODED[function][0]), *users}
    assert result.error is None and result.warnings == []
    assert {q for q, v in questions.items() if not v["passed"]} == lost
    assert result.score == result.max_score - 2 * len(lost)
    for check, problem in users.items():  # the later problems name the earlier one
        assert f"문제 {problem}의 {function}이(가) 아직 틀립니다" in questions[check]["message"]


def test_a_wrong_earlier_function_is_named_instead_of_a_misleading_hint(tmp_path):
    """Problem 1 ignoring padding fails 1, 2 and 8 (naming problem 1; not the VGG padding
    hint), while problem 9, which pads nothing, keeps its points; the VGG and 2048 hints
    still come when the student's own function is the cause."""
    solution = ROOT / "solutions" / f"{HOME_TEST}.ipynb"
    unpadded = edited(solution, {"conv_output_size_answer":
                                 "def conv_output_size(n, h, stride=1, padding=0):\n"
                                 "    return (n - h) // stride + 1"})
    own = edited(solution)
    for answer, old, new in [("vgg16_answer", "conv_output_size(n, 3, stride=1, padding=1)",
                              "conv_output_size(n, 3)"),
                             ("augmentation_answer", "positions = conv_output_size(image_size, "
                              "crop_size)", "positions = image_size - crop_size")]:
        cell = own.cells[cell_index(own, answer)]
        assert old in cell.source
        cell.source = cell.source.replace(old, new)
    first, second = grade([save(unpadded, tmp_path / f"unpadded_{HOME_TEST}.ipynb"),
                           save(own, tmp_path / f"own_{HOME_TEST}.ipynb")])
    questions = by_id(first)
    assert {q for q, v in questions.items() if not v["passed"]} == {
        "conv_output_size_check", "lenet5_shapes_check", "vgg16_check"}
    for check in ("lenet5_shapes_check", "vgg16_check"):
        message = questions[check]["message"]
        assert "문제 1의 conv_output_size이(가) 아직 틀립니다" in message
        assert "문제 1부터 맞히세요" in message and "덧대기 없이" not in message
    assert first.score == 12
    questions = by_id(second)
    assert {q for q, v in questions.items() if not v["passed"]} == {"vgg16_check",
                                                                     "augmentation_check"}
    assert "덧대기 없이 계산한 모양" in questions["vgg16_check"]["message"]
    assert "2048 = (256 − 224)² × 2" in questions["augmentation_check"]["message"]
    assert all("아직 틀립니다" not in questions[q]["message"] for q in ("vgg16_check",
                                                                     "augmentation_check"))


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
                          "warnings", "seconds"}
    assert first["score"] == first["max_score"] == 3 and first["error"] is None
    assert set(first["questions"][0]) == {"id", "points", "max_points", "passed", "message"}
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
    for option in ("--json", "--timeout", "--notebook-timeout", "--solutions", "--lab"):
        assert option in help_text
    with pytest.raises(SystemExit):
        grader.main([str(path), "--lab", "nope", "--solutions", str(toy / "solutions")])
    with pytest.raises(SystemExit):
        grader.main([str(path), "--timeout", "0"])
    assert "at least 1 second" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        grader.main([str(path), "--solutions", str(toy / "nowhere")])
    assert "no solution notebooks" in capsys.readouterr().err


# The pieces, without a kernel.

def test_match_lab_prefers_metadata_then_the_longest_name():
    names = ["lab1_dmlp", "lab1_dmlp_extra"]
    nb = nbformat.v4.new_notebook(metadata={"dlbasics": {"lab": "lab1_dmlp"}})
    assert grader.match_lab(nb, "anything.ipynb", names) == "lab1_dmlp"
    assert grader.match_lab(None, "kim_lab1_dmlp_extra (1).ipynb", names) == "lab1_dmlp_extra"
    assert grader.match_lab(nbformat.v4.new_notebook(), "essay.ipynb", names) is None
    odd = nbformat.from_dict({"cells": [], "metadata": {"dlbasics": {"lab": ["x"]}}})
    assert grader.match_lab(odd, "lab1_dmlp.ipynb", names) == "lab1_dmlp"


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
    assert grader._shorten("a" * 5000, 100) == "a" * 99 + "…"
    text = grader._shorten("bad \udcff surrogate")
    assert text == "bad \\udcff surrogate" and text.encode("utf-8")
    reply = {"content": {"status": "error", "ename": "ValueError", "evalue": "y" * 10**6}}
    assert len(grader._message(reply, 1)) == grader.MAX_MESSAGE_CHARS


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
    assert grader.suspicious_code(submission, solution) == [label for label, _ in
                                                            grader.SUSPICIOUS[:3]]
    submission.cells[1].source = "import subprocess"  # a check cell: replaced, not read
    assert len(grader.suspicious_code(submission, solution)) == 3


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
    assert grader.suspicious_code(submission, solution) == ["검사 함수나 모듈 바꿔치기"]


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
    client = grader._GradingClient(nbformat.v4.new_notebook())
    cell = nbformat.v4.new_code_cell("print('x')")
    stream = {"msg_type": "stream", "content": {"name": "stdout", "text": "x" * 10**6},
              "parent_header": {"msg_id": "m"}, "header": {"msg_type": "stream"}}
    assert client.process_message(stream, cell, 0) is None and cell.outputs == []
    with pytest.raises(CellExecutionComplete):
        client.process_message({"msg_type": "status", "content": {"execution_state": "idle"}},
                               cell, 0)


def test_the_kernel_is_this_python_whatever_kernelspecs_say():
    spec = grader._PythonKernelSpecs().get_kernel_spec("python3")
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


def test_kill_processes_finds_tagged_processes_in_other_sessions():
    env = {**os.environ, grader.RUN_TAG: "tag-kill-test"}
    proc = subprocess.Popen(["sleep", "305"], env=env, start_new_session=True)
    try:
        assert grader.kill_processes("tag-kill-test")
        assert proc.wait(timeout=5) == -9
    finally:
        proc.kill()
    assert grader.kill_processes("no-such-tag")
    assert grader._family(None) == [], "never this process itself"
