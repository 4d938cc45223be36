"""실습 과제 만들기 (generate the student labs from the solutions): ``make labs``.

``python -m dlbasics.tools.labgen`` reads every ``solutions/<name>.ipynb`` (nbgrader's source
format) and writes ``labs/<name>.ipynb``:

- each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region becomes a blank that raises
  ``NotImplementedError`` (in markdown: "여기에 답을 쓰세요");
- each ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` region is removed;
- outputs, execution counts and execution metadata are dropped; cell ids and the nbgrader
  cell metadata stay, so the grader can put the hidden tests back by ``grade_id``;
- locked cells (check cells, setup cells) are marked ``editable: false, deletable: false``,
  which JupyterLab honours, as nbgrader does;
- links to ``solutions/<name>.ipynb`` (an "Open in Colab" badge) point at ``labs/<name>.ipynb``;
- the notebook metadata records ``{"dlbasics": {"lab": "<name>"}}`` for the grader.

It also writes ``dlbasics/tools/lab_templates.py``: what each lab's cells are (the check and
setup cells' text as students get it, the names each answer cell defines, the points), so that
a student's pre-submission check (``python -m dlbasics.tools.presubmit``) knows the labs
without the solutions.

The output depends only on the solution, so ``tests/test_labs.py`` regenerates every lab in
memory and fails when ``labs/`` is stale. ``--check`` does the same from the command line.
"""

import copy
import json
import pprint
import re
import sys
from pathlib import Path

import nbformat

from . import book_root, generator_main, sync_file

SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_TESTS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
CODE_STUB = ("# 여기에 코드를 작성하세요 (YOUR CODE HERE)",
             'raise NotImplementedError("아직 풀지 않았습니다: 이 빈칸을 채우세요")')
MARKDOWN_STUB = ("여기에 답을 쓰세요 (YOUR ANSWER HERE)",)
NBGRADER_KEYS = {"schema_version", "grade", "locked", "solution", "task", "grade_id", "points",
                 "checksum", "cell_type"}
NBGRADER_REQUIRED = {"schema_version", "grade", "locked", "solution"}
GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]+$")


def replace_regions(source, markers, stub):
    """Replace every ``markers[0]`` ... ``markers[1]`` region (marker lines included).

    ``stub`` is a tuple of lines put in its place with the indentation of the opening
    marker; an empty tuple removes the region. Returns (new source, number of regions).
    Raises ValueError on a region that is not closed, or closed without being opened.
    """
    begin, end = markers
    out, inside, count = [], False, 0
    for line in source.split("\n"):
        if begin in line:
            if inside:
                raise ValueError(f"'{begin}' inside another '{begin}' region")
            inside, count = True, count + 1
            indent = line[:len(line) - len(line.lstrip())]
            out += [indent + stub_line for stub_line in stub]
        elif end in line:
            if not inside:
                raise ValueError(f"'{end}' without a '{begin}' before it")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"'{begin}' is never closed by '{end}'")
    return "\n".join(out), count


def nbgrader_meta(cell):
    """The cell's nbgrader metadata, or an empty dict."""
    return cell.metadata.get("nbgrader", {})


def validate_nbgrader(nb):
    """Check the nbgrader cell metadata (schema version 3) and where the regions sit.

    Mirrors nbgrader's own rules (required keys, a grade_id for every graded, solution or
    locked cell, unique ids, points for graded cells, markdown answers are graded solutions)
    and its preprocessors' (solution regions only in solution cells, hidden tests only in
    grade cells). Raises ValueError naming the cell.
    """
    seen = set()
    for index, cell in enumerate(nb.cells):
        meta = nbgrader_meta(cell)
        where = f"cell {index} ({cell.get('id', '?')})"
        if SOLUTION[0] in cell.source and not meta.get("solution"):
            raise ValueError(f"{where}: a solution region in a cell without solution=true")
        if HIDDEN_TESTS[0] in cell.source and not meta.get("grade"):
            raise ValueError(f"{where}: hidden tests in a cell without grade=true")
        if not meta:
            continue
        if set(meta) - NBGRADER_KEYS or NBGRADER_REQUIRED - set(meta):
            raise ValueError(f"{where}: nbgrader keys must include {sorted(NBGRADER_REQUIRED)} "
                             f"and lie in {sorted(NBGRADER_KEYS)}, got {sorted(meta)}")
        if meta["schema_version"] != 3:
            raise ValueError(f"{where}: nbgrader schema_version must be 3")
        flags = [meta["grade"], meta["solution"], meta["locked"], meta.get("task", False)]
        if not all(isinstance(flag, bool) for flag in flags):
            raise ValueError(f"{where}: grade, solution, locked and task must be true/false")
        if any(flags[:3]):
            grade_id = meta.get("grade_id", "")
            if not GRADE_ID.match(grade_id):
                raise ValueError(f"{where}: grade_id must match {GRADE_ID.pattern}, "
                                 f"got {grade_id!r}")
            if grade_id in seen:
                raise ValueError(f"{where}: duplicate grade_id {grade_id!r}")
            seen.add(grade_id)
        if meta["grade"] and not (isinstance(meta.get("points"), (int, float))
                                  and meta["points"] >= 0):
            raise ValueError(f"{where}: a graded cell needs points >= 0")
        if cell.cell_type == "markdown" and meta["grade"] != meta["solution"]:
            raise ValueError(f"{where}: a markdown answer must be both grade and solution")
        if meta.get("task") and cell.cell_type != "markdown":
            raise ValueError(f"{where}: task cells must be markdown")


