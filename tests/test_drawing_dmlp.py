"""The 4.2 drawings (그림 4-3, the path of δ, computational graphs, 그림 4-4's table) hold what
they depict: counted nodes, connections and labels, not pixels."""

import matplotlib
import numpy as np
import pytest

from dlbasics import drawing
from dlbasics.dmlp import DMLP

matplotlib.use("Agg")


def patches(fig, gid):
    return [p for ax in fig.axes for p in ax.patches if p.get_gid() == gid]


def texts(fig, gid=None):
    return [t.get_text() for ax in fig.axes for t in ax.texts if gid is None or t.get_gid() == gid]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    matplotlib.pyplot.close("all")


def test_dmlp_graph_draws_every_node_bias_node_and_connection_of_a_small_net():
    fig = drawing.dmlp_graph([4, 3, 2])
    assert len(patches(fig, "node")) == 4 + 3 + 2
    assert len(patches(fig, "bias")) == 2  # z_0^0 = x_0 and z_0^1; the output layer has none
    assert len(fig.axes[0].lines) == (4 + 1) * 3 + (3 + 1) * 2  # U^1 and U^2, biases included
    assert len([line for line in fig.axes[0].lines if line.get_linestyle() == "--"]) == 3 + 2
    labels = texts(fig)
    assert "$U^{1}$\n3×5" in labels and "$U^{2}$\n2×4" in labels  # n_l × (n_{l-1} + 1)
    assert "입력층\n$n_{0}$ = 4" in labels and "출력층\n$n_{2}$ = 2" in labels
    assert {"$x_{1}$", "$z_{3}^{1}$", "$o_{2}$", "$x_0$", "$z_0^{1}$"} <= set(labels)
    assert not texts(fig, "ellipsis")


def test_wide_layers_are_shortened_but_keep_their_true_sizes():
    fig = drawing.dmlp_graph([784, 256, 128, 10], max_nodes=5)
    assert len(patches(fig, "node")) == 4 * 4  # three nodes and the last one per layer
    assert len(texts(fig, "ellipsis")) == 4
    labels = texts(fig)
    assert {"$x_{784}$", "$z_{256}^{1}$", "$z_{128}^{2}$", "$o_{10}$"} <= set(labels)
    assert {"$U^{1}$\n256×785", "$U^{2}$\n128×257", "$U^{3}$\n10×129"} <= set(labels)
    assert "은닉층 2\n$n_{2}$ = 128" in labels


def test_the_drawing_follows_the_dmlp_it_is_drawn_from():
    rng = np.random.default_rng(0)
    narrow = drawing.dmlp_graph(DMLP.create([4, 3, 2], rng).sizes)
    wide = drawing.dmlp_graph(DMLP.create([4, 5, 5, 2], rng).sizes, max_nodes=6)
    assert len(patches(narrow, "node")) == 9 and len(patches(wide, "node")) == 16
    assert len(patches(wide, "bias")) == 3
    assert "$U^{3}$\n2×6" in texts(wide)


def test_values_replace_the_symbols_and_backward_arrows_carry_the_path_of_delta():
    values = {2: ["+0.5", "-0.25"], 1: [0.1, 0.2, 0.3]}
    backward = {2: "δ² = τ'(s²)(y − o)", 1: "δ¹ = τ'(s¹) (U²)ᵀδ²"}
    fig = drawing.dmlp_graph([4, 3, 2], values=values, backward=backward,
                             gaps={1: "ΔU¹", 2: "ΔU²"})
    labels = texts(fig)
    assert {"+0.5", "-0.25", "0.1", "0.3", "ΔU¹", "ΔU²", "J", *backward.values()} <= set(labels)
    assert "$o_{1}$" not in labels and "$x_{1}$" in labels  # values only where given
    assert len(patches(fig, "backward")) == 2


def test_dmlp_graph_checks_its_arguments():
    with pytest.raises(ValueError, match="n_1 = 3 entries"):
        drawing.dmlp_graph([4, 3, 2], values={1: [0.1, 0.2]})
    with pytest.raises(ValueError, match="sizes"):
        drawing.dmlp_graph([4])
    with pytest.raises(ValueError, match="max_nodes"):
        drawing.dmlp_graph([4, 3], max_nodes=2)


def test_computation_graph_draws_operations_edges_and_the_backward_values():
    nodes = {"u": (2, 1.5, None), "z": (0, 0, None), "dot": (2, 0, "u·z"),
             "tau": (4, 0, r"$\tau$"), "loss": (6, 0, "J"), "J": (8, 0, None)}
    edges = [("u", "dot", "u = (0.5, 0.5)", "∂J/∂u"), ("z", "dot", "z = (1, 1)", "∂J/∂z"),
             ("dot", "tau", "s = 0", "∂J/∂s = −0.125"), ("tau", "loss", "o = 0.5", None),
             ("loss", "J", "0.125", "1")]
    fig = drawing.computation_graph(nodes, edges)
    assert len(patches(fig, "node")) == 3  # the operations; u, z and J are end points
    assert len(patches(fig, "edge")) == 5
    assert len(patches(fig, "backward")) == 4  # every edge with a backward value
    assert {"u", "z", "J", "u·z", "s = 0", "∂J/∂s = −0.125", "0.125"} <= set(texts(fig))
    with pytest.raises(ValueError, match="unknown node 'w'"):
        drawing.computation_graph(nodes, [("w", "dot", "w", None)])


def test_box_table_has_a_box_per_cell_and_keeps_the_labels():
    rows = {"신경망": ["퍼셉트론", "다층 퍼셉트론", "깊은 다층 퍼셉트론"],
            "활성함수": ["계단함수", "시그모이드함수", "ReLU와 변형들"],
            "목적함수": ["평균제곱 오차", "평균제곱 오차", "교차 엔트로피\n또는 로그우도"]}
    fig = drawing.box_table(rows)
    assert len(patches(fig, "box")) == 9
    assert {"신경망", "활성함수", "깊은 다층 퍼셉트론",
            "교차 엔트로피\n또는 로그우도"} <= set(texts(fig))
    assert len([p for p in fig.axes[0].patches if p.get_gid() is None]) == 3 * 2  # arrows
    assert not [p for p in drawing.box_table(rows, arrows=False).axes[0].patches
                if p.get_gid() is None]
    with pytest.raises(ValueError, match="as many boxes"):
        drawing.box_table({"a": ["1", "2"], "b": ["1"]})


def test_box_table_columns_widen_with_their_longest_label():
    def box_widths(rows):
        return [p.get_width() for p in patches(drawing.box_table(rows), "box")]

    short, longer = box_widths({"a": ["ab", "ab"]}), box_widths({"a": ["ab", "가나다라마바"]})
    assert short[0] == longer[0] and longer[1] > short[1]
