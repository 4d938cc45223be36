"""dlbasics.conv: the code chapter 4.3.1 teaches (collected from its `#@save conv` cells).

The loop convolution and pooling with their backward passes, and the readable im2col layers
(Conv2d, MaxPool2d in plain (N, C, H, W)), checked against the note's numbers, finite
differences, torch (float64) and the fast layers of dlbasics.numpy_nn.
"""

import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlbasics import conv_explorer, numpy_nn
from dlbasics.conv import (
    NOTE_KERNELS,
    Conv2d,
    MaxPool2d,
    col2im,
    conv1d_loops,
    conv2d_loops,
    conv2d_loops_backward,
    im2col,
    pad,
    pool2d_loops,
    pool2d_loops_backward,
    unpad,
)
from dlbasics.gradcheck import numerical_gradient, rel_error

NOTE_Z2 = np.array([[2, 2, 9]] * 3)        # 그림 4-6: the 2-D example's receptive field
VERTICAL_EDGE = np.array([[-1, 0, 1]] * 3)


def test_the_notes_worked_numbers():
    assert conv1d_loops([1, 20, 2], [0.3, 0.4, 0.3]) == pytest.approx([8.9])
    np.testing.assert_allclose(conv2d_loops(NOTE_Z2, VERTICAL_EDGE), [[21]])
    assert conv1d_loops([1, 20, 2], [0.3, 0.4, 0.3], b=0.2) == pytest.approx([9.1])  # 그림 4-8
    np.testing.assert_allclose(conv2d_loops(NOTE_Z2, VERTICAL_EDGE, b=2), [[23]])


def test_note_kernels_are_one_list_for_the_chapter_the_explorer_and_features():
    assert conv_explorer.NOTE_KERNELS is NOTE_KERNELS
    assert list(NOTE_KERNELS)[2:] == ["수직 에지", "수평 에지", "대각선 에지 1", "대각선 에지 2"]
    np.testing.assert_array_equal(NOTE_KERNELS["수직 에지"], VERTICAL_EDGE)


