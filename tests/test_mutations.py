# ruff: noqa: E501  (the mutants are one table: a line per mutation reads best)
"""Self-checks tell a student what the grader will find (issue 17, point 1).

Each common mistake of a lab is applied to its solution as a mutation. For every mutant:

- the grader's check (visible and hidden tests) of the mutated problem fails: the mistake is
  real and costs that question;
- the student's check (the visible tests alone) fails too, so the student learns of the
  mistake before the grade, and its message names the mistake where the lab has a hint;
- every other question that does not train a network still passes: one bug costs one
  question (the check cells feed each function reference inputs, and give a function that
  calls an earlier problem's function the reference one).

The cells run in this process (tests/labrunner.py), not in a Jupyter kernel; the training
cells and the checks of the training results are left out (they use every earlier answer by
design, and take seconds each).
"""

from dataclasses import dataclass

import pytest
from labrunner import mutate, run, solution


@dataclass(frozen=True)
class Mutant:
    answer: str  # grade_id of the answer cell
    old: str
    new: str
    check: str  # grade_id of the check cell that must fail
    hint: str | None  # text the visible check's message must contain (None: no hint)
    what: str  # the mistake, for the report

    def __str__(self):
        return self.what


# Cells left out: training (and what uses its results), plots, the MNIST building block.
SKIP = {
    "lab1_dmlp": {"cell-22", "mnist_check", "cell-26"},
    "lab2_conv_pool": {"cell-20", "cell-21"},
    "lab3_lenet5": {"cell-4", "cell-6", "cell-20", "cell-22", "accuracy_check", "cell-26"},
    "lab4_resnet_inception": {"grad-flow", "cell-27", "cell-29", "degradation_check"},
    "lab5_home_test": set(),
}

FORWARD = "S.append(add_ones(Z[l - 1]) @ Us[l - 1].T)       # 식 (4.4): s_j^l = u_j^l z^{l-1}"
ACTIVATION = "Z.append(relu(S[l]) if l < L else softmax(S[l]))"
BACKWARD = "dUs[l - 1] = -delta.T @ add_ones(Z[l - 1])"
DELTA = "delta = relu_grad(S[l - 1]) * (delta @ Us[l - 1][:, 1:])"
CONV = "s[:, :, j, i] = np.tensordot(field, u, axes=([1, 2, 3], [1, 2, 3])) + b"
CONV_FIELD = "field = z_pad[:, :, j * stride:j * stride + h, i * stride:i * stride + h]"
CONV_SIZE = "H_out, W_out = (H + 2 * padding - h) // stride + 1, (W + 2 * padding - h) // stride + 1"
DZ = "dz_pad[:, :, rows, cols] += np.tensordot(dout[:, :, j, i], u, axes=([1], [0]))"
DU = "du += np.tensordot(dout[:, :, j, i], z_pad[:, :, rows, cols], axes=([0], [0]))"
POOL_SIZE = "H_out, W_out = (H - h) // stride + 1, (W - h) // stride + 1"
POOL_ADD = "np.add.at(dz, (n, c, j * stride + dy, i * stride + dx), dout[:, :, j, i])"
LENET_C1 = "nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),"
LENET_C2 = "nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),"
LENET_C3 = "nn.Conv2d(16, 120, kernel_size=5), nn.ReLU(),"
LENET_FC = "nn.Flatten(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, n_classes))"
BLOCK = "return torch.relu(F_x + x) if self.residual else torch.relu(F_x)"
F_X = "F_x = self.conv2(torch.relu(self.conv1(x)))"
BRANCHES = "branches = (self.branch1, self.branch3, self.branch5, self.branch_pool)"

