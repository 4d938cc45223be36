"""Scoring: each graded cell (nbgrader ``grade: true``) earns its points when it runs without an
error, else 0 with the error as the message. A check cell the student copied counts once, and
passes when one of its copies passes. ``grade`` grades submissions one after the other.
"""

import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import nbformat

from .. import book_root
from ..labgen import nbgrader_meta, validate_nbgrader
from .assemble import (
    assemble,
    code_cells,
    manual_answers,
    match_lab,
    read_notebook,
    recognise,
    solution_template,
)
from .kernel import CELL_TIMEOUT, NOT_RUN, NOTEBOOK_TIMEOUT, _shorten, run_cells
from .review import suspicious_code

RECOGNISED = "메타데이터가 없는 칸 {}개를 내용으로 알아보았습니다"
MANUAL = "수동 채점"  # how a question the instructor grades is shown (table, CSV, feedback)
MAX_ANSWER_CHARS = 5000


@dataclass
class Question:
    """One graded cell's outcome; ``title`` is the problem's heading in the lab.

    A manual question (a written answer the instructor grades: ``manual`` true) is not scored:
    its ``points`` stay 0, ``passed`` is None and ``answer`` holds what the student wrote
    ("" for a blank left as handed out, None when the answer cell is missing)."""

    id: str
    points: float
    max_points: float
    passed: bool | None
    message: str
    title: str = ""
    manual: bool = False
    answer: str | None = None


@dataclass
class Result:
    """One submission's outcome; ``error`` says why it could not be graded at all, ``warnings``
    what the instructor should look at (see review.py), ``notes`` what the grader did to read it."""

    notebook: str
    lab: str | None = None
    score: float = 0
    max_score: float = 0
    questions: list = field(default_factory=list)
    error: str | None = None
    warnings: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    seconds: float = 0.0
    manual_max_score: float = 0  # points of the manual questions, graded by the instructor

    def to_dict(self):
        return asdict(self)


def find_solutions(folder=None):
    """{lab name: solution path} for every notebook in ``folder`` (default ``solutions/``)."""
    folder = Path(folder) if folder is not None else book_root() / "solutions"
    return {path.stem: path for path in sorted(Path(folder).glob("*.ipynb"))}


def load_solutions(folder=None):
    """{lab name: solution notebook}, read and validated before any submission runs.

    Holding them in memory means a submission that rewrites ``solutions/`` on disk cannot
    weaken the hidden tests for the submissions graded after it.
    """
    solutions = {}
    for name, path in find_solutions(folder).items():
        solutions[name] = nbformat.read(path, as_version=4)
        try:
            validate_nbgrader(solutions[name])
        except ValueError as err:
            raise ValueError(f"{path}: {err}") from None
    return solutions


def graded_cells(solution):
    """The solution's graded code cells as (grade_id, points, source), in order."""
    return [(meta["grade_id"], meta["points"], cell.source)
            for cell in solution.cells
            if (meta := nbgrader_meta(cell)).get("grade") and cell.cell_type == "code"]


def manual_questions(solution, nb, error=None):
    """The solution's manual questions (markdown answers the instructor grades), with what the
    submission ``nb`` (or None) wrote in each."""
    entries = solution_template(solution)
    answers = manual_answers(nb, entries) if nb is not None else {}
    questions = []
    for entry in entries:
        if entry["kind"] != "manual":
            continue
        answer = answers.get(entry["grade_id"])
        if error:
            message = error
        elif answer is None:
            message = (f"{MANUAL}: 답 칸을 찾지 못했습니다(지워졌거나 내용과 메타데이터가 모두 "
                       "바뀌었습니다).")
        elif not answer:
            message = f"{MANUAL}: 답이 비어 있습니다."
        else:
            message = f"{MANUAL}: 강사가 답을 읽고 점수를 매깁니다 (답 {len(answer)}자)."
        if answer is not None and len(answer) > MAX_ANSWER_CHARS:
            answer = answer[:MAX_ANSWER_CHARS - 1] + "…"
        questions.append(Question(entry["grade_id"], 0, entry["points"], None, message,
                                  entry["title"], manual=True, answer=answer))
    return questions


def in_notebook_order(solution, questions):
    """``questions`` ordered as their cells stand in the solution."""
    order = {meta["grade_id"]: i for i, cell in enumerate(solution.cells)
             if (meta := nbgrader_meta(cell)).get("grade")}
    return sorted(questions, key=lambda q: order.get(q.id, len(order)))


def _order_hint(solution, grade_id, positions):
    """Why a check may have failed: its answer cells are missing or come after it."""
    first, answers = positions[grade_id][0], []
    for cell in solution.cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade_id") == grade_id:
            break
        if meta.get("grade"):
            answers = []  # only the answers between the previous check and this one
        elif meta.get("solution"):
            answers.append(meta["grade_id"])
    missing = [a for a in answers if a not in positions]
    late = [a for a in answers if a in positions and positions[a][0] > first]
    if missing:
        return (f" (답 칸 {', '.join(missing)}이(가) 없습니다: 지워졌거나 메타데이터가 "
                "바뀌었습니다.)")
    if late:
        return (f" (답 칸 {', '.join(late)}이(가) 이 검사 칸보다 뒤에 있습니다: 칸의 순서를 "
                "풀이처럼 되돌리세요.)")
    return ""


