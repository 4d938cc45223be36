"""채점기 (the instructors' grader): ``python -m dlbasics.tools.grade SUBMISSION.ipynb ...``.

For each submitted lab notebook the grader

1. finds its solution (read once, before any submission runs) by the notebook metadata
   ``dlbasics.lab`` that ``make labs`` writes, else by the file name (``kim_lab3_lenet5.ipynb``
   is lab3_lenet5);
2. puts the solution's version of every check cell back by nbgrader ``grade_id`` (with its
   hidden tests), so an edited check cell counts as the original; a check cell that the
   student deleted scores 0. Each restored check cell starts by binding again the names it
   relies on that the solution's provided cells define cheaply (imports such as ``checks``,
   the locked cells' functions and constants), so a student's ``class checks: ...`` or
   ``np = ...`` does not reach the hidden tests (see ``rebinding_code``);
3. runs the code cells in a fresh Python kernel whose working folder is a new temporary
   folder (the submission is only read), with a time limit per cell and for the whole
   notebook; a cell that runs too long is interrupted and grading goes on. The kernel gets a
   minimal environment (no secrets of the grader's), a fresh IPython profile, no user
   site-packages, and is started directly rather than through a kernelspec that another
   submission could have rewritten. Outputs are thrown away as they arrive, and messages too
   large to be anything but a flood are dropped unread, so printing cannot exhaust memory.
   Afterwards the kernel and every process it started are killed: its descendants, and any
   process that carries the run's tag in its environment (double-forked daemons included);
4. scores each graded cell (nbgrader ``grade: true``): its points when it runs without an
   error, else 0 with the error as the message. A check cell the student copied counts once,
   and passes when one of its copies passes.

Submissions are untrusted code, and student code runs in the same kernel before the hidden
tests. Shadowing a name the checks use (``checks = ...``) no longer reaches them, but student
code can still monkeypatch the modules themselves or IPython; the grader flags such code for
the instructor (``warnings``) but cannot prevent it. Run the grader as a user that can reach
nothing of value, on a read-only copy of the book (a container): see docs/instructors.md.
"""

import argparse
import ast
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
import psutil
import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete, DeadKernelError

from ..summary import display_width, pad
from . import book_root
from .labgen import nbgrader_meta, validate_nbgrader

CELL_TIMEOUT = 120
NOTEBOOK_TIMEOUT = 600
PROBE_TIMEOUT = 10
IOPUB_WAIT = 1  # seconds to wait for a cell's last outputs after its reply (we keep none)
MAX_IOPUB_MESSAGE = 8 * 2**20  # bytes; a larger output message is a flood and is dropped
MAX_IOPUB_QUEUE = 64  # output messages buffered by the grader at most
MAX_NOTEBOOK_BYTES = 100 * 2**20
MAX_MESSAGE_CHARS = 2000
TIMEOUT_ENAME = "시간초과"
NOT_RUN = "실행하지 않았습니다"
RUN_TAG = "DLBASICS_GRADE_RUN"  # environment variable that marks a run's processes
REBIND_COMMENT = "# 채점기: 확인 칸이 쓰는 이름을 풀이의 것으로 되돌립니다 (grader: rebind names)"

# What the kernel inherits from the grader's environment: enough to run Python, NumPy and
# torch (CPU or CUDA), nothing else (no tokens, no credentials).
KERNEL_ENV_NAMES = {"PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR",
                    "TEMP", "TMP", "LD_LIBRARY_PATH", "VIRTUAL_ENV", "SYSTEMROOT", "WINDIR",
                    "COMSPEC", "PATHEXT", "PYTHONPATH"}
KERNEL_ENV_PREFIXES = ("LC_", "CUDA_", "NVIDIA_", "OMP_", "MKL_", "OPENBLAS_", "KMP_",
                       "TORCH_", "PYTORCH_", "CONDA_", "DYLD_")

