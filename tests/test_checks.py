"""The self-check helpers pass right answers and explain wrong ones in Korean."""

import linecache
import re

import numpy as np
import pytest
import torch

import dlbasics.summary
from dlbasics import checks
from dlbasics.checks import CheckError


def test_passed_prints_one_line(capsys):
    checks.passed("출력 크기")
    assert capsys.readouterr().out == "✔ 통과: 출력 크기\n"


def test_check_true():
    checks.check_true(True, "never")
    with pytest.raises(CheckError, match="이유"):
        checks.check_true(False, "이유")


def test_check_error_is_an_assertion_error():
    assert issubclass(CheckError, AssertionError)


@pytest.mark.parametrize("got, expected", [
    (28, 28), (np.int64(5), 5), ((6, 28, 28), (6, 28, 28)), ([6, 28, 28], (6, 28, 28)),
    (torch.Size([2, 3]), (2, 3)), ([(1, 2), (3, 4)], [(1, 2), (3, 4)]),
])
def test_check_value_accepts_equal_values(got, expected):
    checks.check_value("값", got, expected)


def test_check_value_names_the_first_difference_of_two_sequences():
    note = [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (120, 1, 1)]
    got = [(6, 28, 28), (6, 14, 14), (16, 12, 12), (16, 6, 6), (120, 2, 2)]
    with pytest.raises(CheckError, match=r"처음 다른 곳은 \[2\]번째 원소입니다: "
                                         r"기대 \(16, 10, 10\), 실제 \(16, 12, 12\)"):
        checks.check_value("모양", got, note)
    with pytest.raises(CheckError, match="길이가 다릅니다: 기대 5개, 실제 4개"):
        checks.check_value("모양", note[:4], note)


@pytest.mark.parametrize("got, expected, text", [
    (27, 28, "기대한 값은 28인데, 실제 값은 27입니다"),
    (np.int64(5), 6, "실제 값은 5입니다"),
    ((6, 28), (6, 28, 28), "기대한 값은 (6, 28, 28)인데, 실제 값은 (6, 28)입니다"),
    (28, (28,), "실제 값은 28입니다"),
    ((28,), 28, "기대한 값은 28인데"),
])
def test_check_value_names_expected_and_actual(got, expected, text):
    with pytest.raises(CheckError, match=text.replace("(", r"\(").replace(")", r"\)")):
        checks.check_value("크기", got, expected)


def test_none_means_a_missing_return():
    for check in (checks.check_value, checks.check_close, checks.check_gradient):
        with pytest.raises(CheckError, match="return"):
            check("결과", None, 1.0)


def test_check_shape_reports_both_shapes_and_a_transpose():
    checks.check_shape("S", np.zeros((5, 10)), (5, 10))
    checks.check_shape("S", (5, 10), (5, 10))
    checks.check_shape("S", torch.Size([5, 10]), (5, 10))
    checks.check_shape("S", [[1.0, 2.0], [3.0, 4.0]], (2, 2))  # nested lists are arrays
    with pytest.raises(CheckError, match=r"기대 \(\), 실제 \(1,\)\. 숫자 하나\(스칼라\)"):
        checks.check_shape("loss", np.array([0.5]), ())
    with pytest.raises(CheckError, match=r"기대 \(5, 10\), 실제 \(10, 5\).*전치"):
        checks.check_shape("S", np.zeros((10, 5)), (5, 10))
    with pytest.raises(CheckError, match="차원 수가 다릅니다"):
        checks.check_shape("S", np.zeros(50), (5, 10))


def test_check_close_passes_within_tolerance():
    checks.check_close("o", np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]))
    checks.check_close("s", 8.9, 0.3 + 20 * 0.4 + 2 * 0.3)
    checks.check_close("t", torch.tensor([1.0, 2.0]), [1.0, 2.0])


def test_check_close_names_the_worst_entry():
    expected = np.arange(6.0).reshape(2, 3)
    got = expected.copy()
    got[1, 2] += 0.5
    with pytest.raises(CheckError, match=r"\(1, 2\)에서 기대 5, 실제 5.5 \(차이 0.5"):
        checks.check_close("o", got, expected)


