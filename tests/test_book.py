"""The website's parts that need no browser, and the GitHub Actions workflows.

- ``make_site``: the pages and their order (시작하기, the chapters in the note's order, the
  labs; never a solution), the home page's tables of contents;
- ``site_ext.web_notebook``: what a notebook's page shows (links under the title instead of
  Colab's badge image, widgets as a sentence, no progress bars, no solutions, math in answers);
- ``korean_search``: particles stripped, so 콘볼루션은 and 콘볼루션 meet in the index;
- the workflows parse, run the README's commands on the agreed Pythons and the torch CPU
  index with pip's cache, and call only make targets that exist.

tests/browser/test_site.py builds the site and reads it in Chromium.
"""

import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

pytest.importorskip("sphinx", reason="the website's packages are missing: run make book once")

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
WORKFLOWS = ROOT / ".github" / "workflows"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def load(name):
    for path in (str(BOOK), str(ROOT)):
        if path not in sys.path:
            sys.path.append(path)
    spec = importlib.util.spec_from_file_location(f"book_{name}", BOOK / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_site = load("make_site")
site_ext = load("site_ext")
korean_search = load("korean_search")


# ----------------------------------------------------------------------------- pages


def fake_book(tmp_path, chapters, labs=(), solutions=()):
    for folder, names in (("chapters", chapters), ("labs", labs), ("solutions", solutions)):
        (tmp_path / folder).mkdir(exist_ok=True)
        for name in names:
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {name}")])
            nbformat.write(nb, tmp_path / folder / name)
    return tmp_path


def test_pages_are_the_chapters_in_the_notes_order_then_the_labs(tmp_path):
    root = fake_book(tmp_path, ["4_10_later.ipynb", "4_2_b.ipynb", "00_getting_started.ipynb",
                                "4_3_1_a.ipynb"], labs=["lab2.ipynb", "lab1.ipynb"],
                     solutions=["lab1.ipynb"])
    assert [p.as_posix() for p in make_site.pages(root)] == [
        "chapters/00_getting_started.ipynb", "chapters/4_2_b.ipynb", "chapters/4_3_1_a.ipynb",
        "chapters/4_10_later.ipynb", "labs/lab1.ipynb", "labs/lab2.ipynb"]


def test_the_repositorys_pages_start_with_getting_started_and_hold_no_solution():
    pages = [p.as_posix() for p in make_site.pages()]
    assert pages[0] == "chapters/00_getting_started.ipynb"
    assert "chapters/4_3_1_convolution_pooling.ipynb" in pages
    assert not [p for p in pages if not p.startswith(("chapters/", "labs/"))]


def test_the_home_page_lists_every_page_in_order(tmp_path):
    root = fake_book(tmp_path, ["00_getting_started.ipynb", "4_1_a.ipynb"], labs=["lab1.ipynb"])
    home = make_site.home_page(root)
    chapters, labs = re.findall(r"```\{toctree\}\n(.*?)```", home, flags=re.S)
    assert chapters.split()[-2:] == ["chapters/00_getting_started", "chapters/4_1_a"]
    assert labs.split()[-1] == "labs/lab1"
    assert "{" not in home.replace("{toctree}", "")
    assert "(chapters/00_getting_started.ipynb)" in home


def test_stage_copies_the_notebooks_as_they_are(tmp_path):
    source = tmp_path / "src"
    make_site.stage(source)
    for page in make_site.pages():
        assert (source / page).read_bytes() == (ROOT / page).read_bytes()
    assert (source / "index.md").is_file() and not (source / "solutions").exists()


# ----------------------------------------------------------------------------- notebook pages


def chapter(*cells):
    return nbformat.v4.new_notebook(cells=list(cells))


def md(source):
    return nbformat.v4.new_markdown_cell(source)


def code(source, outputs=(), tags=()):
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def widget(text):
    return {"output_type": "display_data", "metadata": {},
            "data": {site_ext.WIDGET_MIME: {"model_id": "x", "version_major": 2,
                                            "version_minor": 0}, "text/plain": text}}


def test_the_title_gets_links_to_colab_the_notebook_file_and_github_instead_of_the_badge():
    from dlbasics.tools.colab import badge

    repo_path = "chapters/4_9_x.ipynb"
    nb = site_ext.web_notebook(chapter(md(f"# 4.9 제목\n\n{badge(repo_path)}\n\n본문")),
                               repo_path, root=ROOT)
    source = nb.cells[0].source
    assert site_ext.BADGE_IMAGE not in source
    assert source.startswith("# 4.9 제목\n\n<p class=\"book-links\">")
    assert f'href="{site_ext.colab_url(repo_path)}"' in source
    assert 'href="../_sources/chapters/4_9_x.ipynb" download' in source
    assert source.endswith("\n\n본문")


def test_widgets_become_a_sentence_and_progress_bars_go():
    nb = chapter(md("# t"), code("interact(f)", [widget("interactive(children=(IntSlider(...")]),
                 code("fit()", [widget("epoch:  40%|████      | 2/5 [00:01<00:01]"),
                                {"output_type": "stream", "name": "stdout", "text": "끝\n"}]),
                 code("two()", [widget("IntSlider(value=1)"), widget("Dropdown(...)")]))
    nb = site_ext.web_notebook(nb, "chapters/x.ipynb")
    first, second, third = (cell.outputs for cell in nb.cells[1:])
    assert [o.data["text/html"] for o in first] == [
        f'<p class="widget-note">{site_ext.WIDGET_NOTE}</p>']
    assert "JupyterLab" in site_ext.WIDGET_NOTE and "Colab" in site_ext.WIDGET_NOTE
    assert [o.output_type for o in second] == ["stream"]
    assert len(third) == 1  # one note per cell


def test_the_colab_install_cell_is_left_out():
    nb = chapter(md("# t"), code("import sys", tags=["colab-install"]), code("x = 1"))
    nb = site_ext.web_notebook(nb, "chapters/x.ipynb")
    assert "remove-cell" in nb.cells[1].metadata["tags"]
    assert "tags" not in nb.cells[2].metadata


def test_links_to_solutions_lose_their_target_and_other_files_point_to_github():
    text = ("[실습 1](../labs/lab1_dmlp.ipynb), [풀이](../solutions/lab1_dmlp.ipynb), "
            "[4.2](4_2_deep_mlp.ipynb#sec), [코드](../dlbasics/dmlp.py), [웹](https://a.b/c), "
            "[절](#top), S = [1, Z](U^l), `a[0](x)`, $[1, z](U^l)^T$")
    nb = site_ext.web_notebook(chapter(md("# t"), md(text)), "chapters/x.ipynb", root=ROOT)
    assert nb.cells[1].source == (
        "[실습 1](../labs/lab1_dmlp.ipynb), 풀이, [4.2](4_2_deep_mlp.ipynb#sec), "
        f"[코드]({site_ext.github_blob('dlbasics/dmlp.py')}), [웹](https://a.b/c), [절](#top), "
        r"S = \[1, Z](U^l), `a[0](x)`, $[1, z](U^l)^T$")


def test_the_start_notebooks_table_of_contents_loses_the_solutions():
    toc = ("<!-- toc -->\n\n**본문 (chapters)**\n\n- [시작](00_getting_started.ipynb)\n\n"
           "**실습 과제 (labs)**\n\n- [실습 1](../labs/lab1_dmlp.ipynb)\n\n"
           "**실습 풀이 (solutions)**\n\n- [실습 1](../solutions/lab1_dmlp.ipynb)\n\n<!-- /toc -->")
    nb = site_ext.web_notebook(chapter(md("# t"), md(toc)), "chapters/x.ipynb", root=ROOT)
    source = nb.cells[1].source
    assert "solutions" not in source and "실습 풀이" not in source
    assert "[실습 1](../labs/lab1_dmlp.ipynb)" in source and source.endswith("<!-- /toc -->")


def test_an_answer_in_details_is_markdown_with_math():
    answer = "<details><summary>답</summary>\n$\\delta = -\\partial J/\\partial s$\n</details>"
    nb = site_ext.web_notebook(chapter(md("# t"), md(answer)), "chapters/x.ipynb")
    assert nb.cells[1].source == (
        "<details><summary>답</summary>\n\n$\\delta = -\\partial J/\\partial s$\n\n</details>")


def test_the_repositorys_notebooks_keep_their_cells_and_code():
    for page in make_site.pages():
        original = nbformat.read(ROOT / page, as_version=4)
        web = site_ext.web_notebook(nbformat.read(ROOT / page, as_version=4), page.as_posix(),
                                    root=ROOT)
        assert [c.cell_type for c in web.cells] == [c.cell_type for c in original.cells]
        assert [c.source for c in web.cells if c.cell_type == "code"] == [
            c.source for c in original.cells if c.cell_type == "code"]
        assert site_ext.BADGE_IMAGE not in "".join(c.source for c in web.cells)


# ----------------------------------------------------------------------------- Korean search


@pytest.mark.parametrize(("word", "stem"), [
    ("콘볼루션은", "콘볼루션"), ("콘볼루션", "콘볼루션"), ("콘볼루션을", "콘볼루션"),
    ("덧대기를", "덧대기"), ("덧대기", "덧대기"), ("덧대기(padding", "덧대기(padding"),
    ("층의", "층"), ("층", "층"), ("이", "이"), ("신경망입니다", "신경망"),
    ("풀링층에서는", "풀링층"), ("정규화하는", "정규화"), ("ResNet과", "resnet"),
    ("layers", "layer"), ("Padding", "pad"),
])
def test_korean_words_lose_their_particle_and_english_words_are_stemmed(word, stem):
    assert korean_search.SearchKorean({}).stem(word) == stem


def test_a_word_and_the_word_with_a_particle_meet_in_the_index():
    lang = korean_search.SearchKorean({})
    words = lang.split("콘볼루션은 커널을 움직이며 덧대기(padding)를 한 입력과 곱합니다.")
    assert "덧대기" in words and "padding" in words
    stems = {lang.stem(word) for word in words}
    assert {"콘볼루션", "커널", "덧대기", "pad", "입력"} <= stems


def test_the_browser_gets_the_same_particles():
    code = korean_search.SearchKorean.js_stemmer_code
    assert "var Stemmer = function" in code and "EnglishStemmer" in code
    assert "PARTICLES_FROM_PYTHON" not in code
    assert list(korean_search.PARTICLES) == sorted(korean_search.PARTICLES,
                                                   key=lambda p: (-len(p), p))


# ----------------------------------------------------------------------------- CI workflows


def make_targets():
    """The Makefile's explicit targets (``name:`` rules; not ``VAR :=`` assignments)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return {target for line in re.findall(r"^([A-Za-z][\w .-]*):(?!=)", makefile, flags=re.M)
            for target in line.split()}


def workflow(name):
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def run_lines(data):
    return [line.strip() for job in data["jobs"].values() for step in job.get("steps", [])
            for line in step.get("run", "").splitlines() if line.strip()]


def setup_python(job):
    return next(step for step in job["steps"]
                if step.get("uses", "").startswith("actions/setup-python@"))


def test_every_workflow_parses_and_calls_only_make_targets_that_exist():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert [f.name for f in files] == ["pages.yml", "test.yml"]
    targets = make_targets()
    assert {"test", "book", "lab"} <= targets
    for path in files:
        data = workflow(path.name)
        for line in run_lines(data):
            assert line.startswith("make "), f"{path.name}: run only make targets: {line!r}"
            for target in line.split()[1:]:
                if "=" not in target:
                    assert target in targets, f"{path.name}: make {target} is no target"
        for job in data["jobs"].values():
            for step in job["steps"]:
                uses = step.get("uses", "")
                assert not uses or re.fullmatch(r"actions/[\w-]+@v\d+", uses), uses


def test_the_test_workflow_runs_the_readmes_test_command_on_both_pythons():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"^make test\b", readme, flags=re.M)
    data = workflow("test.yml")
    assert set(data["on"]) == {"push", "pull_request"}
    (job,) = data["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    assert job["strategy"]["matrix"]["python-version"] == ["3.11", "3.13"]
    assert job["env"]["TORCH_INDEX"] == CPU_INDEX
    setup = setup_python(job)["with"]
    assert setup["python-version"] == "${{ matrix.python-version }}" and setup["cache"] == "pip"
    assert set(setup["cache-dependency-path"].split()) == {"requirements.txt",
                                                           "requirements-book.txt"}
    assert run_lines(data) == ["make test"]


def test_the_pages_workflow_builds_the_book_and_publishes_it():
    data = workflow("pages.yml")
    assert data["on"]["push"]["branches"] == ["main"]
    assert data["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build, deploy = data["jobs"]["build"], data["jobs"]["deploy"]
    assert build["env"]["TORCH_INDEX"] == CPU_INDEX
    assert setup_python(build)["with"]["cache"] == "pip"
    assert run_lines(data) == ["make book"]
    upload = next(s for s in build["steps"] if "upload-pages-artifact" in s.get("uses", ""))
    site = re.search(r"^SITE \?= (\S+)$", (ROOT / "Makefile").read_text(), flags=re.M).group(1)
    assert upload["with"]["path"] == site
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert any("deploy-pages" in s.get("uses", "") for s in deploy["steps"])


def test_the_website_requirements_are_pinned_and_agree_with_the_books():
    def pins(path):
        found = {}
        for line in path.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                name, _, version = line.partition("==")
                assert version, f"{path.name}: {line!r} is not pinned with =="
                found[name.strip().lower().replace("_", "-")] = version.strip()
        return found

    book, main = pins(ROOT / "requirements-book.txt"), pins(ROOT / "requirements.txt")
    assert {"sphinx", "myst-nb", "sphinx-book-theme", "sphinx-mathjax-offline"} <= set(book)
    assert set(book) & set(main) == set(), "a package pinned twice can drift apart"
