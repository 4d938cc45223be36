"""What the instructor should look at: student code that reaches into the grading machinery.

``suspicious_code`` reads the student's own cells (not the provided cells, nor the check cells,
which the grader replaces) and names, each under its own reason:

- an assignment to an attribute of an imported module (``np.allclose = ...``,
  ``np.linalg.norm = ...``, ``F.conv2d = ...``, ``checks.check_close = ...``) or ``setattr`` on
  one: the checks keep their own references to the functions they use, but the check cells'
  reference computations and the hidden tests call the modules;
- IPython's internals, ``sys.modules``, ``builtins``, ``globals()``, dynamic code;
- a name ``checks`` defined again, or another name the check cells rely on (``np = None``);
- processes and signals: the modules ``signal``, ``subprocess``, ``ctypes``, ``multiprocessing``,
  ``threading`` and ``os.fork``/``os.system``/``os.kill`` (``scipy.signal`` is not the ``signal``
  module: a function that imports it is caught by the lab's own-work check instead);
- reading the solutions, other notebooks or ``/proc``.

A hint, not proof: obfuscated code is not found, and an innocent use is possible. The labels do
not change the score.
"""

import ast
import re

from .assemble import (
    code_cells,
    code_tree,
    rebound_names,
    recognise,
    restored_cells,
    shadowed_names,
    solution_template,
)

IPYTHON = "IPython 내부(get_ipython)"
TAMPERING = "검사 장치 건드리기(sys.modules, builtins, globals())"
DYNAMIC = "동적 코드(exec, eval, compile)"
CHECKS = "검사 모듈 checks 다시 정의"
PROCESSES = "프로세스와 신호(fork, signal, ctypes, subprocess)"
FILES = "풀이나 다른 파일 읽기(solutions, .ipynb, /proc)"
MODULE_ATTRIBUTE = "가져온 모듈의 속성 바꿔치기"  # followed by the targets, e.g. "(np.allclose)"
SHADOWED = "확인 칸이 쓰는 이름 다시 정의"  # followed by the names, e.g. "(np, torch_forward)"

# Text patterns, read on every own cell (and all of them on a cell that does not parse).
SUSPICIOUS = [
    (IPYTHON, r"\bget_ipython\b|\bIPython\b"),
    (TAMPERING, r"\bsys\s*\.\s*modules\b|\bbuiltins\b|__builtins__|__import__|\bimportlib\b|"
                r"\bglobals\s*\(|\bvars\s*\(\s*\)|\.\s*__dict__\s*\[[^\]]*\]\s*=[^=]"),
    (DYNAMIC, r"(?<![.\w])(exec|eval|compile)\s*\("),
    # checks = ..., checks: T = ..., (checks := ...), class/def checks, import ... as checks,
    # for/with/except ... checks, import checks (but not ``from dlbasics import checks``).
    (CHECKS, r"(?<![.\w])checks\s*(:[^=\n]*)?=(?!=)|\b(class|def)\s+checks\b|\bas\s+checks\b|"
             r"(?<!dlbasics )\bimport\s+checks\b|\bfor\s+checks\b|\b(global|del)\s+checks\b"),
    (FILES, r"solutions|\.ipynb|/proc\b"),
]
# Only where the code does not parse (else the syntax tree decides).
FALLBACK = [
    (PROCESSES, r"\bos\s*\.\s*(fork|setsid|kill|killpg|system|exec\w*)\b|(?<![.\w])signal\b|"
                r"\bctypes\b|\bsubprocess\b|\bmultiprocessing\b|\bthreading\b"),
    (MODULE_ATTRIBUTE, r"\b(np|torch|nn|F|checks|numpy)\s*(\.\s*\w+)+\s*=[^=]"),
]
PROCESS_MODULES = {"signal", "ctypes", "subprocess", "multiprocessing", "threading", "_thread",
                   "pty", "concurrent"}
