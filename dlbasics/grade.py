"""채점기 (the instructors' grader): ``python -m dlbasics.grade SUBMISSION.ipynb ... [--json]``.

For each submitted lab notebook the grader

1. finds its solution in ``solutions/`` by the notebook metadata ``dlbasics.lab`` that
   ``make labs`` writes, else by the file name (``kim_lab3_lenet5.ipynb`` is lab3_lenet5);
2. puts the solution's version of every check cell back by nbgrader ``grade_id`` (with its
   hidden tests), so an edited check cell counts as the original; a check cell that the
   student deleted scores 0;
3. runs the code cells in a fresh kernel whose working folder is a new temporary folder
   (the submission is only read), with a time limit per cell and for the whole notebook;
   a cell that runs too long is interrupted and grading goes on; the kernel is killed at
   the end;
4. scores each graded cell (nbgrader ``grade: true``): its points when it runs without an
   error, else 0 with the error as the message.

Submissions are untrusted code: run the grader as a user that can reach nothing of value
(a container or a throwaway account), as the hidden tests cannot make that safe by
themselves.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from .labgen import book_root, nbgrader_meta
from .summary import _pad, _width

CELL_TIMEOUT = 120
NOTEBOOK_TIMEOUT = 600
PROBE_TIMEOUT = 10
TIMEOUT_ENAME = "시간초과"
NOT_RUN = "실행하지 않았습니다"


@dataclass
class Question:
    """One graded cell's outcome."""

    id: str
    points: float
    max_points: float
    passed: bool
    message: str


@dataclass
class Result:
    """One submission's outcome; ``error`` says why it could not be graded at all."""

    notebook: str
    lab: str | None = None
    score: float = 0
    max_score: float = 0
    questions: list = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    def to_dict(self):
        return asdict(self)


def find_solutions(folder=None):
    """{lab name: solution path} for every notebook in ``folder`` (default ``solutions/``)."""
    folder = Path(folder) if folder is not None else book_root() / "solutions"
    return {path.stem: path for path in sorted(Path(folder).glob("*.ipynb"))}


def graded_cells(solution):
    """The solution's graded code cells as (grade_id, points, source), in order."""
    return [(meta["grade_id"], meta["points"], cell.source)
            for cell in solution.cells
            if (meta := nbgrader_meta(cell)).get("grade") and cell.cell_type == "code"]


def restored_cells(solution):
    """{grade_id: source} of the cells the grader restores: graded and locked, not answers."""
    return {meta["grade_id"]: cell.source for cell in solution.cells
            if (meta := nbgrader_meta(cell)) and not meta.get("solution")
            and (meta.get("grade") or meta.get("locked"))}


def read_notebook(path):
    """The notebook at ``path``, or raise ValueError with a Korean explanation."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"파일을 읽을 수 없습니다 ({type(err).__name__}: {err})") from None
    try:
        nb = nbformat.reads(text, as_version=4, capture_validation_error={})
    except Exception as err:  # nbformat raises several kinds for non-notebooks
        raise ValueError(f"주피터 노트북(.ipynb) 파일이 아닙니다 ({type(err).__name__}: "
                         f"{str(err)[:200]})") from None
    if not isinstance(nb.get("cells"), list):
        raise ValueError("주피터 노트북(.ipynb) 파일이 아닙니다 (cells 목록이 없습니다)")
    return nb


def match_lab(nb, path, names):
    """The lab a submission answers: its ``dlbasics.lab`` metadata, else its file name."""
    if nb is not None:
        meta = nb.metadata.get("dlbasics", {})
        if isinstance(meta, dict) and meta.get("lab") in names:
            return meta["lab"]
    candidates = [name for name in names if name in Path(path).stem]
    return max(candidates, key=len) if candidates else None


def assemble(submission, solution):
    """The code cells to run, and {grade_id: index} of the graded cells among them.

    Check cells (matched by grade_id) get the solution's source with its hidden tests;
    of two cells with one grade_id only the first is scored.
    """
    restore = restored_cells(solution)
    graded = {grade_id for grade_id, _, _ in graded_cells(solution)}
    cells, positions = [], {}
    for cell in submission.cells:
        if cell.cell_type != "code":
            continue
        grade_id = nbgrader_meta(cell).get("grade_id") if isinstance(
            cell.metadata.get("nbgrader"), dict) else None
        source = restore.get(grade_id, cell.source)
        if grade_id in graded and grade_id not in positions:
            positions[grade_id] = len(cells)
        cells.append(nbformat.v4.new_code_cell(source))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3",
                              "language": "python"}
    return nb, positions


def kernel_env():
    """The grader's environment plus the book on PYTHONPATH and a non-interactive matplotlib.

    The labs' models are small, so the kernel computes with one thread unless the caller set
    ``OMP_NUM_THREADS``: as fast as two threads on them, and not slowed down many times over
    when other programs (or other graders) share the cores.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(book_root()), env.get("PYTHONPATH", "")]))
    env["MPLBACKEND"] = "Agg"
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    return env