def make_lab(solution, name):
    """The lab notebook made from the solution notebook ``solution`` (left unchanged)."""
    validate_nbgrader(solution)
    lab = copy.deepcopy(solution)
    for index, cell in enumerate(lab.cells):
        stub = CODE_STUB if cell.cell_type == "code" else MARKDOWN_STUB
        try:
            source, _ = replace_regions(cell.source, SOLUTION, stub)
            source, _ = replace_regions(source, HIDDEN_TESTS, ())
        except ValueError as err:
            raise ValueError(f"{name}, cell {index} ({cell.get('id', '?')}): {err}") from None
        if cell.cell_type == "markdown":
            source = source.replace(f"solutions/{name}.ipynb", f"labs/{name}.ipynb")
        cell.source = source
        cell.metadata.pop("execution", None)
        if nbgrader_meta(cell).get("locked"):  # JupyterLab keeps check cells read-only
            cell.metadata.update(editable=False, deletable=False)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    lab.metadata.pop("widgets", None)
    lab.metadata["dlbasics"] = {"lab": name}
    return lab


def lab_text(solution_path):
    """The exact text of the lab generated from ``solution_path``.

    Raises ValueError when a cell of an nbformat 4.5+ solution has no id: nbformat would
    invent a random one on every read, so the lab would never be current.
    """
    solution_path = Path(solution_path)
    text = solution_path.read_text(encoding="utf-8")
    raw = json.loads(text)
    missing = [index for index, cell in enumerate(raw.get("cells", [])) if "id" not in cell]
    if (raw.get("nbformat"), raw.get("nbformat_minor", 0)) >= (4, 5) and missing:
        raise ValueError(f"{solution_path}: cells {missing} have no id; execute the solution "
                         "with `python -m dlbasics.tools.nbtools` (or "
                         "nbformat.validator.normalize) so that every cell keeps one id, "
                         "then run `make labs`")
    solution = nbformat.reads(text, as_version=4)
    text = nbformat.writes(make_lab(solution, solution_path.stem))
    return text if text.endswith("\n") else text + "\n"


TEMPLATES_MODULE = Path("dlbasics", "tools", "lab_templates.py")
TEMPLATES_HEADER = ('"""What each lab\'s cells are (generated by ``make labs`` from labs/; '
                    'do not edit).\n\nUsed by ``python -m dlbasics.tools.presubmit``. '
                    'No solutions and no hidden tests are in it.\n"""\n# ruff: noqa\n\n')


def templates_text(labs):
    """The text of the templates module for the lab notebooks ``labs`` ({name: notebook})."""
    from .grade.assemble import template  # the grader imports this module

    templates = {name: template(lab) for name, lab in sorted(labs.items())}
    return f"{TEMPLATES_HEADER}TEMPLATES = {pprint.pformat(templates, width=100)}\n"


def stale_labs(root=None):
    """Labs (paths) that ``make labs`` would write or delete; empty when ``labs/`` is current."""
    return sorted(generate(root, write=False))


def generate(root=None, write=True):
    """Write ``labs/<name>.ipynb`` for every solution, delete labs without a solution, and
    write the templates module (in the book's own package).

    Returns the paths that changed (or would change, with ``write=False``).
    """
    root = Path(root) if root is not None else book_root()
    solutions, labs = root / "solutions", root / "labs"
    changed = []
    wanted, made = set(), {}
    for solution_path in sorted(solutions.glob("*.ipynb")):
        path = labs / solution_path.name
        wanted.add(path)
        text = lab_text(solution_path)
        made[solution_path.stem] = nbformat.reads(text, as_version=4)
        sync_file(path, text, write, changed, make_parent=True)
    module = root / TEMPLATES_MODULE
    if module.parent.is_dir():  # the book's own package (not a folder of solutions alone)
        sync_file(module, templates_text(made), write, changed)
    for path in sorted(labs.glob("*.ipynb")):
        if path not in wanted:
            changed.append(path)
            if write:
                path.unlink()
    return changed


def main(argv=None):
    return generator_main(
        argv, prog="python -m dlbasics.tools.labgen",
        description="Generate labs/<name>.ipynb from every solutions/<name>.ipynb (make labs): "
                    "solution regions become NotImplementedError blanks, hidden tests and "
                    "outputs are removed.",
        root_help="the book's folder holding solutions/ and labs/ (default: the repository of "
                  "this package)",
        generate=generate, stale="labs/ is stale: run `make labs`")


if __name__ == "__main__":
    sys.exit(main())
