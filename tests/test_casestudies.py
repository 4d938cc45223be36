"""CNN case studies (chapter 4.4): metrics, counts and shapes checked against the papers.

The networks are written in the chapters' ``#@save casestudies`` cells and collected into
dlbasics/casestudies.py; the counting and training tools (count_macs, depth, train_small) are in
dlbasics/casestudy_tools.py and tested in tests/test_casestudy_tools.py.

Published figures:
- AlexNet: "60 million parameters" (Krizhevsky et al. 2012, abstract), the two-GPU version.
- VGG-16: 138 million (Simonyan & Zisserman 2015, Table 2); 138,357,544 exactly in the
  released model; 15.3 billion multiply-adds (He et al. 2016, section 4.1).
- GoogLeNet: Table 1 of Szegedy et al. (2015), whose params column sums to about 6.8M and
  whose ops column sums to about 1.5 billion ("1.5 billion multiply-adds", section 5).
- ResNet-34: 3.6 billion multiply-adds (He et al. 2016, Table 1); 21,797,672 parameters with
  projection shortcuts (torchvision's documented num_params for resnet34).
- ResNet-152: 11.3 billion FLOPs, i.e. multiply-adds (He et al. 2016, Table 1); 60,192,808
  parameters (torchvision's documented num_params for resnet152).
- NIN for CIFAR-10: the authors' released model (conv 192-160-96, 192-192-192, 192-192-10).
"""

import numpy as np
import pytest
import torch
from torch import nn

from dlbasics import casestudies as cs
from dlbasics import count_parameters
from dlbasics.casestudy_tools import count_macs, depth
from dlbasics.summary import layer_rows

IMAGENET = (3, 224, 224)
SMALL_NETS = {"AlexNet": cs.alexnet_small, "VGG": cs.vgg_small, "NIN": cs.nin_small,
              "GoogLeNet": cs.googlenet_small, "ResNet": cs.resnet_small}


def on_meta(build):
    """Build a network on the meta device: shapes and counts without memory or compute."""
    with torch.device("meta"):
        return build()


def shapes(net, input_shape):
    return {name: shape for name, _, shape, _ in layer_rows(net, input_shape)}


# ---------------------------------------------------------------- top-k error
def test_topk_error_on_made_up_scores():
    scores = np.array([[0.1, 0.5, 0.2, 0.9, 0.3, 0.0, 0.4],    # label 3 ranked 1st
                       [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3],    # label 4 ranked 5th
                       [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]])   # label 6 ranked 7th
    labels = np.array([3, 4, 6])
    assert cs.topk_error(scores, labels, k=1) == pytest.approx(2 / 3)
    assert cs.topk_error(scores, labels, k=5) == pytest.approx(1 / 3)
    assert cs.topk_error(scores, labels, k=7) == 0.0


def test_topk_error_accepts_tensors_and_breaks_ties_by_class_index():
    scores = torch.zeros(2, 4)
    assert cs.topk_error(scores, torch.tensor([0, 1]), k=1) == 0.5
    assert cs.topk_error(scores, torch.tensor([1, 2]), k=2) == 0.5


def test_top1_error_is_the_argmax_error():
    rng = np.random.default_rng(0)
    scores, labels = rng.normal(size=(200, 10)), rng.integers(0, 10, 200)
    assert cs.topk_error(scores, labels, 1) == np.mean(scores.argmax(1) != labels)
    errors = [cs.topk_error(scores, labels, k) for k in range(1, 11)]
    assert errors == sorted(errors, reverse=True)


@pytest.mark.parametrize(("scores", "labels", "k", "message"), [
    (np.zeros(5), np.zeros(5, int), 1, r"scores는 \(N, c\)"),
    (np.zeros((5, 3)), np.zeros(4, int), 1, r"labels는 \(N,\) 모양.*\(5, 3\), \(4,\)"),
    (np.zeros((5, 3)), np.zeros(5, int), 4, "k는 1과 부류 수 3 사이"),
    (np.zeros((5, 3)), np.full(5, 3), 1, "0 이상 3 미만의 정수"),
    (np.zeros((5, 3)), np.zeros(5), 1, "0 이상 3 미만의 정수 부류 번호.*float64"),
])
def test_topk_error_rejects_bad_input(scores, labels, k, message):
    with pytest.raises(ValueError, match=message):
        cs.topk_error(scores, labels, k)