MUTANTS = {
    "lab1_dmlp": [
        Mutant("forward_answer", FORWARD, "S.append(Z[l - 1] @ Us[l - 1][:, 1:].T)",
               "forward_check", "바이어스 열을 쓰지 않았습니다", "forward without the bias column"),
        Mutant("forward_answer", ACTIVATION, "Z.append(relu(S[l]))", "forward_check",
               "ReLU를 썼습니다", "ReLU instead of softmax at the output"),
        Mutant("forward_answer", ACTIVATION, "Z.append(relu(S[l]) if l < L else S[l])",
               "forward_check", "활성함수를 적용하지 않았습니다", "no softmax at the output"),
        Mutant("forward_answer", ACTIVATION,
               "Z.append(relu(S[l]) if l < L else softmax(S[l], axis=0))", "forward_check",
               "열마다 계산했습니다", "softmax over the minibatch axis"),
        Mutant("forward_answer", FORWARD, "S.append(add_ones(Z[l - 1]) @ Us[l - 1])",
               "forward_check", "전치(.T)", "U^l not transposed (a NumPy shape error)"),
        Mutant("forward_answer", "    return S, Z\n", "\n", "forward_check", "return",
               "forgotten return"),
        Mutant("backward_answer", BACKWARD, "dUs[l - 1] = delta.T @ add_ones(Z[l - 1])",
               "backward_check", "부호가 반대입니다", "ΔU with the wrong sign (+δz)"),
        Mutant("backward_answer", BACKWARD,
               "dUs[l - 1] = -delta.T @ add_ones(Z[l - 1]) / len(Y)", "backward_check",
               "1/t", "ΔU averaged over the minibatch"),
        Mutant("backward_answer", DELTA, "delta = delta @ Us[l - 1][:, 1:]", "backward_check",
               "relu_grad", "τ' (relu_grad) of eq. 4.8 left out"),
        Mutant("backward_answer", DELTA, "delta = relu_grad(S[l - 1]) * (delta @ Us[l - 1])",
               "backward_check", "바이어스 열", "the bias column propagated back"),
        Mutant("backward_answer", DELTA, "delta = relu_grad(S[l]) * (delta @ Us[l - 1][:, 1:])",
               "backward_check", None, "τ' taken at the layer above"),
        Mutant("sgd_step_answer", "rho * (1 / t) * dU", "rho * dU", "sgd_step_check",
               "1/t를 곱하지 않았습니다", "update without 1/t"),
        Mutant("sgd_step_answer", "[U - rho", "[U + rho", "sgd_step_check",
               "그레이디언트 방향으로 더했습니다", "gradient ascent"),
        Mutant("sgd_step_answer", "t = len(X)", "t = X.shape[1]", "sgd_step_check", None,
               "t taken as the number of inputs"),
    ],
    "lab2_conv_pool": [
        Mutant("conv_forward_answer", "np.tensordot(field, u,", "np.tensordot(field, u[:, :, ::-1, ::-1],",
               "conv_forward_check", "커널을 상하좌우로 뒤집었습니다", "flipped kernel"),
        Mutant("conv_forward_answer", CONV, CONV.removesuffix(" + b"), "conv_forward_check",
               "바이어스 b[k]를 더하지 않았습니다", "no bias"),
        Mutant("conv_forward_answer", "z_pad = np.pad(z, ((0, 0), (0, 0), (padding, padding), "
               "(padding, padding)))", "z_pad = z", "conv_forward_check", None,
               "padding left out (an index error at the border)"),
        Mutant("conv_forward_answer", "(padding, padding)))",
               "(padding, padding)), mode=\"edge\")", "conv_forward_check",
               "가장자리 값을 복사해 덧댔습니다", "replicate padding instead of zeros"),
        Mutant("conv_forward_answer", CONV_FIELD,
               "field = z_pad[:, :, j:j + h, i:i + h]", "conv_forward_check",
               "보폭을 반영하지 않았습니다", "stride ignored in the receptive field"),
        Mutant("conv_forward_answer", CONV_SIZE,
               "H_out, W_out = (H - h) // stride + 1, (W - h) // stride + 1",
               "conv_forward_check", "출력 크기에 덧대기를 넣지 않았습니다",
               "padding left out of the output size"),
        Mutant("conv_backward_answer", DZ, DZ.replace("+=", "="), "conv_backward_check",
               "+=", "dz assigned instead of accumulated"),
        Mutant("conv_backward_answer", "return dz_pad[:, :, padding:padding + H, padding:padding + W]",
               "return dz_pad", "conv_backward_check", "덧댄 가장자리를 잘라내지 않았습니다",
               "dz not cropped"),
        Mutant("conv_backward_answer", "np.tensordot(dout[:, :, j, i], u, axes",
               "np.tensordot(dout[:, :, j, i], u[:, :, ::-1, ::-1], axes", "conv_backward_check",
               "커널을 뒤집어 곱했습니다", "dz with the flipped kernel"),
        Mutant("conv_backward_answer", DU, DU.replace("+=", "="), "conv_backward_check",
               "가중치 공유", "du assigned instead of accumulated"),
        Mutant("conv_backward_answer", "db = dout.sum(axis=(0, 2, 3))", "db = dout.sum(axis=(2, 3))",
               "conv_backward_check", "db를 샘플 축으로 더하지 않았습니다", "db not summed over samples"),
        Mutant("conv_backward_answer", "db = dout.sum(axis=(0, 2, 3))", "db = dout.sum(axis=0)",
               "conv_backward_check", "위치 (j, i) 축으로 더하지 않았습니다",
               "db not summed over positions"),
        Mutant("maxpool_answer", POOL_SIZE, "H_out, W_out = H // stride, W // stride",
               "maxpool_check", "H // 보폭", "pooling size H // stride"),
        Mutant("maxpool_answer", "s[:, :, j, i] = window.max(axis=(2, 3))",
               "s[:, :, j, i] = window.mean(axis=(2, 3))", "maxpool_check",
               "평균을 냈습니다", "average instead of max"),
        Mutant("maxpool_answer", "window = z[:, :, j * stride:j * stride + h, i * stride:i * stride + h]\n"
               "            s[", "window = z[:, :, j:j + h, i:i + h]\n            s[", "maxpool_check",
               "보폭을 반영하지 않았습니다", "stride ignored in pooling"),
        Mutant("maxpool_answer", POOL_ADD,
               "dz[n, c, j * stride + dy, i * stride + dx] = dout[:, :, j, i]", "maxpool_check",
               "np.add.at", "overlapping windows assigned instead of added"),
        Mutant("maxpool_answer", POOL_ADD,
               "dz[:, :, j * stride:j * stride + h, i * stride:i * stride + h] += "
               "dout[:, :, j, i, None, None]", "maxpool_check",
               "모든 자리에 보냈습니다", "gradient sent to the whole window"),
    ],
    "lab3_lenet5": [
        Mutant("lenet_answer", LENET_C1, LENET_C1.replace(", padding=2", ""), "lenet_check",
               "(6, 24, 24)", "first convolution without padding"),
        Mutant("lenet_answer", LENET_C1 + "\n            " + LENET_C2 + "\n            " + LENET_C3,
               "nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.MaxPool2d(2),\n"
               "            nn.Conv2d(6, 16, kernel_size=5), nn.MaxPool2d(2),\n"
               "            nn.Conv2d(16, 120, kernel_size=5),", "lenet_check",
               "콘볼루션층 다음에 ReLU가 없습니다", "LeNet-5 without ReLU after the convolutions"),
        Mutant("lenet_answer", LENET_C3, "nn.Conv2d(16, 120, kernel_size=5),", "lenet_check",
               "콘볼루션 3 다음에 ReLU가 없습니다", "no ReLU after the third convolution"),
        Mutant("lenet_answer", LENET_FC, "nn.Flatten(), nn.Linear(120, 84), nn.Linear(84, n_classes))",
               "lenet_check", "은닉층(84) 다음에 ReLU가 없습니다", "no ReLU in the hidden layer"),
        Mutant("lenet_answer", "return self.classifier(self.features(x))",
               "return torch.softmax(self.classifier(self.features(x)), dim=1)", "lenet_check",
               "softmax를 적용했습니다", "softmax at the output"),
        Mutant("lenet_answer", LENET_FC, "nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, n_classes))",
               "lenet_check", "nn.Flatten()", "no Flatten before the first linear layer"),
        Mutant("lenet_answer", LENET_FC, "nn.Flatten(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))",
               "lenet_check", None, "n_classes ignored (hidden test only)"),
        Mutant("train_step_answer", "    optimizer.zero_grad()\n", "", "train_step_check",
               "zero_grad를 빠뜨리면", "zero_grad forgotten"),
        Mutant("train_step_answer", "    optimizer.step()\n", "", "train_step_check",
               "optimizer.step()", "step forgotten"),
        Mutant("train_step_answer", "return loss.item()", "return loss", "train_step_check",
               "loss.item()", "a tensor returned instead of a float"),
        Mutant("train_step_answer", "nn.functional.cross_entropy(net(X), y)",
               "nn.functional.cross_entropy(net(X), y, reduction=\"sum\")", "train_step_check",
               "합으로 계산했습니다", "summed loss"),
        Mutant("train_step_answer", "    optimizer.zero_grad()\n    loss.backward()\n",
               "    loss.backward()\n    optimizer.zero_grad()\n", "train_step_check",
               "zero_grad를 backward 뒤에", "zero_grad after backward"),
    ],
    "lab4_resnet_inception": [
        Mutant("block_answer", BLOCK, "return torch.relu(F_x)", "block_check",
               "지름길 연결이 없습니다", "no shortcut"),
        Mutant("block_answer", BLOCK, "return torch.relu(F_x) + x if self.residual else torch.relu(F_x)",
               "block_check", "τ를 더하기 전에 적용했습니다", "ReLU before the addition"),
        Mutant("block_answer", BLOCK, "return F_x + x if self.residual else torch.relu(F_x)",
               "block_check", "마지막 τ를 빠뜨렸습니다", "no final ReLU"),
        Mutant("block_answer", F_X, "F_x = self.conv2(self.conv1(x))", "block_check",
               "첫 τ", "no ReLU between the convolutions"),
        Mutant("block_answer", BLOCK, "return torch.relu(F_x + x)", "block_check",
               "평범한 블록에 지름길을 더했습니다", "residual flag ignored"),
        Mutant("block_params_answer", "return 2 * (c * c * 3 * 3 + c)", "return 2 * c * c * 3 * 3",
               "block_params_check", "바이어스를 세지 않았습니다", "biases not counted"),
        Mutant("block_params_answer", "return 2 * (c * c * 3 * 3 + c)", "return c * c * 3 * 3 + c",
               "block_params_check", "콘볼루션층 하나만", "one convolution counted"),
        Mutant("inception_answer", BRANCHES,
               "branches = (self.branch1, self.branch5, self.branch3, self.branch_pool)",
               "inception_check", "순서로 이어 붙이세요", "branches concatenated in another order"),
        Mutant("inception_answer", "dim=1)", "dim=0)", "inception_check", "dim=1",
               "cat on axis 0"),
        Mutant("inception_params_answer", "return c_out * (c_in * h * h + 1)",
               "return c_out * c_in * h * h", "inception_params_check", None, "biases not counted"),
        Mutant("inception_params_answer",
               "+ conv_params(c_in, c5_reduce, 1) + conv_params(c5_reduce, c5, 5)",
               "+ conv_params(c_in, c5, 5)", "inception_params_check", None,
               "5×5 branch without its reduction"),
        Mutant("make_net_answer", "stride=2, padding=1), nn.ReLU(), nn.MaxPool2d(2)",
               "padding=1), nn.ReLU(), nn.MaxPool2d(2)", "make_net_check", None,
               "stem without stride 2"),
        Mutant("make_net_answer", "ResidualBlock(width, residual)", "ResidualBlock(width)",
               "make_net_check", "residual=False", "residual flag not passed on"),
        Mutant("make_net_answer", "for _ in range(depth)", "for _ in range(depth - 1)",
               "make_net_check", "블록 개수", "one block too few"),
    ],
    "lab5_home_test": [
        Mutant("conv_output_size_answer", "(n + 2 * padding - h) // stride + 1",
               "(n - h) // stride + 1", "conv_output_size_check", "덧대기를 넣지 않았습니다",
               "padding ignored"),
        Mutant("conv_output_size_answer", "(n + 2 * padding - h) // stride + 1",
               "(n + 2 * padding - h) / stride + 1", "conv_output_size_check", "//",
               "true division (a float)"),
        Mutant("conv_output_size_answer", "(n + 2 * padding - h) // stride + 1",
               "-(-(n + 2 * padding - h) // stride) + 1", "conv_output_size_check", "올림",
               "ceiling instead of floor"),
        Mutant("conv_output_size_answer", "(n + 2 * padding - h) // stride + 1",
               "(n + 2 * padding - h) // stride", "conv_output_size_check", "+1",
               "+1 forgotten"),
        Mutant("lenet5_shapes_answer", "(6, 5, 1, 2)", "(6, 5, 1, 0)", "lenet5_shapes_check",
               None, "first convolution without padding"),
        Mutant("lenet5_shapes_answer", "channels = k or channels", "channels = k or 1",
               "lenet5_shapes_check", None, "pooling resets the channels"),
        Mutant("conv1d_answer", "u[x + r]", "u[r - x]", "conv1d_check", "부호가 반대",
               "flipped kernel (convolution, not correlation)"),
        Mutant("conv1d_answer", "range(-r, r + 1)) + b", "range(-r, r + 1))", "conv1d_check",
               "바이어스 b를 더하지 않았습니다", "bias ignored"),
        Mutant("conv2d_answer", "* u)) + b", "* u.T)) + b", "conv2d_check", None,
               "transposed kernel"),
        Mutant("params_answer", "return n_out * (n_in + int(bias))", "return n_out * n_in",
               "params_check", "바이어스를 세지 않았습니다", "fc_params without biases"),
        Mutant("params_answer", "return k * (c_in * h ** dims + int(bias))",
               "return k * (c_in * h ** 2 + int(bias))", "params_check", None,
               "conv_params ignores dims"),
        Mutant("params_answer", "return k * (c_in * h ** dims + int(bias))",
               "return k * (h ** dims + int(bias))", "params_check", "입력 채널 수",
               "conv_params ignores c_in"),
        Mutant("lenet5_params_answer", "fc_params(84, n_classes)", "fc_params(84, 10)",
               "lenet5_params_check", None, "n_classes ignored"),
        Mutant("lenet5_params_answer", "conv_params(in_channels, 6, 5)", "conv_params(1, 6, 5)",
               "lenet5_params_check", None, "in_channels ignored"),
        Mutant("alexnet_answer", "return groups * conv_params(c_in // groups, k // groups, h)",
               "return conv_params(c_in, k, h)", "alexnet_check", "c_in/groups", "groups ignored"),
        Mutant("alexnet_answer", "return conv, fc", "return conv + fc", "alexnet_check", None,
               "a sum instead of the pair"),
        Mutant("vgg16_answer", "n = conv_output_size(n, 3, stride=1, padding=1)",
               "n = conv_output_size(n, 3)", "vgg16_check", "덧대기 없이 계산한 모양",
               "3×3 convolutions without padding"),
        Mutant("vgg16_answer", "sizes = [k * m * m, 4096, 4096, n_classes]",
               "sizes = [512 * 7 * 7, 4096, 4096, n_classes]", "vgg16_check", None,
               "the FC input fixed at 512×7×7 (n ignored)"),
        Mutant("vgg16_answer", "sizes = [k * m * m, 4096, 4096, n_classes]",
               "sizes = [k * m * m, 4096, 4096, 1000]", "vgg16_check", None, "n_classes ignored"),
        Mutant("augmentation_answer", "positions = conv_output_size(image_size, crop_size)",
               "positions = image_size - crop_size", "augmentation_check", "2048",
               "the note's (256 − 224)² × 2"),
        Mutant("augmentation_answer", "(2 if flip else 1)", "2", "augmentation_check", None,
               "flip ignored"),
    ],
}

