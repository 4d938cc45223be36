"""실습의 확인 칸 (self-checks for the labs): say in Korean what is wrong, not a bare assert.

Every ``check_*`` function returns quietly when the answer is right and raises
:class:`CheckError` (an ``AssertionError``) whose message names the quantity, the expected
and the actual shape or value, and, for arrays, where and by how much they differ, with a
guess at the usual mistake (transposed, wrong sign, a constant factor such as a missing 1/t).
A check may also be given the lab's list of common ``mistakes`` (an explanation and the value
that mistake produces): a wrong answer equal to one of them is told which mistake it is.

A check cell runs its body inside ``with checks.checking("무엇"):``, which

- prints ``✔ 통과: 무엇`` and the value it checked (the largest difference or relative error
  found, and whatever the cell passed to ``show``) when every check holds;
- turns an exception raised inside the student's code (a NumPy shape error, a forgotten
  ``return``, torch's "Kernel size can't be greater than actual input size") into a Korean
  message that names the function, the line, the shapes of the arrays on it and the likely
  cause, and a name that does not exist yet (``NameError``) into the cell that should have
  made it and the error that stopped it;
- keeps its own frames out of the traceback a student sees (IPython).

The checks compare with their own references to the NumPy functions they use, taken when this
module is imported, so a submission that rebinds ``np.allclose`` or ``np.linalg.norm`` does not
change what they compute. The grader (``python -m dlbasics.tools.grade``) scores a check cell
by whether it raises, so the same messages reach the instructor's table and the feedback file.
"""

import ast
import builtins
import dis
import inspect
import linecache
import math
import re
import sys
import types

import numpy as np

# The NumPy functions the checks use, as they are now: later assignments to ``np.<name>`` by
# code in the notebook do not reach them. Array methods and operators (a - b, a.all()) belong
# to the ndarray type, which cannot be patched.
_np = types.SimpleNamespace(
    asarray=np.asarray, float64=np.float64, ndarray=np.ndarray, generic=np.generic,
    integer=np.integer, floating=np.floating, unravel_index=np.unravel_index,
    array2string=np.array2string, isfinite=np.isfinite, isnan=np.isnan, where=np.where,
    nan_to_num=np.nan_to_num, shape=np.shape, inf=np.inf)
_isinstance, _len, _float, _abs, _print = (builtins.isinstance, builtins.len, builtins.float,
                                           builtins.abs, builtins.print)
_torch = types.SimpleNamespace()  # filled by _torch_refs(): no_grad, Tensor


def _torch_refs():
    """torch's functions the checks use, taken when torch is first needed (or at import of
    this module, when torch was already loaded, as in every lab's setup cell)."""
    if not hasattr(_torch, "no_grad"):
        import torch

        _torch.no_grad, _torch.Tensor = torch.no_grad, torch.Tensor
    return _torch


if "torch" in sys.modules:
    _torch_refs()

_OWN_FILE = __file__


class CheckError(AssertionError):
    """A failed self-check; the message says in Korean what is wrong."""

    def _render_traceback_(self):
        """IPython shows this instead of the full traceback: the cell's own frames only."""
        shell = _shell()
        if shell is None:
            raise NotImplementedError  # IPython then formats the exception as usual
        cause = self.__cause__
        if cause is not None:
            cause.__traceback__ = _without_own_frames(cause.__traceback__)
        return shell.InteractiveTB.structured_traceback(
            type(self), self, _without_own_frames(self.__traceback__))


def _without_own_frames(tb):
    """The traceback ``tb`` with the frames of this module left out (relinked in place)."""
    kept = []
    while tb is not None:
        if tb.tb_frame.f_code.co_filename != _OWN_FILE:
            kept.append(tb)
        tb = tb.tb_next
    for first, second in zip(kept, kept[1:], strict=False):
        first.tb_next = second
    if kept:
        kept[-1].tb_next = None
    return kept[0] if kept else None


# The numbers a passing check cell shows: {"close": largest difference, "gradient": largest
# relative error}, collected by the check functions while a ``checking`` block is open.
_OPEN = []


def _record(kind, value):
    for block in _OPEN:
        block.seen[kind] = max(block.seen.get(kind, 0.0), value)


def passed(what, detail=""):
    """Print the one-line success message of a check cell (and ``detail`` after it)."""
    _print(f"✔ 통과: {what}" + (f" ({detail})" if detail else ""))


def check_true(condition, message):
    """Raise ``CheckError(message)`` unless ``condition`` holds."""
    if not condition:
        raise CheckError(message)