def test_import_loads_neither_torch_nor_matplotlib():
    code = ("import sys, dlbasics.conv; "
            "print(sorted(m for m in ('torch', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"import dlbasics.conv loads {out.stdout.strip()}"


def test_padding_keeps_the_length_and_stride_downsamples():
    z = np.arange(8.0)
    assert len(conv1d_loops(z, [1, 1, 1])) == 6                # h − 1 = 2 nodes fewer
    assert len(conv1d_loops(z, [1, 1, 1], padding=1)) == 8     # 그림 4-7: same size
    assert len(conv1d_loops(z, [1, 1, 1], padding=1, stride=2)) == 4
    np.testing.assert_allclose(conv1d_loops([1, 2, 3], [1, 1, 1], padding=1,
                                            padding_mode="replicate"), [4, 6, 8])
    np.testing.assert_allclose(conv1d_loops([1, 2, 3], [1, 1, 1], padding=1), [3, 6, 5])


def test_pad_and_unpad_in_both_modes():
    z = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(pad(z, (0, 1))[0], [0, 0, 1, 2, 0])
    np.testing.assert_array_equal(pad(z, 1, "replicate")[:, 0], [0, 0, 3, 3])
    assert pad(z, 1, value=-np.inf)[0, 0] == -np.inf and pad(np.ones((2, 3, 4, 5)), 2).shape == (
        2, 3, 8, 9)
    np.testing.assert_array_equal(unpad(np.ones((1, 6)), (0, 1), "replicate"), [[2, 1, 1, 2]])
    np.testing.assert_array_equal(unpad(np.ones((4, 5)), 1, "replicate"), [[4, 2, 4], [4, 2, 4]])
    np.testing.assert_array_equal(unpad(np.ones((4, 5)), 1), np.ones((2, 3)))


@pytest.mark.parametrize("mode", ["zeros", "replicate"])
def test_unpad_is_the_backward_of_pad(mode):
    # <pad(z), g> = <z, unpad(g)> for every z and g: unpad is pad's transpose
    rng = np.random.default_rng(4)
    z = rng.standard_normal((2, 3, 4, 5))
    g = rng.standard_normal(pad(z, (2, 1), mode).shape)
    assert np.sum(pad(z, (2, 1), mode) * g) == pytest.approx(np.sum(z * unpad(g, (2, 1), mode)))


@pytest.mark.parametrize(("stride", "padding", "mode"),
                         [(1, 0, "zeros"), (1, 1, "replicate"), (2, 1, "zeros"),
                          (3, 2, "replicate")])
def test_loops_agree_with_the_layers_and_torch_on_tensors(stride, padding, mode):
    rng = np.random.default_rng(stride + padding)
    z, u = rng.standard_normal((3, 7, 6)), rng.standard_normal((4, 3, 3, 3))
    b = rng.standard_normal(4)
    loops = np.stack([conv2d_loops(z, u[o], b[o], stride, padding, mode) for o in range(4)])
    readable = Conv2d(u, b, stride, padding, mode).forward(z[None])[0]
    fast = numpy_nn.conv2d(z[None], u, b, stride, padding, mode)[0]
    zt = F.pad(torch.tensor(z[None]), [padding] * 4,
               mode="constant" if mode == "zeros" else "replicate")
    theirs = F.conv2d(zt, torch.tensor(u), torch.tensor(b), stride=stride)[0].numpy()
    for other in (readable, fast, theirs):
        np.testing.assert_allclose(loops, other, rtol=0, atol=1e-12)


def test_1d_loop_agrees_with_a_one_row_2d_convolution():
    z, u = np.random.default_rng(0).standard_normal((2, 9))
    fast = numpy_nn.conv2d(z[None, None, None], u[None, None, None, :5], stride=(1, 2),
                           padding=(0, 2))
    np.testing.assert_allclose(conv1d_loops(z, u[:5], stride=2, padding=2), fast[0, 0, 0])


def test_even_kernels_and_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="홀수 커널 크기 h.*h=2"):
        conv1d_loops([1, 2, 3], [1, 1])
    with pytest.raises(ValueError, match=r"z \(k, m, n\)와 u \(k, h, h\).*z \(2, 5, 5\), "
                                         r"u \(3, 3, 3\)"):
        conv2d_loops(np.zeros((2, 5, 5)), np.zeros((3, 3, 3)))
    with pytest.raises(ValueError, match=r"z는 \(n,\), u는 \(h,\).*z \(2, 2\)"):
        conv1d_loops(np.zeros((2, 2)), [1, 1, 1])
    with pytest.raises(ValueError, match="'zeros'나 'replicate'.*'reflect'"):
        conv1d_loops([1, 2, 3], [1, 1, 1], padding=1, padding_mode="reflect")


# ---- backward: ∂J/∂z, ∂J/∂u, ∂J/∂b (chapter 4.3.1 §10) ----

def random_backward_config(seed):
    """Every padding mode × padding 0–2 × stride 1–3 with kernel size h = 3 (seeds 0–17),
    h = 5 (18–35) and h = 1 (36–53); random shapes, channels and number of kernels."""
    rng = np.random.default_rng(100 + seed)
    h, padding = (3, 5, 1)[seed // 18], seed // 2 % 3
    m, n = (int(rng.integers(max(h - 2 * padding, 1), 9)) for _ in range(2))
    return dict(N=int(rng.integers(1, 3)), k=int(rng.integers(1, 4)), O=int(rng.integers(1, 4)),
                m=m, n=n, h=h, stride=seed // 6 % 3 + 1, padding=padding,
                mode=("zeros", "replicate")[seed % 2])


BACKWARD_SEEDS = range(54)


def loops_backward(x, u, dout, cfg):
    """The loops over samples N and kernels O: (∂J/∂x, ∂J/∂U, ∂J/∂b) for a whole layer."""
    dx, du, db = np.zeros_like(x), np.zeros_like(u), np.zeros(len(u))
    for n in range(len(x)):
        for o in range(len(u)):
            dz_no, du_no, db_no = conv2d_loops_backward(dout[n, o], x[n], u[o], cfg["stride"],
                                                        cfg["padding"], cfg["mode"])
            dx[n] += dz_no
            du[o] += du_no
            db[o] += db_no
    return dx, du, db


def torch_backward(x, u, b, dout, stride, padding, mode):
    """Output and the three gradients by torch autograd (float64); padding is (ph, pw)."""
    xt, ut, bt = (torch.tensor(a, requires_grad=True) for a in (x, u, b))
    ph, pw = padding
    padded = F.pad(xt, [pw, pw, ph, ph], mode="constant" if mode == "zeros" else "replicate")
    out = F.conv2d(padded, ut, bt, stride=stride)
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), xt.grad.numpy(), ut.grad.numpy(), bt.grad.numpy()


