import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlbasics.conv_loops import conv1d_loops, conv2d_loops
from dlbasics.numpy_nn import conv2d

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
