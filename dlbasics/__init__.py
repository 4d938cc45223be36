"""dlbasics: 딥러닝 기초 (4장) 교재의 도우미 패키지 (helpers of the deep-learning-basics book)."""

from .data import MNIST, load_mnist
from .env import device, seed_everything
from .plotting import show_images, use_korean_font
from .train import count_parameters, evaluate, fit

__all__ = [
    "MNIST",
    "count_parameters",
    "device",
    "evaluate",
    "fit",
    "load_mnist",
    "seed_everything",
    "show_images",
    "use_korean_font",
]
