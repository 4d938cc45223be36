import random

import numpy as np
import pytest
import torch

from dlbasics import env


def test_device_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert env.device().type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert env.device().type == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert env.device() == torch.device("cpu")


def test_seed_everything_repeats_python_numpy_and_torch():
    def draw():
        rng = env.seed_everything(7)
        return (random.random(), np.random.rand(), torch.rand(1).item(), rng.random())

    first, second = draw(), draw()
    assert first == second
    env.seed_everything(8)
    assert random.random() != first[0]


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="non-negative int"):
        env.seed_everything(bad)


def test_version_mismatches_reports_wrong_and_missing_packages(tmp_path):
    numpy_version = np.__version__
    req = tmp_path / "requirements.txt"
    req.write_text(f"numpy=={numpy_version}\n# comment\nnumpy-not-a-package==1.0\ntorch==0.0.1\n")
    problems = env.version_mismatches(req)
    assert problems == {"numpy-not-a-package": ("1.0", None),
                        "torch": ("0.0.1", torch.__version__.split("+")[0])}
