"""학생 꾸러미 (the student kit): ``make student-kit`` = ``python -m dlbasics.tools.kit``.

Builds what a student receives, without the solutions: a folder (and a .zip of it) with

- ``labs/``: the lab notebooks and their README (how to set up, Restart & Run All before
  submitting, what a passing self-check does and does not promise);
- ``dlbasics/``, ``pyproject.toml``, ``requirements.txt``: the book's helper package, installable
  with ``pip install .`` (the checks, the data, and the pre-submission check
  ``python -m dlbasics.tools.presubmit``);
- ``README.md``: the same guide as ``labs/README.md``, at the top.

The kit is checked as it is built: no ``solutions/`` folder, and no file holds a solution or a
hidden-test region. The book's repository itself holds ``solutions/``: a public repository
publishes the answers (see docs/instructors.md).
"""

import argparse
import shutil
import sys
from pathlib import Path

from . import book_root
from .labgen import HIDDEN_TESTS, SOLUTION

KIT_NAME = "dlbasics-student-kit"
PACKAGE_FILES = ("pyproject.toml", "requirements.txt")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".ipynb_checkpoints")
SECRETS = (SOLUTION[0], HIDDEN_TESTS[0])


def build(out=None, root=None, archive=True):
    """Write the kit into ``out`` (default ``dist/dlbasics-student-kit``) and, with
    ``archive``, ``out.zip`` beside it. Returns the kit's folder."""
    root = Path(root) if root is not None else book_root()
    out = Path(out) if out is not None else root / "dist" / KIT_NAME
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copytree(root / "dlbasics", out / "dlbasics", ignore=IGNORED)
    (out / "labs").mkdir()
    for path in sorted((root / "labs").glob("*.ipynb")) + [root / "labs" / "README.md"]:
        shutil.copy2(path, out / "labs" / path.name)
    for name in PACKAGE_FILES:
        shutil.copy2(root / name, out / name)
    shutil.copy2(root / "labs" / "README.md", out / "README.md")
    leaks = check(out)
    if leaks:
        shutil.rmtree(out)
        raise ValueError(f"the kit would give away answers: {leaks}")
    if archive:
        shutil.make_archive(str(out), "zip", out.parent, out.name)
    return out


def check(kit):
    """The files of ``kit`` that must not be there: a solutions folder, or any file holding a
    solution or a hidden-test region."""
    kit = Path(kit)
    found = [str(p.relative_to(kit)) for p in kit.rglob("solutions") if p.is_dir()]
    for path in kit.rglob("*"):
        if path.is_file() and path.suffix in {".py", ".ipynb", ".md", ".txt", ".toml", ".json"}:
            text = path.read_text(encoding="utf-8", errors="replace")
            if any(marker in text for marker in SECRETS) and path.name != "labgen.py":
                found.append(str(path.relative_to(kit)))
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m dlbasics.tools.kit",
        description="Build the student kit: labs/, the installable dlbasics package, no "
                    "solutions (a folder and a .zip).")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"the kit's folder (default: dist/{KIT_NAME})")
    parser.add_argument("--no-zip", action="store_true", help="write the folder only")
    args = parser.parse_args(argv)
    out = build(args.out, archive=not args.no_zip)
    print(f"wrote: {out}" + ("" if args.no_zip else f" and {out}.zip"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
