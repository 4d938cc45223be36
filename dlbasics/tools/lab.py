"""JupyterLab on the book: ``make lab`` runs ``python -m dlbasics.tools.lab``.

The server listens on localhost only and keeps JupyterLab's token authentication; it
opens at the table of contents (chapters/00_getting_started.ipynb), with the Korean
language pack as the default UI language (English is one click away in 설정 > 언어).
"""

import argparse
import json
import os
import sys
from pathlib import Path

from . import book_root

START_PAGE = "chapters/00_getting_started.ipynb"
# Defaults written to this environment's overrides.json: the Korean UI, and no news feed or
# update check (the book works offline; a student can turn them on in 설정).
DEFAULTS = {
    "@jupyterlab/translation-extension:plugin": {"locale": "ko_KR"},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                     "checkForUpdates": False},
}


def write_defaults(prefix=sys.prefix):
    """Write :data:`DEFAULTS` into JupyterLab's overrides.json in this environment, keeping
    any other settings there."""
    path = Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    settings = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    settings.update(DEFAULTS)
    path.write_text(json.dumps(settings, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def command(port=None, open_browser=True, root=None):
    """The JupyterLab command line that ``make lab`` runs (localhost, token kept)."""
    root = Path(root) if root else book_root()
    cmd = [
        sys.executable, "-m", "jupyterlab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.default_url=/lab/tree/{START_PAGE}",
    ]
    if port is not None:
        cmd += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI run as root; auth is unchanged
    if not open_browser:
        cmd.append("--no-browser")
    return cmd


def main(argv=None):
    parser = argparse.ArgumentParser(description="Start JupyterLab on the book (localhost).")
    parser.add_argument("--port", type=int, help="port (default: JupyterLab's, 8888 or next free)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument("--configure", action="store_true",
                        help="only write the defaults (Korean UI, no news) and exit")
    args = parser.parse_args(argv)
    write_defaults()
    if args.configure:
        return 0
    cmd = command(args.port, open_browser=not args.no_browser)
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    sys.exit(main())
