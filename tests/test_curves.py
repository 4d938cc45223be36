import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlbasics import use_korean_font  # noqa: E402
from dlbasics.curves import plot_histories, show_signed  # noqa: E402

RUNS = {"a": {"loss": [1.0, 0.1, 0.01], "val_acc": [0.5, 0.8, 0.9]},
        "b": {"loss": [2.0, 0.2, 0.02], "val_acc": [0.4, 0.7, 0.8]}}


def test_one_panel_per_key_one_line_per_run():
    use_korean_font()
    fig = plot_histories(RUNS, keys=("loss", "val_acc"), titles={"val_acc": "테스트 정확도"},
                         suptitle="제목")
    loss_ax, acc_ax = fig.axes
    assert len(loss_ax.get_lines()) == 2 and acc_ax.get_title() == "테스트 정확도"
    assert loss_ax.get_title() == "훈련 손실 J"
    assert list(loss_ax.get_lines()[0].get_xdata()) == [1, 2, 3]
    plt.close(fig)


def test_log_axis_draws_korean_and_minus_signs_without_glyph_warnings(caplog):
    use_korean_font()
    with warnings.catch_warnings(), caplog.at_level("WARNING", logger="matplotlib"):
        warnings.simplefilter("error")
        fig = plot_histories({"실행": {"loss": [1e-5, 1e-3, 1.0]}}, keys=("loss",), logy=("loss",))
        fig.canvas.draw()
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and fig.axes[0].get_title() == "훈련 손실 J"
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert any("10^{-4}" in t for t in labels)  # matplotlib's own labels, with a minus sign
    assert not [r.getMessage() for r in caplog.records if "glyph" in r.getMessage().lower()]
    plt.close(fig)


def test_bad_histories():
    with pytest.raises(ValueError, match="at least one"):
        plot_histories({})
    with pytest.raises(KeyError, match="val_acc"):
        plot_histories({"a": {"loss": [1.0]}}, keys=("val_acc",))
    plt.close("all")


def test_show_signed_shares_one_colour_scale_centred_at_zero():
    use_korean_font()
    fig = show_signed([np.array([[-1.0, 3.0], [0.0, 1.0]]), np.zeros((2, 2))], titles=["a", "b"])
    assert [ax.images[0].get_clim() for ax in fig.axes[:2]] == [(-3.0, 3.0), (-3.0, 3.0)]
    assert fig.axes[0].images[0].get_cmap().name == "RdBu_r"
    plt.close(fig)
    fig = show_signed(np.zeros((2, 1, 3, 3)))  # all zero: a valid scale all the same
    assert fig.axes[0].images[0].get_clim() == (-1.0, 1.0)
    plt.close(fig)