def random_layer(cfg, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((cfg["N"], cfg["k"], cfg["m"], cfg["n"]))
    u = rng.standard_normal((cfg["O"], cfg["k"], cfg["h"], cfg["h"]))
    b = rng.standard_normal(cfg["O"])
    out = numpy_nn.conv2d(x, u, b, cfg["stride"], cfg["padding"], cfg["mode"])
    return x, u, b, rng.standard_normal(out.shape)


def fast_conv(cfg, u, b, kernel=None):
    conv = numpy_nn.Conv2d(cfg["k"], cfg["O"], kernel or cfg["h"], cfg["stride"], cfg["padding"],
                           padding_mode=cfg["mode"], dtype=np.float64)
    conv.params.update(weight=u, bias=b)
    return conv


@pytest.mark.parametrize("seed", BACKWARD_SEEDS)
def test_loop_backward_agrees_with_both_layers_and_torch(seed):
    cfg = random_backward_config(seed)
    x, u, b, dout = random_layer(cfg, seed)
    ours = loops_backward(x, u, dout, cfg)
    readable = Conv2d(u, b, cfg["stride"], cfg["padding"], cfg["mode"])
    readable.forward(x)
    readable_grads = (readable.backward(dout), readable.dU, readable.db)
    fast = fast_conv(cfg, u, b)
    fast.forward(x)
    fast_grads = (fast.backward(dout), fast.grads["weight"], fast.grads["bias"])
    torch_grads = torch_backward(x, u, b, dout, cfg["stride"], (cfg["padding"],) * 2,
                                 cfg["mode"])[1:]
    for name, mine, *others in zip(("∂J/∂z", "∂J/∂u", "∂J/∂b"), ours, readable_grads,
                                   fast_grads, torch_grads, strict=True):
        for other in others:
            np.testing.assert_allclose(mine, other, rtol=0, atol=1e-10, err_msg=f"{name} {cfg}")


def test_the_backward_configurations_cover_strides_paddings_and_modes():
    cfgs = [random_backward_config(seed) for seed in BACKWARD_SEEDS]
    modes = ("zeros", "replicate")
    for h in (1, 3, 5):
        assert {(c["mode"], c["padding"], c["stride"]) for c in cfgs if c["h"] == h} == {
            (m, p, s) for m in modes for p in (0, 1, 2) for s in (1, 2, 3)}
    assert {c["k"] for c in cfgs} == {1, 2, 3} and {c["O"] for c in cfgs} == {1, 2, 3}
    assert any(c["N"] == 2 and c["O"] > 1 for c in cfgs)


def test_loop_backward_takes_a_padding_pair_like_the_forward():
    cfg = dict(N=1, k=2, O=1, m=5, n=6, h=3, stride=2, padding=(0, 2), mode="replicate")
    rng = np.random.default_rng(7)
    x, u = rng.standard_normal((1, 2, 5, 6)), rng.standard_normal((1, 2, 3, 3))
    dout = rng.standard_normal((1, 1, *conv2d_loops(x[0], u[0], 0, 2, (0, 2), "replicate").shape))
    ours = loops_backward(x, u, dout, cfg)
    theirs = torch_backward(x, u, np.zeros(1), dout, 2, (0, 2), "replicate")[1:]
    for mine, ref in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-10)


