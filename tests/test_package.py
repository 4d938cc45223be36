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


# Modules a NumPy lesson or the grader imports: neither torch nor matplotlib may come with them.
LIGHT = ["dlbasics.data", "dlbasics.functional", "dlbasics.gradcheck", "dlbasics.numpy_nn",
         "dlbasics.dmlp", "dlbasics.dmlp_tools", "dlbasics.conv", "dlbasics.summary",
         "dlbasics.checks", "dlbasics.tools.grade", "dlbasics.tools.labgen"]


@pytest.mark.parametrize("module", LIGHT)
def test_light_modules_do_not_import_torch_or_matplotlib(module):
    code = (f"import sys, {module}; "
            "print(sorted(m for m in ('torch', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"import {module} loads {out.stdout.strip()}"


def test_count_parameters_counts_torch_and_numpy_modules_alike():
    from torch import nn

    from dlbasics import numpy_nn

    torch_conv, numpy_conv = nn.Conv2d(3, 8, 5), numpy_nn.Conv2d(3, 8, 5)
    assert dlbasics.count_parameters(torch_conv) == 3 * 8 * 25 + 8
    assert dlbasics.count_parameters(numpy_conv) == 3 * 8 * 25 + 8
    torch_conv.bias.requires_grad_(False)  # a frozen tensor is not learnt
    assert dlbasics.count_parameters(torch_conv) == 3 * 8 * 25
