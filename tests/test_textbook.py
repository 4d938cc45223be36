"""The chapters read as a textbook (../shared/TEXTBOOK.md): values on the page, checks out of sight.

A chapter prints the value a lesson is about and guards it with a silent ``assert``; nbval's
instructions are cell tags; the prose is about deep learning, never about the test harness
(how a threshold was calibrated, which outputs nbval compares: that goes in CONTRIBUTING.md).
"""

import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
MAX_VERDICT_LINES = 10  # bare True/False output lines in the whole book

# Words of the test harness and of the book's making, not of deep learning.
HARNESS_WORDS = {
    "nbval": re.compile(r"nbval|NBVAL", re.I),
    "what is not checked": re.compile(r"검사하지 않|비교하지 않습니다|출력은 검사"),
    "this cell's output": re.compile(r"이 칸의 출력"),
    "seeds tried": re.compile(r"\d+\s*개의?\s*시드|시드\s*\d+\s*개|시드마다|여러 시드"),
    "thread counts": re.compile(r"스레드"),
    "standard errors": re.compile(r"표준\s?오차"),
    "generous thresholds": re.compile(r"넉넉한 기준|넉넉하게 검사|기준으로 검사|검사합니다"),
    "making-of asides": re.compile(r"정직하게 말하면|이 책을 만들|만들 때 .{0,20}해 보니|"
                                   r"PDF를 직접|직접 열어 보지"),
    "CI": re.compile(r"\bCI\b"),
}


def ids(paths):
    return [p.name for p in paths]


def verdict_lines(nb):
    """Output lines that end in a bare True or False."""
    lines = []
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            text = out.get("text") or out.get("data", {}).get("text/plain", "")
            lines += [line for line in "".join(text).splitlines()
                      if re.search(r"\b(True|False)\s*$", line)]
    return lines


@pytest.mark.parametrize("path", CHAPTERS, ids=ids(CHAPTERS))
def test_prose_is_about_deep_learning_not_the_test_harness(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for what, pattern in HARNESS_WORDS.items():
            found = pattern.search(cell.source)
            assert not found, (f"{path.name}: prose about {what} ({found.group(0)!r}) belongs in "
                               f"CONTRIBUTING.md or beside the tests:\n{cell.source}")


def test_the_book_shows_values_not_verdicts():
    lines = {path.name: verdict_lines(nbformat.read(path, as_version=4)) for path in CHAPTERS}
    total = sum(map(len, lines.values()))
    shown = json.dumps({k: v for k, v in lines.items() if v}, ensure_ascii=False, indent=1)
    assert total <= MAX_VERDICT_LINES, (
        f"{total} output lines are bare True/False verdicts; print the value and assert on it:\n"
        f"{shown}")


def test_verdict_counter_sees_a_verdict():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print('정확도 ≥ 0.96:', True)", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="정확도 ≥ 0.96: True\n"),
        nbformat.v4.new_output("stream", name="stdout", text="테스트 정확도: 0.976\n")])]
    assert verdict_lines(nb) == ["정확도 ≥ 0.96: True"]


MIN_EXERCISES = 8
DETAILS = re.compile(r"<details>\s*<summary>\s*(?:답|풀이)[^<]*</summary>(.*?)</details>", re.S)
NUMBERED_SECTION = re.compile(r"^## \d+\.", re.M)


def exercises_by_section(nb):
    """{section heading: number of answered exercises (<details><summary>답</summary>)}."""
    counts, section = {}, "(앞부분)"
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for part in re.split(r"(?m)^(?=## )", cell.source):
            if part.startswith("## "):
                section = part.splitlines()[0]
            answers = [a for a in DETAILS.findall(part) if a.strip()]
            counts[section] = counts.get(section, 0) + len(answers)
    return counts


TEACHING = [p for p in CHAPTERS if p.name.startswith("4_")]


@pytest.mark.parametrize("path", TEACHING, ids=ids(TEACHING))
def test_exercises_with_answers_run_through_the_chapter(path):
    counts = exercises_by_section(nbformat.read(path, as_version=4))
    total = sum(counts.values())
    assert total >= MIN_EXERCISES, f"{path.name}: {total} exercises with answers, want " \
                                   f"at least {MIN_EXERCISES}"
    numbered = [s for s in counts if NUMBERED_SECTION.match(s)]
    with_exercises = [s for s in numbered if counts[s]]
    assert 2 * len(with_exercises) >= len(numbered), (
        f"{path.name}: exercises only in {with_exercises}; put them in the sections they "
        f"practise ({len(numbered)} numbered sections)")


def unescaped_tildes(markdown):
    """'~' outside math and code: two of them in a paragraph strike the text between through
    (JupyterLab and GitHub follow GFM), so '20~22행' must be written '20\\~22행'."""
    text = re.sub(r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|<[^>]*>", "", markdown, flags=re.S)
    return [m.start() for m in re.finditer(r"(?<!\\)~", text)]


ALL_MARKDOWN = CHAPTERS + sorted((ROOT / "solutions").glob("*.ipynb"))


@pytest.mark.parametrize("path", ALL_MARKDOWN, ids=ids(ALL_MARKDOWN))
def test_no_text_is_struck_through_by_a_tilde(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert not unescaped_tildes(cell.source), (
                f"{path.name}: write '\\~' for a range, or two '~' strike the text between "
                f"through:\n{cell.source}")


def test_the_tilde_check_ignores_math_and_code():
    assert unescaped_tildes("10~100배") == [2]
    assert unescaped_tildes(r"10\~100배, $a \sim b$, `x ~ y`, $$\tilde{x} ~$$") == []