# Student code that reaches into the grading machinery (flagged, not penalised).
SUSPICIOUS = [
    ("IPython 내부(get_ipython)", r"\bget_ipython\b|\bIPython\b"),
    ("검사 함수나 모듈 바꿔치기", r"\bchecks\s*\.\s*\w+\s*=[^=]|\bsys\s*\.\s*modules\b|"
                          r"\.\s*(check_\w+|passed|CheckError)\s*=[^=]|"
                          r"\bbuiltins\b|__builtins__|__import__|\bimportlib\b|\bsetattr\s*\(|"
                          r"\bglobals\s*\(|\bvars\s*\(\s*\)"),
    ("동적 코드(exec, eval, compile)", r"(?<![.\w])(exec|eval|compile)\s*\("),
    # checks = ..., checks: T = ..., (checks := ...), class/def checks, import ... as checks,
    # for/with/except ... checks, import checks (but not ``from dlbasics import checks``).
    ("검사 모듈 checks 다시 정의",
     r"(?<![.\w])checks\s*(:[^=\n]*)?=(?!=)|\b(class|def)\s+checks\b|\bas\s+checks\b|"
     r"(?<!dlbasics )\bimport\s+checks\b|\bfor\s+checks\b|\b(global|del)\s+checks\b"),
    ("프로세스와 신호(fork, signal, ctypes, subprocess)",
     r"\bos\s*\.\s*(fork|setsid|kill|killpg|system|exec\w*)\b|\bsignal\b|\bctypes\b|"
     r"\bsubprocess\b|\bmultiprocessing\b|\bthreading\b"),
    ("풀이나 다른 파일 읽기(solutions, .ipynb, /proc)", r"solutions|\.ipynb|/proc\b"),
]
SHADOWED = "확인 칸이 쓰는 이름 다시 정의"  # followed by the names, e.g. "(np, torch_forward)"


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
    warnings: list = field(default_factory=list)
    seconds: float = 0.0

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


def match_lab(nb, path, names):
    """The lab a submission answers: its ``dlbasics.lab`` metadata, else its file name."""
    meta = nb.get("metadata") if isinstance(nb, dict) else None
    lab = meta.get("dlbasics") if isinstance(meta, dict) else None
    if isinstance(lab, dict) and isinstance(lab.get("lab"), str) and lab["lab"] in names:
        return lab["lab"]
    candidates = [name for name in names if name in Path(path).stem]
    return max(candidates, key=len) if candidates else None


def code_cells(nb):
    """(grade_id or None, source) of every code cell, tolerating malformed cells."""
    cells = []
    for cell in nb["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
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


def assemble(submission, solution):
    """The code cells to run, and {grade_id: [indices]} of the cells that carry one.

    Check cells and locked setup cells (matched by grade_id) get the solution's source, so
    the hidden tests are back, and each check cell first binds again the names it relies
    on (``rebinding_code``); the student's cells run as they are.
    """
    restore, rebind = restored_cells(solution), rebinding_code(solution)
    cells, positions = [], {}
    for grade_id, source in code_cells(submission):
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


def suspicious_code(submission, solution):
    """Korean labels of the ways the student's own cells reach into the grading machinery.

    Only cells whose source the solution does not have (so not the provided cells, nor the
    check cells, which the grader replaces) are read. Besides the patterns of
    ``SUSPICIOUS``, a cell that binds a name the check cells rely on (``np = ...``,
    ``def torch_forward``) is named. A hint for the instructor, not proof: obfuscated code
    is not found, and an innocent use is possible.
    """
    provided = {cell.source for cell in solution.cells}
    restore = restored_cells(solution)
    own = [source for grade_id, source in code_cells(submission)
           if grade_id not in restore and source not in provided]
    labels = [label for label, pattern in SUSPICIOUS if re.search(pattern, "\n".join(own))]
    names = [name for name in shadowed_names(own, rebound_names(solution)) if name != "checks"]
    if names:  # the grader binds them again before each check cell; still worth a look
        shown = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
        labels.append(f"{SHADOWED}({shown})")
    return labels


class _PythonKernelSpecs(KernelSpecManager):
    """Always this Python's ipykernel: no kernel.json from the user's folders is read."""

    def get_kernel_spec(self, kernel_name):
        return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher",
                                "-f", "{connection_file}"],
                          display_name="Python 3", language="python", resource_dir="")


class _BoundedClient(AsyncKernelClient):
    """A kernel client whose output channel drops huge messages and buffers few."""

    def connect_iopub(self, identity=None):
        # zmq applies a context's default options to the sockets it creates next.
        self.context.setsockopt(zmq.MAXMSGSIZE, MAX_IOPUB_MESSAGE)
        self.context.setsockopt(zmq.RCVHWM, MAX_IOPUB_QUEUE)
        try:
            return super().connect_iopub(identity)
        finally:
            self.context.setsockopt(zmq.MAXMSGSIZE, -1)
            self.context.setsockopt(zmq.RCVHWM, 1000)


class _GradingClient(NotebookClient):
    """nbclient for grading: only each cell's reply matters, so no output is kept."""

    def create_kernel_manager(self):
        self.km = self.kernel_manager_class(
            kernel_name="python3", kernel_spec_manager=_PythonKernelSpecs(),
            client_factory=_BoundedClient, config=self.config)
        return self.km

    def process_message(self, msg, cell, cell_index):
        content = msg.get("content", {})
        if msg.get("msg_type") == "status" and content.get("execution_state") == "idle":
            raise CellExecutionComplete()
        return None


