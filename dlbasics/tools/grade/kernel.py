"""The sandboxed kernel and process control of the grader.

``run_cells`` runs a notebook's code cells in a fresh Python kernel whose working folder is a
new temporary folder (the submission is only read), with a time limit per cell and for the
whole notebook; a cell that runs too long is interrupted and grading goes on. The kernel gets a
minimal environment (no secrets of the grader's), a fresh IPython profile, no user
site-packages, and is started directly rather than through a kernelspec that another
submission could have rewritten. Outputs are thrown away as they arrive, and messages too
large to be anything but a flood are dropped unread, so printing cannot exhaust memory.
Afterwards the kernel and every process it started are killed: its descendants, and any
process that carries the run's tag in its environment (double-forked daemons included).
"""

import contextlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete, DeadKernelError

from .. import book_root

CELL_TIMEOUT = 120
NOTEBOOK_TIMEOUT = 600
PROBE_TIMEOUT = 10
IOPUB_WAIT = 1  # seconds to wait for a cell's last outputs after its reply (we keep none)
MAX_IOPUB_MESSAGE = 8 * 2**20  # bytes; a larger output message is a flood and is dropped
MAX_IOPUB_QUEUE = 64  # output messages buffered by the grader at most
MAX_MESSAGE_CHARS = 2000
TIMEOUT_ENAME = "시간초과"
NOT_RUN = "실행하지 않았습니다"
RUN_TAG = "DLBASICS_GRADE_RUN"  # environment variable that marks a run's processes
QUIET_SCANS = 2  # empty scans in a row, a moment apart, before no tagged process is left

# What the kernel inherits from the grader's environment: enough to run Python, NumPy and
# torch (CPU or CUDA), nothing else (no tokens, no credentials).
KERNEL_ENV_NAMES = {"PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR",
                    "TEMP", "TMP", "LD_LIBRARY_PATH", "VIRTUAL_ENV", "SYSTEMROOT", "WINDIR",
                    "COMSPEC", "PATHEXT", "PYTHONPATH"}
KERNEL_ENV_PREFIXES = ("LC_", "CUDA_", "NVIDIA_", "OMP_", "MKL_", "OPENBLAS_", "KMP_",
                       "TORCH_", "PYTORCH_", "CONDA_", "DYLD_")


def _shorten(text, limit=MAX_MESSAGE_CHARS):
    """``text`` cut to ``limit`` characters, lone surrogates escaped (printable as UTF-8)."""
    text = str(text).encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[:limit - 1] + "…"


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
    try:  # the book's own dlbasics first; an installed package (student kit) needs nothing
        root = str(book_root())
    except FileNotFoundError:
        root = ""
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH", "")]))
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

    Stopping them all first keeps a fork loop from outrunning the kill. A scan that finds
    nothing is repeated a moment later before it counts: a process caught between its
    ``fork`` and its ``exec`` (or reading its environment as it changes) can be missed once.
    Returns True when no tagged process is left.
    """
    quiet = 0
    for _ in range(rounds):
        processes = [*processes, *_tagged_processes(tag)]
        if not processes:
            quiet += 1
            if quiet >= QUIET_SCANS:
                return True
            time.sleep(0.05)
            continue
        quiet = 0
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