CASES = [(lab, mutant) for lab, mutants in MUTANTS.items() for mutant in mutants]


@pytest.fixture(scope="module")
def solutions():
    return {lab: solution(lab) for lab in MUTANTS}


def outcome(solutions, lab, mutant):
    """(visible run, hidden run) of the lab with ``mutant`` applied."""
    nb = mutate(solutions[lab], mutant.answer, mutant.old, mutant.new)
    visible = run(nb, hidden=False, skip=SKIP[lab], stop_after=mutant.check)
    return visible, run(nb, hidden=True, skip=SKIP[lab])


@pytest.mark.parametrize("lab", MUTANTS)
def test_the_unmutated_solution_passes_every_check(solutions, lab):
    for hidden in (False, True):
        result = run(solutions[lab], hidden=hidden, skip=SKIP[lab])
        assert result.checks and not any(result.checks.values()), result.checks


@pytest.mark.parametrize("lab, mutant", CASES, ids=[f"{lab}-{m}" for lab, m in CASES])
def test_a_mistake_fails_the_visible_check_names_itself_and_costs_one_question(
        solutions, lab, mutant):
    visible, hidden = outcome(solutions, lab, mutant)
    assert hidden.failed(mutant.check), "the grader must catch this mistake"
    assert visible.failed(mutant.check), "the self-check passes what the grader fails"
    message = visible.checks[mutant.check]
    if mutant.hint is not None:
        assert mutant.hint in message, f"the message does not name the mistake: {message}"
    others = {q: m for q, m in hidden.checks.items() if q != mutant.check and m is not None}
    assert not others, f"one bug costs more than one question: {others}"
