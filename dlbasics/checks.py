"""실습의 확인 칸 (self-checks for the labs): say in Korean what is wrong, not a bare assert.

Every ``check_*`` function returns quietly when the answer is right and raises
:class:`CheckError` (an ``AssertionError``) whose message names the quantity, the expected
and the actual shape or value, and, for arrays, where and by how much they differ, with a
guess at the usual mistake (transposed, wrong sign, a constant factor such as a missing 1/t).
A check cell ends with :func:`passed`, which prints one line.

The grader (``python -m dlbasics.tools.grade``) scores a check cell by whether it raises, so the
same messages reach the instructor's table.
"""

import inspect
import types

import numpy as np

from .gradcheck import rel_error


class CheckError(AssertionError):
    """A failed self-check; the message says in Korean what is wrong."""


def passed(what):
    """Print the one-line success message of a check cell."""
    print(f"✔ 통과: {what}")


def check_true(condition, message):
    """Raise ``CheckError(message)`` unless ``condition`` holds."""
    if not condition:
        raise CheckError(message)


def _plain(value):
    """NumPy scalars and torch sizes as plain Python numbers and tuples."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list)):
        return tuple(_plain(v) for v in value)
    return value


def _fmt(value):
    """Short, stable text for a number, a shape or a small array."""
    value = _plain(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=4, threshold=12, edgeitems=3)
    return repr(value)


def _not_returned(name, got):
    if got is None:
        raise CheckError(f"{name}: 값이 None입니다. 함수가 결과를 return 하는지 확인하세요.")


def _equal(got, expected):
    if isinstance(expected, (tuple, list)):
        return (isinstance(got, (tuple, list)) and len(got) == len(expected)
                and all(_equal(g, e) for g, e in zip(got, expected, strict=True)))
    if isinstance(got, (tuple, list, np.ndarray)):
        return False
    return bool(got == expected)


def _sequence_difference(got, expected):
    """For two sequences, a Korean sentence naming their first difference; else ""."""
    if not (isinstance(got, (tuple, list)) and isinstance(expected, (tuple, list))):
        return ""
    if len(got) != len(expected):
        return f" 길이가 다릅니다: 기대 {len(expected)}개, 실제 {len(got)}개."
    index = next(i for i, (g, e) in enumerate(zip(got, expected, strict=True))
                 if not _equal(g, e))
    return (f" 처음 다른 곳은 [{index}]번째 원소입니다: 기대 {_fmt(expected[index])}, "
            f"실제 {_fmt(got[index])}.")


def check_value(name, got, expected):
    """Exact comparison for integers, shapes (tuples) and other plain values.

    Tuples and lists compare element by element, so ``(6, 28, 28)`` equals ``[6, 28, 28]``;
    for two sequences the message also names the first element that differs.
    """
    _not_returned(name, got)
    got, expected = _plain(got), _plain(expected)
    if not _equal(got, expected):
        raise CheckError(f"{name}: 기대한 값은 {_fmt(expected)}인데, 실제 값은 {_fmt(got)}입니다."
                         + _sequence_difference(got, expected))


def check_shape(name, got, expected):
    """``got`` (an array, or a shape given as a tuple of ints) must have shape ``expected``."""
    _not_returned(name, got)
    is_shape = isinstance(got, (tuple, list)) and all(
        isinstance(n, (int, np.integer)) for n in got)
    shape = _plain(tuple(got) if is_shape else tuple(np.shape(got)))
    expected = tuple(expected)
    if shape == expected:
        return
    hint = ""
    if expected == ():
        hint = " 숫자 하나(스칼라)여야 합니다: float(...)나 .item()을 확인하세요."
    elif len(shape) == len(expected) == 2 and shape == expected[::-1]:
        hint = " 가로와 세로가 바뀌었습니다: 전치(transpose, .T)를 확인하세요."
    elif len(shape) != len(expected):
        hint = f" 차원 수가 다릅니다({len(expected)}차원이어야 합니다)."
    raise CheckError(f"{name}: 모양(shape)이 틀렸습니다. 기대 {expected}, 실제 {shape}.{hint}")


def _as_float_array(name, got):
    _not_returned(name, got)
    if hasattr(got, "detach"):  # a torch tensor
        got = got.detach().cpu().numpy()
    if isinstance(got, (str, bytes)):  # np.asarray("8.9", float) would accept a string
        raise CheckError(f"{name}: 숫자여야 하는데 문자열 {got!r}입니다.")
    try:
        return np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckError(f"{name}: 숫자 배열이어야 하는데 {type(got).__name__}입니다.") from None


def _diagnose(got, expected):
    """A Korean sentence guessing the usual mistake behind two different arrays of one shape.

    NaN or inf, a flipped sign, a transposed matrix, or a constant factor (such as a missing
    1/t); the factor is only guessed for two or more numbers, as one number is always a
    multiple of another.
    """
    if not np.all(np.isfinite(got)):
        return "NaN 또는 무한대(inf)가 있습니다: 0으로 나누기나 exp의 넘침(overflow)을 확인하세요."
    if np.linalg.norm(expected) > 0 and rel_error(got, -expected) < 1e-6:
        return "부호가 반대입니다: 식의 마이너스(−)나 커널·인덱스의 방향을 확인하세요."
    if (expected.ndim == 2 and expected.shape[0] == expected.shape[1] > 1
            and rel_error(got, expected.T) < 1e-6 and rel_error(expected, expected.T) > 1e-6):
        return "전치된 값입니다: 행과 열이 바뀌었습니다(.T를 확인하세요)."
    norm2 = float(np.sum(expected * expected))
    if expected.size > 1 and norm2 > 0 and np.linalg.norm(got) > 0:
        ratio = float(np.sum(got * expected)) / norm2
        if abs(ratio - 1) > 1e-3 and rel_error(got, ratio * expected) < 1e-6:
            return (f"기대값의 {ratio:.4g}배입니다: 평균을 내는 1/t(미니배치 크기)나 "
                    "식의 상수 계수를 확인하세요.")
    return ""


def check_close(name, got, expected, atol=1e-8, rtol=1e-5):
    """``got`` must equal ``expected`` (same shape) within ``atol + rtol·|expected|``.

    The message gives the largest difference, where it is, and the two values there.
    """
    got = _as_float_array(name, got)
    expected = np.asarray(expected, dtype=np.float64)
    check_shape(name, got, expected.shape)
    if np.allclose(got, expected, atol=atol, rtol=rtol):
        return
    diff = np.abs(got - expected)
    if got.ndim == 0:
        message = (f"{name}: 기대한 값은 {_fmt(expected[()])}인데, 실제 값은 {_fmt(got[()])}입니다 "
                   f"(차이 {_fmt(diff[()])}).")
    else:
        where = np.unravel_index(int(np.nanargmax(np.where(np.isnan(diff), np.inf, diff))),
                                 diff.shape)
        message = (f"{name}: 값이 다릅니다. 가장 크게 다른 곳 {tuple(int(i) for i in where)}에서 "
                   f"기대 {_fmt(expected[where])}, 실제 {_fmt(got[where])} "
                   f"(차이 {_fmt(diff[where])}, 허용 오차 "
                   f"{_fmt(atol + rtol * abs(expected[where]))}).")
    raise CheckError(f"{message} {_diagnose(got, expected)}".rstrip())


def check_gradient(name, got, expected, tol=1e-6):
    """Two gradients agree when their relative error ‖a−b‖/(‖a‖+‖b‖) is at most ``tol``.

    The message names the gradient, the relative error and the entry that differs most,
    with the two values there and their difference.
    """
    got = _as_float_array(name, got)
    expected = np.asarray(expected, dtype=np.float64)
    check_shape(name, got, expected.shape)
    error = rel_error(got, expected) if np.all(np.isfinite(got)) else np.inf
    if error <= tol:
        return
    diff = np.abs(np.nan_to_num(got - expected, nan=np.inf))
    where = np.unravel_index(int(np.argmax(diff)), diff.shape)
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
    import torch

    shapes = []
    hooks = [m.register_forward_hook(lambda mod, inputs, out: shapes.append(tuple(out.shape[1:])))
             for m in net.modules() if isinstance(m, kinds)]
    try:
        with torch.no_grad():
            net(x)
    finally:
        for hook in hooks:
            hook.remove()
    return shapes


def _global_names(code):
    """Names a code object (and the functions and classes nested in it) looks up."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


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
        if isinstance(ref, str) or inspect.ismodule(ref):
            if _within(_module_name(obj), ref if isinstance(ref, str) else ref.__name__):
                return True
        elif obj is ref:
            return True
    return False


