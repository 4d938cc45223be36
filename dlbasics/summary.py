"""층별 출력 모양과 매개변수 개수 (a layer table for torch networks)."""

import unicodedata

import torch


def layer_rows(net, input_shape, depth=1):
    """Run one zero input of shape ``input_shape`` (without the batch axis) through ``net``.

    Returns one row per module ``depth`` levels below ``net``, in call order:
    (name, type, output shape without the batch axis, learnable parameters).
    """
    modules = {name: m for name, m in net.named_modules()
               if name and name.count(".") == depth - 1}
    if not modules:
        raise ValueError(f"{type(net).__name__} has no submodules at depth {depth}")
    rows, hooks = [], []
    for name, module in modules.items():
        def record(mod, inputs, output, name=name):
            shape = tuple(output.shape[1:]) if torch.is_tensor(output) else "-"
            rows.append((name, type(mod).__name__, shape, _count(mod)))
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
    widths = [max(_width(r[i]) for r in [header, *body]) for i in range(4)]
    lines = ["  ".join(_pad(r[i], widths[i], right=i == 3) for i in range(4))
             for r in [header, *body]]
    lines.insert(1, "-" * (sum(widths) + 6))
    lines.append(f"합계 (total): {_count(net):,}")
    return "\n".join(lines)


def _width(text):
    """Display width in a monospace font: Hangul and other wide characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _pad(text, width, right=False):
    gap = " " * (width - _width(text))
    return gap + str(text) if right else str(text) + gap


def _count(module):
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def conv_output_size(n, h, stride=1, padding=0):
    """Output length of a convolution or pooling: floor((n + 2p − h) / s) + 1."""
    if h > n + 2 * padding:
        raise ValueError(f"kernel size h={h} is larger than the padded input {n} + 2·{padding}")
    return (n + 2 * padding - h) // stride + 1

