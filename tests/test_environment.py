"""The two setup routes (pip and conda) and the README's commands stay in step."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def pins(lines):
    found = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            assert "==" in line, f"every dependency must be pinned exactly: {line!r}"
            name, version = line.split("==")
            found[name.strip().lower()] = version.strip()
    return found


def test_requirements_are_all_pinned_and_torch_is_the_cpu_pin():
    found = pins((ROOT / "requirements.txt").read_text().splitlines())
    assert found["torch"] == "2.13.0"
    assert {"jupyterlab", "numpy", "torch", "matplotlib", "nbval", "ipywidgets",
            "mlxtend", "koreanize-matplotlib"} <= set(found)


def test_environment_yml_names_the_same_packages_and_versions():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pins(pip_section) == pins((ROOT / "requirements.txt").read_text().splitlines())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python == "python=3.11"


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^make (\w[\w-]*)", readme, flags=re.M)
    assert commands[:2] == ["lab", "test"], "the README must lead with make lab, then make test"
    ci = [line for line in (ROOT / ".ci/run").read_text().splitlines()
          if line and not line.startswith(("#", "set ", "cd "))]
    assert ci == ["make test"]


def test_file_names_are_ascii():
    tracked = [p for p in ROOT.rglob("*") if ".venv" not in p.parts and ".git" not in p.parts]
    assert [p for p in tracked if not p.name.isascii()] == []


def test_readme_keeps_its_sections_after_the_table_of_contents():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", readme, flags=re.M)
    for heading in ("시작하기: 명령 두 개", "차례", "강사용 안내 (For instructors)", "저장소 구성",
                    "English summary"):
        assert heading in headings, f"README.md lost its section '{heading}'"
    assert "python -m dlbasics.tools.grade" in readme and "docs/instructors.md" in readme
