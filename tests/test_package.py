import subprocess
import sys

import pytest

import dlbasics


@pytest.mark.parametrize("name", dlbasics.__all__)
def test_every_exported_name_resolves(name):
    assert callable(getattr(dlbasics, name)) and name in dir(dlbasics)


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        dlbasics.nothing  # noqa: B018


def test_light_submodules_do_not_import_torch_or_matplotlib():
    code = ("import sys, dlbasics.data, dlbasics.functional, dlbasics.gradcheck; "
            "print(sorted(m for m in ('torch', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
