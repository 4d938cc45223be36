"""Assembling the notebook the grader runs: the submission's cells, with the solution's check
cells (hidden tests included) and locked setup cells put back.

1. ``match_lab`` finds a submission's lab by the notebook metadata ``dlbasics.lab`` that
   ``make labs`` writes, else by the file name (``kim_lab3_lenet5.ipynb`` is lab3_lenet5), else
   by its cells: the lab whose check cells it holds.
2. ``code_cells`` reads the code cells, tolerating malformed ones; ``recognise`` gives a cell
   without nbgrader metadata (an editor or a copy-paste stripped it) the ``grade_id`` of the
   lab cell it is, by content: a check or setup cell by its text, an answer cell by the names
   it defines.
3. ``assemble`` puts the solution's version of every check cell back by ``grade_id`` (with its
   hidden tests), so an edited check cell counts as the original; a check cell that the
   student deleted scores 0. Each restored check cell starts by binding again the names it
   relies on that the solution's provided cells define cheaply (imports such as ``checks``,
   the locked cells' functions and constants), so a student's ``class checks: ...`` or
   ``np = ...`` does not reach the hidden tests (see ``rebinding_code``).
"""

import ast
import contextlib
import difflib
import json
import re
from pathlib import Path

import nbformat

from ..labgen import HIDDEN_TESTS, MARKDOWN_STUB, make_lab, nbgrader_meta, replace_regions
from .kernel import MAX_MESSAGE_CHARS  # noqa: F401  (re-exported for the package)

MAX_NOTEBOOK_BYTES = 100 * 2**20
REBIND_COMMENT = "# 채점기: 확인 칸이 쓰는 이름을 풀이의 것으로 되돌립니다 (grader: rebind names)"
SIMILAR = 0.9  # a check cell edited this little (difflib ratio) is still recognised


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


def code_tree(source):
    """The module AST of a cell's code (IPython magics turned into calls), or None."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        source = TransformerManager().transform_cell(source)
    except Exception:  # no IPython, or input it cannot transform: parse the text as it is
        pass
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):  # ValueError: a null byte
        return None


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def bound_names(stmt):
    """The names a module-level statement binds in the module's namespace ("*" for a star
    import). Function and class bodies are not entered (their names are local) except for
    their ``global`` declarations; comprehension variables are local, ``:=`` in them is not.
    """
    names = set()
    _collect_bindings(stmt, names)
    return names


def _collect_bindings(node, names):
    if isinstance(node, ast.Name):
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        return
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        names.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
        return
    if isinstance(node, _COMPREHENSIONS):
        names.update(sub.target.id for sub in ast.walk(node) if isinstance(sub, ast.NamedExpr))
        return
    if isinstance(node, ast.ClassDef):
        outer = [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        outer = [*getattr(node, "decorator_list", []), *node.args.defaults,
                 *(d for d in node.args.kw_defaults if d is not None)]
    else:
        outer = None
    if outer is not None:  # a new scope: only its name, globals and outer expressions count
        if not isinstance(node, ast.Lambda):
            names.add(node.name)
            names.update(name for sub in ast.walk(node) if isinstance(sub, ast.Global)
                         for name in sub.names)
        for expr in outer:
            _collect_bindings(expr, names)
        return
    if isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
        names.add(node.name)
    if isinstance(node, ast.MatchMapping) and node.rest:
        names.add(node.rest)
    for child in ast.iter_child_nodes(node):
        _collect_bindings(child, names)


def _imports(stmt):
    """(name, dotted path of the object, statement) for each name an import binds."""
    found = []
    for alias in stmt.names:
        if alias.name == "*":
            continue
        as_part = f" as {alias.asname}" if alias.asname else ""
        if isinstance(stmt, ast.Import):
            path = alias.name if alias.asname else alias.name.split(".")[0]
            found.append((alias.asname or path, alias.name if alias.asname else path,
                          f"import {alias.name}{as_part}"))
        else:
            module = "." * stmt.level + (stmt.module or "")
            found.append((alias.asname or alias.name, f"{module}.{alias.name}",
                          f"from {module} import {alias.name}{as_part}"))
    return found


def _cheap(stmt):
    """Whether a locked cell's statement only defines: a function, a class, or an
    assignment that calls nothing (so running it again computes nothing and changes no
    state, such as a random generator's)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    return isinstance(stmt, (ast.Assign, ast.AnnAssign)) and not any(
        isinstance(node, ast.Call) for node in ast.walk(stmt))


