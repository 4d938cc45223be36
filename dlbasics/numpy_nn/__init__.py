"""NumPy 층 (layers): twins of torch.nn's Conv2d, MaxPool2d, AvgPool2d, Linear, ReLU, Flatten
and CrossEntropyLoss, with their constructor arguments, defaults and weight layout (torch 2.13).

Every layer has ``forward(x)`` and ``backward(dout)``: ``forward`` keeps exactly what
``backward`` needs, and ``backward`` returns ∂J/∂x and stores ∂J/∂(each parameter) in
``layer.grads`` (overwritten, not accumulated as in torch). Parameters live in ``layer.params``
under torch's names (``weight``, ``bias``; ``0.weight`` ... inside a :class:`Sequential`), so
weights copy across with :meth:`Module.load_torch` and :meth:`Module.to_torch`.

Arrays are NCHW like torch: x has shape (N, C, H, W), or (C, H, W) for one unbatched sample;
an empty batch (N = 0) works. Computation runs in the input's dtype (float32 for training,
float64 for checks); weights are cast to it when they differ (where torch would refuse to mix).

What torch accepts and these layers refuse, each with an error that names the argument: a
device other than the CPU, torch's deprecated size_average and reduce, channel and feature
counts or kernel sizes of 0, and dtypes NumPy lacks (bfloat16). In the functional
:func:`conv2d` dilation and groups are keyword-only (its sixth argument is padding_mode).

The modules: :mod:`.conv` (Conv2d, im2col), :mod:`.pooling`, :mod:`.layers` (Linear, ReLU,
Flatten, Sequential), :mod:`.loss`, :mod:`.padding`, :mod:`.training` (SGD, fit).
"""

from .base import Module
from .conv import (
    BLOCK,
    SMALL_MATRIX,
    Conv2d,
    ConvGeometry,
    col2im,
    conv2d,
    conv_geometry,
    im2col,
)
from .layers import Flatten, Linear, ReLU, Sequential
from .loss import CrossEntropyLoss
from .padding import PADDING_MODES, pad2d, unpad2d
from .pooling import AvgPool2d, MaxPool2d
from .training import SGD, evaluate, fit, predict

__all__ = [
    "BLOCK", "PADDING_MODES", "SGD", "SMALL_MATRIX", "AvgPool2d", "Conv2d", "ConvGeometry",
    "CrossEntropyLoss", "Flatten", "Linear", "MaxPool2d", "Module", "ReLU", "Sequential",
    "col2im", "conv2d", "conv_geometry", "evaluate", "fit", "im2col", "pad2d", "predict",
    "unpad2d",
]