def _plain(value):
    """NumPy scalars and torch sizes as plain Python numbers and tuples."""
    if _isinstance(value, _np.generic):
        return value.item()
    if _isinstance(value, (tuple, list)):
        return tuple(_plain(v) for v in value)
    return value


def _fmt(value):
    """Short, stable text for a number, a shape or a small array."""
    value = _plain(value)
    if _isinstance(value, float):
        return f"{value:.6g}"
    if _isinstance(value, _np.ndarray):
        return _np.array2string(value, precision=4, threshold=12, edgeitems=3)
    return repr(value)


def _not_returned(name, got):
    if got is None:
        raise CheckError(f"{name}: 값이 None입니다. 함수가 결과를 return 하는지 확인하세요.")


def _equal(got, expected):
    if _isinstance(expected, (tuple, list)):
        return (_isinstance(got, (tuple, list)) and _len(got) == _len(expected)
                and all(_equal(g, e) for g, e in zip(got, expected, strict=True)))
    if _isinstance(got, (tuple, list, _np.ndarray)):
        return False
    if (_isinstance(expected, int) and not _isinstance(expected, bool)
            and _isinstance(got, float)):
        return False  # 14.0 is not the count 14: a "/" where "//" was meant
    return bool(got == expected)


def _sequence_difference(got, expected):
    """For two sequences, a Korean sentence naming their first difference; else ""."""
    if not (_isinstance(got, (tuple, list)) and _isinstance(expected, (tuple, list))):
        return ""
    if _len(got) != _len(expected):
        return f" 길이가 다릅니다: 기대 {_len(expected)}개, 실제 {_len(got)}개."
    index = next(i for i, (g, e) in enumerate(zip(got, expected, strict=True))
                 if not _equal(g, e))
    return (f" 처음 다른 곳은 [{index}]번째 원소입니다: 기대 {_fmt(expected[index])}, "
            f"실제 {_fmt(got[index])}.")


def _with_mistake(err, got, mistakes, hint):
    """``err`` (a CheckError) with the explanation of the first of ``mistakes`` [(text, the
    value that mistake gives)] that ``got`` equals, else with ``hint``, appended."""
    found = [text for text, wrong in mistakes or () if matches(got, wrong)]
    extra = (found or [hint])[0]
    return CheckError(f"{err} {extra}".strip()) if extra else err


def check_value(name, got, expected, mistakes=(), hint=""):
    """Exact comparison for integers, shapes (tuples) and other plain values.

    Tuples and lists compare element by element, so ``(6, 28, 28)`` equals ``[6, 28, 28]``;
    for two sequences the message also names the first element that differs. A float where
    an integer is expected (``14.0`` for 14) is wrong: counts and sizes are integers.
    """
    _not_returned(name, got)
    got, expected = _plain(got), _plain(expected)
    if _equal(got, expected):
        return
    if _isinstance(got, float) and _isinstance(expected, int) and got == expected:
        err = CheckError(f"{name}: 기대한 값은 정수 {expected}인데, 실제 값은 실수 {got!r}입니다. "
                         "개수나 크기는 정수입니다: 나눗셈에 / 대신 //를 쓰세요.")
    else:
        err = CheckError(f"{name}: 기대한 값은 {_fmt(expected)}인데, 실제 값은 {_fmt(got)}입니다."
                         + _sequence_difference(got, expected))
    raise _with_mistake(err, got, mistakes, hint)


def check_shape(name, got, expected):
    """``got`` (an array, or a shape given as a tuple of ints) must have shape ``expected``."""
    _not_returned(name, got)
    is_shape = _isinstance(got, (tuple, list)) and all(
        _isinstance(n, (int, _np.integer)) for n in got)
    shape = _plain(tuple(got) if is_shape else tuple(_np.shape(got)))
    expected = tuple(expected)
    if shape == expected:
        return
    hint = ""
    if expected == ():
        hint = " 숫자 하나(스칼라)여야 합니다: float(...)나 .item()을 확인하세요."
    elif _len(shape) == _len(expected) == 2 and shape == expected[::-1]:
        hint = " 가로와 세로가 바뀌었습니다: 전치(transpose, .T)를 확인하세요."
    elif _len(shape) != _len(expected):
        hint = f" 차원 수가 다릅니다({_len(expected)}차원이어야 합니다)."
    raise CheckError(f"{name}: 모양(shape)이 틀렸습니다. 기대 {expected}, 실제 {shape}.{hint}")