def _reaches(module, ref, names):
    """``module.<...>.ref`` can be written with ``names`` (the code's attribute names)."""
    if not inspect.ismodule(module):
        return False
    if isinstance(ref, str) or inspect.ismodule(ref):
        target, last = (ref if isinstance(ref, str) else ref.__name__), None
    else:
        target, last = _module_name(ref), getattr(ref, "__name__", None)
    if not target.startswith(module.__name__ + ".") and not (last and target == module.__name__):
        return False
    path = target[len(module.__name__):].split(".")[1:] + ([last] if last else [])
    return all(part in names for part in path)


def uses_reference(fn, *forbidden):
    """The first forbidden function, class or module that ``fn`` calls, or None.

    ``fn`` is a function or a class (its base classes and methods are read). Looks at the
    global names its code uses, follows helper functions defined in the same module, and
    catches both ``ref(...)`` and ``package.module.ref(...)``. A forbidden module, given as a
    module or by its name (``"dlbasics.dmlp"``), covers its submodules and everything in them.
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
        label = (ref if isinstance(ref, str) else ref.__name__ if inspect.ismodule(ref)
                 else f"{_module_name(ref)}.{ref.__name__}")
        raise CheckError(f"{fn.__name__}: 참조 구현 {label}을(를) 부르지 말고 "
                         "강의 노트의 식으로 직접 구현하세요.")
