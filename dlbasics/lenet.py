"""LeNet-5 as the lecture note specifies it (그림 4-19), in NumPy and in PyTorch.

C-P-C-P-C turns a 1×28×28 image into a 120-dimensional feature vector; an MLP with one
hidden layer (120-84-10) classifies it; softmax and argmax give the class. Both versions
are Sequentials with the same layer indices, so weights copy across by name.
"""

import numpy as np
from torch import nn

from . import numpy_nn

# Output shapes of C1, P1, C2, P2, C3 for a 1×28×28 input, as the note states them.
FEATURE_SHAPES = [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (120, 1, 1)]


def _layers(lib, **kwargs):
    """The note's LeNet-5 from the layer classes of ``lib`` (torch.nn or numpy_nn)."""
    return [
        lib.Conv2d(1, 6, 5, stride=1, padding=2, **kwargs), lib.ReLU(),   # C1: 6×28×28
        lib.MaxPool2d(2, stride=2),                                       # P1: 6×14×14
        lib.Conv2d(6, 16, 5, stride=1, padding=0, **kwargs), lib.ReLU(),  # C2: 16×10×10
        lib.MaxPool2d(2, stride=2),                                       # P2: 16×5×5
        lib.Conv2d(16, 120, 5, stride=1, padding=0, **kwargs), lib.ReLU(),  # C3: 120×1×1
        lib.Flatten(),                                                    # 120차원 특징 벡터
        lib.Linear(120, 84, **kwargs), lib.ReLU(),                        # FC 은닉층 84
        lib.Linear(84, 10, **kwargs),                                     # 출력층 10 (softmax)
    ]


def lenet5_torch():
    """torch LeNet-5: (N, 1, 28, 28) → class scores (N, 10)."""
    return nn.Sequential(*_layers(nn))


def lenet5_numpy(rng=None, dtype=np.float32):
    """NumPy LeNet-5 with the same layer indices and weight shapes as :func:`lenet5_torch`.

    Its backward pass returns None: C1 skips ∂J/∂x, which no one needs for an input image
    (torch skips it too).
    """
    net = numpy_nn.Sequential(*_layers(numpy_nn, rng=rng, dtype=dtype))
    net[0].input_grad = False
    return net
