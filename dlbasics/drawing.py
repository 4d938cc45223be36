"""그림 그리기 (drawings of the lecture note's figures, made from the objects they depict).

Every drawing is computed: a convolution picture from the arrays, a padding picture from the
padded array, a network diagram from the torch module itself (its submodules and, through
torch.fx, the way its forward() connects them). Change the code and the picture changes.
matplotlib only; Hangul labels through :func:`dlbasics.plotting.use_korean_font`.

- :func:`grid_rows` (with :func:`draw_grid`, :func:`draw_array`) — grids of numbers with
  highlighted windows (input, kernel, output; padding cells in grey), for 그림 4-6, 4-7, 4-8,
  4-13, 4-14, 4-16; :func:`kernel_map_panels` — kernels above their feature maps (그림 4-10).
- :func:`box_flow` — rows of labelled boxes joined by arrows (그림 4-1);
  :func:`feature_map_stages` (with :func:`layer_outputs`, :func:`sequential_steps`) — an image,
  the feature maps a network makes of it and its class scores (그림 4-2).
- :func:`dmlp_graph` — a DMLP with its bias nodes (그림 4-3); :func:`box_table` — a table of
  boxes (그림 4-4); :func:`computation_graph` — operations and the values they pass (the δ path
  of 4.2); :func:`layer_graph` — partial connections and a receptive field (그림 4-5).
- :func:`tensor_flow`, :func:`feature_map_flow` (made readable by :func:`fit_flow`),
  :func:`cuboid_rows`, :func:`layer_flow` with :func:`flow_rows` or :func:`feature_map_rows` —
  tensors as C×H×W cuboids with their sizes (그림 4-15, 4-18, 4-19, 4-21, 4-22, 4-25);
  :func:`sheet_stacks` — maps as countable sheets (그림 4-23).
- :func:`module_graph`, :func:`graph_panels`, :func:`module_graphs` — block diagrams of torch
  modules through torch.fx: branches, concatenations, shortcuts (그림 4-24, 4-26, 4-27, 4-28);
  :func:`network_stacks` — long networks layer by layer, plain beside residual (그림 4-29).
- :func:`photo_boxes` — labelled rectangles on a photograph (그림 4-31).
- :func:`overlaps`, :func:`collisions`, :func:`graph_collisions` — what collides in a drawing,
  for the tests: a readable figure returns [].

Tests read what a drawing holds, not its pixels: shapes drawn for nodes, cells and cuboids
carry a ``gid`` ("node", "cell", "pad", "window", "cuboid", "box") and the texts are the
axes' texts.
"""

import math
import operator
import textwrap
from itertools import pairwise

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Polygon, Rectangle
from matplotlib.path import Path

from .plotting import use_korean_font

PAD_COLOR = "#d9d9d9"
WINDOW_COLORS = ("tab:red", "tab:blue", "tab:green", "tab:orange", "tab:purple")


# ---- grids of numbers ---------------------------------------------------------------------

def _as_grid(values):
    values = np.asarray(values)
    if values.ndim == 1:
        return values[None, :]
    if values.ndim != 2:
        raise ValueError(f"a grid needs a 1-D or 2-D array, got shape {values.shape}")
    return values


def _format(value, fmt):
    if isinstance(fmt, str):
        return fmt.format(value)
    return fmt(value)


def draw_grid(ax, values, x0=0.0, y0=0.0, *, padding=0, windows=(), fmt="{:g}", title=None,
              fontsize=10, shade=None):
    """Draw ``values`` (1-D or 2-D) as a grid of numbered unit cells with its top-left at (x0, y0).

    ``padding``: the outer rings that are padding, drawn grey. ``windows``: rectangles
    (row, col, height, width) drawn with thick coloured edges, e.g. a kernel's position.
    ``shade``: an optional array of the grid's shape; cells where it is True are tinted.
    Returns the grid's (width, height) in cells.
    """
    grid = _as_grid(values)
    rows, cols = grid.shape
    for r in range(rows):
        for c in range(cols):
            is_pad = min(r, c, rows - 1 - r, cols - 1 - c) < padding
            tinted = shade is not None and _as_grid(shade)[r, c]
            color = PAD_COLOR if is_pad else "#fde9c9" if tinted else "white"
            ax.add_patch(Rectangle((x0 + c, y0 - r - 1), 1, 1, facecolor=color,
                                   edgecolor="gray", lw=0.8, gid="pad" if is_pad else "cell"))
            ax.text(x0 + c + 0.5, y0 - r - 0.5, _format(grid[r, c], fmt), ha="center",
                    va="center", fontsize=fontsize)
    for i, (r, c, h, w) in enumerate(windows):
        inset = 0.07 * (i % 4)  # overlapping windows stay apart
        ax.add_patch(Rectangle((x0 + c + inset, y0 - r - h + inset), w - 2 * inset,
                               h - 2 * inset, fill=False, lw=2.5,
                               edgecolor=WINDOW_COLORS[i % len(WINDOW_COLORS)], gid="window"))
    if title:
        ax.text(x0 + cols / 2, y0 + 0.4, title, ha="center", va="bottom", fontsize=fontsize + 1)
    return cols, rows


# ---- tensors as cuboids ---------------------------------------------------------------------

def _span(n, scale):
    """Drawn length of a dimension of size n: grows like log2, so 1 and 224 both stay visible."""
    return scale * (0.35 + math.log2(max(n, 1)) / 3)


