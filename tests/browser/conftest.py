"""Fixtures of the browser test: Debian's chromium, and JupyterLab started as `make lab` does.

- ``chromium``: /usr/bin/chromium, installed with apt-get (with the Korean font fonts-nanum,
  so that screenshots show Hangul) when it is missing; where Google Chrome is already installed
  (GitHub's Ubuntu runners, whose apt has no Debian chromium) that Chrome is used instead.
  Playwright never downloads a browser.
- ``lab_url``: ``python -m dlbasics.tools.lab --port PORT --no-browser`` (the command of `make lab`)
  on a free localhost port; the URL with its token is read from the server's log. The user
  settings and workspaces live in a temporary folder, so the test sees the book's defaults
  (the Korean UI) whatever the developer changed, and autosave is off, so running the cells
  never rewrites the notebook in the repository. The server is stopped even on failure.

Screenshots, the server's log and the timings go to reports/browser/ (git-ignored).
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "reports" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
# Debian package -> a path it installs; the package is installed when the path is missing.
APT_PACKAGES = {"chromium": CHROMIUM, "fonts-nanum": Path("/usr/share/fonts/truetype/nanum")}
INSTALLED_CHROME = ("google-chrome", "google-chrome-stable")  # used only without /usr/bin/chromium
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--no-default-browser-check"]
SERVER_START_S = 120
# JupyterLab user settings for the test only: no autosave, every cell in the page,
# no news or update checks (this machine is offline).
USER_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
}
TIMINGS = {}
FAILED = pytest.StashKey[bool]()


@contextmanager
def timed(name):
    """Record how long the block takes under ``name`` (printed at the end of the run)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        TIMINGS[name] = time.perf_counter() - start


def pytest_terminal_summary(terminalreporter, config):
    if not TIMINGS:
        return
    lines = [f"{name}: {seconds:.1f} s" for name, seconds in TIMINGS.items()]
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "timings.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    terminalreporter.section("browser test timings (reports/browser/timings.txt)")
    for line in lines:
        terminalreporter.write_line(line)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash[FAILED] = item.stash.get(FAILED, False) or report.failed
    return report


def install_apt_packages(names):
    """apt-get install ``names`` as root or through passwordless sudo; skip where that fails.

    CI runs as root on Debian, so the test runs there; on a laptop without chromium and
    without root, or where apt cannot install it (no mirror reachable, Ubuntu's snap-only
    chromium), the test is skipped with the reason and the command that would enable it.
    """
    hint = f"install them (sudo apt-get install {' '.join(names)}) to run the browser test"
    if not shutil.which("apt-get"):
        pytest.skip(f"no apt-get to install {', '.join(names)}; {hint}")
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if prefix and (not shutil.which("sudo") or subprocess.run(
            ["sudo", "-n", "true"], capture_output=True).returncode):
        pytest.skip(f"{', '.join(names)} missing and no root or passwordless sudo; {hint}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"],
                ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *names]):
        done = subprocess.run(prefix + cmd, env=env, capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"`{' '.join(cmd)}` failed ({done.returncode}): "
                        f"{(done.stderr or done.stdout).strip()[-500:]}; {hint}")


def installed_chrome():
    """A Google Chrome on PATH, or None."""
    return next((shutil.which(name) for name in INSTALLED_CHROME if shutil.which(name)), None)


@pytest.fixture(scope="session")
def chromium():
    """Path of Debian's chromium, installed first if it is missing (or of an installed Chrome)."""
    chrome = None if CHROMIUM.exists() else installed_chrome()
    missing = [name for name, path in APT_PACKAGES.items()
               if not path.exists() and not (name == "chromium" and chrome)]
    if missing:
        with timed(f"apt-get install {' '.join(missing)}"):
            install_apt_packages(missing)
    if chrome:
        return Path(chrome)
    if not CHROMIUM.exists():  # Ubuntu's chromium package only points to a snap
        pytest.skip(f"{CHROMIUM} is still missing after apt-get install chromium; install "
                    "Debian's chromium (not the snap) to run the browser test")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium):
    """Headless Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        with timed("chromium launch"):
            browser = playwright.chromium.launch(executable_path=str(chromium), headless=True,
                                                 args=CHROMIUM_FLAGS, timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_user_settings(folder):
    for plugin, settings in USER_SETTINGS.items():
        path = folder / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings), encoding="utf-8")


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_for_lab(server, log, port):
    """The URL with the token that the server prints, once its API answers."""
    pattern = re.compile(rf"http://127\.0\.0\.1:{port}/lab\S*\?token=\w+")
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with {server.returncode}:\n{log.read_text()}")
        found = pattern.search(log.read_text(encoding="utf-8", errors="replace"))
        if found:
            token = found.group().rsplit("=", 1)[1]
            if answers(f"http://127.0.0.1:{port}/api/status?token={token}"):
                return found.group()
        time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {SERVER_START_S} s:\n{log.read_text()}")


def stop(server):
    """Stop the server (it shuts its kernels down); kill it if it does not stop in 30 s."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


@pytest.fixture(scope="session")
def lab_url(tmp_path_factory):
    """Start JupyterLab the way `make lab` does on a free port; yield the URL it prints."""
    home = tmp_path_factory.mktemp("jupyterlab")
    write_user_settings(home / "settings")
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
    port = free_port()
    REPORTS.mkdir(parents=True, exist_ok=True)
    log = REPORTS / "lab.log"
    checkpoints = ROOT / "chapters" / ".ipynb_checkpoints"
    had_checkpoints = checkpoints.exists()
    with open(log, "w", encoding="utf-8") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "dlbasics.tools.lab", "--port", str(port), "--no-browser"],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    try:
        with timed("JupyterLab start"):
            url = wait_for_lab(server, log, port)
        yield url
    finally:
        stop(server)
        if not had_checkpoints:
            shutil.rmtree(checkpoints, ignore_errors=True)


@pytest.fixture(scope="session")
def reports():
    """The folder of screenshots, the server's log and the timings (reports/browser/)."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    for old in REPORTS.glob("*.png"):  # every screenshot there is from this run
        old.unlink()
    return REPORTS


@pytest.fixture(scope="session")
def stopwatch():
    """``with stopwatch(name):`` records a phase's time for the summary."""
    return timed


@pytest.fixture(autouse=True)
def screenshot_on_failure(request):
    """After a failed test, a screenshot of the page it used: reports/browser/failed_<test>.png."""
    yield
    page = getattr(request.node, "funcargs", {}).get("notebook")
    if page is not None and request.node.stash.get(FAILED, False):
        page.screenshot(path=REPORTS / f"failed_{request.node.name}.png")
