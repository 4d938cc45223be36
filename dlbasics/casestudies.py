"""CNN 사례연구 (4.4절): ILSVRC의 평가 척도와 우승 신경망을 PyTorch로 처음부터 만든다.

Everything is written from scratch with ``torch.nn`` (no model zoo):

- top-k error of ILSVRC, multiply-add counts and the depth of a network;
- AlexNet (single tower or the paper's two-GPU grouped layers, LRN, dropout);
- VGG-16; NIN (MLPconv layers and global average pooling); the inception module and
  GoogLeNet; the residual and plain blocks and ResNet-34 (그림 4-29);
- small versions of each family for 1×28×28 MNIST digits (the small AlexNet and VGG also with
  batch normalisation, so that all five can be compared with the same normalisation).

Tensors are (N, C, H, W); full-size networks take (N, 3, 224, 224) and return (N, 1000) scores.
"""

import time
from collections import OrderedDict

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .env import device as best_device
from .env import seed_everything
from .summary import count_parameters
from .train import evaluate, fit

POOLING = (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d)


# ---------------------------------------------------------------- ILSVRC: top-k error
def topk_error(scores, labels, k=1):
    """Top-k error: the fraction of samples whose true label is not among the k highest scores.

    scores: (N, c) array or tensor; labels: (N,) ints in [0, c); 1 ≤ k ≤ c.
    Equal scores are ranked by class index (the lower index first).
    """
    scores = _numpy(scores)
    labels = _numpy(labels)
    if scores.ndim != 2:
        raise ValueError(f"scores must have shape (N, c), got {scores.shape}")
    n, c = scores.shape
    if labels.shape != (n,):
        raise ValueError(f"labels must have shape ({n},) to match scores, got {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integer class indices, got dtype {labels.dtype}")
    if not 1 <= k <= c:
        raise ValueError(f"k must be between 1 and the number of classes {c}, got {k}")
    if labels.min(initial=0) < 0 or labels.max(initial=0) >= c:
        raise ValueError(f"labels must lie in [0, {c}), got {labels.min()}..{labels.max()}")
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float(np.mean(~(top == labels[:, None]).any(axis=1)))


def _numpy(a):
    return a.detach().cpu().numpy() if torch.is_tensor(a) else np.asarray(a)