def rebinding_code(solution):
    """{grade_id: code} that binds again, before each graded cell, the names it relies on.

    The solution's cells are followed in order, keeping for each name the statement that
    bound it last when that statement is cheap to run again: an import in any cell but an
    answer, or a function, class or call-free assignment (``VGG16_BLOCKS = [...]``) in a
    locked cell. A name that anything else binds afterwards (an answer cell, a cell that
    computes) is dropped, so the code never overwrites what the student was asked to
    write; an answer that imports the very same object keeps it. The grader puts this code
    at the top of every restored check cell, so a student who shadows ``checks`` or ``np``
    (``class checks: ...``) no longer fools the check and its hidden tests.
    """
    return {grade_id: _live_code(live) for grade_id, live in _rebindings(solution).items()}


def rebound_names(solution):
    """{name: dotted import path, or None for a locked cell's definition} of every name
    that ``rebinding_code`` binds again before some graded cell."""
    return {name: path for live in _rebindings(solution).values()
            for name, (_, _, path, _) in live.items()}


def _rebindings(solution):
    """{grade_id: {name: (position, code, import path or None, names the code binds)}}."""
    live, found = {}, {}
    for position, cell in enumerate(solution.cells):
        if cell.cell_type != "code":
            continue
        meta = nbgrader_meta(cell)
        if meta.get("grade"):
            found[meta["grade_id"]] = dict(live)
        tree = code_tree(cell.source)
        if tree is None:
            continue
        answer = bool(meta.get("solution"))
        setup = bool(meta.get("locked")) and not meta.get("grade") and not answer
        for index, stmt in enumerate(tree.body):
            key = (position, index)
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                if any(alias.name == "*" for alias in stmt.names):
                    live.clear()  # it may bind any name
                for name, path, code in _imports(stmt):
                    if not answer:
                        live[name] = (key, code, path, {name})
                    elif live.get(name, (None,) * 4)[2] != path:
                        live.pop(name, None)
            elif setup and _cheap(stmt):
                names = bound_names(stmt)
                for name in names:
                    live[name] = (key, ast.unparse(stmt), None, names)
            else:
                for name in bound_names(stmt):
                    live.pop(name, None)
    return found


def shadowed_names(sources, rebound):
    """The names of ``rebound`` ({name: import path or None}) that the code ``sources`` binds
    at module level to something else (importing the same object does not count)."""
    shadowed = []
    for source in sources:
        tree = code_tree(source)
        for stmt in tree.body if tree is not None else []:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                names = [name for name, path, _ in _imports(stmt)
                         if name in rebound and path != rebound[name]]
            else:
                names = [name for name in sorted(bound_names(stmt)) if name in rebound]
            shadowed += [name for name in names if name not in shadowed]
    return shadowed


def _live_code(live):
    """The statements of ``live`` that still own every name they bind, in their order."""
    owners = {}
    for name, (key, code, _, names) in live.items():
        owners.setdefault((key, code), (names, set()))[1].add(name)
    return "\n".join(code for (key, code), (names, alive) in sorted(owners.items())
                     if alive == names)


def read_notebook(path):
    """The notebook at ``path``, or raise ValueError with a Korean explanation.

    A notebook that nbformat rejects because of a malformed cell is still graded (as the
    plain JSON object it is) when it has a list of cells: the other cells earn their points.
    """
    path = Path(path)
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise ValueError(f"파일이 너무 큽니다 ({path.stat().st_size / 2**20:.0f} MB, "
                             f"한도 {MAX_NOTEBOOK_BYTES // 2**20} MB)")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"파일을 읽을 수 없습니다 ({type(err).__name__}: {err})") from None
    reason = "cells 목록이 없습니다"
    try:
        nb = nbformat.reads(text, as_version=4, capture_validation_error={})
    except Exception as err:  # nbformat raises several kinds for non-notebooks
        reason = f"{type(err).__name__}: {str(err)[:200]}"
        nb = _json_or_none(text)
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError(f"주피터 노트북(.ipynb) 파일이 아닙니다 ({reason})")
    return nb