# ---------------------------------------------------------------- AlexNet
def test_alexnet_parameters_single_tower_and_grouped():
    single, grouped = on_meta(cs.alexnet), on_meta(lambda: cs.alexnet(grouped=True))
    assert count_parameters(single) == 62_378_344
    assert count_parameters(grouped) == 60_965_224  # the paper's "60 million"
    fc = sum(count_parameters(getattr(single, f"fc{i}")) for i in (6, 7, 8))
    assert fc == 58_631_144
    assert count_parameters(grouped) - fc == 2_334_080
    assert depth(single) == 8


def test_alexnet_layer_shapes_on_one_image():
    net = cs.alexnet(grouped=True)
    out = shapes(net, IMAGENET)
    assert out["conv1"] == (96, 55, 55)
    assert out["pool1"] == (96, 27, 27)
    assert out["pool2"] == (256, 13, 13)
    assert out["pool5"] == (256, 6, 6)
    assert out["fc8"] == (1000,)


def test_alexnets_grouped_conv2_is_two_gpus_each_seeing_its_own_48_maps():
    """The note's two GPUs: groups=2 computes two convolutions, 48 maps → 128 kernels each."""
    conv2 = cs.alexnet(grouped=True).conv2.double()
    assert conv2.weight.shape == (256, 48, 5, 5) and count_parameters(conv2) == 307_456
    assert count_parameters(cs.alexnet().conv2) == 614_656
    z = torch.randn(1, 96, 27, 27, dtype=torch.float64)
    maps, kernels = (slice(0, 48), slice(48, 96)), (slice(0, 128), slice(128, 256))
    with torch.no_grad():
        halves = [nn.functional.conv2d(z[:, m], conv2.weight[k], conv2.bias[k], padding=2)
                  for m, k in zip(maps, kernels, strict=True)]  # GPU 1, GPU 2
        torch.testing.assert_close(conv2(z), torch.cat(halves, dim=1))


def test_lrn_follows_the_papers_formula_and_torchs_module():
    a = torch.randn(2, 7, 3, 3, dtype=torch.float64) * 30
    b = cs.LRN()(a)
    i = 3  # the sum runs over channels i-2 .. i+2
    expected = a[:, i] / (2 + 1e-4 * (a[:, i - 2:i + 3] ** 2).sum(1)) ** 0.75
    torch.testing.assert_close(b[:, i], expected)
    torch.testing.assert_close(b, nn.LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0)(a))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        cs.local_response_norm(torch.zeros(3, 3))
    local = cs.LRN(n=3, k=1.0, alpha=1.0, beta=1.0)(torch.ones(1, 4, 1, 1)).flatten()
    torch.testing.assert_close(local, torch.tensor([1 / 3, 1 / 4, 1 / 4, 1 / 3]))  # edges: 2 maps


# ---------------------------------------------------------------- VGG-16
def test_vgg16_parameters_and_multiply_adds():
    net = on_meta(cs.vgg16)
    assert count_parameters(net) == 138_357_544
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    assert (len(convs), len(linears)) == (13, 3)
    assert all(m.kernel_size == (3, 3) for m in convs)
    assert sum(count_parameters(m) for m in linears) == 123_642_856
    assert count_macs(net, IMAGENET) == pytest.approx(15.3e9, rel=0.02)
    assert (depth(net), depth(net, count_pooling=True)) == (16, 21)


def test_vgg16_layer_shapes_on_one_image():
    rows = layer_rows(cs.vgg16(), IMAGENET, depth=2)
    out = {name: shape for name, _, shape, _ in rows}
    assert out["block1.2"] == (64, 224, 224)  # two 3×3 convolutions keep 224×224
    assert [out[f"block{b}.{n * 2}"] for b, (n, _) in enumerate(cs.VGG16_CONFIG, 1)] == [
        (64, 112, 112), (128, 56, 56), (256, 28, 28), (512, 14, 14), (512, 7, 7)]
    assert out["fc6.0"] == out["fc7.0"] == (4096,)