def test_check_close_scalar_message():
    with pytest.raises(CheckError, match="기대한 값은 8.9인데, 실제 값은 8.6입니다"):
        checks.check_close("s(i)", 8.6, 8.9)


def test_check_close_rejects_non_numbers():
    with pytest.raises(CheckError, match="숫자 배열이어야"):
        checks.check_close("o", {"a": 1}, 1.0)
    with pytest.raises(CheckError, match="숫자여야 하는데 문자열 '8.9'입니다"):
        checks.check_close("s(i)", "8.9", 8.9)  # np.asarray would turn it into 8.9


def test_check_close_scalar_gives_the_difference_and_a_flipped_sign():
    with pytest.raises(CheckError, match=r"기대한 값은 2인데, 실제 값은 -2입니다 \(차이 4\)\. "
                                         "부호가 반대"):
        checks.check_close("계단", -2.0, 2.0)
    with pytest.raises(CheckError) as info:
        checks.check_close("s(i)", 8.6, 8.9)
    assert "배입니다" not in str(info.value), "one number is always a multiple of another"
    with pytest.raises(CheckError) as info:
        checks.check_gradient("db", np.array([3.0]), np.array([1.0]))
    assert "배입니다" not in str(info.value)


def test_a_transposed_square_matrix_is_named():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(CheckError, match="전치된 값입니다"):
        checks.check_gradient("dU", expected.T, expected)
    symmetric = np.array([[1.0, 2.0], [2.0, 5.0]])
    with pytest.raises(CheckError) as info:
        checks.check_close("A", symmetric + 1, symmetric)
    assert "전치" not in str(info.value)


def test_diagnoses_sign_factor_and_nan():
    expected = np.array([[1.0, -2.0], [3.0, 0.5]])
    with pytest.raises(CheckError, match="부호가 반대"):
        checks.check_gradient("dU", -expected, expected)
    with pytest.raises(CheckError, match="기대값의 32배.*1/t"):
        checks.check_gradient("dU", 32 * expected, expected)
    with pytest.raises(CheckError, match="NaN"):
        checks.check_close("o", np.array([[np.nan, 1.0], [1.0, 1.0]]), expected)


def test_check_gradient_reports_the_relative_error():
    expected = np.array([1.0, 2.0, 3.0])
    checks.check_gradient("dU^1", expected + 1e-9, expected)
    pattern = (r"그레이디언트 dU\^1: 상대 오차가 .*e-0.*로 기준\(1e-06 이하\)보다 큽니다\. "
               r"가장 크게 다른 곳 \(2,\)에서 기대 3, 실제 3.3 \(차이 0.3\)")
    with pytest.raises(CheckError, match=pattern):
        checks.check_gradient("dU^1", expected + np.array([0.0, 0.0, 0.3]), expected, tol=1e-6)
    with pytest.raises(CheckError, match="모양"):
        checks.check_gradient("dU^1", expected[:2], expected)


# Functions that students might write, for check_own_work.
def _own(n, h):
    return n - h + 1


def _copies(n, h):
    return dlbasics.summary.conv_output_size(n, h)


def _helper(n, h):
    return _copies(n, h)


def _via_helper(n, h):
    return _helper(n, h)


def _calls_numpy(z, u):
    return np.correlate(z, u)


def _calls_torch(x):
    return torch.relu(torch.as_tensor(x)).numpy()


class _Layer:
    def forward(self, x):
        return torch.nn.functional.relu(x)


def test_uses_reference_finds_direct_indirect_and_module_calls():
    ref = dlbasics.summary.conv_output_size
    assert checks.uses_reference(_own, ref) is None
    assert checks.uses_reference(_copies, ref) is ref
    assert checks.uses_reference(_via_helper, ref) is ref
    assert checks.uses_reference(_calls_numpy, np.correlate) is np.correlate
    assert checks.uses_reference(_calls_numpy, np.convolve) is None
    assert checks.uses_reference(_calls_torch, torch) is torch
    assert checks.uses_reference(_Layer, torch) is not None
    assert checks.uses_reference(_own, torch) is None