# ---------------------------------------------------------------- counting
def count_macs(net, input_shape):
    """Multiply-adds of one forward pass on one input of ``input_shape`` (no batch axis).

    Counts the products of every Conv2d (C_out·H'·W' outputs × C_in/groups·h·h each) and
    Linear layer (in × out); biases, normalisation, activations and pooling are not counted.
    """
    total = 0

    def conv(mod, _, out):
        nonlocal total
        total += out[0].numel() * mod.weight[0].numel()

    def linear(mod, _, out):
        nonlocal total
        total += out[0].numel() * mod.in_features

    hooks = [m.register_forward_hook(conv if isinstance(m, nn.Conv2d) else linear)
             for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    param = next(net.parameters(), None)
    was_training = net.training
    try:
        net.eval()
        with torch.no_grad():
            net(torch.zeros(1, *input_shape, device=param.device if param is not None else "cpu"))
    finally:
        net.train(was_training)
        for hook in hooks:
            hook.remove()
    return total


def depth(module, count_pooling=False):
    """Layers on the longest path through ``module``: Conv2d and Linear layers (and pooling
    layers when ``count_pooling``). A module with parallel ``branches`` (an inception module,
    a residual block) adds the depth of its deepest branch.
    """
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        return 1
    if isinstance(module, POOLING):
        return int(count_pooling)
    branches = getattr(module, "branches", None)
    if branches is not None:
        return max(depth(b, count_pooling) for b in branches)
    return sum(depth(child, count_pooling) for child in module.children())


# ---------------------------------------------------------------- AlexNet (2012)
def local_response_norm(a, size=5, k=2.0, alpha=1e-4, beta=0.75):
    """Local response normalisation as written in Krizhevsky et al. (2012), section 3.3.

    b^i = a^i / (k + α Σ_j (a^j)²)^β, the sum over the ``size`` channels j centred on i.
    a: (N, C, H, W) tensor; returns a tensor of the same shape.
    """
    if a.dim() != 4:
        raise ValueError(f"a must have shape (N, C, H, W), got {tuple(a.shape)}")
    squares = F.pad(a.pow(2), (0, 0, 0, 0, size // 2, (size - 1) // 2))
    window = sum(squares[:, j:j + a.shape[1]] for j in range(size))
    return a / (k + alpha * window).pow(beta)


class LRN(nn.Module):
    """Local response normalisation layer with the paper's constants (n=5, k=2, α=1e-4,
    β=0.75), computed by :func:`local_response_norm`. It equals
    ``nn.LocalResponseNorm(n, alpha=α·n, beta=β, k=k)``: PyTorch divides α by n.
    """

    def __init__(self, size=5, k=2.0, alpha=1e-4, beta=0.75):
        super().__init__()
        self.size, self.k, self.alpha, self.beta = size, k, alpha, beta

    def forward(self, a):
        return local_response_norm(a, self.size, self.k, self.alpha, self.beta)


def alexnet(grouped=False, num_classes=1000, dropout=0.5):
    """AlexNet for (N, 3, 224, 224) images: 5 convolution and 3 FC layers.

    ``grouped=True`` splits conv2, conv4 and conv5 into two groups as the paper's two GPUs
    did (each kernel sees only the maps of its own GPU). conv1 uses padding 2 so that a
    224×224 input gives the paper's 55×55 maps.
    """
    g = 2 if grouped else 1
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(3, 96, 11, stride=4, padding=2)), ("relu1", nn.ReLU()),
        ("norm1", LRN()), ("pool1", nn.MaxPool2d(3, 2)),
        ("conv2", nn.Conv2d(96, 256, 5, padding=2, groups=g)), ("relu2", nn.ReLU()),
        ("norm2", LRN()), ("pool2", nn.MaxPool2d(3, 2)),
        ("conv3", nn.Conv2d(256, 384, 3, padding=1)), ("relu3", nn.ReLU()),
        ("conv4", nn.Conv2d(384, 384, 3, padding=1, groups=g)), ("relu4", nn.ReLU()),
        ("conv5", nn.Conv2d(384, 256, 3, padding=1, groups=g)), ("relu5", nn.ReLU()),
        ("pool5", nn.MaxPool2d(3, 2)), ("flatten", nn.Flatten()),
        ("fc6", nn.Linear(256 * 6 * 6, 4096)), ("relu6", nn.ReLU()), ("drop6", nn.Dropout(dropout)),
        ("fc7", nn.Linear(4096, 4096)), ("relu7", nn.ReLU()), ("drop7", nn.Dropout(dropout)),
        ("fc8", nn.Linear(4096, num_classes)),
    ]))


def alexnet_small(num_classes=10, batch_norm=False):
    """AlexNet's ideas for 1×28×28: a large first kernel with stride 2, ReLU, LRN,
    overlapping max pooling, and FC layers with dropout that hold most of the parameters.

    ``batch_norm=True`` puts batch normalisation after each convolution in place of LRN
    (as later networks did), so that it can be compared with the small NIN, GoogLeNet and
    ResNet, which normalise the same way.
    """
    def stage(i, in_channels, out_channels, h, stride):
        conv = (f"conv{i}", nn.Conv2d(in_channels, out_channels, h, stride, padding=h // 2,
                                      bias=not batch_norm))
        relu = (f"relu{i}", nn.ReLU())
        if batch_norm:
            return [conv, (f"norm{i}", nn.BatchNorm2d(out_channels)), relu]
        return [conv, relu, (f"norm{i}", LRN())]  # the paper's order: LRN after ReLU

    return nn.Sequential(OrderedDict([
        *stage(1, 1, 16, 5, 2), ("pool1", nn.MaxPool2d(3, 2, padding=1)),
        *stage(2, 16, 32, 3, 1), ("pool2", nn.MaxPool2d(3, 2, padding=1)),
        ("flatten", nn.Flatten()),
        ("fc3", nn.Linear(32 * 4 * 4, 128)), ("relu3", nn.ReLU()), ("drop3", nn.Dropout(0.5)),
        ("fc4", nn.Linear(128, num_classes)),
    ]))


