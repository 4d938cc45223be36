import numpy as np
import torch
from torch import nn

from dlbasics import numpy_nn
from dlbasics.lenet import FEATURE_SHAPES, lenet5_numpy, lenet5_torch
from dlbasics.summary import count_parameters, layer_rows


def copied_pair(dtype=torch.float64):
    torch.manual_seed(0)
    tnet = lenet5_torch().to(dtype)
    return tnet, lenet5_numpy().load_torch(tnet)


def test_feature_maps_have_the_notes_shapes_in_numpy_and_torch():
    net = lenet5_numpy(rng=np.random.default_rng(0))
    x, shapes = np.zeros((2, 1, 28, 28), np.float32), []
    for layer in net.layers:
        x = layer.forward(x)
        if isinstance(layer, (numpy_nn.Conv2d, numpy_nn.MaxPool2d)):
            shapes.append(x.shape[1:])
    assert shapes == FEATURE_SHAPES
    assert x.shape == (2, 10)
    rows = layer_rows(lenet5_torch(), (1, 28, 28))
    assert [s for _, kind, s, _ in rows if kind in ("Conv2d", "MaxPool2d")] == FEATURE_SHAPES


def test_both_versions_have_the_same_parameters():
    tnet, net = copied_pair()
    assert count_parameters(net) == count_parameters(tnet) == 61706
    assert isinstance(tnet, nn.Sequential) and len(tnet) == len(net) == 12


def test_outputs_and_gradients_agree_with_torch_in_float64():
    tnet, net = copied_pair()
    rng = np.random.default_rng(1)
    x, y = rng.random((4, 1, 28, 28)), np.array([3, 1, 4, 1])
    loss = numpy_nn.CrossEntropyLoss()
    J = loss(net.forward(x), y)
    net.backward(loss.backward())
    t_loss = nn.functional.cross_entropy(tnet(torch.tensor(x)), torch.tensor(y))
    t_loss.backward()
    assert abs(J - t_loss.item()) < 1e-12
    grads = dict(net.named_grads())
    for name, p in tnet.named_parameters():
        err = np.abs(grads[name] - p.grad.numpy()).max() / np.abs(p.grad.numpy()).max()
        assert err < 1e-10, name


def test_sgd_steps_follow_torch_in_float64():
    tnet, net = copied_pair()
    rng = np.random.default_rng(2)
    loss, opt = numpy_nn.CrossEntropyLoss(), numpy_nn.SGD(net, lr=0.1)
    for _ in range(2):
        x, y = rng.random((2, 1, 28, 28)), rng.integers(0, 10, 2)
        loss(net.forward(x), y)
        net.backward(loss.backward())
        opt.step()
        nn.functional.cross_entropy(tnet(torch.tensor(x)), torch.tensor(y)).backward()
        with torch.no_grad():  # u ← u − ρ ∂J/∂u, as torch.optim.SGD does
            for p in tnet.parameters():
                p -= 0.1 * p.grad
                p.grad = None
    for name, p in net.named_parameters():
        np.testing.assert_allclose(p, dict(tnet.named_parameters())[name].detach().numpy(),
                                   rtol=0, atol=1e-12)


def test_float32_copies_agree_to_single_precision():
    tnet, net = copied_pair(torch.float32)
    x = np.random.default_rng(3).random((5, 1, 28, 28), dtype=np.float32)
    out = net.forward(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, tnet(torch.from_numpy(x)).detach().numpy(), atol=1e-5)


def test_feature_map_grows_by_one_per_four_pixels_of_input():
    """4.3.2 §5 and its exercise: a C5 output sees 32×32 of the padded input and moves 4 pixels
    (the product of the two pooling strides), so an n×n input gives (n − 28)/4 + 1 positions."""
    receptive, stride = 1, 1
    for kernel, step in [(5, 1), (2, 2), (5, 1), (2, 2), (5, 1)][::-1]:  # C5, S4, C3, S2, C1
        receptive, stride = (receptive - 1) * step + kernel, stride * step
    assert (receptive, stride) == (32, 4)
    torch_features = lenet5_torch()[:8]
    numpy_features = numpy_nn.Sequential(*lenet5_numpy()[:8])
    for n in (28, 32, 40, 56):
        side = (n - 28) // stride + 1
        x = np.zeros((1, 1, n, n), np.float32)
        assert torch_features(torch.from_numpy(x)).shape == (1, 120, side, side)
        assert numpy_features.forward(x).shape == (1, 120, side, side)