def test_the_notes_example_by_hand():
    # one output node: ∂J/∂u is the receptive field, ∂J/∂z the kernel, ∂J/∂b = dout
    dz, du, db = conv2d_loops_backward([[2.0]], NOTE_Z2, VERTICAL_EDGE)
    np.testing.assert_array_equal(du, 2 * NOTE_Z2)
    np.testing.assert_array_equal(dz, 2 * VERTICAL_EDGE)
    assert db == 2.0 and dz.shape == (3, 3) and du.shape == (3, 3)


def test_input_gradient_is_dout_convolved_with_the_flipped_kernel():
    rng = np.random.default_rng(3)
    z, u = rng.standard_normal((6, 7)), rng.standard_normal((3, 3))
    dout = rng.standard_normal((4, 5))                         # 6−2 by 7−2
    dz, _, _ = conv2d_loops_backward(dout, z, u)
    flipped = conv2d_loops(np.pad(dout, 2), u[::-1, ::-1])     # 0을 h−1 = 2칸씩 덧대고
    np.testing.assert_allclose(dz, flipped, atol=1e-12)
    assert np.abs(dz - conv2d_loops(np.pad(dout, 2), u)).max() > 0.1   # 뒤집지 않으면 틀린다


def test_loop_backward_by_finite_differences():
    rng = np.random.default_rng(5)
    z, u = rng.standard_normal((2, 5, 4)), rng.standard_normal((2, 3, 3))
    g = rng.standard_normal(conv2d_loops(z, u, 0.0, 2, 1, "replicate").shape)
    dz, du, _ = conv2d_loops_backward(g, z, u, 2, 1, "replicate")

    def J():
        return np.sum(conv2d_loops(z, u, 0.0, 2, 1, "replicate") * g)

    assert rel_error(dz, numerical_gradient(J, z)) < 1e-7
    assert rel_error(du, numerical_gradient(J, u)) < 1e-7


def test_the_comparison_catches_wrong_strides_and_padding_routes():
    # a backward that drops the replicate-padded cells' gradient, or hands dout back from the
    # wrong centres (as if the stride were 1), disagrees with torch
    rng = np.random.default_rng(11)
    x, u = rng.standard_normal((1, 2, 7, 7)), rng.standard_normal((1, 2, 3, 3))
    dout = rng.standard_normal((1, 1, 4, 4))                  # stride 2, padding 1: 4×4
    t_dx = torch_backward(x, u, np.zeros(1), dout, 2, (1, 1), "replicate")[1]
    dz, *_ = conv2d_loops_backward(dout[0, 0], x[0], u[0], 2, 1, "replicate")
    np.testing.assert_allclose(dz, t_dx[0], atol=1e-10)
    zero_route, *_ = conv2d_loops_backward(dout[0, 0], x[0], u[0], 2, 1, "zeros")
    assert np.abs(zero_route - t_dx[0]).max() > 0.1
    spread, packed = np.zeros((7, 7)), np.zeros((7, 7))
    spread[::2, ::2] = dout[0, 0]                              # the centres stride 2 visits
    packed[:4, :4] = dout[0, 0]                                # the first 4×4 centres
    for dout_1, same in [(spread, True), (packed, False)]:
        dz_1, *_ = conv2d_loops_backward(dout_1, x[0], u[0], 1, 1, "replicate")
        assert (np.abs(dz_1 - t_dx[0]).max() < 1e-10) == same


def test_loop_backward_refuses_a_dout_of_the_wrong_shape():
    shape = r"dout은 전방 계산의 출력 s와 같은 \(1, 1\) 모양이어야 합니다: \(2, 2\)"
    with pytest.raises(ValueError, match=shape):
        conv2d_loops_backward(np.ones((2, 2)), NOTE_Z2, VERTICAL_EDGE)
    with pytest.raises(ValueError, match="홀수 커널 크기"):
        conv2d_loops_backward(np.ones((2, 2)), np.ones((3, 3)), np.ones((2, 2)))


