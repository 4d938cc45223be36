import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dlbasics import numpy_nn
from dlbasics.gradcheck import numerical_gradient, rel_error
from dlbasics.summary import count_parameters

TOL = 1e-10


def random_conv_config(seed):
    """A random convolution: shapes, kernel (odd or even, square or not), stride 1-3,
    padding 0-2, zero or replicate padding, with or without bias."""
    rng = np.random.default_rng(seed)
    kh, kw = rng.integers(1, 6, size=2)
    stride = tuple(rng.integers(1, 4, size=2))
    padding = tuple(rng.integers(0, 3, size=2))
    H = rng.integers(max(kh - 2 * padding[0], 1), 11)
    W = rng.integers(max(kw - 2 * padding[1], 1), 11)
    return dict(N=int(rng.integers(1, 4)), C=int(rng.integers(1, 4)), O=int(rng.integers(1, 5)),
                H=int(H), W=int(W), kernel=(int(kh), int(kw)),
                stride=tuple(map(int, stride)), padding=tuple(map(int, padding)),
                mode=("zeros", "replicate")[seed % 2], bias=bool(rng.integers(0, 4)))


def torch_conv(cfg):
    torch.manual_seed(0)
    return nn.Conv2d(cfg["C"], cfg["O"], cfg["kernel"], stride=cfg["stride"],
                     padding=cfg["padding"], padding_mode=cfg["mode"], bias=cfg["bias"]).double()


def numpy_conv(cfg):
    return numpy_nn.Conv2d(cfg["C"], cfg["O"], cfg["kernel"], stride=cfg["stride"],
                           padding=cfg["padding"], padding_mode=cfg["mode"], bias=cfg["bias"])


def forward_backward_torch(module, x, dout):
    xt = torch.tensor(x, requires_grad=True)
    out = module(xt)
    out.backward(torch.tensor(dout))
    grads = {name: p.grad.numpy() for name, p in module.named_parameters()}
    return out.detach().numpy(), xt.grad.numpy(), grads


def assert_close(ours, theirs, what):
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs torch {theirs.shape}"
    err = np.max(np.abs(ours - theirs), initial=0) / max(1.0, np.max(np.abs(theirs), initial=0))
    assert err < TOL, f"{what}: error {err:.2e} against torch"


def assert_matches_torch(layer, t_layer, x, rng, what):
    """layer's output, ∂J/∂x and parameter gradients equal t_layer's for a random dout."""
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    t_out, t_dx, t_grads = forward_backward_torch(t_layer, x, dout)
    assert_close(out, t_out, f"forward {what}")
    assert_close(layer.backward(dout), t_dx, f"dx {what}")
    assert set(layer.grads) == set(t_grads)
    for name, grad in layer.grads.items():
        assert grad.dtype == x.dtype, f"d{name} {what}: dtype {grad.dtype}"
        assert_close(grad, t_grads[name], f"d{name} {what}")


CONV_SEEDS = range(60)


@pytest.mark.parametrize("seed", CONV_SEEDS)
def test_conv2d_matches_torch_forward_and_backward(seed):
    cfg = random_conv_config(seed)
    tconv = torch_conv(cfg)
    conv = numpy_conv(cfg).load_torch(tconv)
    rng = np.random.default_rng(seed + 1000)
    x = rng.standard_normal((cfg["N"], cfg["C"], cfg["H"], cfg["W"]))
    assert_matches_torch(conv, tconv, x, rng, cfg)


def test_the_random_configurations_cover_strides_paddings_and_modes():
    cfgs = [random_conv_config(seed) for seed in CONV_SEEDS]
    assert len(cfgs) >= 50
    modes = ("zeros", "replicate")
    # every stride 1-3 and every padding 0-2 with each padding mode, on both axes
    for axis in (0, 1):
        assert {(c["mode"], c["stride"][axis]) for c in cfgs} == {
            (m, s) for m in modes for s in (1, 2, 3)}
        assert {(c["mode"], c["padding"][axis]) for c in cfgs} == {
            (m, p) for m in modes for p in (0, 1, 2)}
    assert {c["bias"] for c in cfgs} == {True, False}
    assert {c["kernel"][0] % 2 for c in cfgs} == {0, 1}         # odd and even kernels
    assert any(c["kernel"] == (5, 5) for c in cfgs)            # LeNet-5's kernel
    assert any(c["kernel"][0] != c["kernel"][1] for c in cfgs)  # non-square kernels


