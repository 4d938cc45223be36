"""제출 전 확인 (the students' pre-submission check).

``python -m dlbasics.tools.presubmit 노트북.ipynb``

Says, in Korean, whether the grader will recognise the notebook: which lab it is (by the
notebook's metadata, its file name or its cells), whether every check cell is there (by its
nbgrader metadata or, where an editor stripped that, by its content), whether an answer cell
was moved below its check, whether the notebook was run from top to bottom, and which stored
outputs are errors; for each written (manual) question, whether its answer cell is there and
filled in. With ``--run`` it also runs the notebook in a fresh kernel the way the
grader does, but with the lab's visible checks only (the hidden tests are not on the student's
computer), and prints what each check cell says.

It needs no solutions: the labs' check cells are known from ``dlbasics/tools/lab_templates.py``,
which ``make labs`` writes from labs/, or from the lab notebooks in ``--labs DIR``. The exit
status is 0 when the grader will find every question, 1 when it will not, 2 when the file is
not a notebook.
"""

import argparse
import sys
from pathlib import Path

import nbformat

from .grade.assemble import (
    code_cells,
    manual_answers,
    match_lab,
    read_notebook,
    recognise,
    template,
)


def load_templates(folder=None):
    """{lab: template} from the lab notebooks in ``folder``, else the ones ``make labs`` wrote."""
    if folder is not None:
        return {path.stem: template(nbformat.read(path, as_version=4))
                for path in sorted(Path(folder).glob("*.ipynb"))}
    from .lab_templates import TEMPLATES

    return TEMPLATES


def notebook_from_template(entries):
    """A lab notebook with the template's cells (answers left empty), for running the checks."""
    nb = nbformat.v4.new_notebook()
    for entry in entries:
        kind = entry["kind"]
        if kind == "manual":  # a written answer: nothing to run
            continue
        cell = nbformat.v4.new_code_cell(entry.get("source", "pass"))
        cell.metadata["nbgrader"] = {
            "grade": kind == "check", "grade_id": entry["grade_id"], "locked": kind != "answer",
            "schema_version": 3, "solution": kind == "answer", "task": False,
            **({"points": entry["points"]} if kind == "check" else {})}
        nb.cells.append(cell)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _run_order(nb):
    """Korean sentence on how the code cells were run, and whether it is top to bottom."""
    counts = [cell.get("execution_count") for cell in nb["cells"] if isinstance(cell, dict)
              and cell.get("cell_type") == "code" and str(cell.get("source", "")).strip()]
    if not counts or all(c is None for c in counts):
        return ("저장된 실행 기록이 없습니다: 제출하기 전에 커널 다시 시작 후 모든 셀 실행을 "
                "하세요."), False
    if counts == list(range(1, len(counts) + 1)):
        return "새 커널에서 위에서부터 차례로 실행한 노트북입니다.", True
    return ("칸을 실행한 순서가 위에서 아래가 아니거나 실행하지 않은 칸이 있습니다: 제출하기 전에 "
            "커널 다시 시작 후 모든 셀 실행(Restart Kernel and Run All Cells)을 하세요."), False


def _stored_errors(nb):
    errors = []
    for index, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        for out in cell.get("outputs") or []:
            if isinstance(out, dict) and out.get("output_type") == "error":
                errors.append(f"{index + 1}번째 칸: {out.get('ename', '')}: "
                              f"{str(out.get('evalue', ''))[:150]}")
    return errors