def draw_cuboid(ax, x, y, channels, height, width, *, label=None, color="#9ecae1", scale=1.0,
                split=1):
    """A C×H×W tensor as an oblique cuboid whose front face (H×W) has its bottom-left at (x, y).

    The depth axis (drawn to the right and up) stands for the channels. ``split`` > 1 draws the
    channels as that many stacked cuboids of C/split channels (a grouped convolution's groups,
    AlexNet's two GPUs). Returns the drawn (width, height), depth offset included.
    """
    w, h = _span(width, scale), _span(height, scale)
    d = _span(max(channels // split, 1), scale * 0.9)
    dx, dy = d * 0.6, d * 0.45
    gap = 0.15 * scale
    for g in range(split):
        y0 = y + g * (h + dy + gap)
        ax.add_patch(Rectangle((x, y0), w, h, facecolor=color, edgecolor="black", lw=0.8,
                               gid="cuboid"))
        for corners, alpha in (([(x, y0 + h), (x + dx, y0 + h + dy), (x + w + dx, y0 + h + dy),
                                 (x + w, y0 + h)], 0.8),
                               ([(x + w, y0), (x + w + dx, y0 + dy), (x + w + dx, y0 + h + dy),
                                 (x + w, y0 + h)], 0.6)):
            ax.add_patch(Polygon(corners, closed=True, facecolor=color, edgecolor="black",
                                 lw=0.8, alpha=alpha))
    if label:
        ax.text(x + (w + dx) / 2, y - 0.15 * scale, label, ha="center", va="top", fontsize=9)
    return w + dx, split * (h + dy) + (split - 1) * gap


def _shape_label(shape):
    return "×".join(str(int(n)) for n in shape)


def tensor_flow(shapes, *, names=None, ops=None, splits=None, title=None, scale=0.55, ax=None):
    """Tensors in a row, left to right, with the operation that turns each into the next.

    ``shapes``: (C, H, W) tuples, or (n,) for a vector (drawn as a thin bar); ``names``:
    a name per tensor drawn under its size; ``ops``: a label per arrow (len(shapes) − 1);
    ``splits``: the number of channel groups per tensor (2 for AlexNet's two GPUs).
    Draws on ``ax`` if given, else on a new figure. Returns the figure.
    """
    use_korean_font()
    names = names or [None] * len(shapes)
    ops = ops or [None] * (len(shapes) - 1)
    splits = splits or [1] * len(shapes)
    if len(ops) != len(shapes) - 1 or len(names) != len(shapes) or len(splits) != len(shapes):
        raise ValueError(f"{len(shapes)} shapes need {len(shapes) - 1} ops and {len(shapes)} "
                         f"names and splits, got {len(ops)}, {len(names)} and {len(splits)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(1.0 + 1.7 * len(shapes), 3.3))
    x, tops = 0.0, []
    for i, shape in enumerate(shapes):
        shape = tuple(int(n) for n in shape)
        cuboid = (shape[0], shape[1], shape[2]) if len(shape) == 3 else (1, shape[0], 1)
        label = _shape_label(shape) + (f"\n{names[i]}" if names[i] else "")
        w, h = draw_cuboid(ax, x, 0.0, *cuboid, label=label, scale=scale, split=splits[i],
                           color="#9ecae1" if len(shape) == 3 else "#c7e9c0")
        tops.append(h)
        if i < len(ops):
            gap = 1.25
            arrow = FancyArrowPatch((x + w + 0.05, 0.4 * scale), (x + w + gap - 0.05, 0.4 * scale),
                                    arrowstyle="-|>", mutation_scale=10, lw=1)
            ax.add_patch(arrow)
            if ops[i]:
                ax.text(x + w + gap / 2, 0.4 * scale + 0.1, ops[i].replace(", ", "\n"),
                        ha="center", va="bottom", fontsize=8.5, linespacing=1.1)
            x += w + gap
        else:
            x += w
    ax.set_xlim(-0.2, x + 0.2)
    ax.set_ylim(-0.9, max(tops) + 0.4)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax.figure


def describe_module(module):
    """A short label of a torch layer: '5×5 conv, 6', '2×2 max pool /2', 'FC 84', ..."""
    from torch import nn

    def pair(v):
        return v if isinstance(v, tuple) else (v, v)

    if isinstance(module, nn.Conv2d):
        kh, kw = pair(module.kernel_size)
        text = f"{kh}×{kw} conv, {module.out_channels}"
        if pair(module.stride) != (1, 1):
            text += f" /{pair(module.stride)[0]}"
        if module.groups > 1:
            text += f", 그룹 {module.groups}"
        return text
    if isinstance(module, nn.MaxPool2d | nn.AvgPool2d):
        kind = "max" if isinstance(module, nn.MaxPool2d) else "avg"
        kh, _ = pair(module.kernel_size)
        stride = pair(module.stride or module.kernel_size)[0]
        return f"{kh}×{kh} {kind} pool" + (f" /{stride}" if stride != 1 else "")
    if isinstance(module, nn.AdaptiveAvgPool2d):
        return "전역 평균 풀링"
    if isinstance(module, nn.Linear):
        return f"FC {module.out_features}"
    if isinstance(module, nn.BatchNorm2d | nn.BatchNorm1d):
        return "BN"
    if isinstance(module, nn.ReLU):
        return "ReLU"
    if isinstance(module, nn.Dropout):
        return f"dropout {module.p:g}"
    if isinstance(module, nn.Flatten):
        return "flatten"
    if isinstance(module, nn.Softmax | nn.LogSoftmax):
        return "softmax"
    return type(module).__name__


SHAPE_LAYERS = ("Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "Linear")


def _layer_records(model, input_shape, layers):
    """[(module, output shape without the batch axis)] of each layer of ``model`` whose class
    name is in ``layers``, in the order a zero input of ``input_shape`` (C, H, W) meets them
    (in eval mode, without gradients; the model's mode is restored)."""
    import torch

    records, hooks = [], []
    for module in model.modules():
        if type(module).__name__ in layers:
            hooks.append(module.register_forward_hook(
                lambda mod, _inputs, out: records.append((mod, tuple(out.shape[1:])))))
    param = next(model.parameters(), None)
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(1, *input_shape,
                              device=param.device if param is not None else "cpu"))
    finally:
        model.train(was_training)
        for hook in hooks:
            hook.remove()
    return records


def feature_map_flow(model, input_shape, *, title=None, names=None, scale=0.55, ax=None):
    """The tensors a sequential CNN makes from one input, drawn by :func:`tensor_flow`.

    Runs a zero input of ``input_shape`` (C, H, W) through ``model`` and draws the input and
    the output of every convolution, pooling and FC layer, with the layer's label on the
    arrow. A grouped convolution's output is drawn in its groups (AlexNet's two GPUs).
    ``names``: optional names of the drawn tensors after the input (e.g. LeNet-5's C1, S2, …).
    Returns the figure.
    """
    records = _layer_records(model, input_shape, SHAPE_LAYERS)
    shapes = [tuple(input_shape)] + [shape for _, shape in records]
    ops = [describe_module(mod) for mod, _ in records]
    splits = [1] + [getattr(mod, "groups", 1) for mod, _ in records]
    if names is not None and len(names) != len(records):
        raise ValueError(f"names needs one name per drawn layer ({len(records)}), got {len(names)}")
    return tensor_flow(shapes, names=["입력", *(names or [None] * len(records))], ops=ops,
                       splits=splits, title=title, scale=scale, ax=ax)


# ---- layered graphs of nodes ---------------------------------------------------------------

def layer_graph(sizes, *, bias=True, kernel=None, receptive_field=None, labels=None, title=None,
                node_inches=0.5, ax=None):
    """Layers of nodes from bottom (input) to top, every node joined to the layer below.

    ``kernel``: None for full connection (DMLP), or an odd width h for partial connection
    (node i sees nodes i − (h−1)/2 … i + (h−1)/2 below, as a convolution with padding).
    ``bias``: draw a bias node "1" at the left of every layer but the last (U^l's column 0).
    ``receptive_field``: the index of a node of the top layer whose receptive field is
    highlighted, layer by layer. ``labels``: a label per layer. Draws on ``ax`` if given,
    else on a new figure. Returns the figure.
    """
    use_korean_font()
    if kernel is not None and kernel % 2 == 0:
        raise ValueError(f"kernel must be an odd width, got {kernel}")
    L = len(sizes) - 1
    widest = max(sizes) + (1 if bias else 0)
    x_units = widest + 1.5 + (2.2 if labels else 0)
    if ax is None:
        _, ax = plt.subplots(figsize=(x_units * node_inches, (L + 1.2) * node_inches * 1.25))
    xs = {}
    for l, n in enumerate(sizes):
        offset = (widest - n) / 2 + (0.5 if bias else 0)
        xs[l] = [offset + i for i in range(n)]
    marked = {L: {receptive_field}} if receptive_field is not None else {}
    for l in range(L, 0, -1):
        if l in marked:
            r = (kernel - 1) // 2 if kernel else None
            below = set()
            for i in marked[l]:
                below |= (set(range(max(0, i - r), min(sizes[l - 1], i + r + 1))) if kernel
                          else set(range(sizes[l - 1])))
            marked[l - 1] = below
    for l in range(1, L + 1):
        for j, xj in enumerate(xs[l]):
            sources = (range(sizes[l - 1]) if kernel is None else
                       range(max(0, j - (kernel - 1) // 2),
                             min(sizes[l - 1], j + (kernel - 1) // 2 + 1)))
            hot = j in marked.get(l, ())
            for i in sources:
                ax.plot([xs[l - 1][i], xj], [l - 1, l], color="tab:red" if hot else "0.6",
                        lw=1.4 if hot else 0.6, zorder=1)
            if bias and l - 1 < L:
                ax.plot([xs[l - 1][0] - 1, xj], [l - 1, l], color="0.75", lw=0.5, ls="--",
                        zorder=1)
    for l in range(L + 1):
        for i, x in enumerate(xs[l]):
            hot = i in marked.get(l, ())
            ax.add_patch(plt.Circle((x, l), 0.22, facecolor="#fcbba1" if hot else "white",
                                    edgecolor="black", lw=1, zorder=2, gid="node"))
        if bias and l < L:
            ax.add_patch(plt.Circle((xs[l][0] - 1, l), 0.22, facecolor=PAD_COLOR,
                                    edgecolor="black", lw=1, zorder=2, gid="bias"))
            ax.text(xs[l][0] - 1, l, "1", ha="center", va="center", fontsize=8, zorder=3)
        if labels:
            ax.text(-0.6, l, labels[l], ha="right", va="center", fontsize=10)
    ax.set_xlim(-0.9 - (2.2 if labels else 0), widest + 0.6)
    ax.set_ylim(-0.6, L + 0.6)
    ax.set_aspect(0.8)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax.figure


# ---- block diagrams of torch modules ----------------------------------------------------------

FOLDED = ("BatchNorm1d", "BatchNorm2d", "ReLU", "Dropout")
TRANSPARENT = ("Identity",)  # drawn as a plain arrow: the shortcut x of a residual block


def _trace(model, input_shape, leaves):
    """torch.fx graph of ``model`` with output shapes; ``leaves``: module classes kept whole."""
    import torch
    from torch import fx
    from torch.fx.passes.shape_prop import ShapeProp

    class Tracer(fx.Tracer):
        def is_leaf_module(self, module, qualname):
            return isinstance(module, tuple(leaves)) or super().is_leaf_module(module, qualname)

        def call_module(self, module, forward, args, kwargs):
            try:
                return super().call_module(module, forward, args, kwargs)
            except fx.proxy.TraceError:  # control flow on values (e.g. LRN): one box
                return self.create_proxy("call_module", self.path_of_module(module), args,
                                         kwargs)

    gm = fx.GraphModule(model, Tracer().trace(model))
    gm.graph.eliminate_dead_code()  # what a module that fell back to one box had traced
    param = next(model.parameters(), None)
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            ShapeProp(gm).propagate(torch.zeros(1, *input_shape,
                                                device=param.device if param is not None
                                                else "cpu"))
    finally:
        model.train(was_training)
    return gm


def _node_label(gm, node):
    import torch
    from torch.nn import functional as F

    if node.op == "placeholder":
        return "입력"
    if node.op == "call_module":
        module = gm.get_submodule(node.target)
        if type(module).__module__.startswith("torch.nn"):
            return describe_module(module)
        return f"{type(module).__name__} ({node.target})"  # a block kept whole (leaves)
    if node.target in (torch.cat, torch.concat):
        return "연결 (concat)"
    if node.target in (operator.add, torch.add, operator.iadd):
        return "+"
    if node.target in (F.relu, torch.relu) or node.target == "relu":
        return "ReLU"
    if node.target in (torch.flatten,) or node.target == "flatten":
        return "flatten"
    return getattr(node.target, "__name__", str(node.target))


def _is_foldable(gm, node):
    if node.op == "call_module":
        return type(gm.get_submodule(node.target)).__name__ in FOLDED
    return _node_label(gm, node) == "ReLU"


class Box:
    """One box of a module graph: its label, output shape, rank (row) and lane (column)."""

    def __init__(self, label, shape):
        self.label, self.shape, self.preds, self.rank, self.lane = label, shape, [], 0, 0.0

    @property
    def is_merge(self):
        return self.label.startswith(("+", "연결"))


def graph_boxes(model, input_shape, *, leaves=(), fold=True):
    """The boxes of :func:`module_graph` in order: torch.fx's nodes of ``model``, with BN,
    ReLU and dropout folded into the box before them (when ``fold``) and nn.Identity drawn as
    a plain arrow. Each box knows its predecessors, rank (longest path from the input) and
    lane (branches side by side, a concatenation between them, a sum on its main path).
    """
    gm = _trace(model, input_shape, leaves)
    nodes = [n for n in gm.graph.nodes if n.op != "output"]
    labels = {n: _node_label(gm, n) for n in nodes}
    rep = {n: n for n in nodes}  # a folded node is drawn as the box of the node before it
    for n in nodes:
        if (n.op == "call_module"
                and type(gm.get_submodule(n.target)).__name__ in TRANSPARENT):
            rep[n] = rep[n.all_input_nodes[0]]
    for n in nodes if fold else ():
        ins = [a for a in n.all_input_nodes if a in rep]
        if (rep[n] is n and n.op != "placeholder" and _is_foldable(gm, n) and len(ins) == 1
                and len(ins[0].users) == 1):
            rep[n] = rep[ins[0]]
            labels[rep[n]] += " · " + labels[n]
    for n in nodes:  # follow chains: a transparent node may point at a node folded later
        while rep[rep[n]] is not rep[n]:
            rep[n] = rep[rep[n]]
    last = {}  # the node whose output a box shows (after its folded nodes)
    for n in nodes:
        last[rep[n]] = n
    boxes = {}
    for n in nodes:
        if rep[n] is n:
            meta = last[n].meta.get("tensor_meta")
            boxes[n] = Box(labels[n], tuple(meta.shape[1:]) if hasattr(meta, "shape") else None)
    for n in nodes:
        for a in n.all_input_nodes:
            box, pred = boxes[rep[n]], boxes.get(rep.get(a))
            if pred is not None and pred is not box and pred not in box.preds:
                box.preds.append(pred)
    order = list(boxes.values())
    users = {id(b): [c for c in order if b in c.preds] for b in order}
    for box in order:
        box.rank = 1 + max((p.rank for p in box.preds), default=-1)
        if len(box.preds) == 1:
            p = box.preds[0]
            siblings = [u for u in users[id(p)] if len(u.preds) == 1]  # branches, not merges
            # two branches (a block and its shortcut): the first stays on the main path;
            # more (an inception module): side by side around it
            centre = (len(siblings) - 1) / 2 if len(siblings) > 2 else 0
            box.lane = p.lane + siblings.index(box) - centre
        elif box.preds:
            box.lane = (sum(p.lane for p in box.preds) / len(box.preds)
                        if box.label.startswith("연결") else box.preds[0].lane)
    return order


def module_graph(model, input_shape, *, leaves=(), fold=True, title=None, ax=None, columns=1,
                 box_width=2.6, row_height=0.7, show_shapes=True):
    """Block diagram of ``model``'s forward(): one box per layer, arrows as the data flows.

    Traced with torch.fx, so branches (inception), concatenations and shortcuts (residual
    blocks, in red) appear as the code builds them (see :func:`graph_boxes`). ``leaves``:
    module classes drawn as one box (a residual block inside a whole ResNet). Boxes show the
    layer and its output shape (C×H×W for one input of ``input_shape``). A long network is
    wrapped into ``columns`` columns, read top to bottom, left to right. Draws on ``ax`` if
    given, else on a new figure of a fitting size. Returns the figure.
    """
    use_korean_font()
    boxes = graph_boxes(model, input_shape, leaves=leaves, fold=fold)
    low = min(b.lane for b in boxes)
    lanes = max(b.lane for b in boxes) - low + 1
    starts = _column_starts(boxes, columns)
    column = {b.rank: sum(b.rank >= start for start in starts) - 1 for b in boxes}
    row = {r: r - starts[c] for r, c in column.items()}
    per_column = max(row.values()) + 1
    step = box_width + 0.4
    column_width = lanes * step + 0.9
    if ax is None:
        _, ax = plt.subplots(figsize=(max(3.2, len(starts) * column_width + 0.6),
                                      max(1.5, per_column * row_height + 0.6)))
    h = row_height * (0.62 if show_shapes else 0.5)
    pos = {id(b): (column[b.rank] * column_width + (b.lane - low) * step,
                   -row[b.rank] * row_height) for b in boxes}
    for b in boxes:
        x, y = pos[id(b)]
        text = b.label + (f"\n{_shape_label(b.shape)}" if show_shapes and b.shape else "")
        ax.add_patch(FancyBboxPatch((x - box_width / 2, y - h / 2), box_width, h,
                                    boxstyle="round,pad=0.02,rounding_size=0.08",
                                    facecolor="#fee391" if b.is_merge else "#deebf7",
                                    edgecolor="black", lw=0.8, gid="node"))
        ax.text(x, y, text, ha="center", va="center", fontsize=8.5, linespacing=1.1)
    gap = row_height - h
    for b in boxes:
        for p in b.preds:
            (x0, y0), (x1, y1) = pos[id(p)], pos[id(b)]
            if column[p.rank] != column[b.rank]:  # the graph goes on in the next column
                side = box_width / 2 if b.rank - p.rank > 1 else 0  # a shortcut: on the right
                for start, end in (((x0 + side, y0 - h / 2), (x0 + side, y0 - h / 2 - gap)),
                                   ((x1 + side, y1 + h / 2 + gap), (x1 + side, y1 + h / 2))):
                    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>",
                                                 mutation_scale=9, lw=1.0, linestyle=":",
                                                 color="tab:red" if side else "0.5"))
                continue
            skip = b.rank - p.rank > 1 and abs(x0 - x1) < 1e-9
            start = (x0 + box_width / 2, y0) if skip else (x0, y0 - h / 2)
            end = (x1 + box_width / 2, y1) if skip else (x1, y1 + h / 2)
            ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=9, lw=1.0,
                                         connectionstyle="arc3,rad=-0.5" if skip else "arc3",
                                         color="tab:red" if skip else "black"))
    xs = [x for x, _ in pos.values()]
    ax.set_xlim(min(xs) - box_width / 2 - 0.3, max(xs) + box_width / 2 + 0.8)
    ax.set_ylim(-(per_column - 1) * row_height - h / 2 - gap, h / 2 + gap)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax.figure


def _column_starts(boxes, columns):
    """First rank of each column: about equal heights, broken only where a single box
    hands its output on (no shortcut or branch crosses from one column into the next)."""
    depth = max(b.rank for b in boxes) + 1
    if columns <= 1:
        return [0]
    count = [0] * depth
    for b in boxes:
        count[b.rank] += 1
    crossing = [0] * depth  # edges that jump over a rank
    for b in boxes:
        for p in b.preds:
            for r in range(p.rank + 1, b.rank):
                crossing[r] += 1
    breaks = [r + 1 for r in range(depth - 1) if count[r] == 1 and crossing[r] == 0]
    starts = [0]
    for k in range(1, columns):
        target = round(k * depth / columns)
        later = [r for r in breaks if r > starts[-1]]
        if later:
            starts.append(min(later, key=lambda r: abs(r - target)))
    return sorted(set(starts))


# ---- boxes in rows ------------------------------------------------------------------------------

BOX_WIDTH, BOX_STEP = 1.8, 2.3


def box_flow(rows, *, title=None, learned=None, box_inches=1.2):
    """Rows of labelled boxes joined left to right by arrows, each row with a heading.

    ``rows``: {heading: [label, ...]}. ``learned``: {heading: (first, last)} indices of the
    boxes that are learnt together, drawn inside one dashed frame. Returns the figure.
    """
    use_korean_font()
    learned = learned or {}
    longest = max(len(labels) for labels in rows.values())
    fig, ax = plt.subplots(figsize=(2.0 + longest * box_inches, 1.0 * len(rows) + 0.4))
    for r, (heading, labels) in enumerate(rows.items()):
        y = -r * 1.3
        ax.text(-0.2, y, heading, ha="right", va="center", fontsize=10)
        for i, label in enumerate(labels):
            x = i * BOX_STEP
            ax.add_patch(FancyBboxPatch((x, y - 0.3), BOX_WIDTH, 0.6, boxstyle="round,pad=0.03",
                                        facecolor="#deebf7", edgecolor="black", lw=0.8,
                                        gid="box"))
            ax.text(x + BOX_WIDTH / 2, y, label, ha="center", va="center", fontsize=9)
            if i + 1 < len(labels):
                ax.add_patch(FancyArrowPatch((x + BOX_WIDTH + 0.03, y), (x + BOX_STEP - 0.03, y),
                                             arrowstyle="-|>", mutation_scale=9, lw=1))
        if heading in learned:
            first, last = learned[heading]
            ax.add_patch(Rectangle((first * BOX_STEP - 0.12, y - 0.45),
                                   (last - first) * BOX_STEP + BOX_WIDTH + 0.24, 0.9, fill=False,
                                   ls="--", edgecolor="tab:red", lw=1.2, gid="learned"))
            ax.text(first * BOX_STEP - 0.12, y + 0.5, "학습", color="tab:red", fontsize=9,
                    va="bottom")
    ax.set_xlim(-2.6, longest * BOX_STEP)
    ax.set_ylim(-(len(rows) - 1) * 1.3 - 0.7, 0.8)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return fig


# ---- pictures of convolution and pooling (4.3.1) -----------------------------------------------

def _window(spec, index):
    """(row, col, height, width, colour) of a window (r, c, h, w) or (r, c, h, w, colour)."""
    if len(spec) == 5:
        return tuple(spec)
    return (*spec, WINDOW_COLORS[index % len(WINDOW_COLORS)])


def _draw_symbol(ax, x, y, width, text, fontsize=10):
    """A symbol between two drawn things: '*', '=', '+' as text; '→' (optionally followed by
    a label, e.g. '→ im2col') as an arrow across ``width`` with the label above it."""
    if not text.startswith("→"):
        ax.text(x + width / 2, y, text, ha="center", va="center", fontsize=fontsize + 4)
        return
    ax.add_patch(FancyArrowPatch((x + 0.15, y), (x + width - 0.15, y), arrowstyle="-|>",
                                 mutation_scale=14, lw=1.4, color="black"))
    label = text[1:].strip()
    if label:
        ax.text(x + width / 2, y + 0.2, label, ha="center", va="bottom", fontsize=fontsize - 1)


def draw_array(ax, values, x0=0.0, y0=0.0, *, padding=0, windows=(), fmt="{:g}", title=None,
               fontsize=10, shade=None):
    """Like :func:`draw_grid`, with the padding given per axis and windows that overlap.

    ``padding``: p, or (p rows, p columns) as :func:`dlbasics.conv.pad` takes it, so that a
    padded 1-D row (one row, (0, 1)) shows only its two end cells grey. ``windows``:
    (row, col, height, width) or (row, col, height, width, colour); the i-th window is drawn a
    little inside the one before, so that windows sharing an edge stay apart. Returns the
    grid's (width, height) in cells.
    """
    grid = _as_grid(values)
    rows, cols = grid.shape
    ph, pw = (padding, padding) if np.isscalar(padding) else padding
    tinted = None if shade is None else _as_grid(shade)
    for r in range(rows):
        for c in range(cols):
            is_pad = r < ph or r >= rows - ph or c < pw or c >= cols - pw
            color = (PAD_COLOR if is_pad else "#fde9c9" if tinted is not None and tinted[r, c]
                     else "white")
            ax.add_patch(Rectangle((x0 + c, y0 - r - 1), 1, 1, facecolor=color,
                                   edgecolor="gray", lw=0.8, gid="pad" if is_pad else "cell"))
            ax.text(x0 + c + 0.5, y0 - r - 0.5, _format(grid[r, c], fmt), ha="center",
                    va="center", fontsize=fontsize)
    for i, spec in enumerate(windows):
        r, c, h, w, color = _window(spec, i)
        inset = 0.05 + 0.07 * (i % 3)
        ax.add_patch(Rectangle((x0 + c + inset, y0 - r - h + inset), w - 2 * inset,
                               h - 2 * inset, fill=False, lw=2.2, edgecolor=color,
                               gid="window"))
    if title:
        ax.text(x0 + cols / 2, y0 + 0.3, title, ha="center", va="bottom", fontsize=fontsize)
    return cols, rows


def grid_rows(rows, *, title=None, gap=1.4, row_gap=1.0, cell_inches=0.42, fontsize=10):
    """Rows of grids, each row read left to right (input ⊛ kernel = feature map), one row
    under the other (1-D above 2-D, stride 1 above stride 2, zero above replicate padding).

    ``rows``: dicts with ``panels`` (dicts with the keys of :func:`draw_array`, ``values``
    required), optional ``symbols`` (texts between consecutive panels, e.g. ``("*", "=")``;
    '→ label' draws an arrow with the label above it), ``gap`` (the room between its panels)
    and ``label`` (a text left of the row). Returns the figure.
    """
    use_korean_font()
    sizes = [[_as_grid(p["values"]).shape for p in row["panels"]] for row in rows]
    heights = [max(r for r, _ in row) + (1.0 if any(p.get("title") for p in spec["panels"])
                                         else 0.0)
               for row, spec in zip(sizes, rows, strict=True)]
    widths = [sum(c for _, c in row) + spec.get("gap", gap) * (len(row) - 1)
              for row, spec in zip(sizes, rows, strict=True)]
    label_width = max((len(str(row.get("label", ""))) * 0.55 for row in rows), default=0)
    label_width = label_width + 0.6 if label_width else 0.0
    total_height = sum(heights) + row_gap * (len(rows) - 1)
    fig, ax = plt.subplots(figsize=((label_width + max(widths) + 0.4) * cell_inches,
                                    (total_height + 0.4) * cell_inches))
    top = 0.0
    for spec, size, height in zip(rows, sizes, heights, strict=True):
        grid_top = top - (1.0 if any(p.get("title") for p in spec["panels"]) else 0.0)
        body = max(r for r, _ in size)
        middle = grid_top - body / 2
        if spec.get("label"):
            ax.text(-0.6, middle, spec["label"], ha="right", va="center", fontsize=fontsize + 1)
        x, row_gap_x = 0.0, spec.get("gap", gap)
        symbols = spec.get("symbols", ())
        for i, (panel, (r, c)) in enumerate(zip(spec["panels"], size, strict=True)):
            draw_array(ax, panel["values"], x, grid_top - (body - r) / 2,
                       padding=panel.get("padding", 0), windows=panel.get("windows", ()),
                       fmt=panel.get("fmt", "{:g}"), fontsize=fontsize, shade=panel.get("shade"))
            if panel.get("title"):  # every title of a row on one line, above the tallest grid
                ax.text(x + c / 2, grid_top + 0.3, panel["title"], ha="center", va="bottom",
                        fontsize=fontsize)
            x += c
            if i < min(len(symbols), len(size) - 1) and symbols[i]:  # only between panels
                _draw_symbol(ax, x, middle, row_gap_x, symbols[i], fontsize)
            x += row_gap_x
        top -= height + row_gap
    ax.set_xlim(-label_width - 0.2, max(widths) + 0.2)
    ax.set_ylim(-total_height - 0.2, 0.2)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=fontsize + 2, pad=12)
    return fig


def cuboid_rows(rows, *, labels=None, title=None, scale=0.55, gap=1.0):
    """Rows of tensors drawn as cuboids with the symbols between them, e.g. a 3×28×28 input
    ⊛ one 3×3×3 kernel = a 1×28×28 map (그림 4-15).

    ``rows``: lists whose items are (C, H, W) shapes, or dicts ``dict(shape=..., label=...)``
    (the label goes under the size), or strings drawn between the cuboids: '*', '=', or
    '→ label' for an arrow with the label (an operation) above it.
    ``labels``: a text left of each row. Returns the figure.
    """
    use_korean_font()
    placed, heights = [], []  # (row, x, width, shape or symbol, label)
    for r, row in enumerate(rows):
        x, top = 0.0, 0.0
        for item in row:
            if isinstance(item, str):
                label = item[1:].strip() if item.startswith("→") else ""
                width = max(gap, 0.11 * len(label) + 0.5)
                placed.append((r, x, width, item, None))
                x += width
                continue
            spec = item if isinstance(item, dict) else dict(shape=item)
            shape = tuple(int(n) for n in spec["shape"])
            if len(shape) != 3:
                raise ValueError(f"a cuboid needs a (C, H, W) shape, got {shape}")
            depth = _span(shape[0], scale * 0.9)
            w = _span(shape[2], scale) + 0.6 * depth
            placed.append((r, x, w, shape, spec.get("label")))
            x, top = x + w, max(top, _span(shape[1], scale) + 0.45 * depth)
        heights.append(top)
    row_step = max(heights) + 1.0
    left = 0.17 * max(len(label) for label in labels) + 0.4 if labels else 0.0
    width = max(x + w for _, x, w, _, _ in placed)
    fig, ax = plt.subplots(figsize=((left + width) * 0.9 + 0.5,
                                    len(rows) * row_step * 0.9 + (0.8 if title else 0.4)))
    for r, x, w, item, label in placed:
        y = -r * row_step
        if isinstance(item, str):
            _draw_symbol(ax, x, y + 0.45 * scale, w, item)
        else:
            draw_cuboid(ax, x, y, *item, scale=scale)
            text = _shape_label(item) + (f"\n{label}" if label else "")
            ax.text(x + w / 2, y - 0.15 * scale, text, ha="center", va="top", fontsize=9,
                    linespacing=1.15)
    for r, label in enumerate(labels or ()):
        ax.text(-0.3, -r * row_step + 0.45 * scale, label, ha="right", va="center", fontsize=10)
    ax.set_xlim(-left, width + 0.2)
    ax.set_ylim(-(len(rows) - 1) * row_step - 0.7, max(heights) + 0.2)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return fig


def kernel_map_panels(kernels, maps, *, image=None, names=None, title=None, fmt="{:g}",
                      cmap="RdBu_r"):
    """Kernels above the feature maps they make (그림 4-10), one column per kernel.

    ``kernels``: (K, h, w); ``maps``: (K, m, n). The top row draws each kernel as a grid of
    its numbers (``fmt``; None draws it as an image); the bottom row each map in ``cmap``,
    with zero in the middle of the colours. ``image``: the input, drawn first in the bottom
    row. ``names``: a title per kernel. Returns the figure.
    """
    use_korean_font()
    kernels, maps = np.asarray(kernels), np.asarray(maps)
    if kernels.ndim != 3 or maps.ndim != 3 or len(kernels) != len(maps):
        raise ValueError(f"kernels (K, h, w) and maps (K, m, n) with the same K are needed, "
                         f"got {kernels.shape} and {maps.shape}")
    first = 1 if image is not None else 0
    columns = first + len(kernels)
    fig, axes = plt.subplots(2, columns, figsize=(2.1 * columns, 4.4), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    if image is not None:
        axes[1, 0].imshow(image, cmap="gray")
        axes[1, 0].set_title("입력")
        axes[0, 0].text(0.5, 0.5, "위: 커널\n아래: 특징 맵", ha="center", va="center",
                        fontsize=11, linespacing=1.8, transform=axes[0, 0].transAxes)
    for k, (kernel, fmap) in enumerate(zip(kernels, maps, strict=True)):
        top, bottom = axes[0, first + k], axes[1, first + k]
        if fmt is None:
            limit = np.abs(kernel).max() or 1.0
            top.imshow(kernel, cmap=cmap, vmin=-limit, vmax=limit)
        else:
            h, w = kernel.shape
            draw_array(top, kernel, 0, 0, fmt=fmt, fontsize=10)
            top.set_xlim(-0.3, max(h, w) + 0.3)
            top.set_ylim(-max(h, w) - 0.3, 0.3)
            top.set_aspect("equal")
        limit = np.abs(fmap).max() or 1.0
        bottom.imshow(fmap, cmap=cmap, vmin=-limit, vmax=limit)
        if names is not None:
            top.set_title(names[k])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# ---- fitting a drawing to the page ----------------------------------------------------------

def wrap_label(text, width=9):
    """``text`` broken into lines at each ", " and then at spaces, so that no line is longer
    than ``width`` characters (a longer word stays whole): '2×2 max pool /2' → '2×2 max' and
    'pool /2' on two lines."""
    return "\n".join("\n".join(textwrap.wrap(part, width, break_long_words=False,
                                             break_on_hyphens=False)) or part
                     for part in text.split(", "))


def tensor_extents(fig):
    """(left, right, top) in data units of each tensor a :func:`tensor_flow` figure draws, left
    to right: a cuboid's front face, its depth faces and, for grouped channels, its groups."""
    extents = []
    for patch in fig.axes[0].patches:
        if isinstance(patch, FancyArrowPatch):
            continue
        box = patch.get_path().transformed(patch.get_patch_transform()).get_extents()
        if patch.get_gid() == "cuboid" and (not extents or box.x0 > extents[-1][1]):
            extents.append([box.x0, box.x1, box.y1])
        elif extents:
            extents[-1][1] = max(extents[-1][1], box.x1)
            extents[-1][2] = max(extents[-1][2], box.y1)
    return [tuple(e) for e in extents]


def fit_flow(fig, *, groups=None, wrap=9, fontsize=9, unit_inches=0.7):
    """Make a :func:`tensor_flow` or :func:`feature_map_flow` figure readable at 100% zoom.

    The operation labels on the arrows are wrapped (:func:`wrap_label`, ``wrap`` characters a
    line) so that they fit between the tensors, every text is set in ``fontsize`` points, and the
    figure is sized to its content, ``unit_inches`` per data unit. ``groups``: {text: (first,
    last)} draws a bracket labelled ``text`` over the tensors from the one named ``first`` to
    the one named ``last`` (names as the last line of a tensor's label, e.g. "C1"; the input is
    "입력"), e.g. LeNet-5's feature extraction and its classifier. Returns the figure.
    """
    ax = fig.axes[0]
    labels = []
    for text in ax.texts:
        if text.get_verticalalignment() == "bottom":  # an operation, above its arrow
            text.set_text(wrap_label(text.get_text().replace("\n", ", "), wrap))
        else:
            labels.append(text.get_text().splitlines()[-1])
        text.set_fontsize(fontsize)
    extents = tensor_extents(fig)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    y0 -= 0.3  # room for two-line labels under the tensors
    if groups:
        top = max(e[2] for e in extents) + 0.25
        for text, (first, last) in groups.items():
            missing = [n for n in (first, last) if n not in labels]
            if missing:
                raise ValueError(f"no tensor named {missing}; the names are {labels}")
            left, right = extents[labels.index(first)][0], extents[labels.index(last)][1]
            ax.plot([left, left, right, right], [top - 0.12, top, top, top - 0.12], color="0.3",
                    lw=1, gid="bracket")
            ax.text((left + right) / 2, top + 0.08, text, ha="center", va="baseline",
                    fontsize=fontsize + 1)
        y1 = max(y1, top + 0.7)
    ax.set_ylim(y0, y1)
    title = ax.get_title()
    if title:
        ax.set_title(title, fontsize=fontsize + 3)
    fig.set_size_inches((x1 - x0) * unit_inches, (y1 - y0) * unit_inches + (0.4 if title else 0))
    return fig


def overlaps(fig):
    """What collides in a drawing: pairs of texts, and of a text and a shape (its gid or class),
    whose drawn boxes intersect. A readable figure returns []; tests call it on every figure."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    found = []
    for ax in fig.axes:
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts
                 if t.get_text().strip()]
        if ax.get_title():
            boxes.append((ax.get_title(), ax.title.get_window_extent(renderer)))
        for i, (a, box) in enumerate(boxes):
            found += [(a, b) for b, other in boxes[i + 1:] if box.overlaps(other)]
            found += [(a, patch.get_gid() or type(patch).__name__) for patch in ax.patches
                      if box.overlaps(patch.get_window_extent(renderer))]
            found += [(a, line.get_gid() or "line") for line in ax.lines
                      if box.overlaps(line.get_window_extent(renderer))]
    return found


# ---- the DMLP of 4.2: its structure, the path of δ, computational graphs -------------------------

def _shown_nodes(n, max_nodes):
    """Indices 1..n of the nodes drawn for a layer of n nodes, None where '⋮' stands."""
    if n <= max_nodes:
        return list(range(1, n + 1))
    return list(range(1, max_nodes - 1)) + [None, n]


def _node_symbol(l, j, L):
    if l == 0:
        return rf"$x_{{{j}}}$"
    if l == L:
        return rf"$o_{{{j}}}$"
    return rf"$z_{{{j}}}^{{{l}}}$"


def _layer_name(l, L):
    return "입력층" if l == 0 else "출력층" if l == L else f"은닉층 {l}"


def dmlp_graph(sizes, *, max_nodes=5, values=None, gaps=None, backward=None, title=None,
               radius=0.36, column_step=2.6, fontsize=10, unit_inches=0.7):
    """The DMLP of 그림 4-3, from the input layer (left) to the output layer (right).

    Layer l is a column of its nodes z_1^l … z_{n_l}^l (x_i in the input layer, o_k in the
    output layer) under its bias node z_0^l = 1 (grey, every layer but the last); every node
    is joined to every node of the next layer, the bias node by a dashed line (U^l's column 0).
    ``sizes``: [n_0, …, n_L], e.g. a DMLP's ``sizes``. A layer wider than ``max_nodes`` shows
    its first max_nodes − 2 nodes, '⋮' and its last node; its label under the column keeps the
    true n_l. ``values``: {l: n_l numbers or texts} written in the nodes of layer l instead of
    their symbols (e.g. each node's δ). ``gaps``: {l: text} written above the connections
    between layers l − 1 and l (default: U^l and its shape n_l×(n_{l−1}+1)). ``backward``:
    {l: text}: a red arrow under the graph from layer l + 1 (from J at the right for l = L)
    back to layer l, labelled with the text (the path of δ). Returns the figure.

    Drawn shapes carry gids: "node", "bias", "ellipsis" (texts), "backward" (arrows).
    """
    use_korean_font()
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must be [n_0, ..., n_L] with L ≥ 1 and every n_l ≥ 1, got {sizes}")
    if max_nodes < 3:
        raise ValueError(f"max_nodes must be at least 3 (first, '⋮', last), got {max_nodes}")
    L = len(sizes) - 1
    values = values or {}
    for l, vals in values.items():
        if len(vals) != sizes[l]:
            raise ValueError(f"values[{l}] needs n_{l} = {sizes[l]} entries, got {len(vals)}")
    if gaps is None:
        gaps = {l: f"$U^{{{l}}}$\n{sizes[l]}×{sizes[l - 1] + 1}" for l in range(1, L + 1)}
    backward = backward or {}
    shown = [_shown_nodes(n, max_nodes) for n in sizes]
    rows = max(len(s) for s in shown) + 1  # + the bias node
    pos = {}  # (l, j) -> (x, y); j = 0 is the bias node
    for l, nodes in enumerate(shown):
        column = ([0] if l < L else []) + nodes
        top = (len(column) - 1) / 2  # every column centred on y = 0
        for r, j in enumerate(column):
            pos[l, j if j is not None else -1] = (l * column_step, top - r)
    base = -(rows - 1) / 2 - radius - 0.3  # the layer labels' top
    x_lim = (-1.2, L * column_step + (3.0 if L in backward else 1.2))
    y_lim = (base - (2.4 if backward else 1.1), rows / 2 + 1.2)
    fig, ax = plt.subplots(figsize=((x_lim[1] - x_lim[0]) * unit_inches,
                                    (y_lim[1] - y_lim[0]) * unit_inches))
    for l in range(1, L + 1):  # connections first, under the nodes
        targets = [j for j in shown[l] if j is not None]
        for i in [0] + [i for i in shown[l - 1] if i is not None]:
            for j in targets:
                (x0, y0), (x1, y1) = pos[l - 1, i], pos[l, j]
                ax.plot([x0, x1], [y0, y1], color="0.75" if i == 0 else "0.55",
                        lw=0.6, ls="--" if i == 0 else "-", zorder=1)
        if gaps.get(l):
            ax.text((l - 0.5) * column_step, rows / 2 + 0.35, gaps[l], ha="center",
                    va="bottom", fontsize=fontsize - 1, linespacing=1.2)
    for (l, j), (x, y) in pos.items():
        if j == -1:
            ax.text(x, y, "⋮", ha="center", va="center", fontsize=fontsize + 4, gid="ellipsis")
            continue
        bias = j == 0
        ax.add_patch(plt.Circle((x, y), radius, facecolor=PAD_COLOR if bias else "white",
                                edgecolor="black", lw=1, zorder=2, gid="bias" if bias else "node"))
        if bias:
            text = "1"
            ax.text(x, y + radius + 0.05, r"$x_0$" if l == 0 else rf"$z_0^{{{l}}}$",
                    ha="center", va="bottom", fontsize=fontsize - 2)
        elif l in values:
            value = values[l][j - 1]
            text = value if isinstance(value, str) else f"{value:.3g}"
        else:
            text = _node_symbol(l, j, L)
        ax.text(x, y, text, ha="center", va="center", zorder=3,
                fontsize=fontsize - (1 if l in values and not bias else 0))
    for l in range(L + 1):
        ax.text(l * column_step, base, f"{_layer_name(l, L)}\n$n_{{{l}}}$ = {sizes[l]}",
                ha="center", va="top", fontsize=fontsize - 1, linespacing=1.25)
    right = L * column_step
    for l, text in backward.items():
        y = base - 1.2
        start = (l + 1) * column_step if l < L else right + 1.9
        if l == L:
            ax.text(start + 0.1, y, "J", ha="left", va="center", fontsize=fontsize + 1,
                    color="tab:red")
        ax.add_patch(FancyArrowPatch((start - 0.15, y), (l * column_step + 0.15, y),
                                     arrowstyle="-|>", mutation_scale=11, lw=1.3,
                                     color="tab:red", gid="backward"))
        ax.text((start + l * column_step) / 2, y - 0.15, text, ha="center", va="top",
                fontsize=fontsize - 1, color="tab:red", linespacing=1.25)
    _fill_figure(ax, x_lim, y_lim, title)
    return fig


def _size_to_data(fig, ax, x_lim, y_lim, unit_inches, title, title_size):
    """Size ``fig`` so that a data unit of ``ax`` is ``unit_inches``, with room above for the
    title's lines."""
    ax.set_xlim(*x_lim)
    ax.set_ylim(*y_lim)
    ax.set_aspect("equal")
    ax.axis("off")
    width = (x_lim[1] - x_lim[0]) * unit_inches
    height = (y_lim[1] - y_lim[0]) * unit_inches
    room = 0.45 * title.count("\n") + 0.5 if title else 0.0
    fig.set_size_inches(width, height + room)
    fig.subplots_adjust(left=0, right=1, bottom=0, top=height / (height + room))
    if title:
        ax.set_title(title, fontsize=title_size)


def _fill_figure(ax, x_lim, y_lim, title=None, fontsize=None):
    """Axes without frame that fill their figure, so that a data unit is the figure's inch
    scale (``unit_inches``)."""
    ax.set_xlim(*x_lim)
    ax.set_ylim(*y_lim)
    ax.set_aspect("equal")
    ax.set_position([0, 0, 1, 1])
    ax.axis("off")
    if title:
        ax.set_title(title, **({} if fontsize is None else {"fontsize": fontsize}))


def _beside(nx, ny):
    """Text alignment that puts a label on the side (nx, ny) of a point, clear of the line."""
    if abs(ny) >= abs(nx):
        return dict(ha="center", va="bottom" if ny > 0 else "top")
    return dict(ha="left" if nx > 0 else "right", va="center")


def computation_graph(nodes, edges, *, title=None, radius=0.32, fontsize=10, unit_inches=0.85):
    """A computational graph: operations as circles, joined by arrows that carry values.

    ``nodes``: {name: (x, y, label)}; a node whose label is None is an end point drawn as its
    name only (an input such as u, or the result J). ``edges``: (source, target, forward,
    backward) tuples: the arrow source → target with its forward value written above it
    (black) and, unless ``backward`` is None, a red arrow target → source under it with the
    backward value (the gradient ∂J/∂ of that edge's value). Returns the figure.

    Drawn shapes carry gids: "node" (circles), "edge" (forward arrows), "backward" (red
    arrows).
    """
    use_korean_font()
    for source, target, *_ in edges:
        for name in (source, target):
            if name not in nodes:
                raise ValueError(f"edge {source!r} → {target!r} names the unknown node {name!r}; "
                                 f"nodes are {sorted(nodes)}")
    xs = [x for x, _, _ in nodes.values()]
    ys = [y for _, y, _ in nodes.values()]
    x_lim = (min(xs) - 0.9, max(xs) + 0.9)
    y_lim = (min(ys) - 0.6, max(ys) + 0.7)
    fig, ax = plt.subplots(figsize=((x_lim[1] - x_lim[0]) * unit_inches,
                                    (y_lim[1] - y_lim[0]) * unit_inches))

    def rim(name):
        return radius if nodes[name][2] is not None else 0.28

    for name, (x, y, label) in nodes.items():
        if label is None:
            ax.text(x, y, name, ha="center", va="center", fontsize=fontsize + 1)
            continue
        ax.add_patch(plt.Circle((x, y), radius, facecolor="#deebf7", edgecolor="black", lw=1,
                                zorder=2, gid="node"))
        ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, zorder=3)
    for source, target, forward, backward in edges:
        (x0, y0, _), (x1, y1, _) = nodes[source], nodes[target]
        length = math.hypot(x1 - x0, y1 - y0)
        ux, uy = (x1 - x0) / length, (y1 - y0) / length  # along the edge
        nx, ny = -uy, ux  # its left normal (up for an edge to the right)
        a = (x0 + ux * rim(source), y0 + uy * rim(source))
        b = (x1 - ux * rim(target), y1 - uy * rim(target))
        ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=11, lw=1.1,
                                     color="black", gid="edge"))
        mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
        off = 0.17  # the backward arrow runs this far from the forward one
        if forward:
            ax.text(mx + nx * 0.1, my + ny * 0.1, forward, fontsize=fontsize - 1,
                    **_beside(nx, ny))
        if backward is not None:
            ax.add_patch(FancyArrowPatch((b[0] - nx * off, b[1] - ny * off),
                                         (a[0] - nx * off, a[1] - ny * off), arrowstyle="-|>",
                                         mutation_scale=10, lw=1.1, color="tab:red",
                                         gid="backward"))
            ax.text(mx - nx * (off + 0.08), my - ny * (off + 0.08), backward,
                    fontsize=fontsize - 1, color="tab:red", **_beside(-nx, -ny))
    _fill_figure(ax, x_lim, y_lim, title)
    return fig


def _text_width(text, fontsize):
    """Rough width in points of the widest line of ``text``: a Hangul syllable is about one em,
    other characters about 0.6 em."""
    return max(sum(fontsize if "\uac00" <= ch <= "\ud7a3" else 0.6 * fontsize for ch in line)
               for line in text.split("\n"))


def box_table(rows, *, title=None, arrows=True, fontsize=11):
    """A table of labelled boxes, one row per heading, read left to right (as 그림 4-4).

    ``rows``: {heading: [label, ...]}, every row as long as the first. Column widths follow the
    longest label in the column; the first row (the columns' names) is tinted. ``arrows``: join
    neighbouring boxes of a row by an arrow (a development from left to right). Returns the
    figure; boxes carry the gid "box".
    """
    use_korean_font()
    rows = {heading: list(labels) for heading, labels in rows.items()}
    counts = {len(labels) for labels in rows.values()}
    if len(counts) != 1:
        raise ValueError(f"every row needs as many boxes as the first, got lengths "
                         f"{[len(labels) for labels in rows.values()]}")
    n = counts.pop()
    inch = 72.0
    widths = [max(_text_width(labels[i], fontsize) for labels in rows.values()) / inch + 0.4
              for i in range(n)]
    heading_w = max(_text_width(h, fontsize) for h in rows) / inch + 0.3
    gap = 0.45 if arrows else 0.15
    line_h = fontsize * 1.35 / inch
    heights = [max(label.count("\n") + 1 for label in labels) * line_h + 0.22
               for labels in rows.values()]
    total_w = heading_w + sum(widths) + gap * (n - 1)
    total_h = sum(heights) + 0.18 * (len(rows) - 1)
    fig, ax = plt.subplots(figsize=(total_w + 0.2, total_h + 0.2))  # 1 data unit = 1 inch
    y = total_h
    for r, ((heading, labels), h) in enumerate(zip(rows.items(), heights, strict=True)):
        ax.text(heading_w - 0.15, y - h / 2, heading, ha="right", va="center", fontsize=fontsize)
        x = heading_w
        for i, label in enumerate(labels):
            ax.add_patch(FancyBboxPatch((x, y - h + 0.04), widths[i], h - 0.08,
                                        boxstyle="round,pad=0,rounding_size=0.06",
                                        facecolor="#fee391" if r == 0 else "#deebf7",
                                        edgecolor="black", lw=0.8, gid="box"))
            ax.text(x + widths[i] / 2, y - h / 2, label, ha="center", va="center",
                    fontsize=fontsize, linespacing=1.2)
            if arrows and i + 1 < n:
                ax.add_patch(FancyArrowPatch((x + widths[i] + 0.04, y - h / 2),
                                             (x + widths[i] + gap - 0.04, y - h / 2),
                                             arrowstyle="-|>", mutation_scale=10, lw=1))
            x += widths[i] + gap
        y -= h + 0.18
    _fill_figure(ax, (-0.1, total_w + 0.1), (-0.1, total_h + 0.1), title,
                 fontsize=fontsize + 1)
    return fig


# ---- what a network makes of one input ----------------------------------------------------------

def layer_outputs(model, x, layers):
    """What ``model`` computes from one input ``x``: the output of each of ``layers`` (its
    submodules) and the model's own output, without the batch axis, as NumPy arrays.

    ``x``: (C, H, W) or (1, C, H, W), a tensor or an array. The model runs in eval mode without
    gradients (and is put back in the mode it was in). Returns ([output of each layer], output).
    """
    import torch

    x = torch.as_tensor(np.asarray(x), dtype=torch.float32)
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4 or len(x) != 1:
        raise ValueError(f"x must be one input, (C, H, W) or (1, C, H, W), got {tuple(x.shape)}")
    submodules = list(model.modules())
    for layer in layers:
        if not any(layer is m for m in submodules):
            raise ValueError(f"{type(layer).__name__} is not a submodule of the model")
    records, hooks = {}, []
    for i, layer in enumerate(layers):
        hooks.append(layer.register_forward_hook(
            lambda _mod, _inputs, out, i=i: records.setdefault(i, out.detach())))
    param = next(model.parameters(), None)
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            out = model(x.to(param.device if param is not None else "cpu"))
    finally:
        model.train(was_training)
        for hook in hooks:
            hook.remove()
    return ([records[i][0].cpu().numpy() for i in range(len(layers))],
            out[0].detach().cpu().numpy())


def _map_grid_shape(n):
    """(rows, cols) of a near-square grid for n maps, taller than wide: 6 → (3, 2), 16 → (4, 4)."""
    rows = math.ceil(math.sqrt(n))
    return rows, math.ceil(n / rows)


def sequential_steps(model, layers):
    """The layers of a Sequential ``model`` that lie between the input, each of ``layers``
    (children of ``model``, in order) and the output, one text per gap: a line per layer
    (:func:`describe_module`), ReLU, BN and dropout joined to the line before with " · ",
    flatten left out. None when ``model`` is not an nn.Sequential holding ``layers``.
    """
    from torch import nn

    children = list(model.children()) if isinstance(model, nn.Sequential) else []
    index = [next((i for i, c in enumerate(children) if c is layer), None) for layer in layers]
    if not children or None in index or index != sorted(set(index)):
        return None
    bounds = [-1, *index, len(children) - 1]
    steps = []
    for first, last in zip(bounds[:-1], bounds[1:], strict=True):
        lines = []
        for module in children[first + 1:last + 1]:
            name = type(module).__name__
            if name == "Flatten":
                continue
            if name in FOLDED and lines:
                lines[-1] += " · " + describe_module(module)
            else:
                lines.append(describe_module(module))
        steps.append("\n".join(lines))
    return steps


def feature_map_stages(model, x, layers, *, names=None, classes=None, steps=None, title=None,
                       cmap="gray_r", map_inches=0.5):
    """What a network makes of one input, left to right: the input image, the feature maps
    that each of ``layers`` (submodules of ``model``) outputs, and the class scores.

    A (C, H, W) output is drawn as a near-square grid of C framed small images, each on its own
    colour scale from 0 (white with the default ``cmap``) to its largest value (darkest), so
    that a weak map shows its pattern too and a map that stays 0 shows as an empty frame;
    a vector is drawn as one bar per element. The model's output is drawn as one bar per
    class, the largest in red and named above them. ``names``: a heading per layer, shown
    above the output's size; ``classes``: the bar labels (0 … n−1 by default); ``steps``:
    a text under each arrow
    (len(layers) + 1), by default the layers in between (:func:`sequential_steps`) when the
    model is an nn.Sequential, ``False`` for none. Map images carry gid "map", the class bars
    gid "score". Returns the figure.
    """
    use_korean_font()
    outputs, scores = layer_outputs(model, x, layers)
    names = list(names) if names is not None else [type(m).__name__ for m in layers]
    if len(names) != len(layers):
        raise ValueError(f"names needs one name per layer ({len(layers)}), got {len(names)}")
    classes = [str(c) for c in (classes if classes is not None else range(len(scores)))]
    if len(classes) != len(scores):
        raise ValueError(f"the model outputs {len(scores)} scores, got {len(classes)} classes")
    if steps is None:
        steps = sequential_steps(model, layers)
    steps = list(steps) if steps else [""] * (len(layers) + 1)
    if len(steps) != len(layers) + 1:
        raise ValueError(f"steps needs a text per arrow ({len(layers) + 1}), got {len(steps)}")
    image = np.asarray(x, dtype=float).reshape(-1, *np.shape(x)[-2:])[0]
    grids = [_map_grid_shape(len(o)) if o.ndim == 3 else None for o in outputs]
    height = max([3] + [g[0] for g in grids if g]) * map_inches  # the tallest grid of maps
    arrow = 1.1 if any(steps) else 0.45
    widths = [height * 0.85] + [g[1] * height / g[0] + 0.15 if g else 1.8 for g in grids] + [2.1]
    ratios = [w for i, width in enumerate(widths) for w in ([width] if i == 0 else [arrow, width])]
    fig = plt.figure(figsize=(sum(ratios), height + 1.5), layout="constrained")
    panels = fig.subfigures(1, len(ratios), width_ratios=ratios, wspace=0)
    for arrow_panel, step in zip(panels[1::2], steps, strict=True):
        arrow_panel.add_artist(FancyArrowPatch((0.08, 0.5), (0.92, 0.5), arrowstyle="-|>",
                                               mutation_scale=14, lw=1.5,
                                               transform=arrow_panel.transSubfigure))
        arrow_panel.text(0.5, 0.46, step, ha="center", va="top", fontsize=8,
                         linespacing=1.25, transform=arrow_panel.transSubfigure)
    ax = panels[0].subplots()
    ax.imshow(image, cmap="gray_r")
    ax.set_axis_off()
    panels[0].suptitle(f"입력\n{_shape_label(np.shape(image))}", fontsize=9)
    for panel, name, out, grid in zip(panels[2:-1:2], names, outputs, grids, strict=True):
        panel.suptitle(f"{name}\n{_shape_label(out.shape)}", fontsize=9)
        if grid is None:
            bar_ax = panel.subplots()
            bar_ax.bar(range(out.size), out.ravel(), color="0.5")
            bar_ax.tick_params(labelsize=7)
            continue
        axes = panel.subplots(*grid, squeeze=False, gridspec_kw=dict(wspace=0.06, hspace=0.06))
        for k, map_ax in enumerate(axes.flat):
            if k >= len(out):
                map_ax.set_axis_off()
                continue
            low = min(0.0, float(out[k].min()))
            map_ax.imshow(out[k], cmap=cmap, vmin=low, vmax=max(float(out[k].max()), low + 1e-12),
                          gid="map")
            map_ax.set_xticks([])
            map_ax.set_yticks([])
            for spine in map_ax.spines.values():
                spine.set(color="0.7", lw=0.6)
    score_ax = panels[-1].subplots()
    top = int(np.argmax(scores))
    bars = score_ax.bar(classes, scores, color=["tab:red" if i == top else "0.6"
                                                for i in range(len(scores))])
    for bar in bars:
        bar.set_gid("score")
    score_ax.axhline(0, color="black", lw=0.6)
    score_ax.tick_params(labelsize=8)
    score_ax.set_xlabel("부류", fontsize=9)
    score_ax.set_title(f"가장 큰 점수: {classes[top]}", fontsize=9, color="tab:red")
    panels[-1].suptitle(f"부류 점수\n{len(scores)}", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


# ---- flows in rows, graphs in panels, boxes on a photograph (4.4) ----------------------------

def layer_flow(model, input_shape, *, layers=SHAPE_LAYERS, repeats=False):
    """The tensors ``model`` makes from one zero input of ``input_shape`` (C, H, W), as a flow
    for :func:`flow_rows`: ``dict(shapes=..., ops=..., splits=..., layers=...)``.

    ``shapes[0]`` is the input and ``ops[i]`` labels the layer (:func:`describe_module`) that
    turns ``shapes[i]`` into ``shapes[i + 1]``; only layers whose class name is in ``layers`` are
    recorded. ``splits``: the channel groups of each tensor (a grouped convolution's output);
    ``layers``: the qualified name of the layer that made each tensor after the input ('conv1').
    ``repeats``: consecutive layers with the same label and output shape become one step
    labelled '… ×n' (VGG's stacked 3×3 convolutions), named after the last of them.
    """
    records = _layer_records(model, input_shape, layers)
    qualified = {id(mod): name for name, mod in model.named_modules()}
    steps = []  # [label, output shape, groups, times, name]
    for mod, shape in records:
        label, groups = describe_module(mod), getattr(mod, "groups", 1)
        if repeats and steps and steps[-1][:3] == [label, shape, groups]:
            steps[-1][3] += 1
            steps[-1][4] = qualified[id(mod)]
        else:
            steps.append([label, shape, groups, 1, qualified[id(mod)]])
    return dict(shapes=[tuple(input_shape)] + [step[1] for step in steps],
                ops=[step[0] + (f" ×{step[3]}" if step[3] > 1 else "") for step in steps],
                splits=[1] + [step[2] for step in steps], layers=[step[4] for step in steps])


def _lines_height(text, fontsize, unit_inches, spacing=1.25):
    """Height in data units of ``text`` set in ``fontsize`` points, one unit = unit_inches."""
    return len(str(text).split("\n")) * fontsize * spacing / 72 / unit_inches


def flow_rows(rows, *, labels=None, connect=False, brackets=None, title=None, scale=0.45,
              fontsize=9, wrap=9, gap=1.3, unit_inches=0.7):
    """Tensor flows drawn as cuboids, one row under another, sized for 100% zoom.

    ``rows``: dicts with ``shapes`` ((C, H, W) or (n,) for a vector), ``ops`` (a label per
    arrow, wrapped by :func:`wrap_label` at ``wrap`` characters) and optional ``splits`` (channel
    groups per tensor) and ``names`` (a name per tensor, under its size), as
    :func:`layer_flow` returns. ``labels``: a heading above each row (e.g. its parameter count).
    ``connect``: the rows are one flow wrapped onto several lines; every row after the first
    then has one op more than it has arrows, the layer entering it, drawn on a line that leaves
    the end of the row above and comes into the row from the left. ``brackets``: {text: (first,
    last)} draws a bracket over the tensors ``first`` … ``last`` (indices counted over all rows,
    0 = the first row's first tensor; both in one row). Returns the figure.
    """
    use_korean_font()
    if labels is not None and len(labels) != len(rows):
        raise ValueError(f"labels needs one heading per row ({len(rows)}), got {len(labels)}")
    plan, start = [], 0  # per row: shapes, ops drawn between its tensors, the op entering it
    for r, row in enumerate(rows):
        shapes = [tuple(int(n) for n in s) for s in row["shapes"]]
        entering = connect and r > 0
        ops = list(row["ops"] if row.get("ops") is not None
                   else [""] * (len(shapes) - 1 + entering))
        if len(ops) != len(shapes) - 1 + entering:
            raise ValueError(f"row {r}: {len(shapes)} tensors need {len(shapes) - 1 + entering} "
                             f"ops, got {len(ops)}")
        splits = list(row.get("splits") or [1] * len(shapes))
        names = list(row.get("names") or [None] * len(shapes))
        if len(splits) != len(shapes) or len(names) != len(shapes):
            raise ValueError(f"row {r}: splits and names need one entry per tensor")
        plan.append(dict(shapes=shapes, ops=ops[entering:], entering=ops[0] if entering else None,
                         splits=splits, names=names, first=start))
        start += len(shapes)
    for r, row in enumerate(plan):  # the op entering a row is drawn at the end of the row above
        row["leaving"] = plan[r + 1]["entering"] if r + 1 < len(plan) else None
    text_unit = fontsize / 72 / unit_inches  # one line of text, in data units
    ya = 0.4 * scale  # arrows run at this height above a row's baseline
    # first pass: each tensor's place and size relative to its row's baseline
    for row in plan:
        x, row["items"] = 0.0, []
        for i, shape in enumerate(row["shapes"]):
            cuboid = shape if len(shape) == 3 else (1, shape[0], 1)
            w = _span(cuboid[2], scale) + 0.6 * _span(max(cuboid[0] // row["splits"][i], 1),
                                                      scale * 0.9)
            d = 0.45 * _span(max(cuboid[0] // row["splits"][i], 1), scale * 0.9)
            split = row["splits"][i]
            h = split * (_span(cuboid[1], scale) + d) + (split - 1) * 0.15 * scale
            label = _shape_label(shape) + (f"\n{row['names'][i]}" if row["names"][i] else "")
            row["items"].append(dict(x=x, w=w, h=h, shape=cuboid, split=row["splits"][i],
                                     vector=len(shape) != 3, label=label))
            x += w + (gap if i < len(row["shapes"]) - 1 else 0)
        row["width"] = x + (gap if row["leaving"] is not None else 0)
        ops = [wrap_label(op, wrap) for op in row["ops"] + [row["leaving"] or ""]]
        op_top = ya + 0.1 + max(_lines_height(op, fontsize, unit_inches, 1.3) for op in ops)
        row["top"] = max([op_top] + [it["h"] for it in row["items"]])
        row["bottom"] = 0.15 * scale + max(_lines_height(it["label"], fontsize, unit_inches)
                                           for it in row["items"])
    for text, (first, last) in (brackets or {}).items():
        owner = [row for row in plan if row["first"] <= first <= last < row["first"]
                 + len(row["shapes"])]
        if not owner:
            raise ValueError(f"bracket {text!r}: tensors {first}…{last} are not in one row")
        row = owner[0]
        items = row["items"][first - row["first"]:last - row["first"] + 1]
        row.setdefault("brackets", []).append((text, items))
    for row in plan:
        if row.get("brackets"):
            row["bracket_y"] = row["top"] + 0.25
            row["top"] = row["bracket_y"] + 0.08 + 1.3 * text_unit
    heading = 1.35 * (fontsize + 1) / 72 / unit_inches
    fig, ax = plt.subplots()
    y, left = 0.0, -0.8 if connect else -0.2
    right = max(row["width"] for row in plan) + 0.2
    bottoms = []
    for r, row in enumerate(plan):
        if labels is not None:
            y -= heading
            ax.text(0, y + 0.1 * heading, labels[r], ha="left", va="bottom",
                    fontsize=fontsize + 1)
        y -= row["top"] + 0.1
        row["y"] = y
        for i, it in enumerate(row["items"]):
            draw_cuboid(ax, it["x"], y, *it["shape"], scale=scale, split=it["split"],
                        color="#c7e9c0" if it["vector"] else "#9ecae1")
            ax.text(it["x"] + it["w"] / 2, y - 0.15 * scale, it["label"], ha="center",
                    va="top", fontsize=fontsize, linespacing=1.15)
            if i < len(row["items"]) - 1:
                x0, x1 = it["x"] + it["w"], row["items"][i + 1]["x"]
                ax.add_patch(FancyArrowPatch((x0 + 0.05, y + ya), (x1 - 0.05, y + ya),
                                             arrowstyle="-|>", mutation_scale=10, lw=1))
                ax.text((x0 + x1) / 2, y + ya + 0.1, wrap_label(row["ops"][i], wrap),
                        ha="center", va="bottom", fontsize=fontsize, linespacing=1.1)
        for text, items in row.get("brackets", []):
            b_left, b_right = items[0]["x"], items[-1]["x"] + items[-1]["w"]
            b_y = y + row["bracket_y"]
            ax.plot([b_left, b_left, b_right, b_right], [b_y - 0.12, b_y, b_y, b_y - 0.12],
                    color="0.3", lw=1, gid="bracket")
            ax.text((b_left + b_right) / 2, b_y + 0.08, text, ha="center", va="bottom",
                    fontsize=fontsize + 1)
        y -= row["bottom"]
        bottoms.append(y)
        if row["leaving"] is not None:  # the line to the next row, labelled with its layer
            y -= 0.3  # the line runs here, below this row's labels
        y -= 0.3
    for r, row in enumerate(plan[:-1]):
        if row["leaving"] is None:
            continue
        last = row["items"][-1]
        x0 = last["x"] + last["w"] + 0.05
        xr, yr = row["width"], row["y"] + ya
        y_mid = bottoms[r] - 0.3
        ax.text((x0 + xr) / 2, yr + 0.1, wrap_label(row["leaving"], wrap), ha="center",
                va="bottom", fontsize=fontsize, linespacing=1.1)
        y_next = plan[r + 1]["y"] + ya
        for xs, ys in (([x0, xr], [yr, yr]), ([xr, xr], [yr, y_mid]), ([xr, left + 0.2],
                       [y_mid, y_mid]), ([left + 0.2, left + 0.2], [y_mid, y_next])):
            ax.plot(xs, ys, color="black", lw=1, gid="connector")
        ax.add_patch(FancyArrowPatch((left + 0.2, y_next), (-0.05, y_next), arrowstyle="-|>",
                                     mutation_scale=10, lw=1, gid="connector"))
    bottom = y + 0.3
    _size_to_data(fig, ax, (left, right), (bottom, 0.1), unit_inches, title, fontsize + 3)
    return fig


def feature_map_rows(model, input_shape, *, breaks, names=None, brackets=None, title=None,
                     repeats=False, layers=SHAPE_LAYERS, **options):
    """:func:`layer_flow` of ``model`` drawn by :func:`flow_rows`, wrapped onto several rows.

    ``breaks``: the indices of the tensors that begin a new row (0 = the input), e.g. (5,) puts
    AlexNet's conv3 … fc8 under its input … pool2. ``names``: a name per tensor (the input
    included), or True for '입력' and the names of the model's layers ('conv1', …). Other
    options (``scale``, ``unit_inches``, …) go to :func:`flow_rows`. Returns the figure.
    """
    flow = layer_flow(model, input_shape, layers=layers, repeats=repeats)
    count = len(flow["shapes"])
    names = (["입력", *flow["layers"]] if names is True else names) or [None] * count
    if len(names) != count:
        raise ValueError(f"names needs one name per tensor ({count}), got {len(names)}")
    cuts = [0, *sorted(breaks), count]
    if cuts != sorted(set(cuts)) or cuts[-2] >= count:
        raise ValueError(f"breaks must be distinct tensor indices between 1 and {count - 1}, "
                         f"got {breaks}")
    rows = [dict(shapes=flow["shapes"][a:b], splits=flow["splits"][a:b], names=names[a:b],
                 ops=flow["ops"][max(a - 1, 0):b - 1]) for a, b in pairwise(cuts)]
    return flow_rows(rows, connect=True, brackets=brackets, title=title, **options)


def _graph_label(box, folded, wrap):
    """A box's text in :func:`graph_panels`: its layer (the folded BN/ReLU after ' · ' on their
    own line, or left out), wrapped at ``wrap`` characters, then its output shape."""
    layer, *rest = box.label.split(" · ")
    lines = [wrap_label(layer, wrap) if len(layer) > wrap else layer]
    if folded and rest:
        lines.append(" · ".join(rest))
    if box.shape:
        lines.append(_shape_label(box.shape))
    return "\n".join(lines)


def graph_panels(panels, *, title=None, box_width=1.25, lane_gap=0.3, fontsize=9, wrap=16,
                 folded=True, highlight=None):
    """Block diagrams of torch modules (the boxes of :func:`graph_boxes`), side by side, one
    panel each, at 100% zoom: one data unit is one inch, texts in ``fontsize`` points.

    ``panels``: dicts with ``model``, ``input_shape`` and optional ``title``, ``leaves`` (module
    classes kept whole) and ``columns`` (a long network wrapped into columns). A box shows its
    layer and output shape; ``folded=False`` leaves out the BN and ReLU folded into it.
    ``highlight``: boxes whose label starts with this text are tinted green (e.g. '1×1 conv').
    An edge that skips rows goes down its own lane first and then into its target, so it passes
    no box when that lane is free (an inception module's 1×1 branch); one that skips rows in
    the same lane (a residual block's shortcut) arcs on the right, in red. Returns the figure.
    """
    use_korean_font()
    layouts = []
    for panel in panels:
        boxes = graph_boxes(panel["model"], panel["input_shape"], leaves=panel.get("leaves", ()))
        texts = {id(b): _graph_label(b, folded, wrap) for b in boxes}
        lines = max(t.count("\n") + 1 for t in texts.values())
        h = lines * fontsize * 1.2 / 72 + 0.14
        row_height = h + 0.32
        low = min(b.lane for b in boxes)
        lanes = max(b.lane for b in boxes) - low + 1
        starts = _column_starts(boxes, panel.get("columns", 1))
        column = {b.rank: sum(b.rank >= s for s in starts) - 1 for b in boxes}
        row = {r: r - starts[c] for r, c in column.items()}
        step = box_width + lane_gap
        column_width = lanes * step + 0.4
        layouts.append(dict(boxes=boxes, texts=texts, h=h, row_height=row_height, low=low,
                            step=step, column=column, row=row, column_width=column_width,
                            width=len(starts) * column_width - 0.4,
                            height=(max(row.values()) + 1) * row_height,
                            title=panel.get("title")))
    head = max((lay["title"].count("\n") + 1) * (fontsize + 1) * 1.3 / 72 + 0.12
               for lay in layouts if lay["title"]) if any(lay["title"] for lay in layouts) else 0.0
    widths = [lay["width"] + 0.3 for lay in layouts]
    height = max(lay["height"] for lay in layouts) + 0.2 + head
    top = 0.25 * (title.count("\n") + 1) + 0.2 if title else 0.0
    fig = plt.figure(figsize=(sum(widths), height + top))
    x = 0.0
    for lay, width in zip(layouts, widths, strict=True):
        ax = fig.add_axes([x / sum(widths), 0, width / sum(widths), height / (height + top)])
        x += width
        _draw_graph_panel(ax, lay, box_width, highlight, fontsize)
        ax.set_xlim(-box_width / 2 - 0.15, -box_width / 2 - 0.15 + width)
        ax.set_ylim(-(height - head) + lay["h"] / 2 + 0.1, lay["h"] / 2 + 0.1 + head)
        ax.axis("off")
        if lay["title"]:
            ax.text(-box_width / 2, lay["h"] / 2 + 0.2, lay["title"], ha="left",
                    va="bottom", fontsize=fontsize + 1, linespacing=1.2)
    if title:
        fig.suptitle(title, fontsize=fontsize + 3, y=1 - 0.12 / (height + top))
    return fig


def _draw_graph_panel(ax, lay, box_width, highlight, fontsize):
    h, row_height, step = lay["h"], lay["row_height"], lay["step"]
    pos = {id(b): (lay["column"][b.rank] * lay["column_width"] + (b.lane - lay["low"]) * step,
                   -lay["row"][b.rank] * row_height) for b in lay["boxes"]}
    row_y = {b.rank: pos[id(b)][1] for b in lay["boxes"]}
    for b in lay["boxes"]:
        x, y = pos[id(b)]
        tinted = highlight and b.label.startswith(highlight)
        color = "#fee391" if b.is_merge else "#c7e9c0" if tinted else "#deebf7"
        ax.add_patch(FancyBboxPatch((x - box_width / 2, y - h / 2), box_width, h,
                                    boxstyle="round,pad=0,rounding_size=0.06", facecolor=color,
                                    edgecolor="black", lw=0.8, gid="node"))
        ax.text(x, y, lay["texts"][id(b)], ha="center", va="center", fontsize=fontsize,
                linespacing=1.1)
    gap = row_height - h
    for b in lay["boxes"]:
        for p in b.preds:
            (x0, y0), (x1, y1) = pos[id(p)], pos[id(b)]
            if lay["column"][p.rank] != lay["column"][b.rank]:  # on in the next column
                for start, end in (((x0, y0 - h / 2), (x0, y0 - h / 2 - gap * 0.8)),
                                   ((x1, y1 + h / 2 + gap * 0.8), (x1, y1 + h / 2))):
                    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=9,
                                                 lw=1.0, linestyle=":", color="0.4"))
                continue
            skip = b.rank - p.rank > 1
            if skip and abs(x0 - x1) < 1e-9:  # a shortcut: an arc on the right, in red
                ax.add_patch(FancyArrowPatch((x0 + box_width / 2, y0), (x1 + box_width / 2, y1),
                                             arrowstyle="-|>", mutation_scale=9, lw=1.0,
                                             connectionstyle="arc3,rad=-0.5", color="tab:red"))
                continue
            start = (x0, y0 - h / 2)
            if skip:  # down its own lane to the row above the target, then across
                below = row_y[b.rank - 1] - h / 2
                ax.plot([x0, x0], [y0 - h / 2, below], color="black", lw=1.0)
                start = (x0, below)
            ax.add_patch(FancyArrowPatch(start, (x1, y1 + h / 2), arrowstyle="-|>",
                                         mutation_scale=9, lw=1.0, color="black"))


def photo_boxes(ax, image, boxes, *, title=None, fontsize=9):
    """A photograph with labelled rectangles on it, e.g. the answer of an object detector
    (그림 4-31), drawn on ``ax``.

    ``image``: (H, W, 3) array; ``boxes``: dicts with ``label``, ``box`` = (x0, y0, x1, y1) in
    pixels (x to the right, y down), and optional ``color``, ``style`` ('-' or '--') and
    ``where`` ('above' the box's top-left corner, the default; 'below' its bottom-left corner;
    'inside' its top-left corner), where the label goes. Returns ``ax``.
    """
    use_korean_font()
    ax.imshow(image)
    for i, spec in enumerate(boxes):
        x0, y0, x1, y1 = spec["box"]
        if not (x0 < x1 and y0 < y1):
            raise ValueError(f"box {spec['label']!r} needs x0 < x1 and y0 < y1, got {spec['box']}")
        color = spec.get("color", WINDOW_COLORS[i % len(WINDOW_COLORS)])
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, lw=2.2, edgecolor=color,
                               linestyle=spec.get("style", "-"), gid="box"))
        where = spec.get("where", "above")
        pad = 6
        x, y, va = {"above": (x0, y0 - pad, "bottom"), "below": (x0, y1 + pad, "top"),
                    "inside": (x0 + pad, y0 + pad, "top")}[where]
        ax.text(x, y, spec["label"], ha="left", va=va, fontsize=fontsize, color="white",
                bbox=dict(facecolor=color, edgecolor="none", pad=1.5, alpha=0.9))
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=fontsize + 1)
    return ax


def collisions(fig):
    """What collides in a drawing that puts labels inside shapes (boxes of a module graph,
    rectangles on a photograph): pairs of texts whose boxes intersect, and a text and a shape
    or line whose drawn outline crosses the text. Unlike :func:`overlaps`, a text wholly
    inside a shape is that shape's label, and an arrow counts only where it passes, not over
    the whole rectangle it spans. A readable figure returns []."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for t in fig.texts if t.get_text().strip()]
    for ax in fig.axes:
        texts += [t for t in ax.texts if t.get_text().strip()]
        texts += [ax.title] if ax.get_title() else []
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    shapes = []  # (name, outline pieces in display coordinates; curves as line segments)
    for ax in fig.axes:
        for artist in [*ax.patches, *ax.lines]:
            path = artist.get_path().transformed(artist.get_transform())
            shapes.append((artist.get_gid() or type(artist).__name__,
                           [Path(piece) for piece in path.to_polygons(closed_only=False)
                            if len(piece) > 1]))
    found = []
    for i, (a, box) in enumerate(boxes):
        found += [(a, b) for b, other in boxes[i + 1:] if box.overlaps(other)]
        found += [(a, name) for name, pieces in shapes
                  if any(piece.intersects_bbox(box, filled=False) for piece in pieces)]
    return found


def sheet_stacks(items, *, title=None, cell=0.32, fontsize=9, gap=0.9, unit_inches=0.75):
    """Tensors drawn as stacks of feature maps, one sheet of h×w cells per channel, so that
    the number of maps can be counted (그림 4-23: 8 maps, four 8×1×1 kernels, 4 maps).

    ``items``: dicts with ``shape`` (C, h, w), optional ``label`` (under the size),
    ``repeat`` (that many stacks side by side, e.g. a layer's K kernels), ``mark`` ((row, col),
    a cell tinted in every sheet: the position a 1×1 kernel reads) and ``colors`` (one per
    sheet, or per repeated stack, for the marked cells; default orange); or strings drawn
    between them ('*', '=', or '→ label'). Sheets carry the gid "sheet", cells "cell".
    Returns the figure.
    """
    use_korean_font()
    dx, dy = 0.42 * cell, 0.32 * cell
    placed, x, top = [], 0.0, 0.0
    for item in items:
        if isinstance(item, str):
            label = item[1:].strip() if item.startswith("→") else ""
            width = max(gap, 0.11 * len(label) + 0.5)
            placed.append((x, width, item))
            x += width
            continue
        c, h, w = (int(n) for n in item["shape"])
        stack_w = w * cell + (c - 1) * dx
        repeat = item.get("repeat", 1)
        width = repeat * stack_w + (repeat - 1) * 0.25
        placed.append((x, width, item))
        x += width
        top = max(top, h * cell + (c - 1) * dy)
    fig, ax = plt.subplots()
    for x0, width, item in placed:
        if isinstance(item, str):
            _draw_symbol(ax, x0, top / 2, width, item, fontsize)
            continue
        c, h, w = (int(n) for n in item["shape"])
        repeat = item.get("repeat", 1)
        colors = item.get("colors") or ["#fdae6b"] * (repeat if repeat > 1 else c)
        for k in range(repeat):
            sx = x0 + k * (w * cell + (c - 1) * dx + 0.25)
            for s in range(c - 1, -1, -1):  # the back sheet first, the front one last
                ox, oy = sx + s * dx, s * dy
                ax.add_patch(Rectangle((ox, oy), w * cell, h * cell, facecolor="white",
                                       edgecolor="black", lw=0.8, gid="sheet"))
                for r in range(h):
                    for q in range(w):
                        marked = item.get("mark") in ((r, q),) or (h, w) == (1, 1)
                        color = colors[k if repeat > 1 else s] if marked else "#deebf7"
                        ax.add_patch(Rectangle((ox + q * cell, oy + (h - 1 - r) * cell), cell,
                                               cell, facecolor=color, edgecolor="0.45",
                                               lw=0.5, gid="cell"))
        text = _shape_label((c, h, w)) + (f"\n{item['label']}" if item.get("label") else "")
        ax.text(x0 + width / 2, -0.12, text, ha="center", va="top", fontsize=fontsize,
                linespacing=1.15)
    depth = max(_lines_height(item.get("label", "") + "\n", fontsize, unit_inches)
                for _, _, item in placed if not isinstance(item, str))
    _size_to_data(fig, ax, (-0.15, x + 0.15), (-depth - 0.2, top + 0.15), unit_inches, title,
                  fontsize + 3)
    return fig


# ---- residual networks (4.4.3): graphs side by side, long networks as stacks of layers --------

def text_inches(text, fontsize):
    """(width, height) in inches of ``text`` (lines split at newlines) set in ``fontsize`` points
    in the current font: what a label needs on a page whose data unit is an inch."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    lines = str(text).split("\n")
    measure = TextToPath().get_text_width_height_descent
    width = max(measure(line, FontProperties(size=fontsize), ismath=False)[0] for line in lines)
    return width / 72, len(lines) * fontsize * 1.25 / 72


def _title_inches(text, fontsize):
    return text_inches(text, fontsize)[1] + 0.12 if text else 0.0


def _graph_nodes(ax):
    return [p for p in ax.patches if p.get_gid() == "node"]


def _bracket_boxes(ax, first, last, text, fontsize):
    """A bracket left of the boxes ``first`` … ``last`` (their order in :func:`graph_boxes`) of a
    :func:`module_graph` drawn on ``ax``, with ``text`` left of it; widens the x-limits to fit."""
    nodes = _graph_nodes(ax)
    if not 0 <= first <= last < len(nodes):
        raise ValueError(f"boxes {first}…{last} asked for, the graph has {len(nodes)}")
    chosen = nodes[first:last + 1]
    left = min(p.get_x() for p in chosen) - 0.12
    top = max(p.get_y() + p.get_height() for p in chosen)
    bottom = min(p.get_y() for p in chosen)
    ax.plot([left + 0.08, left, left, left + 0.08], [top, top, bottom, bottom], color="0.3",
            lw=1.0, gid="bracket")
    ax.text(left - 0.08, (top + bottom) / 2, text, ha="right", va="center", fontsize=fontsize)
    x0, x1 = ax.get_xlim()
    ax.set_xlim(min(x0, left - 0.2 - text_inches(text, fontsize)[0]), x1)


def _is_shortcut(patch):
    from matplotlib.colors import to_hex

    return (isinstance(patch, FancyArrowPatch) and patch.get_linestyle() in ("-", "solid")
            and to_hex(patch.get_edgecolor()) == to_hex("tab:red"))


def _label_shortcuts(ax, text, fontsize):
    """``text`` right of every shortcut (a solid red arc of :func:`module_graph`) on ``ax``, in
    red; widens the x-limits to fit. Call when a data unit is drawn as an inch."""
    x0, x1 = ax.get_xlim()
    for arrow in [p for p in ax.patches if _is_shortcut(p)]:
        box = arrow.get_path().get_extents()
        x = box.x1 + 0.08
        ax.text(x, (box.y0 + box.y1) / 2, text, ha="left", va="center", fontsize=fontsize,
                color="tab:red")
        x1 = max(x1, x + text_inches(text, fontsize)[0] + 0.1)
    ax.set_xlim(x0, x1)


def _place_side_by_side(fig, axes, title, fontsize, gap=0.45):
    """Size ``fig`` and place ``axes`` in a row so that a data unit is an inch in every axes,
    their tops level (the first rows of graphs drawn with one row height line up), each axes'
    title above it and the figure's ``title`` above all."""
    sizes = [(ax.get_xlim(), ax.get_ylim()) for ax in axes]
    titles = max(_title_inches(ax.get_title(), fontsize + 1) for ax in axes)
    above = _title_inches(title, fontsize + 2) + (0.1 if title else 0.0)
    heights = [y1 - y0 for _, (y0, y1) in sizes]
    width = sum(x1 - x0 for (x0, x1), _ in sizes) + gap * (len(axes) - 1) + 0.2
    height = max(heights) + titles + above + 0.1
    fig.set_size_inches(width, height)
    x = 0.1
    for ax, ((x0, x1), _), h in zip(axes, sizes, heights, strict=True):
        ax.set_position([x / width, (height - above - titles - h) / height, (x1 - x0) / width,
                         h / height])
        x += x1 - x0 + gap
    if title:
        fig.suptitle(title, y=1 - 0.06 / height, va="top", fontsize=fontsize + 2)


def module_graphs(models, input_shape, *, titles=None, brackets=None, shortcut=None, title=None,
                  fontsize=9, **options):
    """:func:`module_graph` of each of ``models`` side by side in one figure, e.g. a plain block
    beside a residual block (그림 4-28). Every graph keeps a data unit an inch (its natural
    size), the rows of all graphs line up, and texts are set in ``fontsize`` points.

    ``titles``: a title per graph. ``brackets``: {text: (first, last)} marks boxes ``first`` …
    ``last`` (in :func:`graph_boxes` order) of every graph with a labelled bracket on their left
    (e.g. the layers F(x) of a block), or a list of such dicts, one per graph. ``shortcut``: a
    text written beside every shortcut (a red arc). ``options`` go to :func:`module_graph`
    (``fold``, ``show_shapes``, ``row_height``, ``box_width``, ``leaves``, ``columns``).
    Returns the figure.
    """
    use_korean_font()
    if titles is not None and len(titles) != len(models):
        raise ValueError(f"{len(models)} models need {len(models)} titles, got {len(titles)}")
    marks = brackets if isinstance(brackets, list | tuple) else [brackets] * len(models)
    if len(marks) != len(models):
        raise ValueError(f"{len(models)} models need {len(models)} bracket dicts, got {len(marks)}")
    fig = plt.figure()
    axes = []
    for j, model in enumerate(models):
        ax = fig.add_axes((0, 0, 1, 1), label=f"graph {j}")
        module_graph(model, input_shape, ax=ax, **options)
        for text in ax.texts:
            text.set_fontsize(fontsize)
        for text, (first, last) in (marks[j] or {}).items():
            _bracket_boxes(ax, first, last, text, fontsize)
        if titles:
            ax.set_title(titles[j], fontsize=fontsize + 1)
        axes.append(ax)
    _place_side_by_side(fig, axes, title, fontsize)
    if shortcut:  # where an arc bends depends on the scale: label it once it is an inch a unit
        for ax in axes:
            _label_shortcuts(ax, shortcut, fontsize)
        _place_side_by_side(fig, axes, title, fontsize)
    return fig


def _stack(model, input_shape, *, leaves=(), drop=()):
    """The main path of ``model`` and its shortcuts, for :func:`network_stacks`.

    Returns (rows, sums). ``rows``: [(label, shape)] of the boxes of :func:`graph_boxes` on the
    main path, the parts of a label named in ``drop`` left out and a box left without a label
    passed over. ``sums``: [(gap, source, label)]: a sum drawn below row ``gap`` whose shortcut
    leaves the main path below row ``source``, through the layers ``label`` (None: the
    identity x). Raises ValueError for branches that are not shortcuts (an inception module).
    """
    def short(box):
        return " · ".join(part for part in box.label.split(" · ") if part not in drop)

    boxes = graph_boxes(model, input_shape, leaves=leaves)
    rows, gap, sums, through_side = [], {}, [], set()
    for box in boxes:
        if box.lane != 0:
            continue
        if box.is_merge:
            if not box.label.startswith("+"):
                raise ValueError(f"network_stacks draws one path with shortcuts; {box.label!r} "
                                 "joins branches: draw it with module_graph")
            main = max((p for p in box.preds if p.lane == 0), key=lambda p: p.rank)
            for source in box.preds:
                if source is main:
                    continue
                layers = []
                while source.lane != 0:
                    if len(source.preds) != 1:
                        raise ValueError(f"a shortcut through {source.label!r} has "
                                         f"{len(source.preds)} inputs")
                    layers.insert(0, short(source))
                    through_side.add(id(source))
                    source = source.preds[0]
                sums.append((gap[id(main)], gap[id(source)],
                             " · ".join(layer for layer in layers if layer) or None))
            gap[id(box)] = gap[id(main)]
        elif len(box.preds) > 1:
            raise ValueError(f"{box.label!r} has {len(box.preds)} inputs; network_stacks draws "
                             "one path with shortcuts")
        elif box.preds and not short(box):
            gap[id(box)] = gap[id(box.preds[0])]
        else:
            rows.append((short(box) or box.label, box.shape))
            gap[id(box)] = len(rows) - 1
    branches = [b.label for b in boxes if b.lane != 0 and id(b) not in through_side]
    if branches:
        raise ValueError(f"network_stacks draws one path with shortcuts; {branches} are branches "
                         "that are not shortcuts: draw the network with module_graph")
    return rows, sums


def _shortcut_path(x_main, x_side, y_start, x_end, y_end, corner=0.08):
    """A path from the main line at y_start, right to x_side, down to y_end, left to x_end,
    with rounded corners."""
    c = min(corner, abs(y_start - y_end) / 2)
    vertices = [(x_main, y_start), (x_side - c, y_start), (x_side, y_start), (x_side, y_start - c),
                (x_side, y_end + c), (x_side, y_end), (x_side - c, y_end), (x_end, y_end)]
    codes = [Path.MOVETO, Path.LINETO, Path.CURVE3, Path.CURVE3, Path.LINETO, Path.CURVE3,
             Path.CURVE3, Path.LINETO]
    return Path(vertices, codes)


def network_stacks(models, input_shape, *, names, columns=1, drop=("BN", "ReLU", "flatten"),
                   leaves=(), title=None, box_width=1.3, row_height=0.3, fontsize=9):
    """Long networks drawn as the ResNet paper draws them (its figure 3), from the modules.

    Each network is a column of boxes, one per layer on its main path (traced as in
    :func:`graph_boxes`), the networks side by side so that the same layer sits at the same
    height; boxes are tinted by their number of maps. A shortcut is a red line on the right of
    its block that joins the sum ⊕ after it: solid for the identity x, dotted and named by its
    layers where it passes through some (a 1×1 projection where the shape changes).
    ``drop``: parts of the box labels left out (BN and ReLU that follow every convolution; a
    box left empty, such as flatten, is passed over). ``names``: a heading per network. A long
    network wraps into ``columns`` columns, broken only where no shortcut crosses. A data unit
    is an inch. Returns the figure.
    """
    use_korean_font()
    if len(names) != len(models):
        raise ValueError(f"{len(models)} models need {len(models)} names, got {len(names)}")
    stacks = [_stack(model, input_shape, leaves=leaves, drop=drop) for model in models]
    n = max(len(rows) for rows, _ in stacks)
    with_sum = {g for _, sums in stacks for g, _, _ in sums}
    slot = 0.8  # room for a sum, in rows
    top = [0.0]
    for i in range(n - 1):
        top.append(top[-1] + 1 + (slot if i in with_sum else 0))
    breaks = [g for g in range(n - 1)
              if not any(s < g < m for _, sums in stacks for m, s, _ in sums)]
    starts = [0]
    for k in range(1, columns):
        later = [g + 1 for g in breaks if g + 1 > starts[-1]]
        if later:
            starts.append(min(later, key=lambda r: abs(top[r] - k * (top[-1] + 1) / columns)))
    column = [sum(i >= s for s in starts) - 1 for i in range(n)]
    rh, bh, radius = row_height, row_height * 0.66, row_height * 0.26

    def y_row(i):
        return -(top[i] - top[starts[column[i]]]) * rh

    def y_gap(g):  # the middle between row g and the next
        return y_row(g) - (1 + (slot if g in with_sum else 0)) * rh / 2

    wrapped = [[wrap_label(label, 10) if label else None for _, _, label in sums]
               for _, sums in stacks]
    widths = [box_width + (0.3 if sums else 0)
              + max((text_inches(t, fontsize - 0.5)[0] + 0.15 for t in texts if t), default=0)
              for (_, sums), texts in zip(stacks, wrapped, strict=True)]
    group = sum(widths) + 0.35 * (len(stacks) - 1)
    maps = sorted({shape[0] for rows, _ in stacks for _, shape in rows
                   if shape and len(shape) == 3})
    tint = {c: plt.cm.Blues(0.06 + 0.36 * k / max(len(maps) - 1, 1)) for k, c in enumerate(maps)}
    fig = plt.figure()
    ax = fig.add_axes((0, 0, 1, 1))
    arrow = dict(arrowstyle="-|>", mutation_scale=8, lw=0.9, color="black")
    stub = dict(arrowstyle="-|>", mutation_scale=8, lw=0.9, color="0.5", linestyle=":")
    bottom = 0.0
    for j, ((rows, sums), name) in enumerate(zip(stacks, names, strict=True)):
        sum_at = {m for m, _, _ in sums}
        offset = sum(widths[:j]) + 0.35 * j
        for c in range(len(starts)):
            x = c * (group + 0.5) + offset + box_width / 2
            ax.text(x, 0.95 * rh + (0.25 * rh if c else 0), name, ha="center", va="bottom",
                    fontsize=fontsize + 1)
            if c and starts[c] < len(rows):  # the path comes on from the column before
                ax.add_patch(FancyArrowPatch((x, 0.95 * rh), (x, bh / 2), **stub))
        for i, (label, shape) in enumerate(rows):
            x = column[i] * (group + 0.5) + offset + box_width / 2
            y = y_row(i)
            color = tint.get(shape[0], "white") if shape and len(shape) == 3 else "#e5f5e0"
            ax.add_patch(FancyBboxPatch((x - box_width / 2, y - bh / 2), box_width, bh,
                                        boxstyle="round,pad=0.01,rounding_size=0.05",
                                        facecolor=color, edgecolor="black", lw=0.8, gid="node"))
            ax.text(x, y, label, ha="center", va="center", fontsize=fontsize)
            below = y - bh / 2
            if i in sum_at:
                ym = y_gap(i)
                ax.add_patch(plt.Circle((x, ym), radius, facecolor="#fee391", edgecolor="black",
                                        lw=0.8, gid="sum"))
                ax.text(x, ym, "+", ha="center", va="center", fontsize=fontsize)
                ax.add_patch(FancyArrowPatch((x, below), (x, ym + radius), **arrow))
                below = ym - radius
            if i + 1 == len(rows):
                bottom = min(bottom, below - 0.1)
            elif column[i + 1] == column[i]:
                ax.add_patch(FancyArrowPatch((x, below), (x, y_row(i + 1) + bh / 2), **arrow))
            else:
                ax.add_patch(FancyArrowPatch((x, below), (x, below - 0.6 * rh), **stub))
                bottom = min(bottom, below - 0.6 * rh - 0.1)
        for (m, s, label), text in zip(sums, wrapped[j], strict=True):
            x = column[m] * (group + 0.5) + offset + box_width / 2
            side = x + box_width / 2 + 0.15
            if column[s] != column[m]:  # it leaves from the path coming into this column
                y_start = 0.55 * rh
            else:
                y_start = y_gap(s) - (radius + 0.45 * (y_gap(s) - radius - y_row(s + 1) - bh / 2)
                                      if s in sum_at else 0)
            path = _shortcut_path(x, side, y_start, x + radius, y_gap(m))
            ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=8, lw=1.0,
                                         color="tab:red", linestyle=":" if label else "-",
                                         gid="projection" if label else "shortcut"))
            if text:
                ax.text(side + 0.07, (y_start + y_gap(m)) / 2, text, ha="left", va="center",
                        fontsize=fontsize - 0.5, color="tab:red", linespacing=1.1)
    x0, x1 = -0.1, len(starts) * (group + 0.5) - 0.4
    y0, y1 = bottom - 0.05, 0.95 * rh + 0.25 * rh * (len(starts) > 1) + 0.3
    above = _title_inches(title, fontsize + 2)
    fig.set_size_inches(x1 - x0, y1 - y0 + above)
    ax.set_position((0, 0, 1, (y1 - y0) / (y1 - y0 + above)))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=fontsize + 2)
    return fig


