import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlbasics.conv_loops import conv1d_loops, conv2d_loops, conv2d_loops_backward
from dlbasics.gradcheck import numerical_gradient, rel_error
from dlbasics.numpy_nn import Conv2d, conv2d

NOTE_Z2 = np.array([[2, 2, 9]] * 3)        # 그림 4-6: the 2-D example's receptive field
VERTICAL_EDGE = np.array([[-1, 0, 1]] * 3)


def test_the_notes_worked_numbers():
    assert conv1d_loops([1, 20, 2], [0.3, 0.4, 0.3]) == pytest.approx([8.9])
    np.testing.assert_allclose(conv2d_loops(NOTE_Z2, VERTICAL_EDGE), [[21]])
    assert conv1d_loops([1, 20, 2], [0.3, 0.4, 0.3], b=0.2) == pytest.approx([9.1])  # 그림 4-8
    np.testing.assert_allclose(conv2d_loops(NOTE_Z2, VERTICAL_EDGE, b=2), [[23]])


def test_padding_keeps_the_length_and_stride_downsamples():
    z = np.arange(8.0)
    assert len(conv1d_loops(z, [1, 1, 1])) == 6                # h − 1 = 2 nodes fewer
    assert len(conv1d_loops(z, [1, 1, 1], padding=1)) == 8     # 그림 4-7: same size
    assert len(conv1d_loops(z, [1, 1, 1], padding=1, stride=2)) == 4
    np.testing.assert_allclose(conv1d_loops([1, 2, 3], [1, 1, 1], padding=1,
                                            padding_mode="replicate"), [4, 6, 8])
    np.testing.assert_allclose(conv1d_loops([1, 2, 3], [1, 1, 1], padding=1), [3, 6, 5])


@pytest.mark.parametrize(("stride", "padding", "mode"),
                         [(1, 0, "zeros"), (1, 1, "replicate"), (2, 1, "zeros"),
                          (3, 2, "replicate")])
def test_loops_agree_with_the_fast_version_and_torch_on_tensors(stride, padding, mode):
    rng = np.random.default_rng(stride + padding)
    z, u = rng.standard_normal((3, 7, 6)), rng.standard_normal((4, 3, 3, 3))
    b = rng.standard_normal(4)
    loops = np.stack([conv2d_loops(z, u[o], b[o], stride, padding, mode) for o in range(4)])
    fast = conv2d(z[None], u, b, stride, padding, mode)[0]
    zt = F.pad(torch.tensor(z[None]), [padding] * 4,
               mode="constant" if mode == "zeros" else "replicate")
    theirs = F.conv2d(zt, torch.tensor(u), torch.tensor(b), stride=stride)[0].numpy()
    np.testing.assert_allclose(loops, fast, atol=1e-12)
    np.testing.assert_allclose(loops, theirs, atol=1e-12)


def test_1d_loop_agrees_with_a_one_row_2d_convolution():
    z, u = np.random.default_rng(0).standard_normal((2, 9))
    fast = conv2d(z[None, None, None], u[None, None, None, :5], stride=(1, 2), padding=(0, 2))
    np.testing.assert_allclose(conv1d_loops(z, u[:5], stride=2, padding=2), fast[0, 0, 0])


def test_even_kernels_and_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="odd kernel size h, got h=2"):
        conv1d_loops([1, 2, 3], [1, 1])
    with pytest.raises(ValueError, match=r"z \(k, m, n\) with u \(k, h, h\)"):
        conv2d_loops(np.zeros((2, 5, 5)), np.zeros((3, 3, 3)))
    with pytest.raises(ValueError, match=r"z of shape \(n,\)"):
        conv1d_loops(np.zeros((2, 2)), [1, 1, 1])


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
    """The same three gradients by torch autograd (float64); padding is (ph, pw)."""
    xt, ut, bt = (torch.tensor(a, requires_grad=True) for a in (x, u, b))
    ph, pw = padding
    padded = F.pad(xt, [pw, pw, ph, ph], mode="constant" if mode == "zeros" else "replicate")
    F.conv2d(padded, ut, bt, stride=stride).backward(torch.tensor(dout))
    return xt.grad.numpy(), ut.grad.numpy(), bt.grad.numpy()


def random_layer(cfg, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((cfg["N"], cfg["k"], cfg["m"], cfg["n"]))
    u = rng.standard_normal((cfg["O"], cfg["k"], cfg["h"], cfg["h"]))
    b = rng.standard_normal(cfg["O"])
    out = conv2d(x, u, b, cfg["stride"], cfg["padding"], cfg["mode"])
    return x, u, b, rng.standard_normal(out.shape)


@pytest.mark.parametrize("seed", BACKWARD_SEEDS)
def test_loop_backward_agrees_with_im2col_and_torch(seed):
    cfg = random_backward_config(seed)
    x, u, b, dout = random_layer(cfg, seed)
    ours = loops_backward(x, u, dout, cfg)
    conv = Conv2d(cfg["k"], cfg["O"], cfg["h"], cfg["stride"], cfg["padding"],
                  padding_mode=cfg["mode"], dtype=np.float64)
    conv.params.update(weight=u, bias=b)
    conv.forward(x)
    im2col_grads = (conv.backward(dout), conv.grads["weight"], conv.grads["bias"])
    torch_grads = torch_backward(x, u, b, dout, cfg["stride"], (cfg["padding"],) * 2,
                                 cfg["mode"])
    for name, mine, fast, theirs in zip(("∂J/∂z", "∂J/∂u", "∂J/∂b"), ours, im2col_grads,
                                        torch_grads, strict=True):
        np.testing.assert_allclose(mine, fast, rtol=0, atol=1e-10, err_msg=f"{name} {cfg}")
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-10, err_msg=f"{name} {cfg}")


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
    theirs = torch_backward(x, u, np.zeros(1), dout, 2, (0, 2), "replicate")
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
    t_dx, *_ = torch_backward(x, u, np.zeros(1), dout, 2, (1, 1), "replicate")
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
    shape = r"dout must have the forward output's shape \(1, 1\), got \(2, 2\)"
    with pytest.raises(ValueError, match=shape):
        conv2d_loops_backward(np.ones((2, 2)), NOTE_Z2, VERTICAL_EDGE)
    with pytest.raises(ValueError, match="odd kernel size"):
        conv2d_loops_backward(np.ones((2, 2)), np.ones((3, 3)), np.ones((2, 2)))
