"""The grader's command line: ``python -m dlbasics.tools.grade SUBMISSION.ipynb ...``."""

import argparse
import json
import sys
from pathlib import Path

from .kernel import CELL_TIMEOUT, NOTEBOOK_TIMEOUT
from .report import format_result, student_id, write_csv, write_feedback
from .scoring import grade


def _seconds(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 second, got {value}")
    return value


def _progress(total, quiet):
    """(on_start, on_result) that report each submission on stderr."""
    if quiet:
        return None, None
    state = {"index": 0}

    def on_start(index, path):
        state["index"] = index
        print(f"[{index + 1}/{total}] {path} 채점 중…", file=sys.stderr, flush=True)

    def on_result(result):
        done = (f"{result.score:g}/{result.max_score:g}" if result.error is None
                else f"오류: {result.error[:80]}")
        flag = f"  검토 필요: {', '.join(result.warnings)}" if result.warnings else ""
        print(f"[{state['index'] + 1}/{total}] {result.notebook}: {done} ({result.seconds:g} s)"
              f"{flag}", file=sys.stderr, flush=True)

    return on_start, on_result


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m dlbasics.tools.grade",
        description="Grade submitted labs: put the hidden tests back, run each notebook in a "
                    "fresh kernel in a temporary folder, and score every graded check cell "
                    "(its points when it runs without an error).",
        epilog="The JSON form is one object: {\"results\": [{\"notebook\", \"lab\", \"score\", "
               "\"max_score\", \"manual_max_score\", \"questions\": [{\"id\", \"points\", "
               "\"max_points\", \"passed\", \"message\", \"title\", \"manual\", \"answer\"}], "
               "\"error\", \"warnings\", \"notes\", \"seconds\"}]}. A manual question (a written "
               "answer, nbgrader's manually graded answer) is not scored: \"manual\" is true, its "
               "\"passed\" null and \"answer\" what the student wrote; the table, the CSV and the "
               "feedback pages show it as 수동 채점. Progress goes to stderr. The exit status is 0 "
               "when every file was graded, even with errors in it (see each result's \"error\").")
    parser.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION.ipynb",
                        help="students' notebooks; each is matched to its lab by the "
                             "notebook's metadata, a lab name in the file name, or its cells")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object with every result instead of tables")
    parser.add_argument("--csv", type=Path, default=None, metavar="FILE",
                        help="also write the gradebook: one row per submission, one column "
                             "per question, total, warnings (UTF-8 with BOM, for spreadsheets)")
    parser.add_argument("--feedback", type=Path, default=None, metavar="DIR",
                        help="also write one Korean HTML feedback page per submission into DIR")
    parser.add_argument("--id-pattern", default=None, metavar="REGEX",
                        help="regular expression on the file name whose group 'id' (or first "
                             "group) is the student's id (default: the part before the lab's "
                             "name, e.g. 2024123_홍길동 in 2024123_홍길동_lab3_lenet5.ipynb)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("--solutions", type=Path, default=None, metavar="DIR",
                        help="folder of the solution notebooks with the hidden tests "
                             "(default: the book's solutions/)")
    parser.add_argument("--lab", default=None, metavar="NAME",
                        help="grade every submission as this lab (e.g. lab3_lenet5) "
                             "instead of matching it")
    parser.add_argument("--timeout", type=_seconds, default=CELL_TIMEOUT, metavar="SECONDS",
                        help=f"time limit per cell (default {CELL_TIMEOUT})")
    parser.add_argument("--notebook-timeout", type=_seconds, default=NOTEBOOK_TIMEOUT,
                        metavar="SECONDS",
                        help=f"time limit for a whole notebook (default {NOTEBOOK_TIMEOUT})")
    args = parser.parse_args(argv)
    for folder in _output_folders(args):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            parser.error(f"결과를 쓸 폴더 {folder}를 만들 수 없습니다: {err.strerror}")
    on_start, progress = _progress(len(args.submissions), args.quiet)

    def on_result(result):
        if progress is not None:
            progress(result)
        if not args.json:
            sid = student_id(result.notebook, result.lab, args.id_pattern)
            print(f"[{sid}] {format_result(result)}\n", flush=True)

    try:
        results = grade(args.submissions, args.solutions, args.lab, args.timeout,
                        args.notebook_timeout, on_result=on_result, on_start=on_start)
    except ValueError as err:
        parser.error(str(err))
    if args.feedback is not None:
        write_feedback(results, args.feedback, args.id_pattern)
    if args.csv is not None:
        write_csv(results, args.csv, args.id_pattern)
    if args.json:
        print(json.dumps({"results": [r.to_dict() for r in results]}, ensure_ascii=False,
                         indent=2))
    return 0


def _output_folders(args):
    """The folders the gradebook and the feedback pages go to, made before any grading so
    that a mistyped path cannot lose an hour of results at the end."""
    folders = [args.csv.parent] if args.csv is not None else []
    return folders + ([args.feedback] if args.feedback is not None else [])


def hide_from_submissions():
    """Make this process undumpable (Linux), so that a submission's code, which runs as the
    same user, cannot open ``/proc/<grader>/fd/1`` to write into the JSON output, nor read
    the grader's environment or memory. Returns whether it took effect."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    pr_set_dumpable = 4
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(pr_set_dumpable, 0, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