def random_pool_config(seed):
    """A random pooling: kind, kernel 1-5 (square or not), stride 1-3 or None (= kernel),
    padding 0-2 (at most half the kernel, torch's rule) and a shape that fits."""
    rng = np.random.default_rng(10_000 + seed)
    kernel = tuple(int(k) for k in rng.integers(1, 6, size=2))
    stride = None if seed % 5 == 0 else tuple(int(s) for s in rng.integers(1, 4, size=2))
    padding = tuple(int(rng.integers(0, min(k // 2, 2) + 1)) for k in kernel)
    H, W = (int(rng.integers(max(k - 2 * p, 1), 11)) for k, p in zip(kernel, padding, strict=True))
    return dict(kind=("Max", "Avg")[seed % 2], kernel=kernel, stride=stride, padding=padding,
                shape=(int(rng.integers(1, 4)), int(rng.integers(1, 4)), H, W))


POOL_SEEDS = range(60)


@pytest.mark.parametrize("seed", POOL_SEEDS)
def test_pooling_matches_torch_forward_and_backward(seed):
    cfg = random_pool_config(seed)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(cfg["shape"])  # no ties: the maximum of each window is unique
    args = (cfg["kernel"], cfg["stride"], cfg["padding"])
    ours, theirs = (getattr(lib, f"{cfg['kind']}Pool2d")(*args) for lib in (numpy_nn, nn))
    assert_matches_torch(ours, theirs, x, rng, cfg)


def test_the_random_pooling_configurations_cover_strides_and_paddings():
    cfgs = [random_pool_config(seed) for seed in POOL_SEEDS]
    for kind in ("Max", "Avg"):
        some = [c for c in cfgs if c["kind"] == kind]
        assert {s for c in some if c["stride"] for s in c["stride"]} == {1, 2, 3}
        assert {p for c in some for p in c["padding"]} == {0, 1, 2}
        assert any(c["stride"] is None for c in some)
        assert any(c["kernel"][0] != c["kernel"][1] for c in some)


def test_max_pooling_sends_a_tied_gradient_to_the_first_maximum_like_torch():
    x = np.zeros((1, 1, 4, 4))  # every window ties, as after a ReLU
    x[0, 0, 3, 3] = 1.0
    pool = numpy_nn.MaxPool2d(2)
    dout = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)
    pool.forward(x)
    _, t_dx, _ = forward_backward_torch(nn.MaxPool2d(2), x, dout)
    np.testing.assert_array_equal(pool.backward(dout), t_dx)


def test_pooling_has_no_learnable_parameters():
    assert count_parameters(numpy_nn.MaxPool2d(2)) == 0
    assert count_parameters(numpy_nn.AvgPool2d(3, 1, 1)) == 0


def random_linear_config(seed):
    """A random fully connected layer: batch N 1-8, in_features 1-64, out_features 1-32,
    with or without bias."""
    rng = np.random.default_rng(20_000 + seed)
    return dict(N=int(rng.integers(1, 9)), D=int(rng.integers(1, 65)),
                O=int(rng.integers(1, 33)), bias=seed % 4 != 0)


LINEAR_SEEDS = range(24)


@pytest.mark.parametrize("seed", LINEAR_SEEDS)
def test_linear_matches_torch_forward_and_backward(seed):
    cfg = random_linear_config(seed)
    torch.manual_seed(seed)
    t_fc = nn.Linear(cfg["D"], cfg["O"], bias=cfg["bias"]).double()
    fc = numpy_nn.Linear(cfg["D"], cfg["O"], bias=cfg["bias"]).load_torch(t_fc)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((cfg["N"], cfg["D"]))
    assert_matches_torch(fc, t_fc, x, rng, cfg)


def test_the_random_linear_configurations_vary():
    cfgs = [random_linear_config(seed) for seed in LINEAR_SEEDS]
    assert len(cfgs) >= 20 and {c["bias"] for c in cfgs} == {True, False}
    assert len({(c["N"], c["D"], c["O"]) for c in cfgs}) == len(cfgs)
    assert min(c["N"] for c in cfgs) == 1 and max(c["D"] for c in cfgs) > 32


def random_shape(rng):
    """(N, d1, ..., dk) with k = 1-3 and every size 1-6."""
    return tuple(int(d) for d in rng.integers(1, 7, size=int(rng.integers(2, 5))))


@pytest.mark.parametrize("seed", range(12))
def test_relu_and_flatten_match_torch_forward_and_backward(seed):
    rng = np.random.default_rng(30_000 + seed)
    x = rng.standard_normal(random_shape(rng))
    x[rng.random(x.shape) < 0.2] = 0.0  # at s = 0 both use τ'(0) = 0
    for ours, theirs in [(numpy_nn.ReLU(), nn.ReLU()), (numpy_nn.Flatten(), nn.Flatten())]:
        assert_matches_torch(ours, theirs, x, rng, f"{ours!r}, x of shape {x.shape}")


def check_layer_by_finite_differences(layer, x, tol=1e-7):
    """Every gradient of J = Σ out·g (g fixed, random) against centred differences."""
    g = np.random.default_rng(1).standard_normal(layer.forward(x).shape)

    def J():
        return float(np.sum(layer.forward(x) * g))

    J()
    dx = layer.backward(g)
    grads = {name: grad.copy() for name, grad in layer.named_grads()}
    assert rel_error(dx, numerical_gradient(J, x)) < tol
    for name, p in layer.named_parameters():
        assert rel_error(grads[name], numerical_gradient(J, p)) < tol, name


@pytest.mark.parametrize(("stride", "padding", "mode"),
                         [(1, 1, "zeros"), (2, 2, "replicate"), (3, 1, "replicate")])
def test_conv2d_gradients_by_finite_differences(stride, padding, mode):
    rng = np.random.default_rng(stride)
    conv = numpy_nn.Conv2d(2, 3, 3, stride=stride, padding=padding, padding_mode=mode,
                           rng=rng, dtype=np.float64)
    check_layer_by_finite_differences(conv, rng.standard_normal((2, 2, 6, 5)))


@pytest.mark.parametrize("layer", [numpy_nn.MaxPool2d(2), numpy_nn.MaxPool2d(3, 2, 1),
                                   numpy_nn.AvgPool2d(3, 1, 1)], ids=repr)
def test_pooling_gradients_by_finite_differences(layer):
    # distinct values at least 0.01 apart, so a step of 1e-6 never changes which one is the max
    x = np.random.default_rng(3).permutation(2 * 2 * 6 * 6).reshape(2, 2, 6, 6) / 100.0
    check_layer_by_finite_differences(layer, x)


def test_linear_relu_flatten_and_sequential_by_finite_differences():
    rng = np.random.default_rng(4)
    net = numpy_nn.Sequential(
        numpy_nn.Conv2d(1, 2, 3, padding=1, rng=rng, dtype=np.float64), numpy_nn.ReLU(),
        numpy_nn.MaxPool2d(2), numpy_nn.Flatten(),
        numpy_nn.Linear(8, 3, rng=rng, dtype=np.float64))
    check_layer_by_finite_differences(net, rng.standard_normal((2, 1, 4, 4)))


def test_cross_entropy_matches_torch_and_finite_differences():
    rng = np.random.default_rng(5)
    s, y = rng.standard_normal((4, 3)), np.array([0, 2, 1, 2])
    loss = numpy_nn.CrossEntropyLoss()
    st = torch.tensor(s, requires_grad=True)
    t_loss = F.cross_entropy(st, torch.tensor(y))
    t_loss.backward()
    assert abs(loss(s, y) - t_loss.item()) < TOL
    assert_close(loss.backward(), st.grad.numpy(), "dJ/ds")
    assert rel_error(loss.backward(), numerical_gradient(lambda: loss.forward(s, y), s)) < 1e-7


def test_float32_stays_float32_and_float64_input_computes_in_float64():
    conv = numpy_nn.Conv2d(1, 2, 3)  # float32 weights, like torch
    x32 = np.ones((1, 1, 5, 5), np.float32)
    out = conv.forward(x32)
    assert out.dtype == np.float32
    assert conv.backward(np.ones_like(out)).dtype == np.float32
    assert conv.grads["weight"].dtype == np.float32
    assert conv.forward(x32.astype(np.float64)).dtype == np.float64
    lin = numpy_nn.Linear(3, 2)
    assert lin.forward(np.ones((2, 3), np.float32)).dtype == np.float32


@pytest.mark.parametrize(("make", "x", "message"), [
    (lambda: numpy_nn.Conv2d(3, 4, 3), np.zeros((2, 1, 8, 8)), r"3 input channels.*\(N, 3, H, W\)"),
    (lambda: numpy_nn.Conv2d(1, 4, 5), np.zeros((2, 1, 3, 3)), r"5×5 is larger than the padded"),
    (lambda: numpy_nn.Conv2d(1, 4, 5, padding=1), np.zeros((2, 1, 2, 9)), r"H ≥ 3"),
    (lambda: numpy_nn.Conv2d(1, 4, 3), np.zeros((8, 8)), r"4-D input \(N, 1, H, W\)"),
    (lambda: numpy_nn.MaxPool2d(3), np.zeros((1, 1, 2, 2)), r"MaxPool2d: kernel 3×3"),
    (lambda: numpy_nn.AvgPool2d(2), np.zeros((4, 4)), r"4-D input \(N, C, H, W\)"),
    (lambda: numpy_nn.Linear(4, 2), np.zeros((3, 5)), r"\(N, 4\)"),
])
def test_bad_input_names_the_expected_shape(make, x, message):
    with pytest.raises(ValueError, match=message):
        make().forward(x)


def test_the_functional_convolution_checks_weight_and_bias_shapes():
    x = np.ones((1, 2, 5, 5))
    with pytest.raises(ValueError,
                       match=r"weight of shape \(out_channels, in_channels/groups, kh, kw\)"):
        numpy_nn.conv2d(x, np.ones((2, 3, 3)))
    with pytest.raises(ValueError, match=r"bias of shape \(4,\)"):
        numpy_nn.conv2d(x, np.ones((4, 2, 3, 3)), np.array([2.0]))  # would broadcast silently
    with pytest.raises(ValueError, match=r"2 input channels"):
        numpy_nn.conv2d(x[:, :1], np.ones((4, 2, 3, 3)))


@pytest.mark.parametrize(("layer", "x"), [
    (numpy_nn.Conv2d(1, 2, 3), np.zeros((1, 1, 4, 4))),
    (numpy_nn.MaxPool2d(2), np.zeros((1, 1, 4, 4))),
    (numpy_nn.AvgPool2d(2, 1), np.zeros((1, 1, 4, 4))),
    (numpy_nn.Linear(3, 2), np.zeros((2, 3))),
    (numpy_nn.ReLU(), np.zeros((2, 3))),
    (numpy_nn.Flatten(), np.zeros((2, 3, 2))),
], ids=repr)
def test_backward_names_the_expected_dout_shape(layer, x):
    shape = layer.forward(x).shape
    with pytest.raises(ValueError, match=rf"{type(layer).__name__}.backward expects dout of shape "
                                         rf"{re.escape(str(shape))}"):
        layer.backward(np.zeros((shape[0] + 1, *shape[1:])))


@pytest.mark.parametrize("make", [lambda: numpy_nn.Conv2d(0, 2, 3),
                                  lambda: numpy_nn.Conv2d(1, 2.0, 3),
                                  lambda: numpy_nn.Linear(3, 0)])
def test_channel_and_feature_counts_must_be_positive_ints(make):
    with pytest.raises(ValueError, match="must be a positive int"):
        make()


def test_bad_arguments_and_misuse_raise_clear_errors():
    with pytest.raises(ValueError, match="padding_mode"):
        numpy_nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="at most half"):
        numpy_nn.MaxPool2d(2, padding=2)
    with pytest.raises(TypeError, match="float"):
        numpy_nn.Conv2d(1, 1, 1).forward(np.zeros((1, 1, 2, 2), dtype=int))
    with pytest.raises(RuntimeError, match="forward before backward"):
        numpy_nn.ReLU().backward(np.ones(3))
    conv = numpy_nn.Conv2d(1, 2, 3)
    conv.forward(np.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"dout of shape \(1, 2, 2, 2\)"):
        conv.backward(np.zeros((1, 2, 3, 3)))


def test_weights_copy_to_and_from_torch_by_name():
    tnet = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3)).double()
    net = numpy_nn.Sequential(numpy_nn.Conv2d(1, 2, 3), numpy_nn.ReLU(), numpy_nn.Flatten(),
                              numpy_nn.Linear(8, 3))
    net.load_torch(tnet)
    assert [n for n, _ in net.named_parameters()] == [n for n, _ in tnet.named_parameters()]
    assert net[0].params["weight"].dtype == np.float64  # the source's dtype is kept
    fresh = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3)).double()
    net.to_torch(fresh)
    for (_, a), (_, b) in zip(tnet.named_parameters(), fresh.named_parameters(), strict=True):
        assert torch.equal(a, b)
    with pytest.raises(KeyError, match="names differ"):
        net.load_torch(nn.Sequential(nn.Linear(8, 3)))
    with pytest.raises(ValueError, match=r"0.weight: expected shape \(2, 1, 3, 3\)"):
        net.load_state_dict({**net.state_dict(), "0.weight": np.zeros((2, 1, 5, 5))})