def report(path, templates):
    """(lines of Korean text, recognised: bool) for the notebook at ``path``."""
    nb = read_notebook(path)
    lab = match_lab(nb, path, list(templates), templates)
    if lab is None:
        return ([f"어느 실습인지 알 수 없습니다: 노트북 메타데이터에도, 파일 이름에도 실습 이름"
                 f"({', '.join(templates)})이 없고, 실습의 확인 칸도 찾지 못했습니다. 받은 실습 "
                 "노트북에 답을 써서 내세요."], False)
    entries = templates[lab]
    raw = code_cells(nb)
    cells, by_content = recognise(raw, entries)
    positions = {}
    for index, (grade_id, _) in enumerate(cells):
        positions.setdefault(grade_id, []).append(index)
    lines = [f"실습: {lab}"]
    if by_content:
        lines.append(f"메타데이터가 없는 칸 {by_content}개를 내용으로 알아보았습니다(채점기도 "
                     "그렇게 합니다). 메타데이터를 지우지 않는 편집기(JupyterLab, Colab)를 쓰면 "
                     "더 안전합니다.")
    missing, late, answer = [], [], None
    for entry in entries:
        if entry["kind"] == "answer":
            answer = entry
        if entry["kind"] != "check":
            continue
        title = f" ({entry['title']})" if entry["title"] else ""
        if entry["grade_id"] not in positions:
            missing.append(entry["grade_id"])
            lines.append(f"✘ {entry['grade_id']}{title}: 확인 칸을 찾지 못했습니다(지웠거나 "
                         "크게 고쳤습니다). 이 문항은 0점입니다. 받은 실습에서 이 칸을 다시 "
                         "복사하세요.")
            continue
        if answer is not None and answer["grade_id"] in positions and \
                positions[answer["grade_id"]][0] > positions[entry["grade_id"]][0]:
            late.append(entry["grade_id"])
            lines.append(f"✘ {entry['grade_id']}{title}: 답 칸이 이 확인 칸보다 뒤에 있습니다. "
                         "칸의 순서를 받은 실습처럼 되돌리세요.")
            continue
        lines.append(f"✔ {entry['grade_id']}{title}: 확인 칸 있음 ({entry['points']:g}점)")
    manual = [e for e in entries if e["kind"] == "manual"]
    answers = manual_answers(nb, entries)
    for entry in manual:
        title = f" ({entry['title']})" if entry["title"] else ""
        answer = answers[entry["grade_id"]]
        if answer is None:
            missing.append(entry["grade_id"])
            lines.append(f"✘ {entry['grade_id']}{title}: 서술형 답 칸을 찾지 못했습니다(지웠거나 "
                         "옮겼습니다). 받은 실습에서 이 칸을 다시 복사해 답을 쓰세요.")
        elif not answer:
            lines.append(f"⚠ {entry['grade_id']}{title}: 서술형 답이 아직 비어 있습니다 "
                         f"({entry['points']:g}점, 강사가 읽고 채점합니다).")
        else:
            lines.append(f"✔ {entry['grade_id']}{title}: 서술형 답 있음 ({len(answer)}자, "
                         f"{entry['points']:g}점, 강사가 읽고 채점합니다)")
    order, in_order = _run_order(nb)
    lines.append(order)
    errors = _stored_errors(nb)
    if errors:
        lines.append("저장된 출력에 오류가 있는 칸: " + "; ".join(errors[:5])
                     + (" …" if len(errors) > 5 else ""))
    checks = [e for e in entries if e["kind"] == "check"]
    ok = not missing and not late
    if ok:
        lines.append(f"채점기가 이 노트북의 문항 {len(checks)}개를 모두 알아봅니다."
                     + (f" 서술형 문항 {len(manual)}개는 강사가 읽고 채점합니다."
                        if manual else ""))
    else:
        lines.append(f"채점기가 문항 {len(checks) + len(manual)}개 가운데 "
                     f"{len(missing) + len(late)}개를 채점하지 못하거나 0점으로 처리합니다. 위의 "
                     "✘를 고치세요.")
    if not in_order or errors:
        lines.append("확인 칸의 결과는 위에서부터 새로 실행해야 믿을 수 있습니다.")
    return lines, ok


def run_visible_checks(path, entries):
    """Lines saying what each check cell does when the notebook runs in a fresh kernel."""
    from .grade.assemble import assemble
    from .grade.kernel import run_cells
    from .grade.scoring import score

    lab = notebook_from_template(entries)
    run, positions = assemble(read_notebook(path), lab)
    outcomes = run_cells(run)
    lines = []
    for q in score(lab, outcomes, positions):
        mark = "✔" if q.passed else "✘"
        lines.append(f"{mark} {q.id}: {q.message if not q.passed else '통과'}")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m dlbasics.tools.presubmit",
        description="제출하기 전에: 채점기가 이 노트북을 알아보는지(실습, 확인 칸, 순서, "
                    "실행 기록) 확인합니다. (Before you submit: will the grader recognise "
                    "this notebook?)")
    parser.add_argument("notebooks", nargs="+", type=Path, metavar="NOTEBOOK.ipynb")
    parser.add_argument("--labs", type=Path, default=None, metavar="DIR",
                        help="folder of the lab notebooks as handed out (default: the ones "
                             "this package knows)")
    parser.add_argument("--run", action="store_true",
                        help="also run the notebook in a fresh kernel with the visible checks")
    args = parser.parse_args(argv)
    templates = load_templates(args.labs)
    status = 0
    for path in args.notebooks:
        print(f"== {path}")
        try:
            lines, ok = report(path, templates)
        except ValueError as err:
            print(f"✘ {err}")
            status = max(status, 2)
            continue
        print("\n".join(lines))
        if args.run and ok:
            lab = match_lab(read_notebook(path), path, list(templates), templates)
            print("새 커널에서 실행한 확인 칸(숨은 테스트 없이):")
            print("\n".join(run_visible_checks(path, templates[lab])))
        status = max(status, 0 if ok else 1)
    return status


if __name__ == "__main__":
    sys.exit(main())