def test_vgg_rejects_an_input_size_that_the_pooling_cannot_halve():
    with pytest.raises(ValueError, match="2\\*\\*5 = 32의 배수"):
        cs.vgg(input_size=200)


# ---------------------------------------------------------------- NIN and 1x1 convolution
def test_one_by_one_convolution_is_a_linear_layer_at_every_pixel():
    conv = nn.Conv2d(8, 4, 1)
    x = torch.randn(2, 8, 5, 6)
    linear = nn.Linear(8, 4)
    linear.weight.data = conv.weight.data.view(4, 8)
    linear.bias.data = conv.bias.data
    per_pixel = linear(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
    torch.testing.assert_close(conv(x), per_pixel)
    U = conv.weight.detach()[:, :, 0, 0]
    torch.testing.assert_close(cs.conv1x1(x, U, conv.bias.detach()), conv(x).detach())
    ints = np.arange(2 * 8 * 3 * 4).reshape(2, 8, 3, 4) % 5  # NumPy arrays work too
    assert cs.conv1x1(ints, np.eye(8)[:4]).shape == (2, 4, 3, 4)
    assert (cs.conv1x1(ints, np.eye(8)[:4]) == ints[:, :4]).all()


def test_mlpconv_structure_and_last_relu():
    layer = cs.mlpconv(3, (6, 5, 4), 3)
    kernels = [m.kernel_size for m in layer.modules() if isinstance(m, nn.Conv2d)]
    assert kernels == [(3, 3), (1, 1), (1, 1)]
    assert isinstance(list(layer.modules())[-1], nn.ReLU)
    no_relu = cs.mlpconv(3, (6, 4), 3, last_relu=False)
    assert isinstance(list(no_relu.modules())[-1], nn.Conv2d)
    assert layer(torch.zeros(1, 3, 8, 8)).shape == (1, 4, 8, 8)


def test_nin_cifar10_parameters_and_shapes():
    net = cs.nin_cifar10()
    assert count_parameters(net) == 966_986
    out = shapes(net, (3, 32, 32))
    assert out["pool1"] == (96, 16, 16)
    assert out["pool2"] == (192, 8, 8)
    assert out["mlpconv3"] == (10, 8, 8)
    assert out["gap"] == (10,)
    assert not any(isinstance(m, nn.Linear) for m in net.modules())


# ---------------------------------------------------------------- GoogLeNet
def test_inception_3a_with_and_without_reduction():
    reduced = cs.inception(192, *cs.GOOGLENET_INCEPTIONS["3a"])
    naive = cs.Inception(192, 64, 128, 32)
    assert (reduced.out_channels, naive.out_channels) == (256, 416)
    assert count_parameters(reduced) == 163_696
    assert count_parameters(naive) == 387_296
    assert count_macs(reduced, (192, 28, 28)) == 163_328 * 28 * 28  # Table 1: 128M
    y = reduced(torch.zeros(1, 192, 28, 28))
    assert y.shape == (1, 256, 28, 28)


def test_googlenet_parameters_depth_and_multiply_adds():
    net = on_meta(cs.googlenet)
    assert count_parameters(net) == 6_998_552
    assert count_parameters(net) == pytest.approx(6.8e6, rel=0.05)
    assert count_parameters(net.fc) == 1_025_000
    assert sum(isinstance(m, nn.Linear) for m in net.modules()) == 1
    assert (depth(net), depth(net, count_pooling=True)) == (22, 27)
    assert count_macs(net, IMAGENET) == pytest.approx(1.5e9, rel=0.07)


def test_googlenet_multiply_adds_per_row_match_table1():
    """Table 1's ops column (millions) agrees with the layer sizes within 1.5% on every
    inception row but (5a), and on conv2; conv1 and (5a) are misprinted (34M and 54M)."""
    net = on_meta(cs.googlenet)
    rows = layer_rows(net, IMAGENET)
    inputs = dict(zip([row[0] for row in rows], [IMAGENET] + [row[2] for row in rows[:-1]],
                      strict=True))
    table1_ops = {"conv2": 360, "inception3a": 128, "inception3b": 304, "inception4a": 73,
                  "inception4b": 88, "inception4c": 100, "inception4d": 119,
                  "inception4e": 170, "inception5b": 71}
    for name, ops in table1_ops.items():
        macs = count_macs(getattr(net, name), inputs[name])
        assert macs / 1e6 == pytest.approx(ops, rel=0.015), name
    assert count_macs(net.conv1, IMAGENET) == 112 * 112 * 64 * 3 * 7 * 7  # ≈ 118M
    assert inputs["inception5a"] == (832, 7, 7)
    assert count_macs(net.inception5a, (832, 7, 7)) == 7 * 7 * 1_042_432  # ≈ 51.1M


def test_googlenet_stage_shapes_on_one_image():
    out = shapes(cs.googlenet(), IMAGENET)
    assert out["conv1"] == (64, 112, 112)
    assert out["pool2"] == (192, 28, 28)
    assert out["inception3b"] == (480, 28, 28)
    assert out["inception4e"] == (832, 14, 14)
    assert out["inception5b"] == (1024, 7, 7)
    assert out["fc"] == (1000,)


# ---------------------------------------------------------------- ResNet
def test_residual_block_is_the_identity_when_F_is_zero():
    block = cs.ResidualBlock(4, 4).eval()
    nn.init.zeros_(block.F[-1].weight)  # BN's γ = 0 (and β = 0): F(x) = 0
    x = torch.rand(2, 4, 5, 5)  # x ≥ 0, so τ(x) = x
    torch.testing.assert_close(block(x), x)
    plain = cs.PlainBlock(4, 4).eval()
    nn.init.zeros_(plain.F[-1].weight)
    assert torch.count_nonzero(plain(x)) == 0


def test_residual_block_shortcuts_when_the_shape_changes():
    x = torch.randn(2, 4, 6, 6)
    a, b = cs.ResidualBlock(4, 8, stride=2, shortcut="A"), cs.ResidualBlock(4, 8, stride=2)
    assert a(x).shape == b(x).shape == (2, 8, 3, 3)
    assert count_parameters(b) - count_parameters(a) == 4 * 8 + 2 * 8
    assert count_parameters(a) == count_parameters(cs.PlainBlock(4, 8, stride=2))
    shortcut = a.shortcut(x)
    torch.testing.assert_close(shortcut[:, :4], x[:, :, ::2, ::2])
    assert torch.count_nonzero(shortcut[:, 4:]) == 0
    with pytest.raises(ValueError, match="'A'나 'B'"):
        cs.ResidualBlock(4, 8, shortcut="C")


def test_resnet34_parameters_depth_and_multiply_adds():
    net = on_meta(cs.resnet34)
    assert count_parameters(net) == 21_797_672
    assert count_parameters(on_meta(lambda: cs.resnet34(shortcut="A"))) == 21_623_848
    assert count_parameters(on_meta(cs.plain34)) == 21_623_848
    assert depth(net) == 34
    assert count_macs(net, IMAGENET) == pytest.approx(3.6e9, rel=0.03)
    assert [len(getattr(net, f"conv{i}_x")) for i in range(2, 6)] == [3, 4, 6, 3]


def test_cifar_resnets_of_the_paper_up_to_1202_layers():
    """He et al. (2016), section 4.2 and Table 6: 6n+2 layers; 0.27M, 0.85M, 1.7M, 19.4M."""
    for n, published in {3: 0.27e6, 9: 0.85e6, 18: 1.7e6, 200: 19.4e6}.items():
        net = on_meta(lambda n=n: cs.resnet(blocks=(n, n, n), widths=(16, 32, 64), shortcut="A",
                                            in_channels=3, num_classes=10, stem="small"))
        assert depth(net) == 6 * n + 2
        assert count_parameters(net) == pytest.approx(published, rel=0.02)


def test_resnet34_stage_shapes_on_one_image():
    out = shapes(cs.resnet34(), IMAGENET)
    assert out["conv1"] == (64, 112, 112)
    assert [out[f"conv{i}_x"] for i in range(2, 6)] == [
        (64, 56, 56), (128, 28, 28), (256, 14, 14), (512, 7, 7)]
    assert out["avgpool"] == (512,)
    assert out["fc"] == (1000,)


def test_resnet152_of_bottleneck_blocks():
    net = on_meta(cs.resnet152)
    assert count_parameters(net) == 60_192_808
    assert depth(net) == 152                  # 1 + 3·(3 + 8 + 36 + 3) + 1
    assert count_macs(net, IMAGENET) == pytest.approx(11.3e9, rel=0.01)
    assert [len(getattr(net, f"conv{i}_x")) for i in range(2, 6)] == [3, 8, 36, 3]


def test_bottleneck_block_costs_about_a_64_map_basic_block():
    """He et al. (2016), Fig. 5: a 64-d two-layer block beside a 256-d bottleneck block of
    similar time complexity (here on the 56×56 maps of conv2_x)."""
    basic, bottleneck = cs.ResidualBlock(64, 64), cs.BottleneckBlock(256, 256)
    assert (count_parameters(basic), count_parameters(bottleneck)) == (73_984, 70_400)
    assert count_macs(basic, (64, 56, 56)) == 2 * 64 * 64 * 9 * 56 * 56          # 231.2M
    assert count_macs(bottleneck, (256, 56, 56)) == (2 * 256 * 64 + 64 * 64 * 9) * 56 * 56
    assert count_parameters(cs.ResidualBlock(256, 256)) == 1_180_672  # 16.8× the bottleneck


def test_bottleneck_block_reduces_then_restores_the_maps():
    block = cs.BottleneckBlock(256, 512, stride=2)
    convs = [m for m in block.F if isinstance(m, nn.Conv2d)]
    assert [(m.in_channels, m.out_channels, m.kernel_size) for m in convs] == [
        (256, 128, (1, 1)), (128, 128, (3, 3)), (128, 512, (1, 1))]
    assert block(torch.randn(2, 256, 8, 8)).shape == (2, 512, 4, 4)
    assert depth(block) == 3


def test_resnet_rejects_bad_arguments():
    with pytest.raises(ValueError, match="길이가 같아야"):
        cs.resnet(blocks=(1, 1), widths=(8,))
    with pytest.raises(ValueError, match="'imagenet'이나 'small'"):
        cs.resnet(stem="tiny")


# ---------------------------------------------------------------- small versions
@pytest.mark.parametrize("name", list(SMALL_NETS))
def test_small_versions_take_mnist_digits(name):
    net = SMALL_NETS[name]()
    assert net(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


def test_small_alexnet_and_vgg_keep_their_layers_without_batch_norm():
    alexnet = cs.alexnet_small()
    assert [name for name, _ in alexnet.named_children()][:8] == [
        "conv1", "relu1", "norm1", "pool1", "conv2", "relu2", "norm2", "pool2"]
    assert isinstance(alexnet.norm1, cs.LRN)
    assert count_parameters(alexnet) == 72_010
    assert count_parameters(cs.vgg_small()) == 55_042


@pytest.mark.parametrize(("build", "params"), [
    (cs.alexnet_small_bn, 72_058), (lambda: cs.vgg_small(block=cs.vgg_block_bn), 55_090)])
def test_small_alexnet_and_vgg_with_batch_norm_normalise_like_the_other_three(build, params):
    """4.4.3: BN after every convolution (in place of LRN), convolutions without bias."""
    net = build()
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    norms = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(convs) == len(norms) and all(m.bias is None for m in convs)
    assert not any(isinstance(m, cs.LRN) for m in net.modules())
    assert count_parameters(net) == params
    kinds = [type(m).__name__ for m in net.modules() if not isinstance(m, nn.Sequential)]
    first_conv = kinds.index("Conv2d")
    assert kinds[first_conv:first_conv + 3] == ["Conv2d", "BatchNorm2d", "ReLU"]
    assert net(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    for other in (cs.nin_small(), cs.googlenet_small(), cs.resnet_small()):
        assert (sum(isinstance(m, nn.Conv2d) for m in other.modules())
                == sum(isinstance(m, nn.BatchNorm2d) for m in other.modules()))


def test_resnet_small_on_seven_by_seven_digits():
    plain = cs.resnet_small(blocks=(2, 2), widths=(8, 16), residual=False, stem_stride=1)
    residual = cs.resnet_small(blocks=(2, 2), widths=(8, 16), stem_stride=1)
    assert count_parameters(plain) == count_parameters(residual)
    assert depth(plain) == depth(residual) == 10
    assert residual(torch.zeros(2, 1, 7, 7)).shape == (2, 10)