def run_cells(nb, cell_timeout=CELL_TIMEOUT, notebook_timeout=NOTEBOOK_TIMEOUT):
    """Run every code cell of ``nb`` in a fresh kernel in a temporary folder.

    Returns one entry per cell: None when it ran without an error, else a message
    ("ename: evalue", a timeout, or why it did not run).
    """
    outcomes = [None] * len(nb.cells)
    replies = {}
    client = NotebookClient(
        nb, kernel_name="python3", allow_errors=True, interrupt_on_timeout=True,
        error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "", "traceback": []},
        shutdown_kernel="immediate", raise_on_iopub_timeout=False)
    client.on_cell_executed = lambda cell_index, execute_reply, **_: replies.__setitem__(
        cell_index, execute_reply)
    with tempfile.TemporaryDirectory(prefix="dlbasics-grade-") as workdir:
        try:
            with client.setup_kernel(cwd=workdir, env=kernel_env(),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
                deadline = time.monotonic() + notebook_timeout  # from the kernel's start
                _run_all(client, nb, outcomes, replies, cell_timeout, deadline)
        except DeadKernelError:
            pass  # the cells that did not run already say so
    return outcomes


def _run_all(client, nb, outcomes, replies, cell_timeout, deadline):
    stop = None
    for index, cell in enumerate(nb.cells):
        if stop is None and time.monotonic() >= deadline:
            stop = "노트북 전체의 시간 제한을 넘었습니다"
        if stop is not None:
            outcomes[index] = f"{NOT_RUN}: {stop}."
            continue
        timeout = max(1, int(min(cell_timeout, deadline - time.monotonic())))
        client.timeout = timeout
        try:
            client.execute_cell(cell, index)
        except DeadKernelError:
            outcomes[index] = "커널이 죽었습니다 (메모리 부족, os._exit 등)."
            stop = "앞 칸에서 커널이 죽었습니다"
            continue
        outcomes[index] = _message(replies.get(index), timeout)
        if outcomes[index] and outcomes[index].startswith(TIMEOUT_ENAME) \
                and not _responds(client, index):
            stop = "앞 칸의 끝나지 않는 계산을 중단시킬 수 없었습니다"


def _message(reply, timeout):
    """None for a successful execute_reply, else the error in one line."""
    content = (reply or {}).get("content", {})
    if content.get("status") != "error":
        return None
    if content.get("ename") == TIMEOUT_ENAME:
        return (f"{TIMEOUT_ENAME}: 칸 실행이 {timeout}초 제한을 넘어 중단했습니다 "
                "(끝나지 않는 반복문인가요?).")
    return f"{content.get('ename', 'Error')}: {content.get('evalue', '')}".rstrip(": ")


def _responds(client, index):
    """Whether the kernel runs a trivial cell after an interrupted one."""
    client.timeout = PROBE_TIMEOUT
    probe = nbformat.v4.new_code_cell("pass")
    replies_before = client.on_cell_executed
    answered = []
    client.on_cell_executed = lambda execute_reply, **_: answered.append(execute_reply)
    try:
        client.execute_cell(probe, index)
    except DeadKernelError:
        return False
    finally:
        client.on_cell_executed = replies_before
    return bool(answered) and _message(answered[0], PROBE_TIMEOUT) is None


def score(solution, outcomes, positions):
    """The questions of ``solution`` scored from the run's ``outcomes``."""
    questions, graded_at = [], sorted(positions.values())
    for grade_id, points, _ in graded_cells(solution):
        if grade_id not in positions:
            questions.append(Question(grade_id, 0, points, False,
                                      "검사 칸이 없습니다: 지워졌거나 nbgrader 메타데이터가 "
                                      "바뀌었습니다."))
            continue
        index = positions[grade_id]
        error = outcomes[index]
        if error is None:
            questions.append(Question(grade_id, points, points, True, "통과"))
            continue
        start = max([i + 1 for i in graded_at if i < index], default=0)
        cause = next((outcomes[i] for i in range(start, index) if outcomes[i]), None)
        if cause and error.startswith(("NameError", NOT_RUN)):  # an earlier cell says why
            error = f"{error} (앞 칸의 오류: {cause})"
        questions.append(Question(grade_id, 0, points, False, error))
    return questions


def grade_notebook(path, solutions, lab=None, cell_timeout=CELL_TIMEOUT,
                   notebook_timeout=NOTEBOOK_TIMEOUT):
    """Grade one submission; never raises for a bad submission (see ``Result.error``)."""
    start = time.perf_counter()
    result = Result(notebook=str(path))
    try:
        nb = read_notebook(path)
    except ValueError as err:
        nb, result.error = None, str(err)
    result.lab = lab or match_lab(nb, path, solutions)
    if result.lab not in solutions:
        result.error = result.error or (
            f"어느 실습인지 알 수 없습니다: 파일 이름에 실습 이름({', '.join(solutions)})이 "
            "없고 노트북 메타데이터에도 없습니다.")
        result.lab = None
    else:
        solution = nbformat.read(solutions[result.lab], as_version=4)
        result.max_score = sum(points for _, points, _ in graded_cells(solution))
        if nb is None:
            result.questions = [Question(grade_id, 0, points, False, result.error)
                                for grade_id, points, _ in graded_cells(solution)]
        else:
            run, positions = assemble(nb, solution)
            try:
                outcomes = run_cells(run, cell_timeout, notebook_timeout)
            except Exception as err:  # the kernel did not start, and similar
                outcomes = [f"실행하지 못했습니다 ({type(err).__name__}: {err})"] * len(run.cells)
            result.questions = score(solution, outcomes, positions)
        result.score = sum(q.points for q in result.questions)
    result.seconds = round(time.perf_counter() - start, 1)
    return result


def grade(paths, solutions_dir=None, lab=None, cell_timeout=CELL_TIMEOUT,
          notebook_timeout=NOTEBOOK_TIMEOUT, on_result=None):
    """Grade every submission in ``paths`` in turn; returns the list of Results."""
    solutions = find_solutions(solutions_dir)
    if lab is not None and lab not in solutions:
        raise ValueError(f"unknown lab {lab!r}; expected one of {sorted(solutions)}")
    results = []
    for path in paths:
        result = grade_notebook(path, solutions, lab, cell_timeout, notebook_timeout)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


def _number(x):
    return f"{x:g}"


def format_result(result):
    """A per-question table and the total, as text."""
    lines = [result.notebook + (f"  ({result.lab})" if result.lab else "")]
    if result.error:
        lines.append(f"  오류: {result.error}")
    rows = [(q.id, f"{_number(q.points)}/{_number(q.max_points)}",
             "통과" if q.passed else (q.message.splitlines() or ["실패"])[0])
            for q in result.questions]
    rows.append(("합계 (total)", f"{_number(result.score)}/{_number(result.max_score)}",
                 f"({result.seconds:g} s)"))
    if result.questions:
        rows.insert(0, ("문항 (question)", "점수", "결과"))
    width = [max(_width(row[i]) for row in rows) for i in range(2)]
    lines += [f"  {_pad(name, width[0])}  {_pad(points, width[1], right=True)}  {text}"
              for name, points, text in rows]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m dlbasics.grade",
        description="Grade submitted labs: put the hidden tests back, run each notebook in a "
                    "fresh kernel in a temporary folder, and score every graded check cell "
                    "(its points when it runs without an error).",
        epilog="The JSON form is one object: {\"results\": [{\"notebook\", \"lab\", \"score\", "
               "\"max_score\", \"questions\": [{\"id\", \"points\", \"max_points\", \"passed\", "
               "\"message\"}], \"error\", \"seconds\"}]}. The exit status is 0 when every file "
               "was graded, even with errors in it (see each result's \"error\").")
    parser.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION.ipynb",
                        help="students' notebooks; each is matched to its lab by the "
                             "notebook's metadata or by a lab name in the file name")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object with every result instead of tables")
    parser.add_argument("--solutions", type=Path, default=None, metavar="DIR",
                        help="folder of the solution notebooks with the hidden tests "
                             "(default: the book's solutions/)")
    parser.add_argument("--lab", default=None, metavar="NAME",
                        help="grade every submission as this lab (e.g. lab3_lenet5) "
                             "instead of matching it")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT, metavar="SECONDS",
                        help=f"time limit per cell (default {CELL_TIMEOUT})")
    parser.add_argument("--notebook-timeout", type=int, default=NOTEBOOK_TIMEOUT,
                        metavar="SECONDS",
                        help=f"time limit for a whole notebook (default {NOTEBOOK_TIMEOUT})")
    args = parser.parse_args(argv)
    show = None if args.json else (lambda result: print(format_result(result) + "\n",
                                                        flush=True))
    try:
        results = grade(args.submissions, args.solutions, args.lab, args.timeout,
                        args.notebook_timeout, on_result=show)
    except ValueError as err:
        parser.error(str(err))
    if args.json:
        print(json.dumps({"results": [r.to_dict() for r in results]}, ensure_ascii=False,
                         indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