def _as_float_array(name, got):
    _not_returned(name, got)
    if hasattr(got, "detach"):  # a torch tensor
        got = got.detach().cpu().numpy()
    if _isinstance(got, (str, bytes)):  # np.asarray("8.9", float) would accept a string
        raise CheckError(f"{name}: 숫자여야 하는데 문자열 {got!r}입니다.")
    try:
        return _np.asarray(got, dtype=_np.float64)
    except (TypeError, ValueError):
        raise CheckError(f"{name}: 숫자 배열이어야 하는데 {type(got).__name__}입니다.") from None


def _norm(a):
    return math.sqrt(_float((a * a).sum()))


def rel_error(a, b):
    """‖a − b‖ / (‖a‖ + ‖b‖) of two arrays of one shape (0 when both are zero)."""
    a, b = _np.asarray(a, dtype=_np.float64), _np.asarray(b, dtype=_np.float64)
    scale = _norm(a) + _norm(b)
    return _norm(a - b) / scale if scale > 0 else 0.0


def matches(got, expected, rtol=1e-5, atol=1e-8):
    """Whether ``got`` is a number array of ``expected``'s shape within ``atol + rtol·|e|``
    (False, not an error, for anything else)."""
    try:
        if hasattr(got, "detach"):
            got = got.detach().cpu().numpy()
        if hasattr(expected, "detach"):
            expected = expected.detach().cpu().numpy()
        got = _np.asarray(got, dtype=_np.float64)
        expected = _np.asarray(expected, dtype=_np.float64)
    except (TypeError, ValueError):
        return False
    if got.shape != expected.shape:
        return False
    return bool((_abs(got - expected) <= atol + rtol * _abs(expected)).all())


def _diagnose(got, expected):
    """A Korean sentence guessing the usual mistake behind two different arrays of one shape.

    NaN or inf, a flipped sign, a transposed matrix, or a constant factor (such as a missing
    1/t); the factor is only guessed for two or more numbers, as one number is always a
    multiple of another.
    """
    if not _np.isfinite(got).all():
        return "NaN 또는 무한대(inf)가 있습니다: 0으로 나누기나 exp의 넘침(overflow)을 확인하세요."
    if _norm(expected) > 0 and rel_error(got, -expected) < 1e-6:
        return "부호가 반대입니다: 식의 마이너스(−)나 커널·인덱스의 방향을 확인하세요."
    if (expected.ndim == 2 and expected.shape[0] == expected.shape[1] > 1
            and rel_error(got, expected.T) < 1e-6 and rel_error(expected, expected.T) > 1e-6):
        return "전치된 값입니다: 행과 열이 바뀌었습니다(.T를 확인하세요)."
    norm2 = _float((expected * expected).sum())
    if expected.size > 1 and norm2 > 0 and _norm(got) > 0:
        ratio = _float((got * expected).sum()) / norm2
        if _abs(ratio - 1) > 1e-3 and rel_error(got, ratio * expected) < 1e-6:
            return (f"기대값의 {ratio:.4g}배입니다: 평균을 내는 1/t(미니배치 크기)나 "
                    "식의 상수 계수를 확인하세요.")
    return ""


def check_close(name, got, expected, atol=1e-8, rtol=1e-5, mistakes=(), hint=""):
    """``got`` must equal ``expected`` (same shape) within ``atol + rtol·|expected|``.

    The message gives the largest difference, where it is, and the two values there; with
    ``mistakes`` [(explanation, the value that mistake gives)], the explanation of the one
    that ``got`` equals, else ``hint``. Returns the largest absolute difference.
    """
    try:
        return _check_close(name, got, expected, atol, rtol)
    except CheckError as err:
        raise _with_mistake(err, got, mistakes, hint) from None


def _check_close(name, got, expected, atol, rtol):
    got = _as_float_array(name, got)
    expected = _as_float_array(f"{name}의 기대값", expected)
    check_shape(name, got, expected.shape)
    diff = _abs(got - expected)
    if (diff <= atol + rtol * _abs(expected)).all():  # False wherever a NaN is
        largest = _float(diff.max()) if diff.size else 0.0
        _record("close", largest)
        return largest
    if got.ndim == 0:
        message = (f"{name}: 기대한 값은 {_fmt(expected[()])}인데, 실제 값은 {_fmt(got[()])}입니다 "
                   f"(차이 {_fmt(diff[()])}).")
    else:
        worst = _np.where(_np.isnan(diff), _np.inf, diff)
        where = _np.unravel_index(int(worst.argmax()), diff.shape)
        message = (f"{name}: 값이 다릅니다. 가장 크게 다른 곳 {tuple(int(i) for i in where)}에서 "
                   f"기대 {_fmt(expected[where])}, 실제 {_fmt(got[where])} "
                   f"(차이 {_fmt(diff[where])}, 허용 오차 "
                   f"{_fmt(atol + rtol * _abs(expected[where]))}).")
    raise CheckError(f"{message} {_diagnose(got, expected)}".rstrip())


