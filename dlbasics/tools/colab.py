"""Colab 지원: 'Colab에서 열기' 배지와 Colab에서만 실행되는 설치 칸 (Colab support).

``python -m dlbasics.tools.colab [--repo OWNER/NAME] [--check] NOTEBOOK...`` gives each notebook

- an "Open in Colab" badge on the line under the ``# 제목`` of its first markdown cell, linking
  to ``https://colab.research.google.com/github/OWNER/NAME/blob/main/<path in the repo>``;
- a first code cell (tagged ``colab-install``) that installs this package from the GitHub
  repository only when the notebook runs on Colab, detected by ``"google.colab" in
  sys.modules`` (Colab's kernel imports it before any cell runs). Anywhere else the cell does
  nothing and prints nothing, so the outputs that nbval compares stay the same.

Running it again changes nothing; with another ``--repo`` it rewrites the links. After it adds
the install cell, re-execute the notebook (``python -m dlbasics.tools.nbtools NOTEBOOK``).

On Colab, pip installs the package with the dependencies named in pyproject.toml; they are not
pinned, so Colab's own torch, numpy and matplotlib stay as they are.

``GITHUB_REPO`` below is the one place that names the book's GitHub repository.
"""

import argparse
import re
import sys
from pathlib import Path

import nbformat

from dlbasics import tools

# The book's repository on GitHub as "OWNER/NAME" (placeholder until the book is published;
# change it here, or pass --repo, and re-run the tool over every notebook).
GITHUB_REPO = "dlbasics/deep-learning-basics"
BRANCH = "main"
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
INSTALL_TAG = "colab-install"
INSTALL_HEADER = "# Colab에서 열었을 때만 책의 도우미 패키지(dlbasics)를 설치합니다."
_REPO_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+")


def check_repo(repo):
    """Return ``repo`` if it reads "OWNER/NAME", else raise ValueError."""
    if not isinstance(repo, str) or not _REPO_NAME.fullmatch(repo):
        raise ValueError(f"repo must be a GitHub repository as 'OWNER/NAME', got {repo!r}")
    return repo


def colab_url(repo_path, repo=GITHUB_REPO):
    """Colab's address of the notebook at ``repo_path`` (posix, inside the repository)."""
    return (f"https://colab.research.google.com/github/{check_repo(repo)}"
            f"/blob/{BRANCH}/{repo_path}")


def badge(repo_path, repo=GITHUB_REPO):
    """The markdown line of the "Open in Colab" badge."""
    return f"[![Colab에서 열기 (Open in Colab)]({BADGE_IMAGE})]({colab_url(repo_path, repo)})"


def package_url(repo=GITHUB_REPO):
    """pip's requirement for this package from the repository's main branch (no git needed)."""
    return f"dlbasics @ https://github.com/{check_repo(repo)}/archive/refs/heads/{BRANCH}.zip"


def install_source(repo=GITHUB_REPO):
    """Source of the first code cell: pip-installs the package on Colab, nothing elsewhere."""
    return "\n".join([
        INSTALL_HEADER,
        "# 다른 곳에서는 아무 일도 하지 않으므로 출력이 없습니다.",
        "import sys",
        "",
        'if "google.colab" in sys.modules:  # Colab의 커널은 google.colab을 미리 불러 둡니다',
        "    import subprocess",
        "",
        f'    package = "{package_url(repo)}"',
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)',
    ])


def with_badge(markdown, line):
    """``markdown`` with ``line`` (and no other badge) right under its first '# ' title line."""
    lines = [text for text in markdown.splitlines() if BADGE_IMAGE not in text]
    title = next((i for i, text in enumerate(lines) if text.startswith("# ")), None)
    if title is None:
        raise ValueError("the first markdown cell needs a '# 제목' line for the Colab badge")
    rest = lines[title + 1:]
    while rest and not rest[0].strip():
        rest.pop(0)
    return "\n".join(lines[:title + 1] + ["", line] + ([""] + rest if rest else []))


def _is_install_cell(cell):
    return cell.cell_type == "code" and (INSTALL_TAG in cell.metadata.get("tags", [])
                                         or cell.source.startswith(INSTALL_HEADER))


def add_colab_cells(nb, repo_path, repo=GITHUB_REPO):
    """Give notebook ``nb`` the badge and the install cell in place; return True if it changed.

    The install cell goes right after the title cell and is updated in place when present.
    """
    first = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"), None)
    if first is None:
        raise ValueError("the notebook needs a first markdown cell with a '# 제목' line")
    title_cell = nb.cells[first]
    new_markdown = with_badge(title_cell.source, badge(repo_path, repo))
    changed = new_markdown != title_cell.source
    title_cell.source = new_markdown
    source = install_source(repo)
    cell = next((c for c in nb.cells if _is_install_cell(c)), None)
    if cell is None:
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": [INSTALL_TAG]})
        nb.cells.insert(first + 1, cell)
        return True
    if cell.source != source or INSTALL_TAG not in cell.metadata.get("tags", []):
        cell.source = source
        cell.metadata["tags"] = sorted({*cell.metadata.get("tags", []), INSTALL_TAG})
        changed = True
    return changed


def repo_path(notebook, root):
    """Path of ``notebook`` inside the repository folder ``root``, posix style."""
    notebook, root = Path(notebook).resolve(), Path(root).resolve()
    if not notebook.is_relative_to(root):
        raise ValueError(f"{notebook} is not inside the book's repository {root}")
    return notebook.relative_to(root).as_posix()


def apply(notebook, repo=GITHUB_REPO, root=None, write=True):
    """Add the Colab badge and install cell to the notebook file; return True if it changed."""
    if root is None:
        root = tools.book_root()
    nb = nbformat.read(notebook, as_version=4)
    changed = add_colab_cells(nb, repo_path(notebook, root), repo)
    if changed and write:
        nbformat.write(nb, notebook)
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Add an 'Open in Colab' badge and a Colab-only install cell to notebooks.")
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--repo", default=GITHUB_REPO, type=check_repo,
                        help=f"GitHub repository as OWNER/NAME (default: {GITHUB_REPO})")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a notebook lacks current Colab cells")
    args = parser.parse_args(argv)
    stale = [path for path in args.notebooks if apply(path, args.repo, write=not args.check)]
    for path in stale:
        if args.check:
            print(f"{path}: Colab cells missing or stale "
                  f"(run python -m dlbasics.tools.colab {path})")
        else:
            print(f"{path}: Colab cells updated; re-execute it: "
                  f"python -m dlbasics.tools.nbtools {path}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