def test_default_initialisation_follows_torch_bounds():
    conv = numpy_nn.Conv2d(4, 8, 3, rng=np.random.default_rng(0))
    bound = 1 / np.sqrt(4 * 9)
    assert conv.params["weight"].shape == (8, 4, 3, 3)
    assert np.abs(conv.params["weight"]).max() <= bound
    assert np.abs(conv.params["weight"]).max() > 0.9 * bound
    assert count_parameters(conv) == 8 * 4 * 9 + 8


@pytest.mark.parametrize("padding", [(1, 2), ((0, 2), (3, 1))])
def test_pad_and_unpad_are_adjoint_for_every_mode(padding):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, 4))
    g = rng.standard_normal(numpy_nn.pad2d(x, padding).shape)
    for mode in numpy_nn.PADDING_MODES:
        lhs = np.sum(numpy_nn.pad2d(x, padding, mode) * g)
        rhs = np.sum(x * numpy_nn.unpad2d(g, padding, mode))
        assert abs(lhs - rhs) < 1e-12, mode


def test_replicate_padding_copies_the_edge_values():
    z = np.array([[1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(numpy_nn.pad2d(z, (0, 1), "replicate"), [[1, 1, 2, 3, 3]])
    np.testing.assert_array_equal(numpy_nn.pad2d(z, (0, 1)), [[0, 1, 2, 3, 0]])


def test_reflect_and_circular_padding_mirror_and_wrap_like_torch():
    z = np.array([[[1.0, 2.0, 3.0]]])
    np.testing.assert_array_equal(numpy_nn.pad2d(z, (0, 2), "reflect"), [[[3, 2, 1, 2, 3, 2, 1]]])
    np.testing.assert_array_equal(numpy_nn.pad2d(z, (0, 2), "circular"), [[[2, 3, 1, 2, 3, 1, 2]]])
    for mode in ("reflect", "circular"):
        theirs = F.pad(torch.from_numpy(z), (2, 2), mode=mode).numpy()
        np.testing.assert_array_equal(numpy_nn.pad2d(z, (0, 2), mode), theirs)


def test_sgd_step_moves_against_the_gradient():
    lin = numpy_nn.Linear(2, 1, dtype=np.float64)
    before = lin.params["weight"].copy()
    lin.forward(np.ones((1, 2)))
    lin.backward(np.ones((1, 1)))
    numpy_nn.SGD(lin, lr=0.5).step()
    np.testing.assert_allclose(lin.params["weight"], before - 0.5)
    with pytest.raises(ValueError, match="positive"):
        numpy_nn.SGD(lin, lr=0)


def test_fit_lowers_the_loss_and_evaluate_counts_correct_answers():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((200, 1, 4, 4)).astype(np.float32)
    y = (X[:, 0, :, :2].sum(axis=(1, 2)) > X[:, 0, :, 2:].sum(axis=(1, 2))).astype(np.int64)
    net = numpy_nn.Sequential(numpy_nn.Conv2d(1, 4, 3, padding=1, rng=rng), numpy_nn.ReLU(),
                              numpy_nn.Flatten(), numpy_nn.Linear(64, 2, rng=rng))
    history = numpy_nn.fit(net, X, y, epochs=5, lr=0.1, batch_size=20, progress=False)
    assert history["loss"][-1] < history["loss"][0]
    assert history["train_acc"][-1] == numpy_nn.evaluate(net, X, y) > 0.8
    assert len(history["seconds"]) == 5 and history["val_acc"] == []


def test_im2col_columns_are_the_receptive_fields():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 3, 7, 6))                     # (N, C, H, W)
    stride, padding = (2, 1), (1, 0)
    geometry = numpy_nn.conv_geometry(x.shape, (3, 2), stride, padding)
    x_pad = numpy_nn.pad2d(x, padding, sample_last=True)      # (C, Hp, Wp, N)
    cols = numpy_nn.im2col(x_pad, geometry).reshape(3, 2, 3, *geometry.out_size, 2)
    assert x_pad.shape == (3, 9, 6, 2) and geometry.out_size == (4, 5)
    for y, x_, c, j, i, n in np.ndindex(cols.shape):
        assert cols[y, x_, c, j, i, n] == x_pad[c, 2 * j + y, i + x_, n]


def test_col2im_is_the_adjoint_of_im2col():
    rng = np.random.default_rng(9)
    geometry = numpy_nn.conv_geometry((2, 3, 7, 6), (3, 3), (1, 2), (1, 1))
    x_pad = rng.standard_normal((3, *geometry.padded_size, 2))
    cols = numpy_nn.im2col(x_pad, geometry)
    g = rng.standard_normal(cols.shape)
    # <im2col(x), g> = <x, col2im(g)>: col2im adds every copied entry back
    np.testing.assert_allclose(np.sum(cols * g), np.sum(x_pad * numpy_nn.col2im(g, 3, geometry)),
                               rtol=1e-12)


def test_a_first_layer_can_skip_the_input_gradient():
    conv = numpy_nn.Conv2d(1, 2, 3, rng=np.random.default_rng(9), dtype=np.float64)
    x = np.random.default_rng(10).standard_normal((2, 1, 5, 5))
    conv.forward(x)
    assert conv.backward(np.ones((2, 2, 3, 3))) is not None
    weight_grad = conv.grads["weight"].copy()
    conv.input_grad = False
    assert conv.backward(np.ones((2, 2, 3, 3))) is None
    np.testing.assert_array_equal(conv.grads["weight"], weight_grad)


def test_wide_products_in_column_blocks_match_torch():
    # Ho·Wo·N = 30·30·6 > numpy_nn.BLOCK columns and a small weight: the blocked products run
    cfg = dict(N=6, C=1, O=3, H=30, W=30, kernel=(5, 5), stride=(1, 1), padding=(2, 2),
               mode="zeros", bias=True)
    assert cfg["N"] * cfg["H"] * cfg["W"] > numpy_nn.BLOCK
    tconv = torch_conv(cfg)
    conv = numpy_conv(cfg).load_torch(tconv)
    rng = np.random.default_rng(11)
    assert_matches_torch(conv, tconv, rng.standard_normal((6, 1, 30, 30)), rng, cfg)