# ---- the readable im2col layer (chapter 4.3.1 §10) ----

def test_im2col_holds_the_receptive_fields_as_columns():
    z16 = np.arange(16.0).reshape(1, 1, 4, 4)
    cols = im2col(z16, 3, 3)
    assert cols.shape == (9, 4)
    np.testing.assert_array_equal(cols[:, 0], [0, 1, 2, 4, 5, 6, 8, 9, 10])
    np.testing.assert_array_equal(col2im(np.ones_like(cols), z16.shape, 3, 3)[0, 0],
                                  [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])
    # two samples, two channels, stride 2: column (n, j, i), row (c, y, x)
    z = np.arange(2 * 2 * 5 * 5.0).reshape(2, 2, 5, 5)
    cols = im2col(z, 3, 3, stride=2)
    assert cols.shape == (2 * 9, 2 * 2 * 2)
    np.testing.assert_array_equal(cols[:, 5].reshape(2, 3, 3), z[1, :, 0:3, 2:5])


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_col2im_is_the_backward_of_im2col(stride):
    # <im2col(z), g> = <z, col2im(g)>
    rng = np.random.default_rng(stride)
    z = rng.standard_normal((2, 3, 8, 7))
    g = rng.standard_normal(im2col(z, 3, 2, stride).shape)
    assert np.sum(im2col(z, 3, 2, stride) * g) == pytest.approx(
        np.sum(z * col2im(g, z.shape, 3, 2, stride)))


def random_conv_config(seed):
    """Rectangular kernels 1–5, strides 1–3, paddings (ph, pw) 0–2, both padding modes."""
    rng = np.random.default_rng(200 + seed)
    kh, kw = (int(v) for v in rng.choice([1, 2, 3, 5], 2))
    ph, pw = (int(v) for v in rng.integers(0, 3, 2))
    H, W = int(rng.integers(max(kh - 2 * ph, 1), 10)), int(rng.integers(max(kw - 2 * pw, 1), 10))
    return dict(N=int(rng.integers(1, 4)), k=int(rng.integers(1, 4)), O=int(rng.integers(1, 5)),
                m=H, n=W, kernel=(kh, kw), stride=int(rng.integers(1, 4)), padding=(ph, pw),
                mode=("zeros", "replicate")[seed % 2])


@pytest.mark.parametrize("seed", range(40))
def test_readable_conv2d_agrees_with_torch_and_the_fast_layer(seed):
    cfg = random_conv_config(seed)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((cfg["N"], cfg["k"], cfg["m"], cfg["n"]))
    u = rng.standard_normal((cfg["O"], cfg["k"], *cfg["kernel"]))
    b = rng.standard_normal(cfg["O"])
    layer = Conv2d(u, b, cfg["stride"], cfg["padding"], cfg["mode"])
    s = layer.forward(x)
    dout = rng.standard_normal(s.shape)
    ours = (s, layer.backward(dout), layer.dU, layer.db)
    theirs = torch_backward(x, u, b, dout, cfg["stride"], cfg["padding"], cfg["mode"])
    fast = fast_conv(cfg, u, b, cfg["kernel"])
    fast_out = fast.forward(x)
    fast_grads = (fast_out, fast.backward(dout), fast.grads["weight"], fast.grads["bias"])
    for name, mine, ref, quick in zip(("s", "∂J/∂z", "∂J/∂U", "∂J/∂b"), ours, theirs, fast_grads,
                                      strict=True):
        assert mine.shape == ref.shape, f"{name} {cfg}"
        np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-10, err_msg=f"{name} {cfg}")
        np.testing.assert_allclose(mine, quick, rtol=0, atol=1e-10, err_msg=f"{name} {cfg}")


def test_the_conv_configurations_cover_strides_paddings_kernels_and_modes():
    cfgs = [random_conv_config(seed) for seed in range(40)]
    assert {c["stride"] for c in cfgs} == {1, 2, 3} and {c["mode"] for c in cfgs} == {
        "zeros", "replicate"}
    assert any(c["kernel"][0] != c["kernel"][1] for c in cfgs)
    assert any(c["padding"][0] != c["padding"][1] for c in cfgs)
    assert {p for c in cfgs for p in c["padding"]} == {0, 1, 2}


