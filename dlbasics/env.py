"""계산 장치 선택과 난수 고정 (device selection and seeding)."""

import os
import random
from pathlib import Path

import numpy as np
import torch


def device():
    """Return the best available torch device: CUDA, then Apple MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed):
    """Seed Python's ``random``, NumPy's global generator and torch (CPU and CUDA).

    Returns a fresh ``numpy.random.Generator`` seeded the same way, which is the
    preferred source of randomness in new NumPy code.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    os.environ["PYTHONHASHSEED"] = str(seed)  # for the processes this one starts (workers)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return np.random.default_rng(seed)


def version_mismatches(requirements):
    """Packages whose installed version differs from the ``name==version`` pins in a file.

    Returns {name: (pinned, installed or None)}; an empty dict means the environment
    matches. Local version labels (``2.13.0+cpu``) are ignored.
    """
    from importlib.metadata import PackageNotFoundError, version

    problems = {}
    for line in Path(requirements).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" not in line:
            continue
        name, pinned = (part.strip() for part in line.split("==", 1))
        try:
            installed = version(name).split("+", 1)[0]
        except PackageNotFoundError:
            installed = None
        if installed != pinned:
            problems[name] = (pinned, installed)
    return problems