def _crosses(arrow, box):
    """Whether the line of ``arrow`` (its head included) passes through the display box ``box``."""
    drawn = arrow.get_transform().transform_path(arrow.get_path())
    return any(Path(polygon).intersects_bbox(box, filled=False)
               for polygon in drawn.to_polygons(closed_only=False))


def graph_collisions(fig):
    """What collides in a drawing of boxes with their labels inside (:func:`module_graph`,
    :func:`module_graphs`, :func:`network_stacks`), where :func:`overlaps` would count every
    label against its own box: pairs of texts (titles and the figure's title included), a text
    and a line, a text and an arrow, a text and a shape it is not wholly inside (a label that
    sticks out of its box or covers another), and two shapes with a gid (boxes, sums) that
    overlap. Stricter than :func:`collisions`, whose shapes (boxes on a photograph) may nest.
    A readable figure returns []."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    found = []
    titles = [(fig._suptitle.get_text(), fig._suptitle.get_window_extent(renderer))
              if fig._suptitle is not None and fig._suptitle.get_text() else None]
    titles += [(ax.get_title(), ax.title.get_window_extent(renderer)) for ax in fig.axes
               if ax.get_title()]
    texts = [t for t in titles if t]
    for ax in fig.axes:
        texts += [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts
                  if t.get_text().strip()]
    for i, (a, box) in enumerate(texts):
        found += [(a, b) for b, other in texts[i + 1:] if box.overlaps(other)]
    for ax in fig.axes:
        mine = [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts
                if t.get_text().strip()]
        shapes = [(p.get_gid() or type(p).__name__, p.get_window_extent(renderer), p)
                  for p in ax.patches]
        for a, box in mine:
            for name, extent, patch in shapes:
                inside = (extent.x0 <= box.x0 and box.x1 <= extent.x1 and extent.y0 <= box.y0
                          and box.y1 <= extent.y1)
                if isinstance(patch, FancyArrowPatch):  # its line, not the box around a curve
                    if box.overlaps(extent) and _crosses(patch, box):
                        found.append((a, name))
                elif box.overlaps(extent) and not inside:
                    found.append((a, name))
            found += [(a, line.get_gid() or "line") for line in ax.lines
                      if box.overlaps(line.get_window_extent(renderer))]
        named = [(name, extent) for name, extent, patch in shapes
                 if patch.get_gid() and not isinstance(patch, FancyArrowPatch)]
        for i, (a, box) in enumerate(named):
            found += [(a, b) for b, other in named[i + 1:] if box.overlaps(other)]
    return found
