"""층별 출력 모양과 매개변수 개수 (sizes and parameter counts of networks).

Importing this module loads neither torch nor NumPy: the NumPy layers (numpy_nn) and the grader
use its counting and text helpers without paying for torch.
"""

import unicodedata


def count_parameters(net):
    """Number of learnable parameters of a torch module or of a dlbasics NumPy module.

    torch tensors count when ``requires_grad`` (frozen ones are not learnt); NumPy arrays
    always count.
    """
    return sum(int(p.numel()) if hasattr(p, "numel") else int(p.size)
               for p in net.parameters() if getattr(p, "requires_grad", True))


def layer_rows(net, input_shape, depth=1):
    """Run one zero input of shape ``input_shape`` (without the batch axis) through ``net``.

    Returns one row per module ``depth`` levels below ``net``, in call order:
    (name, type, output shape without the batch axis, learnable parameters).
    """
    modules = {name: m for name, m in net.named_modules()
               if name and name.count(".") == depth - 1}
    if not modules:
        raise ValueError(f"{type(net).__name__} has no submodules at depth {depth}")
    import torch

    rows, hooks = [], []
    for name, module in modules.items():
        def record(mod, inputs, output, name=name):
            shape = tuple(output.shape[1:]) if torch.is_tensor(output) else "-"
            rows.append((name, type(mod).__name__, shape, count_parameters(mod)))
        hooks.append(module.register_forward_hook(record))
    param = next(net.parameters(), None)
    x = torch.zeros(1, *input_shape, device=param.device if param is not None else "cpu")
    was_training = net.training
    try:
        net.eval()
        with torch.no_grad():
            net(x)
    finally:
        net.train(was_training)
        for hook in hooks:
            hook.remove()
    return rows


def layer_table(net, input_shape, depth=1):
    """The rows of :func:`layer_rows` as a text table with the total parameter count."""
    rows = layer_rows(net, input_shape, depth)
    header = ("층 (layer)", "종류", "출력 모양", "매개변수")
    body = [(n, t, "×".join(map(str, s)) if isinstance(s, tuple) else s, f"{p:,}")
            for n, t, s, p in rows]
    widths = [max(display_width(r[i]) for r in [header, *body]) for i in range(4)]
    lines = ["  ".join(pad(r[i], widths[i], right=i == 3) for i in range(4))
             for r in [header, *body]]
    lines.insert(1, "-" * (sum(widths) + 6))
    lines.append(f"합계 (total): {count_parameters(net):,}")
    return "\n".join(lines)


def display_width(text):
    """Display width in a monospace font: Hangul and other wide characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def pad(text, width, right=False):
    """``text`` padded with spaces to ``width`` display columns (on the left when ``right``)."""
    gap = " " * (width - display_width(text))
    return gap + str(text) if right else str(text) + gap


def conv_output_size(n, h, stride=1, padding=0):
    """Output length of a convolution or pooling: floor((n + 2p − h) / s) + 1."""
    if h > n + 2 * padding:
        raise ValueError(f"kernel size h={h} is larger than the padded input {n} + 2·{padding}")
    return (n + 2 * padding - h) // stride + 1