# ---------------------------------------------------------------- VGG-16 (2014)
VGG16_CONFIG = ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512))


def vgg(config=VGG16_CONFIG, fc=(4096, 4096), in_channels=3, input_size=224,
        num_classes=1000, dropout=0.5, batch_norm=False):
    """A VGG network: blocks of 3×3 convolutions (stride 1, padding 1) + ReLU, each block
    ending in 2×2 max pooling, then FC layers. ``config`` lists each block's kernel counts;
    ``batch_norm=True`` puts batch normalisation between each convolution and its ReLU.
    Input (N, in_channels, input_size, input_size).
    """
    if input_size % 2 ** len(config):
        raise ValueError(f"input_size must be a multiple of 2**{len(config)} = "
                         f"{2 ** len(config)} (one halving per block), got {input_size}")
    layers, c = OrderedDict(), in_channels
    for b, widths in enumerate(config, start=1):
        block = []
        for width in widths:
            block += [*conv_unit(c, width, 3, batch_norm=batch_norm)]
            c = width
        layers[f"block{b}"] = nn.Sequential(*block, nn.MaxPool2d(2))
    layers["flatten"] = nn.Flatten()
    n = c * (input_size // 2 ** len(config)) ** 2
    for i, width in enumerate(fc, start=len(config) + 1):
        layers[f"fc{i}"] = nn.Sequential(nn.Linear(n, width), nn.ReLU(), nn.Dropout(dropout))
        n = width
    layers[f"fc{len(config) + len(fc) + 1}"] = nn.Linear(n, num_classes)
    return nn.Sequential(layers)


def vgg16(num_classes=1000):
    """VGG-16 (configuration D of Simonyan & Zisserman 2015): 13 conv + 3 FC layers."""
    return vgg(VGG16_CONFIG, num_classes=num_classes)


def vgg_small(num_classes=10, batch_norm=False):
    """VGG's idea (stacked 3×3 kernels) for 1×28×28: two blocks of two convolutions
    (with ``batch_norm``, each followed by batch normalisation)."""
    return vgg(((8, 8), (16, 16)), fc=(64,), in_channels=1, input_size=28,
               num_classes=num_classes, batch_norm=batch_norm)


# ---------------------------------------------------------------- NIN (2014)
def conv_unit(in_channels, out_channels, h, stride=1, batch_norm=False, relu=True):
    """An h×h convolution with padding h//2, then (optionally) BN, then (optionally) ReLU.

    With batch normalisation the convolution has no bias: BN's shift β replaces it.
    """
    layers = [nn.Conv2d(in_channels, out_channels, h, stride, padding=h // 2,
                        bias=not batch_norm)]
    layers += [nn.BatchNorm2d(out_channels)] if batch_norm else []
    layers += [nn.ReLU()] if relu else []
    return nn.Sequential(*layers)


def mlpconv(in_channels, widths, h, stride=1, batch_norm=False, last_relu=True):
    """An MLPconv layer: one h×h convolution (with ``stride``), then 1×1 convolutions, each
    followed by ReLU (the last one only if ``last_relu``).

    The 1×1 convolutions are an MLP applied to the vector of channels at every pixel.
    """
    channels = (in_channels, *widths)
    return nn.Sequential(*[
        conv_unit(channels[i], channels[i + 1], *((h, stride) if i == 0 else (1, 1)),
                  batch_norm=batch_norm, relu=last_relu or i < len(widths) - 1)
        for i in range(len(widths))])


def global_average_pooling():
    """Average each feature map to one number: (N, C, H, W) -> (N, C)."""
    return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())