def test_forbidden_modules_can_be_named_without_importing_them():
    assert checks.uses_reference(_copies, "dlbasics.summary") == "dlbasics.summary"
    assert checks.uses_reference(_via_helper, "dlbasics") is not None
    assert checks.uses_reference(_calls_torch, "torch") is not None
    assert checks.uses_reference(_Layer, "torch.nn") is not None
    assert checks.uses_reference(_own, "dlbasics.summary", "torch") is None
    assert checks.uses_reference(_calls_numpy, "dlbasics.numpy_nn") is None


class _Subclass(torch.nn.Linear):
    pass


def test_a_subclass_of_a_reference_class_is_found():
    assert checks.uses_reference(_Subclass, "torch.nn") is torch.nn.Linear
    assert checks.uses_reference(_Subclass, torch.nn.Linear) is torch.nn.Linear
    assert checks.uses_reference(_Subclass, "dlbasics") is None


def test_check_own_work_says_what_to_do():
    checks.check_own_work(_own, dlbasics.summary.conv_output_size)
    with pytest.raises(CheckError, match="dlbasics.summary.conv_output_size.*직접 구현"):
        checks.check_own_work(_copies, dlbasics.summary.conv_output_size)
    with pytest.raises(CheckError, match="참조 구현 torch"):
        checks.check_own_work(_calls_torch, torch)
    with pytest.raises(CheckError, match="참조 구현 dlbasics.summary을"):
        checks.check_own_work(_copies, "dlbasics.summary")


def test_module_outputs_lists_shapes_in_call_order():
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                              torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3, padding=1)))
    x = torch.zeros(5, 1, 10, 10)
    assert checks.module_outputs(net, x, torch.nn.Conv2d) == [(2, 8, 8), (4, 4, 4)]
    assert checks.module_outputs(net, x, (torch.nn.MaxPool2d, torch.nn.ReLU)) == [(2, 8, 8),
                                                                                  (2, 4, 4)]
    assert not any(m._forward_hooks for m in net.modules())


# Strictness: a loose check would pass a student's wrong answer (issue 17, point 8).

@pytest.mark.parametrize("relative", [1e-4, -1e-4, 3e-4, 1e-3])
def test_a_relative_difference_near_1e_4_fails_check_close(relative):
    expected = np.array([0.5, -2.0, 3.0, 10.0])
    got = expected.copy()
    got[3] *= 1 + relative
    with pytest.raises(CheckError, match=r"\(3,\)에서"):
        checks.check_close("o", got, expected)
    with pytest.raises(CheckError):
        checks.check_close("s", 1.0 + relative, 1.0)


@pytest.mark.parametrize("relative", [1e-4, -1e-4, 3e-5])
def test_a_relative_difference_near_1e_4_fails_check_gradient(relative):
    expected = np.array([[0.5, -2.0], [3.0, 10.0]])
    with pytest.raises(CheckError, match="상대 오차"):
        checks.check_gradient("dU", expected * (1 + relative), expected)


def test_the_default_tolerances_accept_float64_rounding():
    expected = np.array([0.5, -2.0, 3.0, 10.0])
    assert checks.check_close("o", expected * (1 + 1e-12), expected) < 1e-10
    assert checks.check_gradient("dU", expected * (1 + 1e-9), expected) < 1e-8


# Cheat resistance: the checks keep their own NumPy functions.

def test_the_checks_do_not_use_numpy_functions_rebound_later(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np.linalg, "norm", lambda *a, **k: 0.0)
    monkeypatch.setattr(np, "abs", lambda x: x * 0)
    monkeypatch.setattr(np, "isfinite", lambda x: np.ones_like(x, dtype=bool))
    monkeypatch.setattr(np, "asarray", lambda x, dtype=None: np.zeros(3))
    with pytest.raises(CheckError, match="기대 1, 실제 0"):
        checks.check_close("z", np.zeros(3), np.ones(3))
    with pytest.raises(CheckError, match="상대 오차가 1.00e\\+00"):
        checks.check_gradient("dz", np.zeros(3), np.ones(3))
    assert not checks.matches(np.zeros(3), np.ones(3))


