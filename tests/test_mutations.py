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
cells and the checks of the training results are left out (they earn no points, use every
earlier answer by design, and take seconds each). The written questions are markdown, graded
by the instructor, and have no mutants; lab 1's by-hand numbers have no hidden test (their
inputs cannot vary), so its mutants check the visible check alone, which tests every value.
"""

from dataclasses import dataclass

import pytest
from labrunner import mutate, run, solution


@dataclass(frozen=True)
class Mutant:
    answer: str  # grade_id of the answer cell
    old: str | tuple  # a tuple: several replacements in the same cell, in order
    new: str | tuple
    check: str  # grade_id of the check cell that must fail
    hint: str | None  # text the visible check's message must contain (None: no hint)
    what: str  # the mistake, for the report

    def __str__(self):
        return self.what


# Cells left out: training (and what uses its results), plots, the MNIST building block.
SKIP = {
    "lab1_dmlp": {"cell-22", "mnist_run", "cell-26"},
    "lab2_conv_pool": {"cell-10", "cell-11", "cell-13"},
    "lab3_lenet5": {"cell-4", "cell-6", "cell-22", "cell-24", "accuracy_check", "cell-28"},
    "lab4_resnet_inception": {"block-flow", "cell-27", "cell-29", "degradation_run"},
    "lab5_home_test": set(),
    "lab6_regularization": set(),
}

FORWARD = "S.append(add_ones(Z[l - 1]) @ Us[l - 1].T)       # 식 (4.4): s_j^l = u_j^l z^{l-1}"
HAND_DU2 = "du2 = [[2.5, 3.75, 0.0]]"
HAND_DU1 = "du1 = [[5.0, 10.0, 5.0], [0.0, 0.0, 0.0]]"
SOFTMAX = "E = np.exp(S[l] - S[l].max(axis=1, keepdims=True))"
SOFTMAX_SUM = "Z.append(E / E.sum(axis=1, keepdims=True))"
BACKWARD = "dUs[l - 1] = -delta.T @ add_ones(Z[l - 1])"
DELTA = "delta = (1 - Z[l - 1] ** 2) * back"
BACK = "back = delta @ Us[l - 1][:, 1:]"
DX = "dX = -back"
CONV_FIELD = "field = z_pad[:, :, j * stride:j * stride + h, i * stride:i * stride + h]"
CONV_SIZE = "H_out, W_out = (H + 2 * padding - h) // stride + 1, (W + 2 * padding - h) // stride + 1"
PAD = "z_pad = np.pad(z, ((0, 0), (0, 0), (padding, padding), (padding, padding)))"
DW_SUM = "s[:, :, j, i] = (field * u).sum(axis=(2, 3)) + b"
DW_DZ = "dz_pad[:, :, rows, cols] += g * u"
DW_DU = "du += (g * z_pad[:, :, rows, cols]).sum(axis=0)"
FLIP = "flipped = u[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)"
REMAINDER = "    dz_pad = np.pad(dz_pad, ((0, 0), (0, 0), (0, extra_rows), (0, extra_cols)))  # 수용장 밖: 0\n"
LENET_C1 = "nn.Conv2d(in_channels, 6, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(2),"
LENET_C2 = "nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(), nn.MaxPool2d(2),"
LENET_C3 = "nn.Conv2d(16, 120, kernel_size=5), nn.ReLU(),"
LENET_FC = "nn.Flatten(), nn.Linear(120 * m * m, 84), nn.ReLU(), nn.Linear(84, n_classes))"
CHUNK_LOSS = "reduction=\"sum\") / len(X)"
BN_AXES = "axes = (0, *range(2, x.ndim))"
DROP_OUT = "return z * m / (1 - p), m"
DROP_MASK = "m = rng.random(z.shape) >= p"
DECAY = "updated.append(U - rho * (grad + decay))"
AUG_RETURN = "return rows * cols * (2 if flip else 1)"
SHORTCUT = "    if residual:\n        dx = dx + ds2                           # 지름길을 거쳐 오는 항: ∂s2/∂x = I\n"

MUTANTS = {
    "lab1_dmlp": [
        Mutant("hand_answer", "delta2 = -2.5", "delta2 = 2.5", "hand_check", "부호가 반대",
               "δ² = o − y (the sign)"),
        Mutant("hand_answer", "delta2 = -2.5", "delta2 = -5.0", "hand_check", "½",
               "J's ½ forgotten"),
        Mutant("hand_answer", "delta1 = [-5.0, 0.0]", "delta1 = [-5.0, -2.5]", "hand_check",
               "τ'(s¹₂)를 빠뜨렸습니다", "τ' of the dead hidden node forgotten"),
        Mutant("hand_answer", "delta1 = [-5.0, 0.0]", "delta1 = [5.0, 0.0]", "hand_check",
               "부호가 반대", "δ¹ with the wrong sign"),
        Mutant("hand_answer", "delta1 = [-5.0, 0.0]", "delta1 = [-1.25, 0.0]", "hand_check",
               "u²_10", "the bias weight u²_10 used in δ¹"),
        Mutant("hand_answer", HAND_DU2, "du2 = [[3.75, 0.0]]", "hand_check", "바이어스 열",
               "ΔU² without the bias column"),
        Mutant("hand_answer", HAND_DU2, "du2 = [[-2.5, -3.75, 0.0]]", "hand_check", "부호가 반대",
               "ΔU² = +δz"),
        Mutant("hand_answer", HAND_DU2, "du2 = [[0.0, 3.75, 0.0]]", "hand_check", "z_0 = 1",
               "z_0 taken as 0"),
        Mutant("hand_answer", HAND_DU2, "du2 = [[2.5, 3.75, -2.5]]", "hand_check", "z 대신 s",
               "s instead of z"),
        Mutant("hand_answer", HAND_DU2, "du2 = [2.5, 3.75, 0.0]", "hand_check", "두 겹",
               "ΔU² written as a flat list"),
        Mutant("hand_answer", HAND_DU1, "du1 = [[5.0, 10.0, 5.0], [2.5, 5.0, 2.5]]", "hand_check",
               "τ'(s¹₂)를 빠뜨렸습니다", "ΔU¹ without τ'"),
        Mutant("hand_answer", HAND_DU1, "du1 = [[10.0, 5.0], [0.0, 0.0]]", "hand_check",
               "바이어스 열", "ΔU¹ without the bias column"),
        Mutant("hand_answer", HAND_DU1, "du1 = [[-5.0, -10.0, -5.0], [0.0, 0.0, 0.0]]",
               "hand_check", "부호가 반대", "ΔU¹ with the wrong sign"),
        Mutant("hand_answer", HAND_DU1, "du1 = [[0.0, 10.0, 5.0], [0.0, 0.0, 0.0]]", "hand_check",
               "x_0 = 1", "x_0 taken as 0"),
        Mutant("forward_answer", FORWARD, "S.append(Z[l - 1] @ Us[l - 1][:, 1:].T)",
               "forward_check", "바이어스 열을 쓰지 않았습니다", "forward without the bias column"),
        Mutant("forward_answer", "Z.append(np.tanh(S[l]))", "Z.append(np.maximum(S[l], 0))",
               "forward_check", "은닉층에 ReLU를 썼습니다", "ReLU hidden layers (the chapter's)"),
        Mutant("forward_answer", SOFTMAX, "E = np.exp(S[l])", "forward_check", "넘칩니다",
               "softmax without subtracting the maximum (overflow)"),
        Mutant("forward_answer", SOFTMAX, "E = np.exp(S[l] - S[l].max())", "forward_check",
               "전체의 최댓값", "one maximum for the whole minibatch (0/0 in other rows)"),
        Mutant("forward_answer", (SOFTMAX, SOFTMAX_SUM),
               (SOFTMAX.replace("axis=1", "axis=0"), SOFTMAX_SUM.replace("axis=1", "axis=0")),
               "forward_check", "열마다", "softmax over the minibatch axis"),
        Mutant("forward_answer", SOFTMAX_SUM, "Z.append(S[l])", "forward_check",
               "활성함수를 적용하지 않았습니다", "no softmax at the output"),
        Mutant("forward_answer", SOFTMAX_SUM, "Z.append(np.tanh(S[l]))", "forward_check",
               "tanh를 썼습니다", "tanh at the output"),
        Mutant("forward_answer", SOFTMAX_SUM, "Z.append(dlbasics.functional.softmax(S[l]))",
               "forward_check", "참조 구현", "the package's softmax"),
        Mutant("forward_answer", FORWARD, "S.append(add_ones(Z[l - 1]) @ Us[l - 1])",
               "forward_check", "전치(.T)", "U^l not transposed (a NumPy shape error)"),
        Mutant("forward_answer", "    return S, Z\n", "\n", "forward_check", "return",
               "forgotten return"),
        Mutant("backward_answer", BACKWARD, "dUs[l - 1] = delta.T @ add_ones(Z[l - 1])",
               "backward_check", "부호가 반대입니다", "ΔU with the wrong sign (+δz)"),
        Mutant("backward_answer", BACKWARD,
               "dUs[l - 1] = -delta.T @ add_ones(Z[l - 1]) / len(Y)", "backward_check",
               "1/t", "ΔU averaged over the minibatch"),
        Mutant("backward_answer", DELTA, "delta = back", "backward_check",
               "τ'_l(s^l)을 곱하지 않았습니다", "τ' of eq. 4.8 left out"),
        Mutant("backward_answer", DELTA, "delta = (S[l - 1] > 0) * back", "backward_check",
               "ReLU의 도함수를 곱했습니다", "ReLU's derivative (the chapter's net)"),
        Mutant("backward_answer", DELTA, "delta = (1 - S[l - 1] ** 2) * back", "backward_check",
               "1 − s²", "τ' = 1 − s² (s instead of z)"),
        Mutant("backward_answer", DELTA, "delta = (1 - Z[l] ** 2) * back", "backward_check",
               None, "τ' taken at the layer above"),
        Mutant("backward_answer", BACK, "back = delta @ Us[l - 1]", "backward_check",
               "바이어스 열", "the bias column propagated back"),
        Mutant("backward_answer", DX, "dX = back", "backward_check", "부호가 반대입니다",
               "∂J/∂X with the wrong sign"),
        Mutant("backward_answer", DX, "dX = -(1 - Z[0] ** 2) * back", "backward_check",
               "입력층에는 활성함수가 없습니다", "τ' applied at the input"),
        Mutant("backward_answer", DX, "dX = -delta @ Us[0]", "backward_check",
               "바이어스 열까지", "∂J/∂X with the bias column"),
        Mutant("backward_answer", "return dUs, dX", "return dUs", "backward_check",
               "두 값을 돌려주세요", "∂J/∂X not returned"),
    ],
    "lab2_conv_pool": [
        Mutant("depthwise_forward_answer", DW_SUM, DW_SUM.replace(".sum(axis=(2, 3))",
               ".sum(axis=(1, 2, 3))[:, None]"), "depthwise_forward_check", "채널끼리 더했습니다",
               "channels summed (an ordinary convolution)"),
        Mutant("depthwise_forward_answer", "(field * u)", "(field * u[:, ::-1, ::-1])",
               "depthwise_forward_check", "커널을 상하좌우로 뒤집었습니다", "flipped kernel"),
        Mutant("depthwise_forward_answer", ".sum(axis=(2, 3)) + b", ".sum(axis=(2, 3))",
               "depthwise_forward_check", "바이어스 b[c]를 더하지 않았습니다", "no bias"),
        Mutant("depthwise_forward_answer", PAD, "z_pad = z", "depthwise_forward_check", None,
               "padding left out (a shape error at the border)"),
        Mutant("depthwise_forward_answer", "(padding, padding)))",
               "(padding, padding)), mode=\"edge\")", "depthwise_forward_check",
               "가장자리 값을 복사해 덧댔습니다", "replicate padding instead of zeros"),
        Mutant("depthwise_forward_answer", CONV_FIELD, "field = z_pad[:, :, j:j + h, i:i + h]",
               "depthwise_forward_check", "보폭을 반영하지 않았습니다",
               "stride ignored in the receptive field"),
        Mutant("depthwise_forward_answer", CONV_SIZE,
               "H_out, W_out = (H - h) // stride + 1, (W - h) // stride + 1",
               "depthwise_forward_check", "출력 크기에 덧대기를 넣지 않았습니다",
               "padding left out of the output size"),
        Mutant("depthwise_forward_answer", "    return s\n", "\n", "depthwise_forward_check",
               "return", "forgotten return"),
        Mutant("depthwise_backward_answer", DW_DZ, DW_DZ.replace("+=", "="),
               "depthwise_backward_check", "+=", "dz assigned instead of accumulated"),
        Mutant("depthwise_backward_answer",
               "return dz_pad[:, :, padding:padding + H, padding:padding + W]", "return dz_pad",
               "depthwise_backward_check", "덧댄 가장자리를 잘라내지 않았습니다", "dz not cropped"),
        Mutant("depthwise_backward_answer", "+= g * u", "+= g * u[:, ::-1, ::-1]",
               "depthwise_backward_check", "커널을 뒤집어 곱했습니다", "dz with the flipped kernel"),
        Mutant("depthwise_backward_answer", DW_DU, DW_DU.replace("+=", "="),
               "depthwise_backward_check", "가중치 공유", "du assigned instead of accumulated"),
        Mutant("depthwise_backward_answer", DW_DU,
               "du = du + (g * z_pad[:, :, rows, cols])", "depthwise_backward_check",
               "샘플마다 따로", "du not summed over samples"),
        Mutant("depthwise_backward_answer", DW_DU, DW_DU.replace("sum(axis=0)", "sum(axis=(0, 1))"),
               "depthwise_backward_check", "채널끼리 더했습니다", "du summed over channels"),
        Mutant("depthwise_backward_answer", "db = dout.sum(axis=(0, 2, 3))",
               "db = dout.sum(axis=(2, 3))", "depthwise_backward_check",
               "db를 샘플 축으로 더하지 않았습니다", "db not summed over samples"),
        Mutant("depthwise_backward_answer", "db = dout.sum(axis=(0, 2, 3))", "db = dout.sum(axis=0)",
               "depthwise_backward_check", "위치 (j, i) 축으로 더하지 않았습니다",
               "db not summed over positions"),
        Mutant("input_grad_answer", FLIP, "flipped = u.transpose(1, 0, 2, 3)", "input_grad_check",
               "커널을 뒤집지 않았습니다", "kernel not flipped"),
        Mutant("input_grad_answer", FLIP, "flipped = u[:, :, ::-1, ::-1]", "input_grad_check",
               "K 축과 C 축을 바꾸지 않았습니다", "K and C axes not swapped"),
        Mutant("input_grad_answer", "np.pad(dilate(dout, stride),", "np.pad(dout,",
               "input_grad_check", "팽창하지 않았습니다", "dout not dilated (the stride-1 recipe)"),
        Mutant("input_grad_answer", REMAINDER, "", "input_grad_check", "마지막 행",
               "rows outside every receptive field left out"),
        Mutant("input_grad_answer", "return dz_pad[:, :, padding:padding + H, padding:padding + W]",
               "return dz_pad", "input_grad_check", "덧댄 가장자리를 잘라내지 않았습니다",
               "padding not cropped"),
        Mutant("input_grad_answer", ("(H_out - 1) * stride + 1", "(W_out - 1) * stride + 1"),
               ("H_out * stride", "W_out * stride"), "input_grad_check", "마지막 값 뒤에는",
               "dilate puts zeros after the last value too"),
    ],
    "lab3_lenet5": [
        Mutant("lenet_answer", LENET_C1, LENET_C1.replace(", padding=2", ""), "lenet_check",
               "(6, 24, 24)", "first convolution without padding"),
        Mutant("lenet_answer", LENET_C1 + "\n            " + LENET_C2 + "\n            " + LENET_C3,
               "nn.Conv2d(in_channels, 6, kernel_size=5, padding=2), nn.MaxPool2d(2),\n"
               "            nn.Conv2d(6, 16, kernel_size=5), nn.MaxPool2d(2),\n"
               "            nn.Conv2d(16, 120, kernel_size=5),", "lenet_check",
               "콘볼루션층 다음에 ReLU가 없습니다", "LeNet-5 without ReLU after the convolutions"),
        Mutant("lenet_answer", LENET_C3, "nn.Conv2d(16, 120, kernel_size=5),", "lenet_check",
               "콘볼루션 3 다음에 ReLU가 없습니다", "no ReLU after the third convolution"),
        Mutant("lenet_answer", LENET_FC, LENET_FC.replace(" nn.ReLU(),", ""), "lenet_check",
               "은닉층(84) 다음에 ReLU가 없습니다", "no ReLU in the hidden layer"),
        Mutant("lenet_answer", "return self.classifier(self.features(x))",
               "return torch.softmax(self.classifier(self.features(x)), dim=1)", "lenet_check",
               "softmax를 적용했습니다", "softmax at the output"),
        Mutant("lenet_answer", LENET_FC, LENET_FC.replace("nn.Flatten(), ", ""), "lenet_check",
               "nn.Flatten()", "no Flatten before the first linear layer"),
        Mutant("lenet_answer", LENET_FC, LENET_FC.replace("n_classes)", "10)"), "lenet_check",
               None, "n_classes ignored"),
        Mutant("lenet_answer", "nn.Conv2d(in_channels, 6,", "nn.Conv2d(1, 6,", "lenet_check",
               "in_channels", "in_channels ignored"),
        Mutant("lenet_answer", "nn.Linear(120 * m * m, 84)", "nn.Linear(120, 84)", "lenet_check",
               "120·m·m", "the classifier's input fixed at 120 (the chapter's 28×28 net)"),
        Mutant("lenet_answer", "[(2, 2), (5, 1), (2, 2), (5, 1)]", "[(5, 1), (5, 1)]",
               "lenet_check", "120·m·m", "m computed without the pooling layers"),
        Mutant("train_step_answer", "    optimizer.zero_grad()\n", "", "train_step_check",
               "zero_grad를 부르지 않았습니다", "zero_grad forgotten"),
        Mutant("train_step_answer", "        loss.backward()", "        optimizer.zero_grad()\n"
               "        loss.backward()", "train_step_check", "조각 사이에 zero_grad",
               "zero_grad inside the loop over the chunks"),
        Mutant("train_step_answer", "        total += loss.item()", "        total += loss.item()\n"
               "        optimizer.step()", "train_step_check", "optimizer.step()을",
               "a step per chunk"),
        Mutant("train_step_answer", CHUNK_LOSS, "reduction=\"sum\")", "train_step_check",
               "합으로", "the minibatch's summed loss"),
        Mutant("train_step_answer", CHUNK_LOSS, ")", "train_step_check", "평균 손실을",
               "each chunk's mean loss added up"),
        Mutant("train_step_answer", CHUNK_LOSS, ") / chunks", "train_step_check", "1/chunks",
               "each chunk's mean loss over chunks (wrong for unequal chunks)"),
        Mutant("train_step_answer", "total += loss.item()", "total = loss.item()",
               "train_step_check", "마지막 조각", "the last chunk's loss returned"),
        Mutant("train_step_answer", "total += loss.item()", "total = total + loss",
               "train_step_check", "loss.item()", "a tensor returned instead of a float"),
        Mutant("train_step_answer", "    optimizer.step()", "    optimizer.zero_grad()\n"
               "    optimizer.step()", "train_step_check", "zero_grad를 backward 뒤에",
               "zero_grad after backward"),
        Mutant("train_step_answer", "zip(X.tensor_split(chunks), y.tensor_split(chunks), strict=True)",
               "[(X, y)]", "train_step_check", "나누지 않았습니다",
               "the whole minibatch at once (chunks ignored)"),
    ],
    "lab4_resnet_inception": [
        Mutant("block_answer", SHORTCUT, "", "block_check", "지름길을 거쳐 오는 그레이디언트",
               "no gradient through the shortcut"),
        Mutant("block_answer", "dx = dx + ds2", "dx = dx + dout", "block_check", "dout을 그대로",
               "dout sent through the shortcut (τ' left out there)"),
        Mutant("block_answer", "ds2 = dout * (s2 > 0)", "ds2 = dout", "block_check",
               "마지막 τ의 도함수", "the final τ' left out"),
        Mutant("block_answer", "ds1 = (ds2 @ u2) * (s1 > 0)", "ds1 = ds2 @ u2", "block_check",
               "첫 τ의 도함수", "the inner τ' left out"),
        Mutant("block_answer", SHORTCUT, "    dx = dx + ds2\n", "block_check",
               "평범한 블록에 지름길", "residual flag ignored (a shortcut in the plain block)"),
        Mutant("block_answer", "du2, db2 = ds2.T @ z1", "du2, db2 = z1.T @ ds2", "block_check",
               "전치", "∂J/∂u2 transposed"),
        Mutant("block_answer", "ds2.sum(axis=0)", "ds2", "block_check", None,
               "db2 not summed over the samples"),
        Mutant("block_answer", "dx = ds1 @ u1 ", "dx = ds1 @ u1.T ", "block_check", "전치",
               "dx through u1 transposed (a shape error)"),
        Mutant("bn_answer", BN_AXES, "axes = tuple(range(1, x.ndim))", "bn_check", None,
               "statistics per sample (a shape error, the shapes named)"),
        Mutant("bn_answer", BN_AXES, "axes = (0,)", "bn_check", None,
               "statistics over the samples only (a shape error on feature maps)"),
        Mutant("bn_answer", "x.var(axis=axes)  #", "x.var(axis=axes, ddof=1)  #", "bn_check",
               "n − 1로 나눈 분산", "the unbiased variance in the normalisation"),
        Mutant("bn_answer", "momentum * var * n / (n - 1)", "momentum * var", "bn_check",
               "n으로 나눈 분산을 썼습니다", "the biased variance in running_var"),
        Mutant("bn_answer", "(1 - momentum) * running_mean + momentum * mu",
               "momentum * running_mean + (1 - momentum) * mu", "bn_check",
               "momentum을 반대로", "momentum the wrong way round"),
        Mutant("bn_answer", "mu, var = running_mean, running_var",
               "mu, var = x.mean(axis=axes), x.var(axis=axes)", "bn_check",
               "예측 모드에서 미니배치의 통계", "batch statistics in eval mode"),
        Mutant("bn_answer", "    if training:\n", "    if True:\n", "bn_check", "예측 모드",
               "eval mode treated as training (running averages updated)"),
        Mutant("bn_answer", "np.sqrt(var.reshape(shape) + eps)",
               "(np.sqrt(var.reshape(shape)) + eps)", "bn_check", "ε을 제곱근 밖",
               "ε outside the square root"),
        Mutant("bn_answer", "np.sqrt(var.reshape(shape) + eps)", "np.sqrt(var.reshape(shape))",
               "bn_check", "0으로 나누기", "ε left out (a constant channel divides by 0)"),
        Mutant("bn_answer", "gamma.reshape(shape) * x_hat", "gamma * x_hat", "bn_check", None,
               "γ not reshaped (a shape error on feature maps)"),
        Mutant("gap_answer", "z.mean(axis=(2, 3))", "z.sum(axis=(2, 3))", "gap_check", "합을",
               "sum instead of mean"),
        Mutant("gap_answer", "z.mean(axis=(2, 3))", "z.mean(axis=(2, 3), keepdims=True)",
               "gap_check", "(N, C, 1, 1)", "(N, C, 1, 1) returned"),
        Mutant("gap_answer", "z.mean(axis=(2, 3))", "z.mean(axis=1)", "gap_check", "채널 축",
               "mean over the channels"),
        Mutant("gap_answer", "dout[:, :, None, None] / (H * W)", "dout[:, :, None, None]",
               "gap_check", "H·W로 나누지", "backward without 1/(H·W)"),
        Mutant("gap_answer", "return np.broadcast_to(dout[:, :, None, None] / (H * W), shape).copy()",
               "dz = np.zeros(shape)\n    dz[:, :, 0, 0] = dout / (H * W)\n    return dz",
               "gap_check", "한 자리로만", "the gradient sent to one position"),
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
        Mutant("augmentation_answer", AUG_RETURN,
               "return (H - h) // step * ((W - w) // step) * (2 if flip else 1)",
               "augmentation_check", "마지막 자리를 빼고", "the note's (256 − 224)² × 2"),
        Mutant("augmentation_answer", "(2 if flip else 1)", "2", "augmentation_check",
               "flip이 False인데도", "flip ignored"),
        Mutant("augmentation_answer", "(2 if flip else 1)", "1", "augmentation_check",
               "반전을 세지 않았습니다", "flips not counted"),
        Mutant("augmentation_answer", "cols = conv_output_size(W, w, stride=step)", "cols = rows",
               "augmentation_check", "가로와 세로를 같은 수로", "square images assumed"),
        Mutant("augmentation_answer", ("conv_output_size(H, h, stride=step)",
                                       "conv_output_size(W, w, stride=step)"),
               ("conv_output_size(H, h)", "conv_output_size(W, w)"), "augmentation_check",
               "step을 반영하지 않았습니다", "step ignored"),
    ],
    "lab6_regularization": [
        Mutant("dropout_answer", DROP_OUT, "return z * m, m", "dropout_check", "1/(1 − p)로 키우지",
               "no 1/(1 − p) scaling"),
        Mutant("dropout_answer", DROP_OUT, "return z * m * (1 - p), m", "dropout_check", "옛 방식",
               "scaled by 1 − p (the old test-time rule)"),
        Mutant("dropout_answer", DROP_MASK, "m = rng.random(z.shape) < p", "dropout_check",
               "p는 끄는 비율", "p kept instead of dropped"),
        Mutant("dropout_answer", DROP_MASK, "m = rng.random(z.shape[1:]) >= p", "dropout_check",
               "샘플마다 따로", "one mask for the whole minibatch"),
        Mutant("dropout_answer", DROP_MASK, "m = np.random.random(z.shape) >= p", "dropout_check",
               "전역 난수", "NumPy's global generator instead of rng"),
        Mutant("dropout_answer", "    if not training:\n        return z, None\n", "",
               "dropout_check", "예측 모드", "dropping in eval mode"),
        Mutant("dropout_answer", "return dout * m / (1 - p)", "return dout / (1 - p)",
               "dropout_check", "꺼진 노드로도", "backward without the mask"),
        Mutant("dropout_answer", "return dout * m / (1 - p)", "return dout * m", "dropout_check",
               "1/(1 − p)를 곱하지 않았습니다", "backward without 1/(1 − p)"),
        Mutant("decay_answer", "        decay[:, 0] = 0", "", "decay_check", "바이어스(0번 열)까지",
               "the bias decayed too"),
        Mutant("decay_answer", DECAY, "updated.append(U - rho * grad - decay)", "decay_check",
               "ρ를 빼고", "(1 − λ) instead of (1 − ρλ)"),
        Mutant("decay_answer", DECAY, "updated.append(U - rho * (grad - decay))", "decay_check",
               "λU를 더했습니다", "weights grown instead of shrunk"),
        Mutant("decay_answer", "decay = lam * U", "decay = lam / 2 * U", "decay_check", "λ/2",
               "λ/2 from the penalty (λ/2)‖U‖²"),
        Mutant("decay_answer", DECAY, "updated.append(U - rho * decay)", "decay_check",
               "∂J/∂U를 빼지", "the loss gradient left out"),
        Mutant("decay_answer", DECAY, "U -= rho * (grad + decay)\n        updated.append(U)",
               "decay_check", "제자리", "the given arrays changed in place"),
        Mutant("early_answer", "best_weights = [w.copy() for w in weights]",
               "best_weights = weights", "early_check", "복사해 두지",
               "a reference kept instead of a copy (the last weights returned)"),
        Mutant("early_answer", "epoch - best_epoch >= patience", "epoch - best_epoch > patience",
               "early_check", "하나 더", "one epoch too many waited"),
        Mutant("early_answer", "elif epoch - best_epoch >= patience:", "elif False:",
               "early_check", "멈추지 않았습니다", "never stops"),
        Mutant("early_answer", "if loss < best_loss - min_delta:", "if loss < best_loss:",
               "early_check", "min_delta를", "min_delta ignored"),
        Mutant("early_answer", "if loss < best_loss - min_delta:", "if loss <= best_loss - min_delta:",
               "early_check", "같은 값을", "a tie counted as an improvement"),
        Mutant("early_answer", "return best_weights, epoch, best_epoch, history",
               "return best_weights, epoch, epoch, history", "early_check", "멈춘 에포크를",
               "the stopping epoch returned as the best"),
        Mutant("early_answer", "if loss < best_loss - min_delta:",
               "if loss < (history[-2] if len(history) > 1 else np.inf) - min_delta:",
               "early_check", "바로 앞 에포크", "compared with the previous epoch, not the best"),
    ],
}

CASES = [(lab, mutant) for lab, mutants in MUTANTS.items() for mutant in mutants]


@pytest.fixture(scope="module")
def solutions():
    return {lab: solution(lab) for lab in MUTANTS}


def outcome(solutions, lab, mutant):
    """(visible run, hidden run) of the lab with ``mutant`` applied."""
    pairs = (zip(mutant.old, mutant.new, strict=True) if isinstance(mutant.old, tuple)
             else [(mutant.old, mutant.new)])
    nb = solutions[lab]
    for old, new in pairs:
        nb = mutate(nb, mutant.answer, old, new)
    visible = run(nb, hidden=False, skip=SKIP[lab], stop_after=mutant.check)
    return visible, run(nb, hidden=True, skip=SKIP[lab])


@pytest.mark.parametrize("lab", MUTANTS)
def test_the_unmutated_solution_passes_every_check(solutions, lab):
    for hidden in (False, True):
        result = run(solutions[lab], hidden=hidden, skip=SKIP[lab])
        assert result.checks and not any(result.checks.values()), result.checks


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # a mutant may divide by 0 (BN without ε)
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
