"""dlbasics: 딥러닝 기초 (4장) 교재의 도우미 패키지 (helpers of the deep-learning-basics book).

The names below are loaded on first use (PEP 562), so that ``import dlbasics.checks`` or
``import dlbasics.data`` does not pay for importing torch and matplotlib.
"""

import importlib

_EXPORTS = {
    "MNIST": "data",
    "load_mnist": "data",
    "device": "env",
    "seed_everything": "env",
    "show_images": "plotting",
    "use_korean_font": "plotting",
    "count_parameters": "summary",
    "evaluate": "train",
    "fit": "train",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'dlbasics' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted([*globals(), *_EXPORTS])