def _cause(outcomes, index, graded_at):
    """The first error among the cells between the previous graded cell and ``index``."""
    start = max([i + 1 for i in graded_at if i < index], default=0)
    return next((outcomes[i] for i in range(start, index) if outcomes[i]), None)


def score(solution, outcomes, positions):
    """The questions of ``solution`` scored from the run's ``outcomes``.

    ``positions`` maps each grade_id to the indices of its cells in the run. A check cell
    that appears several times counts once and passes when one of its copies passes.
    """
    questions = []
    titles = {e["grade_id"]: e["title"] for e in solution_template(solution)}
    graded = graded_cells(solution)
    graded_at = sorted(i for grade_id, _, _ in graded for i in positions.get(grade_id, []))
    for grade_id, points, _ in graded:
        copies = positions.get(grade_id, [])
        if not copies:
            questions.append(Question(grade_id, 0, points, False,
                                      "검사 칸이 없습니다: 지워졌거나 내용과 nbgrader 메타데이터가 "
                                      "모두 바뀌었습니다.", titles.get(grade_id, "")))
            continue
        note = f" (같은 검사 칸이 {len(copies)}개 있습니다)" if len(copies) > 1 else ""
        if any(outcomes[i] is None for i in copies):
            questions.append(Question(grade_id, points, points, True, "통과" + note,
                                      titles.get(grade_id, "")))
            continue
        error = outcomes[copies[0]]
        cause = _cause(outcomes, copies[0], graded_at)
        missing = error.startswith(("NameError", NOT_RUN)) or "(NameError:" in error
        if cause and missing:  # an earlier cell says why the name is not there
            error = f"{error} (앞 칸의 오류: {cause})"
        message = error + _order_hint(solution, grade_id, positions) + note
        questions.append(Question(grade_id, 0, points, False, _shorten(message),
                                  titles.get(grade_id, "")))
    return questions


def grade_notebook(path, solutions, lab=None, cell_timeout=CELL_TIMEOUT,
                   notebook_timeout=NOTEBOOK_TIMEOUT):
    """Grade one submission against ``solutions`` ({lab: notebook}); never raises for a bad
    submission (see ``Result.error``)."""
    start = time.perf_counter()
    result = Result(notebook=_shorten(path, 10**4))
    try:
        _grade_into(result, path, solutions, lab, cell_timeout, notebook_timeout)
    except Exception as err:  # a bug or an odd notebook must not stop the other gradings
        result.error = _shorten(f"채점하지 못했습니다 ({type(err).__name__}: {err})")
        result.score = 0
        result.questions = [replace(q, points=0, passed=None if q.manual else False,
                                    message=result.error) for q in result.questions]
    result.seconds = round(time.perf_counter() - start, 1)
    return result


def _grade_into(result, path, solutions, lab, cell_timeout, notebook_timeout):
    try:
        nb = read_notebook(path)
    except ValueError as err:
        nb, result.error = None, _shorten(err)
    result.lab = lab or match_lab(nb, path, solutions,
                                  {name: solution_template(s) for name, s in solutions.items()})
    if result.lab not in solutions:
        result.error = result.error or (
            f"어느 실습인지 알 수 없습니다: 파일 이름에 실습 이름({', '.join(solutions)})이 "
            "없고 노트북 메타데이터에도 없습니다.")
        result.lab = None
        return
    solution = solutions[result.lab]
    graded = graded_cells(solution)
    result.max_score = sum(points for _, points, _ in graded)
    titles = {e["grade_id"]: e["title"] for e in solution_template(solution)}
    manual = manual_questions(solution, nb, result.error)
    result.manual_max_score = sum(q.max_points for q in manual)
    result.questions = in_notebook_order(solution, [
        Question(grade_id, 0, points, False, result.error or "", titles.get(grade_id, ""))
        for grade_id, points, _ in graded] + manual)
    if nb is None:
        return
    result.warnings = suspicious_code(nb, solution)
    found = recognise(code_cells(nb), solution_template(solution))[1]
    if found:
        result.notes.append(RECOGNISED.format(found))
    run, positions = assemble(nb, solution)
    outcomes = [None] * len(run.cells)
    if any(grade_id in positions for grade_id, _, _ in graded):  # else nothing can score
        outcomes = run_cells(run, cell_timeout, notebook_timeout)
    result.questions = in_notebook_order(solution, score(solution, outcomes, positions) + manual)
    result.score = sum(q.points for q in result.questions)


def grade(paths, solutions_dir=None, lab=None, cell_timeout=CELL_TIMEOUT,
          notebook_timeout=NOTEBOOK_TIMEOUT, on_result=None, on_start=None):
    """Grade every submission in ``paths`` in turn; returns the list of Results.

    ``on_start(index, path)`` is called before and ``on_result(result)`` after each one.
    """
    solutions = load_solutions(solutions_dir)
    if not solutions:
        raise ValueError(f"no solution notebooks (*.ipynb) in {solutions_dir or 'solutions/'}")
    if lab is not None and lab not in solutions:
        raise ValueError(f"unknown lab {lab!r}; expected one of {sorted(solutions)}")
    results = []
    for index, path in enumerate(paths):
        if on_start is not None:
            on_start(index, path)
        result = grade_notebook(path, solutions, lab, cell_timeout, notebook_timeout)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