def nin_cifar10(dropout=0.5):
    """NIN for 3×32×32 CIFAR-10 images, as in the authors' released model (Lin et al. 2014):
    three MLPconv layers and global average pooling over 10 maps, no FC layer.
    """
    return nn.Sequential(OrderedDict([
        ("mlpconv1", mlpconv(3, (192, 160, 96), 5)),
        ("pool1", nn.MaxPool2d(3, 2, ceil_mode=True)), ("drop1", nn.Dropout(dropout)),
        ("mlpconv2", mlpconv(96, (192, 192, 192), 5)),
        ("pool2", nn.AvgPool2d(3, 2, ceil_mode=True)), ("drop2", nn.Dropout(dropout)),
        ("mlpconv3", mlpconv(192, (192, 192, 10), 3)),
        ("gap", global_average_pooling()),
    ]))


def nin_small(num_classes=10):
    """NIN for 1×28×28: MLPconv layers (with BN, to train in seconds), the last giving one
    map per class, then global average pooling.
    """
    return nn.Sequential(OrderedDict([
        ("mlpconv1", mlpconv(1, (16, 16, 16), 5, stride=2, batch_norm=True)),
        ("pool1", nn.MaxPool2d(2)),
        ("mlpconv2", mlpconv(16, (32, 32, num_classes), 3, batch_norm=True, last_relu=False)),
        ("gap", global_average_pooling()),
    ]))


# ---------------------------------------------------------------- GoogLeNet (2014)
class Inception(nn.Module):
    """The inception module (그림 4-26): four branches whose maps are concatenated.

    Branches: 1×1 convolution (c1 kernels); 3×3 convolution (c3), after a 1×1 reduction
    to ``reduce3`` maps if given; 5×5 convolution (c5), after a reduction to ``reduce5``;
    3×3 max pooling (stride 1), followed by a 1×1 projection to ``pool_proj`` maps if given.
    Without the reductions and projection it is the naive module. Every convolution is
    followed by ReLU (and BN before it if ``batch_norm``).
    Input (N, in_channels, H, W), output (N, out_channels, H, W).
    """

    def __init__(self, in_channels, c1, c3, c5, reduce3=None, reduce5=None, pool_proj=None,
                 batch_norm=False):
        super().__init__()

        def unit(c_in, c_out, h):
            return conv_unit(c_in, c_out, h, batch_norm=batch_norm)

        def reduced(reduce, c_out, h):
            if reduce is None:
                return unit(in_channels, c_out, h)
            return nn.Sequential(unit(in_channels, reduce, 1), unit(reduce, c_out, h))

        self.b1 = unit(in_channels, c1, 1)
        self.b3 = reduced(reduce3, c3, 3)
        self.b5 = reduced(reduce5, c5, 5)
        pool = nn.MaxPool2d(3, stride=1, padding=1)
        self.bp = pool if pool_proj is None else nn.Sequential(
            pool, unit(in_channels, pool_proj, 1))
        self.out_channels = c1 + c3 + c5 + (pool_proj or in_channels)
        self.branches = (self.b1, self.b3, self.b5, self.bp)

    def forward(self, x):
        return torch.cat([branch(x) for branch in self.branches], dim=1)


# Table 1 of Szegedy et al. (2015): (#1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj).
GOOGLENET_INCEPTIONS = OrderedDict([
    ("3a", (64, 96, 128, 16, 32, 32)), ("3b", (128, 128, 192, 32, 96, 64)),
    ("4a", (192, 96, 208, 16, 48, 64)), ("4b", (160, 112, 224, 24, 64, 64)),
    ("4c", (128, 128, 256, 24, 64, 64)), ("4d", (112, 144, 288, 32, 64, 64)),
    ("4e", (256, 160, 320, 32, 128, 128)), ("5a", (256, 160, 320, 32, 128, 128)),
    ("5b", (384, 192, 384, 48, 128, 128)),
])


