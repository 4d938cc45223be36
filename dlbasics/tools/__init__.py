"""The book's tools, apart from the teaching code: the JupyterLab launcher (lab), notebook
execution and the table of contents (nbtools), collecting the chapters' ``#@save`` cells into the
package (collect), Colab badges (colab), the lab generator (labgen), the grader (grade), the
students' pre-submission check (presubmit) and the student kit (kit).
"""

import argparse
import sys
from pathlib import Path


def book_root():
    """The repository root: the folder above the dlbasics package, when it holds ``chapters/``.

    Raises FileNotFoundError when dlbasics was installed without the book around it.
    """
    root = Path(__file__).resolve().parents[2]
    if not (root / "chapters").is_dir():
        raise FileNotFoundError(f"{root} has no chapters/ folder: use a clone of the book")
    return root


def sync_file(path, text, write, changed, make_parent=False):
    """Note ``path`` in ``changed`` when its content is not ``text``, and (``write``) write it."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    changed.append(path)
    if write:
        if make_parent:
            path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")


def generator_main(argv, *, prog, description, root_help, generate, stale):
    """The command line of a generator (collect, labgen): ``generate(root, write=...)`` returns
    the paths it wrote, or with ``--check`` would write; ``--check`` exits 1 and prints
    ``stale`` when there are any."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--root", type=Path, default=None, help=root_help)
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and list what is stale")
    args = parser.parse_args(argv)
    changed = generate(args.root, write=not args.check)
    for path in changed:
        print(f"{'stale' if args.check else 'wrote'}: {path}")
    if args.check and changed:
        print(stale, file=sys.stderr)
        return 1
    return 0