def _imports_scipy_inside(z, u):
    from scipy.signal import correlate

    return correlate(z, u)


def _imports_numpy_inside(z, u):
    import numpy

    return numpy.correlate(z, u)


def _imports_torch_inside(x):
    import torch.nn.functional

    return torch.nn.functional.relu(x)


def _imports_dynamically(name):
    return __import__(name)


def test_the_own_work_check_sees_imports_inside_functions():
    assert checks.uses_reference(_imports_scipy_inside, "scipy") == "scipy.signal"
    assert checks.uses_reference(_imports_scipy_inside, "scipy.signal") == "scipy.signal"
    assert checks.uses_reference(_imports_numpy_inside, np.correlate) is np.correlate
    assert checks.uses_reference(_imports_numpy_inside, np.convolve) is None
    assert checks.uses_reference(_imports_torch_inside, "torch") == "torch.nn.functional"
    assert checks.uses_reference(_imports_dynamically, "torch") == "__import__"
    with pytest.raises(CheckError, match="참조 구현 scipy.signal을\\(를\\) 부르지 말고"):
        checks.check_own_work(_imports_scipy_inside, "scipy", "torch")


# Values: a count is an integer; named mistakes.

def test_a_float_where_an_integer_count_is_expected_is_wrong():
    with pytest.raises(CheckError, match=r"정수 14인데, 실제 값은 실수 14.0입니다.*//"):
        checks.check_value("n", 14.0, 14)
    checks.check_value("n", np.int64(14), 14)
    checks.check_value("flag", True, True)


def test_a_wrong_answer_equal_to_a_known_mistake_is_named():
    expected, wrong = np.array([1.0, 2.0]), np.array([1.0, 3.0])
    mistakes = [("바이어스를 빠뜨렸습니다.", wrong)]
    with pytest.raises(CheckError, match="바이어스를 빠뜨렸습니다"):
        checks.check_close("s", wrong, expected, mistakes=mistakes)
    with pytest.raises(CheckError, match="모양.*덧대기를 확인"):
        checks.check_close("s", np.zeros(3), expected, mistakes=mistakes, hint="덧대기를 확인")
    with pytest.raises(CheckError, match="1/t"):
        checks.check_gradient("dU", wrong * 7, wrong, mistakes=mistakes)
    with pytest.raises(CheckError, match="2048"):
        checks.check_value("n", 2048, 2178, mistakes=[("2048은 노트의 셈입니다.", 2048)])


# A check cell: the value on success, Korean errors, the earlier cell that failed.

def run_cell(source, namespace):
    """Run a check cell's code the way a kernel does: its own file name, lines in linecache."""
    filename = f"<cell {len(namespace)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)


STUDENT = '''
import numpy as np


def forward(U, X):
    Z = np.hstack([np.ones((len(X), 1)), X])
    return Z @ U


def forgets(X):
    X + 1
'''


def check_cell(body):
    return "with checks.checking('전방 계산') as check:\n" + "".join(
        f"    {line}\n" for line in body.splitlines())


@pytest.fixture
def notebook():
    namespace = {"__name__": "__main__", "checks": checks}
    run_cell(STUDENT, namespace)
    return namespace


def test_a_passing_check_cell_shows_the_value_it_checked(notebook, capsys):
    run_cell(check_cell("check.show('정확도', 0.934)\n"
                        "checks.check_close('s', np.ones(2), np.ones(2) + 1e-12)\n"
                        "checks.check_gradient('d', np.ones(2), np.ones(2) * (1 + 1e-9))"),
             notebook)
    out = capsys.readouterr().out
    assert out.startswith("✔ 통과: 전방 계산 (정확도 0.934, 기준과의 가장 큰 차이 1.0e-12, "
                          "가장 큰 상대 오차 5.0e-10)")