def inception(in_channels, c1, r3, c3, r5, c5, proj, batch_norm=False):
    """An inception module from one row of Table 1 (the table's column order)."""
    return Inception(in_channels, c1, c3, c5, reduce3=r3, reduce5=r5, pool_proj=proj,
                     batch_norm=batch_norm)


def googlenet(num_classes=1000, dropout=0.4):
    """GoogLeNet for (N, 3, 224, 224) images (Szegedy et al. 2015, Table 1), without the
    auxiliary classifiers that are used only in training. Pooling rounds up (ceil mode)
    as in the released Caffe model, so the maps are 112, 56, 28, 14 and 7 pixels wide.
    """
    layers = OrderedDict([
        ("conv1", conv_unit(3, 64, 7, stride=2)),
        ("pool1", nn.MaxPool2d(3, 2, ceil_mode=True)), ("norm1", LRN()),
        ("conv2", nn.Sequential(conv_unit(64, 64, 1), conv_unit(64, 192, 3))),
        ("norm2", LRN()), ("pool2", nn.MaxPool2d(3, 2, ceil_mode=True)),
    ])
    c = 192
    for name, row in GOOGLENET_INCEPTIONS.items():
        if name in ("4a", "5a"):
            layers[f"pool{int(name[0]) - 1}"] = nn.MaxPool2d(3, 2, ceil_mode=True)
        layers[f"inception{name}"] = inception(c, *row)
        c = layers[f"inception{name}"].out_channels
    layers["avgpool"] = global_average_pooling()
    layers["dropout"] = nn.Dropout(dropout)
    layers["fc"] = nn.Linear(c, num_classes)
    return nn.Sequential(layers)


def googlenet_small(num_classes=10):
    """GoogLeNet's ideas for 1×28×28: inception modules with 1×1 reductions (with BN, to
    train in seconds), global average pooling and a single FC layer.
    """
    first = inception(16, 16, 16, 32, 4, 8, 8, batch_norm=True)
    second = inception(first.out_channels, 16, 16, 32, 4, 8, 8, batch_norm=True)
    return nn.Sequential(OrderedDict([
        ("conv1", conv_unit(1, 16, 3, stride=2, batch_norm=True)), ("pool1", nn.MaxPool2d(2)),
        ("inception1", first), ("inception2", second),
        ("avgpool", global_average_pooling()), ("fc", nn.Linear(second.out_channels, num_classes)),
    ]))


# ---------------------------------------------------------------- ResNet (2015)
class ResidualBlock(nn.Module):
    """Residual block of 그림 4-28: y = τ(F(x) + x), F(x) = τ(x*w1)*w2.

    Each 3×3 convolution is followed by batch normalisation, as in He et al. (2016):
    F(x) = BN(conv(τ(BN(conv(x))))). When the block changes the shape (stride 2 or more
    kernels) the shortcut is "A" (subsample and pad with zero maps, no parameters) or
    "B" (1×1 convolution with stride and BN). x: (N, in_channels, H, W) ->
    (N, out_channels, H/stride, W/stride).
    """

    residual = True

    def __init__(self, in_channels, out_channels, stride=1, shortcut="B"):
        super().__init__()
        if shortcut not in ("A", "B"):
            raise ValueError(f"shortcut must be 'A' or 'B', got {shortcut!r}")
        self.F = self.branch(in_channels, out_channels, stride)
        self.shortcut = nn.Identity()
        if self.residual and (stride != 1 or in_channels != out_channels):
            self.shortcut = (ZeroPadShortcut(out_channels - in_channels, stride)
                             if shortcut == "A" else nn.Sequential(
                                 nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                                 nn.BatchNorm2d(out_channels)))
        self.branches = (self.F, self.shortcut)

    @staticmethod
    def branch(in_channels, out_channels, stride):
        """F: two 3×3 convolutions, each followed by BN, with τ between them."""
        return nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, stride, padding=1, bias=False),
            nn.BatchNorm2d(out_channels), nn.ReLU(),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels))

    def forward(self, x):
        s = self.F(x)
        if self.residual:
            s = s + self.shortcut(x)
        return F.relu(s)