def check_gradient(name, got, expected, tol=1e-6, mistakes=(), hint=""):
    """Two gradients agree when their relative error ‖a−b‖/(‖a‖+‖b‖) is at most ``tol``.

    The message names the gradient, the relative error and the entry that differs most,
    with the two values there and their difference (and, as for ``check_close``, which of
    ``mistakes`` it is). Returns the relative error.
    """
    try:
        return _check_gradient(name, got, expected, tol)
    except CheckError as err:
        raise _with_mistake(err, got, mistakes, hint) from None


def _check_gradient(name, got, expected, tol):
    got = _as_float_array(name, got)
    expected = _as_float_array(f"{name}의 기대값", expected)
    check_shape(name, got, expected.shape)
    error = rel_error(got, expected) if _np.isfinite(got).all() else _np.inf
    if error <= tol:
        _record("gradient", error)
        return error
    diff = _abs(_np.nan_to_num(got - expected, nan=_np.inf))
    where = _np.unravel_index(int(diff.argmax()), diff.shape)
    at = f"가장 크게 다른 곳 {tuple(int(i) for i in where)}에서 " if got.ndim else ""
    message = (f"그레이디언트 {name}: 상대 오차가 {error:.2e}로 기준({tol:.0e} 이하)보다 큽니다. "
               f"{at}기대 {_fmt(expected[where])}, 실제 {_fmt(got[where])} "
               f"(차이 {_fmt(diff[where])}).")
    raise CheckError(f"{message} {_diagnose(got, expected)}".rstrip())


def module_outputs(net, x, kinds):
    """Output shapes (without the batch axis) of ``net``'s submodules of type ``kinds``.

    Runs ``net(x)`` once without gradients and returns the shapes in call order, e.g. the
    feature maps of every ``nn.Conv2d``: ``module_outputs(net, x, nn.Conv2d)``.
    """
    torch = _torch_refs()
    shapes = []
    hooks = [m.register_forward_hook(lambda mod, inputs, out: shapes.append(tuple(out.shape[1:])))
             for m in net.modules() if _isinstance(m, kinds)]
    try:
        with torch.no_grad():
            net(x)
    finally:
        for hook in hooks:
            hook.remove()
    return shapes


# ---------------------------------------------------------------------------------------
# Own work: the student's function must not call the reference implementations.

def _global_names(code):
    """Names a code object (and the functions and classes nested in it) looks up."""
    names = set(code.co_names)
    for const in code.co_consts:
        if _isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _imported_modules(code):
    """Dotted module names that ``code`` (or code nested in it) imports when it runs:
    ``import scipy.signal`` and ``from scipy.signal import correlate`` inside a function."""
    found = set()
    for ins in dis.get_instructions(code):
        if ins.opname == "IMPORT_NAME" and _isinstance(ins.argval, str):
            found.add(ins.argval)
    for const in code.co_consts:
        if _isinstance(const, types.CodeType):
            found |= _imported_modules(const)
    return found


def _functions_of(obj):
    """The plain functions behind ``obj``: itself, or a class's methods."""
    if inspect.isclass(obj):
        return [f for f in vars(obj).values() if inspect.isfunction(f)]
    return [obj] if inspect.isfunction(obj) else []


def _module_name(obj):
    if inspect.ismodule(obj):
        return obj.__name__
    return getattr(obj, "__module__", None) or ""


def _within(name, package):
    """Whether module ``name`` is ``package`` or lies inside it."""
    return name == package or name.startswith(package + ".")


def _is_forbidden(obj, forbidden):
    for ref in forbidden:
        if _isinstance(ref, str) or inspect.ismodule(ref):
            if _within(_module_name(obj), ref if _isinstance(ref, str) else ref.__name__):
                return True
        elif obj is ref:
            return True
    return False


def _reaches(module, ref, names):
    """``module.<...>.ref`` can be written with ``names`` (the code's attribute names)."""
    if not inspect.ismodule(module):
        return False
    if _isinstance(ref, str) or inspect.ismodule(ref):
        target, last = (ref if _isinstance(ref, str) else ref.__name__), None
    else:
        target, last = _module_name(ref), getattr(ref, "__name__", None)
    if not target.startswith(module.__name__ + ".") and not (last and target == module.__name__):
        return False
    path = target[_len(module.__name__):].split(".")[1:] + ([last] if last else [])
    return all(part in names for part in path)