OS_PROCESS = re.compile(r"^(fork\w*|setsid|kill|killpg|system|popen|exec\w*|spawn\w*|"
                        r"posix_spawn\w*|_exit|abort)$")


def _imported_names(trees):
    """Names that import statements bind anywhere in ``trees`` (module and function level)."""
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((alias.asname or alias.name).split(".")[0] for alias in node.names
                             if alias.name != "*")
    return names


def _root(node):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _targets(node):
    if isinstance(node, (ast.Assign, ast.Delete)):
        found = list(node.targets)
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        found = [node.target]
    else:
        return []
    flat = []
    while found:
        target = found.pop(0)
        if isinstance(target, (ast.Tuple, ast.List)):
            found.extend(target.elts)
        elif isinstance(target, ast.Starred):
            found.append(target.value)
        else:
            flat.append(target)
    return flat


def module_attribute_writes(tree, imported):
    """``np.allclose``-like targets of assignments (and ``setattr``/``delattr`` on a module)
    in ``tree`` whose root is a name in ``imported``."""
    found = []
    for node in ast.walk(tree):
        for target in _targets(node):
            if isinstance(target, ast.Attribute) and _root(target) in imported:
                found.append(ast.unparse(target))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("setattr", "delattr") and node.args
                and _root(node.args[0]) in imported):
            found.append(f"{node.func.id}({ast.unparse(node.args[0])}, …)")
    return found


def _os_names(trees):
    names = {"os"}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.asname or alias.name for alias in node.names
                             if alias.name == "os")
    return names


def uses_processes(tree, os_names):
    """Whether ``tree`` imports a process or signal module or calls ``os.fork`` and the like."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(alias.name.split(".")[0] in PROCESS_MODULES for alias in node.names):
                return True
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            top = node.module.split(".")[0]
            if top in PROCESS_MODULES or (top == "os" and any(
                    OS_PROCESS.match(alias.name) for alias in node.names)):
                return True
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
              and node.value.id in os_names and OS_PROCESS.match(node.attr)):
            return True
    return False


def own_cells(submission, solution):
    """The sources of the submission's code cells that the student wrote: not the provided
    cells, nor the cells the grader replaces with the solution's."""
    provided = {cell.source for cell in solution.cells}
    restore = restored_cells(solution)
    cells, _ = recognise(code_cells(submission), solution_template(solution))
    return [source for grade_id, source in cells
            if grade_id not in restore and source not in provided]


def suspicious_code(submission, solution):
    """Korean labels of the ways the student's own cells reach into the grading machinery
    (see the module's docstring), in a fixed order."""
    own = own_cells(submission, solution)
    trees = [tree for tree in map(code_tree, own) if tree is not None]
    provided = [tree for tree in (code_tree(c.source) for c in solution.cells
                                  if c.cell_type == "code") if tree is not None]
    text = "\n".join(own)
    unparsed = "\n".join(source for source in own if code_tree(source) is None)
    labels = [label for label, pattern in SUSPICIOUS if re.search(pattern, text)]
    os_names = _os_names([*provided, *trees])
    if any(uses_processes(tree, os_names) for tree in trees) or (
            unparsed and re.search(FALLBACK[0][1], unparsed)):
        labels.append(PROCESSES)
    imported = _imported_names([*provided, *trees]) | {"np", "torch", "nn", "F", "checks",
                                                         "numpy", "dlbasics"}
    writes = []
    for tree in trees:
        writes += [w for w in module_attribute_writes(tree, imported) if w not in writes]
    if writes or (unparsed and re.search(FALLBACK[1][1], unparsed)):
        shown = ", ".join(writes[:5]) + (", …" if len(writes) > 5 else "")
        labels.append(f"{MODULE_ATTRIBUTE}({shown or '?'})")
    names = [name for name in shadowed_names(own, rebound_names(solution)) if name != "checks"]
    if names:  # the grader binds them again before each check cell; still worth a look
        shown = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
        labels.append(f"{SHADOWED}({shown})")
    return labels
