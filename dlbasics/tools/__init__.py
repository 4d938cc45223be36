"""The book's tools, apart from the teaching code: the JupyterLab launcher (lab), notebook
execution and the table of contents (nbtools), collecting the chapters' ``#@save`` cells into the
package (collect), Colab badges (colab), the lab generator (labgen), the grader (grade), the
students' pre-submission check (presubmit) and the student kit (kit).
"""

from pathlib import Path


def book_root():
    """The repository root: the folder above the dlbasics package, when it holds ``chapters/``.

    Raises FileNotFoundError when dlbasics was installed without the book around it.
    """
    root = Path(__file__).resolve().parents[2]
    if not (root / "chapters").is_dir():
        raise FileNotFoundError(f"{root} has no chapters/ folder: use a clone of the book")
    return root