def _imported_reference(module_name, names, forbidden):
    """The forbidden module or function that importing ``module_name`` inside the student's
    function brings in (``names``: the names its code uses), or None.

    ``from scipy.signal import correlate`` imports ``scipy.signal``, which lies inside a
    forbidden ``"scipy"``; ``import scipy`` followed by ``scipy.signal.correlate(...)``
    reaches a forbidden ``"scipy.signal"``; ``from numpy import correlate`` reaches a
    forbidden ``np.correlate``.
    """
    for ref in forbidden:
        if _isinstance(ref, str) or inspect.ismodule(ref):
            package = ref if _isinstance(ref, str) else ref.__name__
            if _within(module_name, package):
                return module_name
            below = package[_len(module_name):].split(".")[1:]
            if _within(package, module_name) and all(part in names for part in below):
                return package
        elif (_within(_module_name(ref), module_name)
              and getattr(ref, "__name__", None) in names):
            return ref
    return None


def uses_reference(fn, *forbidden):
    """The first forbidden function, class or module that ``fn`` calls, or None.

    ``fn`` is a function or a class (its base classes and methods are read). Looks at the
    global names its code uses and the modules it imports while it runs (an import inside
    the function), follows helper functions defined in the same module, and catches both
    ``ref(...)`` and ``package.module.ref(...)``. A forbidden module, given as a module or by
    its name (``"dlbasics.dmlp"``), covers its submodules and everything in them. Calls
    through ``__import__`` or ``importlib`` count as reaching anything forbidden.
    """
    if inspect.isclass(fn):
        for base in fn.__mro__[1:]:
            if _is_forbidden(base, forbidden):
                return base
    seen, todo = set(), list(_functions_of(fn))
    while todo:
        func = todo.pop()
        if func in seen:
            continue
        seen.add(func)
        names = _global_names(func.__code__)
        for module_name in sorted(_imported_modules(func.__code__)):
            found = _imported_reference(module_name, names, forbidden)
            if found is not None:
                return found
            if module_name == "importlib":
                return "importlib"
        if "__import__" in names:
            return "__import__"
        for name in names:
            obj = func.__globals__.get(name)
            if obj is None:
                continue
            if _is_forbidden(obj, forbidden):
                return obj
            for ref in forbidden:
                if _reaches(obj, ref, names):
                    return ref
            if getattr(obj, "__module__", None) == func.__module__:
                todo.extend(_functions_of(obj))
    return None


def check_own_work(fn, *forbidden):
    """Raise CheckError when ``fn`` calls one of the reference implementations ``forbidden``."""
    ref = uses_reference(fn, *forbidden)
    if ref is not None:
        label = (ref if _isinstance(ref, str) else ref.__name__ if inspect.ismodule(ref)
                 else f"{_module_name(ref)}.{ref.__name__}")
        raise CheckError(f"{fn.__name__}: 참조 구현 {label}을(를) 부르지 말고 "
                         "강의 노트의 식으로 직접 구현하세요.")


# ---------------------------------------------------------------------------------------
# Isolation: grade one function with the reference versions of the functions it calls.

class _Substituted:
    """``with checks.substituted(globals(), forward=reference_forward): ...`` binds the given
    names in ``namespace`` for the block and puts the old values (or their absence) back
    afterwards, so that a function under test that calls an earlier problem's function gets
    the reference one: a wrong earlier answer costs only its own question."""

    def __init__(self, namespace, **names):
        self.namespace, self.names, self.saved = namespace, names, {}

    def __enter__(self):
        missing = object()
        self.saved = {name: self.namespace.get(name, missing) for name in self.names}
        self.missing = missing
        self.namespace.update(self.names)
        return self

    def __exit__(self, *exc):
        for name, value in self.saved.items():
            if value is self.missing:
                self.namespace.pop(name, None)
            else:
                self.namespace[name] = value
        return False


# ---------------------------------------------------------------------------------------
# A check cell's body: success line, Korean errors, hidden frames.

def substituted(namespace, **names):
    """``with checks.substituted(globals(), forward=reference_forward): ...`` (see
    :class:`_Substituted`)."""
    return _Substituted(namespace, **names)


def checking(what):
    """``with checks.checking("전방 계산 (식 4.3, 4.4)") as check:`` (see :class:`_Checking`)."""
    return _Checking(what)