class PlainBlock(ResidualBlock):
    """The same two layers without the shortcut: y = τ(F(x)), F(x) = τ(x*w1)*w2."""

    residual = False


class BottleneckBlock(ResidualBlock):
    """Bottleneck block of the deeper ResNets (He et al. 2016, Fig. 5): a 1×1 convolution
    reduces the maps to out_channels/4 (with the block's stride, as in the paper), a 3×3
    convolution works on them and a 1×1 convolution restores out_channels."""

    @staticmethod
    def branch(in_channels, out_channels, stride):
        width = out_channels // 4
        return nn.Sequential(
            nn.Conv2d(in_channels, width, 1, stride, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels))


class ZeroPadShortcut(nn.Module):
    """Shortcut "A": keep every stride-th pixel and append ``extra`` all-zero maps."""

    def __init__(self, extra, stride):
        super().__init__()
        self.extra, self.stride = extra, stride

    def forward(self, x):
        x = x[:, :, ::self.stride, ::self.stride]
        return F.pad(x, (0, 0, 0, 0, 0, self.extra))


def resnet(blocks=(3, 4, 6, 3), widths=(64, 128, 256, 512), residual=True, shortcut="B",
           in_channels=3, num_classes=1000, stem="imagenet", stem_stride=1, bottleneck=False):
    """A ResNet (or, with ``residual=False``, its plain twin) of 3×3 two-layer blocks, or
    with ``bottleneck=True`` of :class:`BottleneckBlock` (ResNet-50/101/152).

    Stage i has ``blocks[i]`` blocks with ``widths[i]`` output maps; every stage after the
    first halves the maps with stride 2. Then global average pooling and one FC layer.
    stem="imagenet": 7×7/2 convolution + BN + ReLU and 3×3/2 max pooling (224 -> 56);
    stem="small": one 3×3 convolution with ``stem_stride`` + BN + ReLU (for small digits).
    The stem has widths[0] kernels (widths[0]/4 with bottleneck blocks, as in the paper).
    """
    if len(blocks) != len(widths):
        raise ValueError(f"blocks {blocks} and widths {widths} must have the same length")
    if stem not in ("imagenet", "small"):
        raise ValueError(f"stem must be 'imagenet' or 'small', got {stem!r}")
    if bottleneck and not residual:
        raise ValueError("bottleneck blocks are residual; use residual=True")
    block = BottleneckBlock if bottleneck else ResidualBlock if residual else PlainBlock
    c = widths[0] // 4 if bottleneck else widths[0]
    h, stride = (7, 2) if stem == "imagenet" else (3, stem_stride)
    layers = OrderedDict(conv1=nn.Sequential(
        nn.Conv2d(in_channels, c, h, stride, padding=h // 2, bias=False),
        nn.BatchNorm2d(c), nn.ReLU()))
    if stem == "imagenet":
        layers["pool1"] = nn.MaxPool2d(3, 2, padding=1)
    for i, (n, width) in enumerate(zip(blocks, widths, strict=True)):
        stride = 1 if i == 0 else 2
        layers[f"conv{i + 2}_x"] = nn.Sequential(*[
            block(c if j == 0 else width, width, stride if j == 0 else 1, shortcut)
            for j in range(n)])
        c = width
    layers["avgpool"] = global_average_pooling()
    layers["fc"] = nn.Linear(c, num_classes)
    return nn.Sequential(layers)


def resnet34(num_classes=1000, shortcut="B"):
    """ResNet-34 of 그림 4-29 (He et al. 2016, Table 1): 3, 4, 6, 3 blocks of 64..512 kernels."""
    return resnet((3, 4, 6, 3), (64, 128, 256, 512), shortcut=shortcut, num_classes=num_classes)


def resnet152(num_classes=1000):
    """ResNet-152 (He et al. 2016, Table 1): 3, 8, 36, 3 bottleneck blocks, 256..2048 maps."""
    return resnet((3, 8, 36, 3), (256, 512, 1024, 2048), num_classes=num_classes, bottleneck=True)


def plain34(num_classes=1000):
    """The 34-layer plain network: ResNet-34 without its shortcuts."""
    return resnet((3, 4, 6, 3), (64, 128, 256, 512), residual=False, num_classes=num_classes)


def resnet_small(blocks=(1, 1), widths=(16, 32), residual=True, num_classes=10, stem_stride=2):
    """A small ResNet (or its plain twin) for 1×28×28 digits (stem_stride=2: 14×14 and 7×7
    maps) or for 7×7 digits (stem_stride=1); parameter-free shortcuts ("A").
    """
    return resnet(blocks, widths, residual=residual, shortcut="A", in_channels=1,
                  num_classes=num_classes, stem="small", stem_stride=stem_stride)


SMALL_NETS = OrderedDict([
    ("AlexNet", alexnet_small), ("VGG", vgg_small), ("NIN", nin_small),
    ("GoogLeNet", googlenet_small), ("ResNet", resnet_small),
])


# ---------------------------------------------------------------- training the small versions
@torch.no_grad()
def refresh_batchnorm(net, X, batch_size=1000):
    """Recompute every BatchNorm layer's running mean and variance over the images X.

    During training BN keeps moving averages of minibatch statistics; after a short run
    with a large learning rate they lag behind the weights. This sets them to the averages
    over X (N, C, H, W) for the final weights, so that eval mode matches the training data.
    """
    norms = [m for m in net.modules()
             if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d))]
    if not norms:
        return net
    device = next(net.parameters()).device
    X = torch.as_tensor(X, dtype=torch.float32)
    saved = [(m, m.momentum) for m in norms]
    was_training = net.training
    try:
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # a cumulative average over the batches below
        net.train()
        for i in range(0, len(X), batch_size):
            net(X[i:i + batch_size].to(device))
    finally:
        for m, momentum in saved:
            m.momentum = momentum
        net.train(was_training)
    return net