def _json_or_none(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


def match_lab(nb, path, names, templates=None):
    """The lab a submission answers: its ``dlbasics.lab`` metadata, else its file name, else
    (with ``templates`` {name: template}) the lab whose check cells it holds."""
    meta = nb.get("metadata") if isinstance(nb, dict) else None
    lab = meta.get("dlbasics") if isinstance(meta, dict) else None
    if isinstance(lab, dict) and isinstance(lab.get("lab"), str) and lab["lab"] in names:
        return lab["lab"]
    candidates = [name for name in names if name in Path(path).stem]
    if candidates:
        return max(candidates, key=len)
    return lab_by_content(nb, templates) if templates else None


def cells_of_type(nb, cell_type):
    """(grade_id or None, source) of every cell of ``cell_type``, tolerating malformed cells."""
    cells = []
    for cell in nb["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != cell_type:
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(line for line in source if isinstance(line, str))
        meta = cell.get("metadata")
        grader_meta = meta.get("nbgrader") if isinstance(meta, dict) else None
        grade_id = grader_meta.get("grade_id") if isinstance(grader_meta, dict) else None
        cells.append((grade_id if isinstance(grade_id, str) else None,
                      source if isinstance(source, str) else ""))
    return cells


def code_cells(nb):
    """(grade_id or None, source) of every code cell."""
    return cells_of_type(nb, "code")


def assemble(submission, solution):
    """The code cells to run, and {grade_id: [indices]} of the cells that carry one.

    Check cells and locked setup cells (matched by grade_id) get the solution's source, so
    the hidden tests are back, and each check cell first binds again the names it relies
    on (``rebinding_code``); the student's cells run as they are. Cells whose metadata was
    stripped are recognised by content first (``recognise``).
    """
    restore, rebind = restored_cells(solution), rebinding_code(solution)
    cells, positions = [], {}
    for grade_id, source in recognise(code_cells(submission), solution_template(solution))[0]:
        if grade_id is not None:
            positions.setdefault(grade_id, []).append(len(cells))
        source = restore.get(grade_id, source)
        if rebind.get(grade_id):
            source = f"{REBIND_COMMENT}\n{rebind[grade_id]}\n\n{source}"
        cells.append(nbformat.v4.new_code_cell(source))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3",
                              "language": "python"}
    return nb, positions


def _normal(source):
    """A cell's text as a student's lab has it: no hidden-test region (a solution's own check
    cell), no trailing spaces, no blank lines at either end."""
    if HIDDEN_TESTS[0] in source:
        with contextlib.suppress(ValueError):  # unbalanced markers: compare the text as it is
            source = replace_regions(source, HIDDEN_TESTS, ())[0]
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _title_of(markdown):
    """The last ``## `` heading in a markdown cell's text, or None."""
    found = re.findall(r"^##\s+(.+?)\s*$", markdown, re.M)
    return found[-1] if found else None


def template(lab):
    """What the grader knows a lab's cells by, from the lab notebook given to students (or one
    made from the solution by ``make_lab``): one entry per cell with nbgrader metadata,
    ``{"grade_id", "kind" ("check", "answer", "setup" or "manual"), "points", "title", and
    "source" (check and setup cells, as the student has them), "names" (what an answer
    defines) or "before" (a manual question: the text of the markdown cell above its answer
    cell, by which an answer cell whose metadata was stripped is found)}``. A manual question
    is a markdown answer (nbgrader ``grade`` and ``solution``) that the instructor grades.
    ``title`` is the problem's heading (``문제 1. 전방 계산``)."""
    entries, title, before = [], "", ""
    for cell in lab.cells:
        if cell.cell_type == "markdown":
            meta = nbgrader_meta(cell)
            if meta.get("grade") and meta.get("grade_id"):
                entries.append({"grade_id": meta["grade_id"], "kind": "manual",
                                "points": meta.get("points", 0), "title": title,
                                "before": before})
            else:
                before = _normal(cell.source)
            title = _title_of(cell.source) or title
            continue
        meta = nbgrader_meta(cell)
        if cell.cell_type != "code" or not meta.get("grade_id"):
            continue
        kind = "check" if meta.get("grade") else "answer" if meta.get("solution") else "setup"
        entry = {"grade_id": meta["grade_id"], "kind": kind, "points": meta.get("points", 0),
                 "title": title}
        if kind == "answer":
            tree = code_tree(cell.source)
            entry["names"] = sorted({name for stmt in (tree.body if tree else [])
                                     for name in bound_names(stmt)})
        else:
            entry["source"] = cell.source
        entries.append(entry)
    return entries


def solution_template(solution):
    """``template`` of the lab that ``make labs`` makes from ``solution``."""
    return template(make_lab(solution, "lab"))


def markdown_cells(nb):
    """(grade_id or None, source) of every markdown cell."""
    return cells_of_type(nb, "markdown")


def answer_text(source):
    """A manual answer as the student wrote it: "" while it is still the lab's blank."""
    text = source.strip()
    return "" if text in ("", *MARKDOWN_STUB) else text


def manual_answers(nb, entries):
    """{grade_id: the student's answer text, "" for a blank left as handed out, None when the
    answer cell is not there} for every manual question of ``entries`` (a lab's template).

    The answer cell is found by its nbgrader grade_id, else (metadata stripped) as the markdown
    cell right after the one most like the template's ``before`` (the question), when at least
    ``SIMILAR`` alike: a question reworded a little since the student's copy still finds it."""
    cells = markdown_cells(nb)
    known = {entry["grade_id"] for entry in entries}
    answers = {}
    for entry in entries:
        if entry["kind"] != "manual":
            continue
        found = next((source for grade_id, source in cells if grade_id == entry["grade_id"]),
                     None)
        if found is None and entry.get("before"):
            found = _cell_after_question(cells, entry["before"], known)
        answers[entry["grade_id"]] = None if found is None else answer_text(found)
    return answers


def _cell_after_question(cells, question, known):
    """The source of the markdown cell after the one most like ``question``, or None."""
    scored = [(difflib.SequenceMatcher(None, _normal(source), question).ratio(), i)
              for i, (_, source) in enumerate(cells[:-1]) if cells[i + 1][0] not in known]
    best = max(scored, default=(0.0, None))
    return cells[best[1] + 1][1] if best[0] >= SIMILAR else None


def recognise(cells, entries):
    """``cells`` [(grade_id or None, source)] with a grade_id given, by content, to each cell
    whose own is missing or unknown: a check or setup cell whose text is the lab's (or, for a
    check cell, nearly: difflib ratio ``SIMILAR``), an answer cell that defines the names the
    lab's answer cell defines. Each grade_id goes to one cell, and only when no cell carries it
    already. Returns (new cells, number of cells recognised by content)."""
    known = {entry["grade_id"] for entry in entries}
    present = {grade_id for grade_id, _ in cells if grade_id in known}
    cells, found = list(cells), 0
    todo = [i for i, (grade_id, _) in enumerate(cells) if grade_id not in known]

    def give(index, grade_id):
        nonlocal found
        cells[index] = (grade_id, cells[index][1])
        present.add(grade_id)
        todo.remove(index)
        found += 1

    texts = {entry["grade_id"]: _normal(entry["source"]) for entry in entries
             if entry["kind"] in ("check", "setup")}
    for index in list(todo):
        text = _normal(cells[index][1])
        match = next((g for g, t in texts.items() if g not in present and t and t == text), None)
        if match:
            give(index, match)
    for entry in entries:
        if entry["kind"] != "answer" or entry["grade_id"] in present or not entry["names"]:
            continue
        for index in todo:
            tree = code_tree(cells[index][1])
            names = {n for stmt in (tree.body if tree else []) for n in bound_names(stmt)}
            if set(entry["names"]) <= names:
                give(index, entry["grade_id"])
                break
    for entry in entries:
        if entry["kind"] != "check" or entry["grade_id"] in present:
            continue
        scored = [(difflib.SequenceMatcher(None, _normal(cells[i][1]), texts[entry["grade_id"]])
                   .ratio(), i) for i in todo]
        best = max(scored, default=(0, None))
        if best[0] >= SIMILAR:
            give(best[1], entry["grade_id"])
    return cells, found


def lab_by_content(nb, templates):
    """The lab ({name: template}) whose check cells ``nb`` holds the most of, or None."""
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None
    texts = {_normal(source) for _, source in code_cells(nb)}
    counts = {name: sum(_normal(e["source"]) in texts for e in entries if e["kind"] == "check")
              for name, entries in templates.items()}
    best = max(counts, key=counts.get, default=None)
    return best if best is not None and counts[best] > 0 else None