class _Checking:
    """``with checks.checking("전방 계산 (식 4.3, 4.4)") as check:`` around a check cell's body.

    On success prints ``✔ 통과: …`` with the largest difference (``check_close``) or relative
    error (``check_gradient``) seen in the block and what ``check.show(label, value)`` was
    given. A CheckError passes through; any other exception becomes a CheckError whose message
    explains it in Korean (see ``explain``).
    """

    def __init__(self, what):
        self.what, self.seen, self.shown, self.namespace = what, {}, [], None

    def show(self, label, value):
        """Add ``label: value`` to the success line (a number, a shape, a short text)."""
        self.shown.append(f"{label} {_fmt(value) if not _isinstance(value, str) else value}")

    def __enter__(self):
        self.namespace = sys._getframe(1).f_globals
        _OPEN.append(self)
        return self

    def __exit__(self, etype, err, tb):
        if self in _OPEN:
            _OPEN.remove(self)
        if err is None:
            parts = list(self.shown)
            if "close" in self.seen:
                parts.append(f"기준과의 가장 큰 차이 {self.seen['close']:.1e}")
            if "gradient" in self.seen:
                parts.append(f"가장 큰 상대 오차 {self.seen['gradient']:.1e}")
            passed(self.what, ", ".join(parts))
            return False
        if _isinstance(err, CheckError) or not _isinstance(err, Exception):
            return False  # a check's own message, or KeyboardInterrupt and the like
        raise CheckError(explain(err, tb, self.namespace)) from err


def _shell():
    """The running IPython shell, or None (without importing IPython)."""
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    return get() if get is not None else None


def _frames(tb):
    out = []
    while tb is not None:
        out.append(tb)
        tb = tb.tb_next
    return out


def _student_frame(tb, namespace):
    """The innermost frame of code written in the notebook (a function, not the cell)."""
    found = None
    for entry in _frames(tb):
        frame = entry.tb_frame
        if frame.f_globals is namespace and frame.f_code.co_name != "<module>":
            found = entry
    return found


def _cell_frame(tb, namespace):
    """The check cell's own frame in ``tb`` (its module-level code), or None."""
    return next((entry for entry in _frames(tb) if entry.tb_frame.f_globals is namespace
                 and entry.tb_frame.f_code.co_name == "<module>"), None)


def _line(entry):
    code = entry.tb_frame.f_code
    return linecache.getline(code.co_filename, entry.tb_lineno, entry.tb_frame.f_globals).strip()


_SAFE_ATTRIBUTES = {"T", "mT", "shape"}


def _value_of(node, frame):
    """The value of a simple expression (names, ``.T``, indexing) in ``frame``, or raise."""
    if _isinstance(node, ast.Name):
        if node.id in frame.f_locals:
            return frame.f_locals[node.id]
        if node.id in frame.f_globals:
            return frame.f_globals[node.id]
        raise KeyError(node.id)
    if _isinstance(node, ast.Constant) and _isinstance(node.value, (int, type(None))):
        return node.value
    if _isinstance(node, ast.Attribute) and node.attr in _SAFE_ATTRIBUTES:
        base = _value_of(node.value, frame)
        if not hasattr(base, "shape"):
            raise TypeError("not an array")
        return getattr(base, node.attr)
    if _isinstance(node, ast.Subscript):
        base = _value_of(node.value, frame)
        if not _isinstance(base, (list, tuple, _np.ndarray)) and not hasattr(base, "shape"):
            raise TypeError("not a sequence")
        return base[_value_of(node.slice, frame)]
    if _isinstance(node, ast.Slice):
        return slice(*(None if part is None else _value_of(part, frame)
                       for part in (node.lower, node.upper, node.step)))
    if _isinstance(node, ast.Tuple):
        return tuple(_value_of(e, frame) for e in node.elts)
    if _isinstance(node, ast.BinOp) and _isinstance(node.op, (ast.Add, ast.Sub, ast.Mult,
                                                             ast.FloorDiv)):
        left, right = _value_of(node.left, frame), _value_of(node.right, frame)
        if not (_isinstance(left, int) and _isinstance(right, int)):
            raise TypeError("index arithmetic only")
        return {ast.Add: int.__add__, ast.Sub: int.__sub__, ast.Mult: int.__mul__,
                ast.FloorDiv: int.__floordiv__}[type(node.op)](left, right)
    if _isinstance(node, ast.UnaryOp) and _isinstance(node.op, ast.USub):
        value = _value_of(node.operand, frame)
        if not _isinstance(value, int):
            raise TypeError("index arithmetic only")
        return -value
    raise TypeError("not a simple expression")


