"""What the grader gives the instructor: a table per submission, a gradebook (CSV) and one
feedback page (HTML, Korean) per submission to hand back to its student.

A manual question (a written answer the instructor grades) is shown as 수동 채점 everywhere:
its points are not part of the total, the CSV's cell for it says 수동 채점 (for the instructor
to overwrite with the points) and a column gives the manual questions' points, and the
feedback page quotes the student's answer.

The student's id comes from the submission's file name: by default the part before the lab's
name (``2024123_홍길동_lab3_lenet5.ipynb`` → ``2024123_홍길동``), or the group ``id`` (else the
first group) of a regular expression searched in the file name (``--id-pattern``).
"""

import csv
import html
import re
from pathlib import Path

from ...summary import display_width, pad

BOM_ENCODING = "utf-8-sig"  # spreadsheets (Excel) read a UTF-8 CSV as Korean only with a BOM


MANUAL = "수동 채점"


def _number(x):
    return f"{x:g}"


def _points(q):
    return f"–/{_number(q.max_points)}" if q.manual else \
        f"{_number(q.points)}/{_number(q.max_points)}"


def _manual_total(result):
    extra = getattr(result, "manual_max_score", 0)
    return f", {MANUAL} {_number(extra)}점 별도" if extra else ""


def format_result(result):
    """A per-question table and the total, as text."""
    lines = [result.notebook + (f"  ({result.lab})" if result.lab else "")]
    if result.error:
        lines.append(f"  오류: {result.error}")
    if result.warnings:
        lines.append(f"  검토 필요: {', '.join(result.warnings)}")
    for note in getattr(result, "notes", []):
        lines.append(f"  참고: {note}")
    rows = [(q.id, _points(q),
             "통과" if q.passed else (q.message.splitlines() or ["실패"])[0])
            for q in result.questions]
    rows.append(("합계 (total)", f"{_number(result.score)}/{_number(result.max_score)}",
                 f"({result.seconds:g} s{_manual_total(result)})"))
    if result.questions:
        rows.insert(0, ("문항 (question)", "점수", "결과"))
    width = [max(display_width(row[i]) for row in rows) for i in range(2)]
    lines += [f"  {pad(name, width[0])}  {pad(points, width[1], right=True)}  {text}"
              for name, points, text in rows]
    return "\n".join(lines)


def student_id(path, lab=None, pattern=None):
    """The student's id from the submission's file name (see the module's docstring)."""
    name, stem = Path(str(path)).name, Path(str(path)).stem
    if pattern:
        found = re.search(pattern, name)
        if found:
            groups = found.groupdict().get("id") or (found.group(1) if found.groups() else None)
            return (groups or found.group(0)).strip()
        return stem
    if lab and lab in stem:
        before = stem[:stem.index(lab)].strip(" _-.")
        if before:
            return before
    return stem


def _ids(results, pattern):
    """A unique id per result (a repeated id gets the lab's name, then a number)."""
    ids, seen = [], {}
    for result in results:
        sid = student_id(result.notebook, result.lab, pattern)
        if sid in seen and result.lab:
            sid = f"{sid}_{result.lab}"
        count = seen.get(sid, 0)
        seen[sid] = count + 1
        ids.append(sid if count == 0 else f"{sid}_{count + 1}")
    return ids


def gradebook_rows(results, pattern=None):
    """The gradebook as a header and one row per submission: 학생, 파일, 실습, one column per
    question (points earned, 수동 채점 for a manual question; ``lab:question`` when several labs
    are graded together), 합계 and 만점 (of the automatic questions), 수동 채점 만점, 검토 필요
    (warnings), 오류 (error)."""
    labs = list(dict.fromkeys(r.lab for r in results if r.lab))
    columns = []
    for result in results:
        for q in result.questions:
            column = f"{result.lab}:{q.id}" if len(labs) > 1 else q.id
            if column not in columns:
                columns.append(column)
    header = ["학생", "파일", "실습", *columns, "합계", "만점", f"{MANUAL} 만점", "검토 필요",
              "오류"]
    rows = []
    for sid, result in zip(_ids(results, pattern), results, strict=True):
        points = {(f"{result.lab}:{q.id}" if len(labs) > 1 else q.id):
                  MANUAL if q.manual else _number(q.points) for q in result.questions}
        rows.append([sid, Path(result.notebook).name, result.lab or "",
                     *(points.get(column, "") for column in columns),
                     _number(result.score), _number(result.max_score),
                     _number(getattr(result, "manual_max_score", 0)),
                     "; ".join(result.warnings), result.error or ""])
    return header, rows