def test_readable_conv2d_by_finite_differences():
    rng = np.random.default_rng(9)
    z, u, b = rng.standard_normal((2, 2, 6, 5)), rng.standard_normal((3, 2, 3, 3)), np.zeros(3)
    layer = Conv2d(u, b, stride=2, padding=1, padding_mode="replicate")
    g = rng.standard_normal(layer.forward(z).shape)
    dz = layer.backward(g)

    def J():
        return np.sum(layer.forward(z) * g)

    assert rel_error(dz, numerical_gradient(J, z)) < 1e-7
    assert rel_error(layer.dU, numerical_gradient(J, layer.U)) < 1e-7


def test_readable_conv2d_refuses_bad_inputs():
    layer = Conv2d(np.zeros((4, 3, 3, 3)), np.zeros(4), padding=1)
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\) 모양이어야 합니다: \(2, 2, 5, 5\)"):
        layer.forward(np.zeros((2, 2, 5, 5)))
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\).*\(3, 5, 5\)"):
        layer.forward(np.zeros((3, 5, 5)))
    layer.forward(np.zeros((2, 3, 5, 5)))
    with pytest.raises(ValueError, match=r"dout은 출력 s와 같은 \(2, 4, 5, 5\) 모양"):
        layer.backward(np.zeros((2, 4, 4, 4)))


# ---- pooling: loops and the readable im2col layer (chapter 4.3.1 §11) ----

def test_pooling_loops_on_the_chapters_map():
    fmap = np.array([[1.0, 3, 2, 1], [4, 6, 5, 2], [3, 1, 2, 8], [0, 2, 4, 1]])
    np.testing.assert_array_equal(pool2d_loops(fmap, 2), [[6, 5], [3, 8]])
    np.testing.assert_array_equal(pool2d_loops(fmap, 2, kind="avg"), [[3.5, 2.5], [1.5, 3.75]])
    np.testing.assert_array_equal(pool2d_loops_backward(np.ones((3, 3)), fmap, 2, 1),
                                  [[0, 0, 0, 0], [0, 4, 1, 0], [1, 0, 0, 2], [0, 0, 1, 0]])
    np.testing.assert_array_equal(pool2d_loops_backward(np.ones((2, 2)), fmap, 2, kind="avg"),
                                  np.full((4, 4), 0.25))
    row = pool2d_loops(np.array([[0.1, 1.0, 0.2, 0.1, 0.0, 0.0]]), (1, 3), 1, (0, 1))
    np.testing.assert_array_equal(row, [[1, 1, 1, 0.2, 0.1, 0]])