def _describe(value):
    if value is None:
        return "None"
    shape = getattr(value, "shape", None)
    if shape is not None and not callable(shape):
        return str(tuple(int(n) for n in shape))
    return None


def _operand_shapes(entry, limit=6):
    """'이름 (모양)' for the arrays written on the failing line of ``entry``'s frame."""
    text = _line(entry)
    try:
        tree = ast.parse(text.rstrip(":") + ("\n    pass" if text.endswith(":") else ""))
    except SyntaxError:
        return []
    seen, shown = set(), []
    for node in ast.walk(tree):
        if not _isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)):
            continue
        label = ast.unparse(node)
        if label in seen:
            continue
        seen.add(label)
        try:
            described = _describe(_value_of(node, entry.tb_frame))
        except Exception:
            continue
        if described is not None and (described == "None" or described.startswith("(")):
            shown.append(f"{label} {described}")
    return shown[:limit]


# (pattern in "ExceptionName: message", Korean likely cause)
_CAUSES = [
    (r"NotImplementedError",
     "아직 풀지 않은 빈칸입니다: raise NotImplementedError 줄을 지우고 답을 쓰세요."),
    (r"'NoneType' object|NoneType|unsupported operand type\(s\) for .*NoneType",
     "값이 None입니다: 함수가 결과를 return 하는지 확인하세요(return을 빠뜨리면 None이 됩니다)."),
    (r"matmul|not aligned|mat1 and mat2 shapes|size mismatch|shapes .* cannot be multiplied",
     "행렬 곱의 안쪽 크기가 맞지 않습니다((a, n) @ (n, b)): 전치(.T), 곱하는 순서, "
     "바이어스 열(z₀ = 1)을 확인하세요."),
    (r"could not be broadcast|must match the size of tensor",
     "모양이 다른 배열끼리 원소별로 계산했습니다: 축의 순서, 전치(.T), 덧대기, "
     "바이어스 열을 확인하세요."),
    (r"Kernel size can't be greater than actual input size|Output size is too small",
     "특징 맵이 커널(또는 풀링 창)보다 작아졌습니다: 덧대기(padding)를 빠뜨렸거나 보폭·풀링으로 "
     "너무 많이 줄였습니다. 층마다 출력 크기 ⌊(n + 2p − h)/s⌋ + 1을 확인하세요."),
    (r"expected input\[.*\] to have \d+ channels|channels, but got",
     "앞 층의 출력 채널 수와 다음 층의 입력 채널 수가 다릅니다: 층마다 커널 개수를 확인하세요."),
    (r"index .* is out of bounds|index out of range|out of bounds",
     "인덱스가 범위를 벗어났습니다: 반복 범위(range), 덧대기, 보폭, 층 번호(0부터인지 1부터인지)를 "
     "확인하세요."),
    (r"Sizes of tensors must match except in dimension|expected a non-empty list of Tensors|"
     r"Tensors must have same number of dimensions",
     "torch.cat으로 이어 붙이는 축이 틀렸거나 나머지 축의 크기가 다릅니다: 특징 맵은 "
     "채널 축(dim=1)으로 이어 붙입니다."),
    (r"cannot reshape|shape '\[.*\]' is invalid",
     "reshape할 수 없는 크기입니다: 펼치기 전의 모양(채널 × 높이 × 너비)을 확인하세요."),
    (r"not defined",
     "정의되지 않은 이름입니다: 철자와, 그 이름을 정의하는 칸을 실행했는지 확인하세요."),
    (r"ZeroDivisionError|division by zero",
     "0으로 나누었습니다: 나누는 값(보폭, 개수)을 확인하세요."),
    (r"object is not callable",
     "함수가 아닌 값을 함수처럼 불렀습니다: 같은 이름의 변수를 만들지 않았는지 확인하세요."),
    (r"cannot unpack|too many values to unpack|not enough values to unpack",
     "돌려주는 값의 개수가 다릅니다: 함수의 return 문을 확인하세요."),
]


def likely_cause(err):
    """A Korean sentence on the usual cause of the exception ``err``, or ""."""
    text = f"{type(err).__name__}: {err}"
    return next((cause for pattern, cause in _CAUSES if re.search(pattern, text)), "")


