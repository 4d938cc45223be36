"""Execute the book's notebooks in place so that their stored outputs are fresh.

``make execute`` runs ``python -m dlbasics.tools.nbtools chapters/*.ipynb solutions/*.ipynb``.
Each notebook runs in a fresh kernel of this environment, with its own folder as the
working directory, exactly as nbval will run it, except that tqdm's progress bars are off
(``TQDM_DISABLE=1``, and a bar drawn anyway is dropped): a stored bar is only ever half drawn
("0%| | 0/7") on a static page.
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

CELL_TIMEOUT = 600
TOC_SECTIONS = (("chapters", "본문 (chapters)"), ("labs", "실습 과제 (labs)"),
                ("solutions", "실습 풀이 (solutions)"))
TOC_START, TOC_END = "<!-- toc -->", "<!-- /toc -->"
TOC_BLOCK = re.compile(re.escape(TOC_START) + r".*?" + re.escape(TOC_END), re.S)
START_NOTEBOOK = Path("chapters") / "00_getting_started.ipynb"


def execute_notebook(path, timeout=CELL_TIMEOUT):
    """Run every cell of ``path`` and write the notebook back with its outputs."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env={**os.environ, "TQDM_DISABLE": "1"})
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # wall-clock timestamps only add churn
        if cell.cell_type == "code":  # a bar asked for explicitly (progress=True) is still drawn
            cell.outputs = [out for out in cell.outputs if not is_progress_bar(out)]
    nb.metadata.pop("widgets", None)  # widget state is live-only; GitHub cannot render it
    nbformat.write(nb, path)
    return nb


PROGRESS_BAR = re.compile(r"\d+%\|")


def is_progress_bar(output):
    """A tqdm bar: a widget or stderr text showing "NN%|"; stored, it is only ever half drawn."""
    text = output.get("text") or output.get("data", {}).get("text/plain", "")
    return bool(PROGRESS_BAR.search("".join(text)))


def notebook_title(path):
    """The first '# ' heading of the notebook's first markdown cell."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise ValueError(f"{path} has no '# title' line in its markdown cells")


def toc_markdown(root, base):
    """Table of contents of every notebook under ``root``, links relative to folder ``base``."""
    lines = [TOC_START]
    for folder, heading in TOC_SECTIONS:
        notebooks = sorted((root / folder).glob("*.ipynb"))
        if not notebooks:
            continue
        lines += ["", f"**{heading}**", ""]
        for path in notebooks:
            link = Path(os.path.relpath(path, root / base)).as_posix()
            lines.append(f"- [{notebook_title(path)}]({link})")
    return "\n".join(lines + ["", TOC_END])


def update_toc(root, write=True):
    """Rewrite the TOC blocks of README.md and the start notebook; return the stale files."""
    stale = []
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    if not TOC_BLOCK.search(text):
        raise ValueError(f"{readme} needs a '{TOC_START}' ... '{TOC_END}' block")
    new = TOC_BLOCK.sub(lambda _: toc_markdown(root, "."), text, count=1)
    if new != text:
        stale.append(readme)
        if write:
            readme.write_text(new, encoding="utf-8")
    start = root / START_NOTEBOOK
    nb = nbformat.read(start, as_version=4)
    changed = False
    cells = [c for c in nb.cells if c.cell_type == "markdown" and TOC_BLOCK.search(c.source)]
    if not cells:
        raise ValueError(f"{start} needs a markdown cell with a {TOC_START} ... {TOC_END} block")
    for cell in cells:
        new = TOC_BLOCK.sub(lambda _: toc_markdown(root, START_NOTEBOOK.parent), cell.source)
        changed, cell.source = changed or new != cell.source, new
    if changed:
        stale.append(start)
        if write:
            nbformat.write(nb, start)
    return stale


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Execute notebooks in place (make execute), or refresh the TOC (make toc).")
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--toc", action="store_true",
                        help="rewrite the table of contents in README.md and the start notebook")
    args = parser.parse_args(argv)
    if args.toc:
        for path in update_toc(Path.cwd()):
            print(f"updated the table of contents in {path}")
    for path in args.notebooks:
        start = time.perf_counter()
        execute_notebook(path)
        print(f"{path}: {time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