def random_pool_config(seed):
    rng = np.random.default_rng(300 + seed)
    size = int(rng.integers(1, 5))
    padding = int(rng.integers(0, size // 2 + 1))
    H, W = (int(rng.integers(max(size - 2 * padding, 1), 9)) for _ in range(2))
    return dict(N=int(rng.integers(1, 3)), C=int(rng.integers(1, 4)), H=H, W=W, size=size,
                stride=int(rng.integers(1, 4)), padding=padding)


def random_pool_input(cfg, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((cfg["N"], cfg["C"], cfg["H"], cfg["W"]))
    if seed % 3 == 0:
        x = np.round(x)          # ties: the gradient goes to the first maximum, as in torch
    return x, rng


def torch_pool(kind, x, dout, cfg):
    xt = torch.tensor(x, requires_grad=True)
    pool = F.max_pool2d if kind == "max" else F.avg_pool2d
    out = pool(xt, cfg["size"], cfg["stride"], cfg["padding"])
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), xt.grad.numpy()


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_loops_agree_with_torch(seed, kind):
    cfg = random_pool_config(seed)
    x, rng = random_pool_input(cfg, seed)
    args = (cfg["size"], cfg["stride"], cfg["padding"], kind)
    out = np.array([[pool2d_loops(m, *args) for m in sample] for sample in x])
    dout = rng.standard_normal(out.shape)
    dx = np.array([[pool2d_loops_backward(d, m, *args) for d, m in zip(ds, ms, strict=True)]
                   for ds, ms in zip(dout, x, strict=True)])
    ref_out, ref_dx = torch_pool(kind, x, dout, cfg)
    np.testing.assert_allclose(out, ref_out, rtol=0, atol=1e-12, err_msg=str(cfg))
    np.testing.assert_allclose(dx, ref_dx, rtol=0, atol=1e-12, err_msg=str(cfg))


@pytest.mark.parametrize("seed", range(30))
def test_readable_maxpool2d_agrees_with_torch_and_the_fast_layer(seed):
    cfg = random_pool_config(seed)
    x, rng = random_pool_input(cfg, seed)
    layer = MaxPool2d(cfg["size"], cfg["stride"], cfg["padding"])
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    fast = numpy_nn.MaxPool2d(cfg["size"], cfg["stride"], cfg["padding"])
    for mine, ref in [*zip((out, dx), torch_pool("max", x, dout, cfg), strict=True),
                      (out, fast.forward(x)), (dx, fast.backward(dout))]:
        assert mine.shape == ref.shape, str(cfg)
        np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-12, err_msg=str(cfg))


def test_the_pool_configurations_cover_sizes_strides_and_paddings():
    cfgs = [random_pool_config(seed) for seed in range(30)]
    assert {c["size"] for c in cfgs} == {1, 2, 3, 4} and {c["stride"] for c in cfgs} == {1, 2, 3}
    assert {c["padding"] for c in cfgs} == {0, 1, 2}
    assert any(c["stride"] < c["size"] for c in cfgs)            # overlapping windows


def test_maxpool2d_default_stride_is_the_window_size():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(MaxPool2d(2).forward(x)[0, 0], [[5, 7], [13, 15]])


def test_pooling_refuses_bad_inputs():
    with pytest.raises(ValueError, match=r"특징 맵 한 장 \(m, n\).*z \(1, 4, 4\)"):
        pool2d_loops(np.zeros((1, 4, 4)), 2)
    with pytest.raises(ValueError, match="kind 'max'나 'avg'.*'median'"):
        pool2d_loops(np.zeros((4, 4)), 2, kind="median")
    with pytest.raises(ValueError, match=r"dout은 풀링 출력과 같은 \(2, 2\) 모양.*\(3, 3\)"):
        pool2d_loops_backward(np.zeros((3, 3)), np.zeros((4, 4)), 2)
    pool = MaxPool2d(2)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\) 모양이어야 합니다: \(4, 4\)"):
        pool.forward(np.zeros((4, 4)))
    pool.forward(np.zeros((1, 2, 4, 4)))
    with pytest.raises(ValueError, match=r"dout은 출력 s와 같은 \(1, 2, 2, 2\) 모양.*\(1, 2, 4\)"):
        pool.backward(np.zeros((1, 2, 4)))


def test_gradient_descent_with_the_readable_backward_finds_the_vertical_edge_kernel():
    """The chapter's §11 (feature learning) in small: input/output pairs of the note's kernel
    on real digits, the readable Conv2d's backward, plain gradient descent."""
    from dlbasics.data import load_mnist

    images = load_mnist()[0][:8].astype(np.float64)
    u_star = NOTE_KERNELS["수직 에지"]
    targets = Conv2d(u_star[None, None], np.zeros(1), padding=1).forward(images)
    layer = Conv2d(0.1 * np.random.default_rng(0).standard_normal((1, 1, 3, 3)), np.zeros(1),
                   padding=1)
    start = np.linalg.norm(layer.U[0, 0] - u_star)
    for _ in range(300):
        s = layer.forward(images)
        layer.backward((s - targets) / s.size)         # J = Σ (s − t)² / 2M
        layer.U, layer.b = layer.U - 1.2 * layer.dU, layer.b - 1.2 * layer.db
    assert np.linalg.norm(layer.U[0, 0] - u_star) < 0.1 < start