def write_csv(results, path, pattern=None):
    """Write the gradebook to ``path`` (UTF-8 with a BOM, so that Excel shows Korean)."""
    header, rows = gradebook_rows(results, pattern)
    with open(path, "w", encoding=BOM_ENCODING, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return Path(path)


_STYLE = """body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;
line-height:1.5}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #ccc;padding:.4em .6em;vertical-align:top;text-align:left}
td.points{white-space:nowrap;text-align:right}
tr.passed td.result{color:#176b2c}tr.failed td.result{color:#a31515}
tr.manual td.result{color:#5a4a00}
.message,.answer{white-space:pre-wrap;word-break:break-word}
.answer{margin-top:.4em;padding:.4em .6em;background:#f6f6f6;border-left:3px solid #bbb}"""


def feedback_html(result, student=""):
    """The feedback page for one submission, in Korean: each question, its points and message."""
    e = html.escape
    lab = result.lab or "알 수 없는 실습"
    rows = []
    for q in result.questions:
        title = f"{e(q.title)}<br><small>{e(q.id)}</small>" if q.title else e(q.id)
        if q.manual:
            answer = (f"<div class=\"answer\">{e(q.answer)}</div>" if q.answer else "")
            rows.append(f"<tr class=\"manual\"><td>{title}</td>"
                        f"<td class=\"points\">– / {_number(q.max_points)}</td>"
                        f"<td class=\"result\">{MANUAL}<div class=\"message\">"
                        f"{e(q.message)}</div>{answer}</td></tr>")
            continue
        verdict = "통과" if q.passed else "실패"
        message = "" if q.message == "통과" else f"<div class=\"message\">{e(q.message)}</div>"
        rows.append(f"<tr class=\"{'passed' if q.passed else 'failed'}\"><td>{title}</td>"
                    f"<td class=\"points\">{_number(q.points)} / {_number(q.max_points)}</td>"
                    f"<td class=\"result\">{verdict}{message}</td></tr>")
    extra = getattr(result, "manual_max_score", 0)
    manual = (f" (자동 채점) + {MANUAL} {_number(extra)}점: 서술형 답은 강사가 읽고 따로 "
              "점수를 매깁니다" if extra else "")
    error = (f"<p><strong>채점하지 못한 까닭:</strong> {e(result.error)}</p>"
             if result.error else "")
    return f"""<!DOCTYPE html>
<html lang="ko">
<head><meta charset="utf-8"><title>채점 결과: {e(lab)} {e(student)}</title>
<style>{_STYLE}</style></head>
<body>
<h1>채점 결과: {e(lab)}</h1>
<p>학생: {e(student)}<br>파일: {e(Path(result.notebook).name)}<br>
<strong>점수: {_number(result.score)} / {_number(result.max_score)}</strong>{e(manual)}</p>
{error}<table>
<thead><tr><th>문항</th><th>점수</th><th>결과</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<p>확인 칸은 실습에 있는 검사에 더해, 다른 입력으로 같은 것을 묻는 숨은 테스트로
채점했습니다. 실패한 문항은 메시지가 말하는 것을 고친 뒤 노트북을 처음부터 다시
실행(커널 다시 시작 후 모든 셀 실행)해 확인 칸으로 점검해 보세요.</p>
</body></html>
"""


def write_feedback(results, folder, pattern=None):
    """Write ``<student id>.html`` for every result into ``folder``; returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for sid, result in zip(_ids(results, pattern), results, strict=True):
        safe = re.sub(r"[^\w.\-]+", "_", sid).strip("._") or "submission"
        path = folder / f"{safe}.html"
        path.write_text(feedback_html(result, sid), encoding="utf-8")
        paths.append(path)
    return paths