def train_small(build, data, epochs=2, lr=3e-3, batch_size=64, seed=0, device=None):
    """Build a network with ``build()`` after seeding, train it with Adam on the training
    images of ``data`` (an MNIST tuple, standardised with the training mean and standard
    deviation), refresh its BN statistics and test it.

    On the CPU the network and images use the channels_last memory format ((N, H, W, C)
    order, same values): CPU convolution and pooling kernels run faster on it (4.4.1
    measures the small VGG's training step about 1.5-3× faster than in (N, C, H, W) order).

    Returns (net, result): result holds ``params``, ``test_acc``, ``train_acc`` and
    ``seconds`` (training time, which depends on the machine).
    """
    device = torch.device(device or best_device())
    seed_everything(seed)
    net = build()
    mean, std = data.X_train.mean(), data.X_train.std()
    X = torch.as_tensor((data.X_train - mean) / std)
    X_test = (data.X_test - mean) / std
    if device.type == "cpu":  # CPU convolution and pooling are faster on (N, H, W, C) memory
        net = net.to(memory_format=torch.channels_last)
        X = X.contiguous(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    start = time.perf_counter()
    fit(net, X, data.y_train, epochs=epochs, batch_size=batch_size, optimizer=optimizer,
        device=device, seed=seed, progress=False)
    refresh_batchnorm(net, X)
    seconds = time.perf_counter() - start
    return net, {"params": count_parameters(net), "seconds": seconds,
                 "train_acc": evaluate(net, X, data.y_train),
                 "test_acc": evaluate(net, X_test, data.y_test)}