def kernel_env(workdir, tag):
    """The kernel's environment: the allowed part of the grader's, plus the book's settings.

    The book is on PYTHONPATH, matplotlib draws off screen, IPython and Jupyter read their
    configuration from fresh folders inside ``workdir`` (no startup file that an earlier
    submission wrote in the home folder runs), user site-packages are off, and ``tag``
    marks every process of the run. The labs' models are small, so the kernel computes with
    one thread unless the caller set ``OMP_NUM_THREADS``: as fast as two threads on them,
    and not slowed down many times over when other programs share the cores.
    """
    env = {name: value for name, value in os.environ.items()
           if name in KERNEL_ENV_NAMES or name.startswith(KERNEL_ENV_PREFIXES)}
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(book_root()), env.get("PYTHONPATH", "")]))
    env.update({"MPLBACKEND": "Agg", "PYTHONNOUSERSITE": "1", RUN_TAG: tag,
                "IPYTHONDIR": str(Path(workdir, ".ipython")),
                "JUPYTER_CONFIG_DIR": str(Path(workdir, ".jupyter"))})
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    return env


def _tagged_processes(tag):
    """Processes (other than this one) whose environment carries ``RUN_TAG=tag``."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.pid != os.getpid() and proc.environ().get(RUN_TAG) == tag:
                found.append(proc)
        except psutil.Error:  # gone, a zombie, or another user's
            continue
    return found


def _family(pid):
    """The process ``pid`` and all its descendants (empty when it is gone or None)."""
    if pid is None:  # psutil.Process(None) would be this very process
        return []
    try:
        proc = psutil.Process(pid)
        return [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return []


def kill_processes(tag, processes=(), rounds=20):
    """Stop, then kill, ``processes`` and every process tagged ``tag``, until none is left.

    Stopping them all first keeps a fork loop from outrunning the kill. Returns True when
    no tagged process is left.
    """
    for _ in range(rounds):
        processes = [*processes, *_tagged_processes(tag)]
        if not processes:
            return True
        for action in ("suspend", "kill"):
            for proc in processes:
                with contextlib.suppress(psutil.Error):
                    getattr(proc, action)()
        processes = []
        time.sleep(0.02)
    return not _tagged_processes(tag)


def run_cells(nb, cell_timeout=CELL_TIMEOUT, notebook_timeout=NOTEBOOK_TIMEOUT):
    """Run every code cell of ``nb`` in a fresh kernel in a temporary folder.

    Returns one entry per cell: None when it ran without an error, else a message
    ("ename: evalue", a timeout, or why it did not run). The kernel and every process it
    started are killed before this returns.
    """
    outcomes = [None] * len(nb.cells)
    replies = {}
    client = _GradingClient(
        nb, kernel_name="python3", allow_errors=True, interrupt_on_timeout=True,
        error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "", "traceback": []},
        shutdown_kernel="immediate", raise_on_iopub_timeout=False, iopub_timeout=IOPUB_WAIT,
        store_widget_state=False)
    client.on_cell_executed = lambda cell_index, execute_reply, **_: replies.__setitem__(
        cell_index, execute_reply)
    tag = uuid.uuid4().hex
    with tempfile.TemporaryDirectory(prefix="dlbasics-grade-",
                                     ignore_cleanup_errors=True) as workdir:
        family = []
        try:
            with client.setup_kernel(cwd=workdir, env=kernel_env(workdir, tag),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
                try:
                    deadline = time.monotonic() + notebook_timeout  # from the kernel's start
                    _run_all(client, nb, outcomes, replies, cell_timeout, deadline)
                finally:  # before the kernel dies and its children are orphaned
                    family = _family(getattr(getattr(client.km, "provisioner", None),
                                             "pid", None))
        except DeadKernelError:
            pass  # the cells that did not run already say so
        finally:
            kill_processes(tag, family)
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
    text = f"{content.get('ename', 'Error')}: {content.get('evalue', '')}".rstrip(": ")
    return _shorten(text)


def _shorten(text, limit=MAX_MESSAGE_CHARS):
    """``text`` cut to ``limit`` characters, lone surrogates escaped (printable as UTF-8)."""
    text = str(text).encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[:limit - 1] + "…"


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
    graded = graded_cells(solution)
    graded_at = sorted(i for grade_id, _, _ in graded for i in positions.get(grade_id, []))
    for grade_id, points, _ in graded:
        copies = positions.get(grade_id, [])
        if not copies:
            questions.append(Question(grade_id, 0, points, False,
                                      "검사 칸이 없습니다: 지워졌거나 nbgrader 메타데이터가 "
                                      "바뀌었습니다."))
            continue
        note = f" (같은 검사 칸이 {len(copies)}개 있습니다)" if len(copies) > 1 else ""
        if any(outcomes[i] is None for i in copies):
            questions.append(Question(grade_id, points, points, True, "통과" + note))
            continue
        error = outcomes[copies[0]]
        cause = _cause(outcomes, copies[0], graded_at)
        if cause and error.startswith(("NameError", NOT_RUN)):  # an earlier cell says why
            error = f"{error} (앞 칸의 오류: {cause})"
        message = error + _order_hint(solution, grade_id, positions) + note
        questions.append(Question(grade_id, 0, points, False, _shorten(message)))
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
        result.questions = [Question(q.id, 0, q.max_points, False, result.error)
                            for q in result.questions]
    result.seconds = round(time.perf_counter() - start, 1)
    return result


def _grade_into(result, path, solutions, lab, cell_timeout, notebook_timeout):
    try:
        nb = read_notebook(path)
    except ValueError as err:
        nb, result.error = None, _shorten(err)
    result.lab = lab or match_lab(nb, path, solutions)
    if result.lab not in solutions:
        result.error = result.error or (
            f"어느 실습인지 알 수 없습니다: 파일 이름에 실습 이름({', '.join(solutions)})이 "
            "없고 노트북 메타데이터에도 없습니다.")
        result.lab = None
        return
    solution = solutions[result.lab]
    graded = graded_cells(solution)
    result.max_score = sum(points for _, points, _ in graded)
    result.questions = [Question(grade_id, 0, points, False, result.error or "")
                        for grade_id, points, _ in graded]
    if nb is None:
        return
    result.warnings = suspicious_code(nb, solution)
    run, positions = assemble(nb, solution)
    outcomes = [None] * len(run.cells)
    if any(grade_id in positions for grade_id, _, _ in graded):  # else nothing can score
        outcomes = run_cells(run, cell_timeout, notebook_timeout)
    result.questions = score(solution, outcomes, positions)
    result.score = sum(q.points for q in result.questions)


def grade(paths, solutions_dir=None, lab=None, cell_timeout=CELL_TIMEOUT,
          notebook_timeout=NOTEBOOK_TIMEOUT, on_result=None):
    """Grade every submission in ``paths`` in turn; returns the list of Results."""
    solutions = load_solutions(solutions_dir)
    if not solutions:
        raise ValueError(f"no solution notebooks (*.ipynb) in {solutions_dir or 'solutions/'}")
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
    if result.warnings:
        lines.append(f"  검토 필요: {', '.join(result.warnings)}")
    rows = [(q.id, f"{_number(q.points)}/{_number(q.max_points)}",
             "통과" if q.passed else (q.message.splitlines() or ["실패"])[0])
            for q in result.questions]
    rows.append(("합계 (total)", f"{_number(result.score)}/{_number(result.max_score)}",
                 f"({result.seconds:g} s)"))
    if result.questions:
        rows.insert(0, ("문항 (question)", "점수", "결과"))
    width = [max(display_width(row[i]) for row in rows) for i in range(2)]
    lines += [f"  {pad(name, width[0])}  {pad(points, width[1], right=True)}  {text}"
              for name, points, text in rows]
    return "\n".join(lines)


def _seconds(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 second, got {value}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m dlbasics.tools.grade",
        description="Grade submitted labs: put the hidden tests back, run each notebook in a "
                    "fresh kernel in a temporary folder, and score every graded check cell "
                    "(its points when it runs without an error).",
        epilog="The JSON form is one object: {\"results\": [{\"notebook\", \"lab\", \"score\", "
               "\"max_score\", \"questions\": [{\"id\", \"points\", \"max_points\", \"passed\", "
               "\"message\"}], \"error\", \"warnings\", \"seconds\"}]}. The exit status is 0 "
               "when every file was graded, even with errors in it (see each result's "
               "\"error\").")
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
    parser.add_argument("--timeout", type=_seconds, default=CELL_TIMEOUT, metavar="SECONDS",
                        help=f"time limit per cell (default {CELL_TIMEOUT})")
    parser.add_argument("--notebook-timeout", type=_seconds, default=NOTEBOOK_TIMEOUT,
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


if __name__ == "__main__":
    hide_from_submissions()
    sys.exit(main())