def test_an_exception_in_student_code_is_explained_in_korean(notebook):
    with pytest.raises(CheckError) as info:
        run_cell(check_cell("forward(np.zeros((5, 3)), np.zeros((7, 6)))"), notebook)
    message = str(info.value)
    assert message.startswith("forward을(를) 실행하다가 오류가 났습니다: ValueError: matmul")
    assert "`return Z @ U`" in message and "Z (7, 7), U (5, 3)" in message
    assert "전치(.T)" in message and "바이어스 열" in message
    assert isinstance(info.value.__cause__, ValueError), "the original stays attached"


def test_a_forgotten_return_is_named(notebook):
    with pytest.raises(CheckError, match="확인 칸의 줄: `S, Z = forgets\\(1\\)`.*return"):
        run_cell(check_cell("S, Z = forgets(1)"), notebook)


@pytest.mark.parametrize("error, cause", [
    ("RuntimeError(\"Calculated padded input size per channel: (4 x 4). Kernel size: (5 x 5). "
     "Kernel size can't be greater than actual input size\")", "덧대기(padding)"),
    ("NotImplementedError('아직 풀지 않았습니다')", "빈칸"),
    ("RuntimeError('Given groups=1, weight of size [16, 6, 5, 5], expected input[2, 8, 14, 14] "
     "to have 6 channels, but got 8 channels instead')", "채널 수"),
    ("ValueError('operands could not be broadcast together with shapes (7,5) (4,)')",
     "모양이 다른 배열"),
    ("IndexError('index 7 is out of bounds for axis 0 with size 7')", "범위를 벗어났습니다"),
])
def test_the_likely_cause_of_common_errors(notebook, error, cause):
    run_cell(f"def layer(x):\n    raise {error}\n", notebook)
    with pytest.raises(CheckError, match=re.escape(cause)):
        run_cell(check_cell("layer(1)"), notebook)


def test_a_missing_name_points_at_the_cell_that_should_have_made_it(notebook, monkeypatch):
    with pytest.raises(CheckError, match="backward이\\(가\\) 아직 없습니다: 그것을 만드는 "
                                         "위의 칸을 실행하지 않았거나"):
        run_cell(check_cell("backward(1)"), notebook)
    monkeypatch.setitem(checks._BINDERS, "backward",
                        (5, "NotImplementedError: 아직 풀지 않았습니다"))
    with pytest.raises(CheckError, match=r"backward이\(가\) 없습니다: 그것을 만드는 칸 \[5\]에서 "
                                         r"오류가 났습니다\(NotImplementedError"):
        run_cell(check_cell("backward(1)"), notebook)


def test_a_check_error_passes_through_unchanged(notebook):
    with pytest.raises(CheckError, match="^s: 기대한 값은 2인데"):
        run_cell(check_cell("checks.check_value('s', 1, 2)"), notebook)


def test_substituted_names_are_put_back(notebook):
    notebook["helper"] = "mine"
    with checks.substituted(notebook, helper="reference", extra=1):
        assert notebook["helper"] == "reference" and notebook["extra"] == 1
    assert notebook["helper"] == "mine" and "extra" not in notebook


def test_ipython_shows_no_frame_of_the_checks_and_names_the_failed_cell():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        checks._watch_cells()
        shell.run_cell("from dlbasics import checks\n\n\ndef forward(x):\n    return x")
        failed = shell.run_cell("trained = forward(1) + None")
        assert failed.error_in_exec is not None
        later = shell.run_cell("print(trained)")
        text = str(later.error_in_exec)
        assert "trained이(가) 없습니다: 그것을 만드는 칸" in text and "TypeError" in text
        result = shell.run_cell("checks.check_value('n', 1, 2)")
        rendered = "\n".join(result.error_in_exec._render_traceback_())
        assert "checks.py" not in rendered and "기대한 값은 2인데" in rendered
    finally:
        shell.set_custom_exc((), None)
        shell.events.unregister("post_run_cell", checks._after_cell)
        InteractiveShell.clear_instance()