def explain(err, tb, namespace):
    """The Korean message for ``err``, raised inside a check cell by the notebook's code.

    Names the function of the notebook it came from and its line, the shapes of the arrays
    on that line, and the likely cause; a name that the cell itself cannot find is explained
    by the cell that should have made it (see ``missing_name``).
    """
    error = f"{type(err).__name__}: {err}".rstrip(": .")
    entry = _student_frame(tb, namespace)
    if entry is None and _isinstance(err, NameError) and getattr(err, "name", None):
        return missing_name(err.name, error)
    if entry is not None and _isinstance(err, NotImplementedError):  # the blank itself
        return (f"{entry.tb_frame.f_code.co_name}: 아직 풀지 않은 빈칸입니다(NotImplementedError). "
                "raise NotImplementedError 줄을 지우고 답을 쓰세요.")
    parts = []
    if entry is not None:
        parts.append(f"{entry.tb_frame.f_code.co_name}을(를) 실행하다가 오류가 났습니다: {error}.")
        line = _line(entry)
        if line:
            parts.append(f"그 줄: `{line}`.")
        shapes = _operand_shapes(entry)
        if shapes:
            parts.append(f"그 줄의 값: {', '.join(shapes)}.")
    else:
        parts.append(f"검사하다가 오류가 났습니다: {error}.")
        cell = _cell_frame(tb, namespace)
        line = _line(cell) if cell is not None else ""
        if line:
            parts.append(f"확인 칸의 줄: `{line}`.")
    cause = likely_cause(err)
    if cause:
        parts.append(cause)
    return " ".join(parts)


# Cells that ran in this IPython kernel: {name: (execution count, error text or None)} for
# every name a cell binds, filled by an IPython hook (see _watch_cells).
_BINDERS = {}
_LAST_ERROR = []  # [(execution count, error text)] of the last cell that failed


def _top_level_names(source):
    """The names a cell's code binds at its top level (a rough guess if it cannot parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {a or b for a, b in re.findall(r"^(?:def|class)\s+(\w+)|^(\w+)\s*=", source,
                                               re.M)}
    names = set()
    for stmt in tree.body:
        if _isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(stmt.name)
        elif _isinstance(stmt, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in stmt.names)
        else:
            names.update(n.id for n in ast.walk(stmt)
                         if _isinstance(n, ast.Name) and _isinstance(n.ctx, ast.Store))
    return names


def missing_name(name, error=""):
    """Why ``name`` does not exist yet, in Korean: the cell meant to make it failed (which,
    and with what error), or has not run."""
    made = _BINDERS.get(name)
    if made is not None and made[1]:
        return (f"{name}이(가) 없습니다: 그것을 만드는 칸 [{made[0]}]에서 오류가 났습니다"
                f"({made[1]}). 그 칸부터 고치세요.")
    text = (f"{name}이(가) 아직 없습니다: 그것을 만드는 위의 칸을 실행하지 않았거나, 그 칸에 "
            f"{name}의 정의가 없습니다. 위에서부터 차례로 실행하세요(커널 다시 시작 후 모든 셀 "
            "실행).")
    if _LAST_ERROR:
        count, last = _LAST_ERROR[-1]
        text += f" 앞에서 마지막으로 오류가 난 칸은 [{count}]입니다({last})."
    return f"{text} ({error})" if error else text


def _short_error(err):
    text = f"{type(err).__name__}: {err}".rstrip(": ")
    return text if _len(text) <= 300 else text[:299] + "…"


def _after_cell(result):
    """IPython post_run_cell hook: remember which names each cell binds and whether it failed."""
    try:
        err = result.error_before_exec or result.error_in_exec
        count = result.execution_count
        source = getattr(result.info, "raw_cell", "") or ""
        error = _short_error(err) if err is not None else None
        for name in _top_level_names(source):
            _BINDERS[name] = (count, error)
        if error is not None:
            _LAST_ERROR[:] = [(count, error)]
    except Exception:  # a hook must never break the notebook
        pass


def _on_name_error(shell, etype, value, tb, tb_offset=None):
    """IPython's handler for a NameError in any cell: say which earlier cell is the cause."""
    try:
        name = getattr(value, "name", None)
        if name and value.args and _isinstance(value.args[0], str) and "—" not in value.args[0]:
            value.args = (f"{value.args[0]} — {missing_name(name)}",)
    except Exception:
        pass
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)


def _watch_cells():
    """In an IPython kernel: the hook that records each cell's names and errors, and the
    Korean explanation of a NameError. Does nothing elsewhere."""
    shell = _shell()
    if shell is None or getattr(shell, "_dlbasics_checks", False):
        return
    shell._dlbasics_checks = True
    shell.events.register("post_run_cell", _after_cell)
    if not shell.custom_exceptions:  # never replace a handler someone else installed
        shell.set_custom_exc((NameError,), _on_name_error)


_watch_cells()
