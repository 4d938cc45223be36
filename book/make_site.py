"""make book: the book as a static website, from the notebooks' stored outputs.

    python book/make_site.py [--out build/site] [--strict]

The pages are, in order: the home page (book/index.md), every notebook of chapters/ in the
lecture note's order (시작하기 first), then the labs of labs/ (the student handouts; the
solutions are never part of the site). The notebooks are copied with the home page into
``<out>.src`` and Sphinx (book/conf.py) renders them without running any cell. The site is
static: open ``<out>/index.html`` through any web server, or publish the folder as it is.

Prints the number of pages, the site's size and the build time; Sphinx's warnings go to
``<out>.src/warnings.txt`` (``--strict`` fails the build on any).
"""

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

BOOK = Path(__file__).resolve().parent
ROOT = BOOK.parent
SECTIONS = ("chapters", "labs")  # the site's parts, in order; solutions/ never


def natural_key(path):
    """Sort 4_3_2 before 4_10 (and 00_getting_started first)."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.stem)]


def notebooks(root, section):
    return sorted((root / section).glob("*.ipynb"), key=natural_key)


def pages(root=ROOT):
    """The site's notebook pages in reading order, as paths relative to ``root``."""
    return [path.relative_to(root) for section in SECTIONS for path in notebooks(root, section)]


def home_page(root=ROOT):
    """book/index.md with its tables of contents filled in."""
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))
    from dlbasics.tools.colab import GITHUB_REPO

    entries = {section: "\n".join(path.relative_to(root).with_suffix("").as_posix()
                                  for path in notebooks(root, section))
               for section in SECTIONS}
    chapters = notebooks(root, "chapters")
    if not chapters:
        raise FileNotFoundError(f"{root / 'chapters'} has no notebooks")
    text = (BOOK / "index.md").read_text(encoding="utf-8")
    for name, value in (("{chapters}", entries["chapters"]), ("{labs}", entries["labs"]),
                        ("{start}", chapters[0].relative_to(root).as_posix()),
                        ("{repository}", f"https://github.com/{GITHUB_REPO}")):
        text = text.replace(name, value)
    return text


def stage(source, root=ROOT):
    """Fill the folder ``source`` with the home page and copies of the notebooks."""
    source.mkdir(parents=True)
    for page in pages(root):
        (source / page.parent).mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / page, source / page)
    (source / "index.md").write_text(home_page(root), encoding="utf-8")


def folder_size(folder):
    return sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file())


def build(out, root=ROOT, strict=False, jobs="1"):
    """Build the site into ``out``; return a summary (pages, seconds, bytes, warnings)."""
    out = Path(out).resolve()
    work = out.with_name(out.name + ".src")
    start = time.perf_counter()
    for folder in (work, out):  # always a full build: the pages depend on book/*.py too
        if folder.exists():
            shutil.rmtree(folder)
    stage(work / "src", root)
    warnings = work / "warnings.txt"
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-c", str(BOOK),
           "-d", str(work / "doctrees"), "-w", str(warnings), "-j", str(jobs),
           "-D", f"book_repository_root={root}", str(work / "src"), str(out)]
    if strict:
        cmd[4:4] = ["-W", "--keep-going"]
    done = subprocess.run(cmd, cwd=root)
    if done.returncode:
        raise RuntimeError(f"sphinx-build failed ({done.returncode}); warnings in {warnings}")
    seconds = time.perf_counter() - start
    (out / ".nojekyll").touch()  # GitHub Pages: serve _static/ and _sources/ as they are
    lines = [line for line in warnings.read_text(encoding="utf-8").splitlines()
             if "WARNING" in line or "ERROR" in line]
    return {"pages": len(pages(root)) + 1, "seconds": seconds, "bytes": folder_size(out),
            "warnings": lines, "out": out}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build the book's website (make book).")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    parser.add_argument("--strict", action="store_true", help="fail on any Sphinx warning")
    parser.add_argument("--jobs", default="1", help="Sphinx's -j (processes), e.g. auto")
    args = parser.parse_args(argv)
    summary = build(args.out, strict=args.strict, jobs=args.jobs)  # Sphinx prints warnings
    print(f"{summary['out']}: {summary['pages']} pages, {summary['bytes'] / 1e6:.1f} MB, "
          f"built in {summary['seconds']:.1f} s, {len(summary['warnings'])} warnings")
    print(f"보기: python3 -m http.server -b 127.0.0.1 -d {args.out} 8000 → http://127.0.0.1:8000")
    return 0


if __name__ == "__main__":
    sys.exit(main())
