"""Seed 001's additions: the step-0 history record, epoch / bound claims, and the figure options it uses
(epoch curves compared across runs, scatter of several parts), each on tiny fake results."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from scratchnet.models import MLPClassifier, Perceptron  # noqa: E402
from scratchnet.persist import save_model  # noqa: E402
from scratchnet.pipeline import paths  # noqa: E402
from scratchnet.pipeline.figures import FigureContext, Run  # noqa: E402
from scratchnet.pipeline.figures.classification import fig_scatter  # noqa: E402
from scratchnet.pipeline.figures.training_curves import fig_epoch_curves  # noqa: E402
from scratchnet.pipeline.io import write_json, write_npz  # noqa: E402
from scratchnet.pipeline.spec import load_experiments  # noqa: E402
from scratchnet.report.build import Page, ReportInputs, audit_claim, mean_sd  # noqa: E402
from scratchnet.train import TrainConfig  # noqa: E402

LAYOUT = paths.Layout()


def _draw(kind, spec: dict, runs: list) -> tuple:
    """Draw a figure kind on a new figure; return (figure, its single axes)."""
    fig = plt.figure()
    ctx = FigureContext(spec, runs, {}, fig, LAYOUT)
    kind(ctx)
    return fig, ctx.ax


def _moons_like(n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.standard_normal((n, 2)) + 2.0 * y[:, None]
    return X, y


# --- engine: eval_initial ------------------------------------------------------------------------------------------


def test_eval_initial_records_step_zero_and_changes_nothing_else() -> None:
    X, y = _moons_like()
    Xv, yv = _moons_like(10, seed=1)
    cfg = {"lr": 0.05, "epochs": 4, "batch_size": None, "seed": 3}
    untrained = MLPClassifier([2, 5, 2], seed=3)
    untrained.encode_targets(y, fitting=True)
    expected = untrained.evaluate(X, y)
    expected_val = untrained.evaluate(Xv, yv)

    a = MLPClassifier([2, 5, 2], seed=3).fit(X, y, (Xv, yv), config=TrainConfig(**cfg, eval_initial=True))
    b = MLPClassifier([2, 5, 2], seed=3).fit(X, y, (Xv, yv), config=TrainConfig(**cfg))
    first = a.history_.epochs[0]
    assert first["epoch"] == 0 and first["updates"] == 0 and "loss" not in first
    assert first["train_loss"] == pytest.approx(expected["loss"]) and first["train_acc"] == expected["acc"]
    assert first["val_loss"] == pytest.approx(expected_val["loss"]) and first["val_acc"] == expected_val["acc"]
    assert a.history_.epochs[1:] == b.history_.epochs
    assert a.history_.n_updates == b.history_.n_updates == 4
    for k, v in a.parameters().items():
        assert np.array_equal(v, b.parameters()[k]), k


def test_perceptron_from_zero_weights_ignores_the_learning_rate() -> None:
    """The report's statement: from w = 0, b = 0 the learning rate only scales w and b."""
    X, y = _moons_like()
    y = np.where(y == 1, 1, -1)
    runs = []
    for lr in (0.01, 1.0):
        m = Perceptron(2).fit(X, y, config=TrainConfig(lr=lr, epochs=20, batch_size=None, stop_when_converged=True))
        runs.append(m)
    slow, fast = runs
    assert np.array_equal(slow.predict(X), fast.predict(X))
    assert slow.history_.n_updates == fast.history_.n_updates
    for k, v in slow.parameters().items():
        np.testing.assert_allclose(100 * v, fast.parameters()[k], rtol=1e-4, atol=1e-6)


# --- fake pipeline results -----------------------------------------------------------------------------------------


@pytest.fixture()
def fake_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An experiment with two variants and two seeds: histories (with eval_every gaps), a model and split data."""
    monkeypatch.chdir(tmp_path)
    cfg = {
        "seeds": [0, 1],
        "splits": {"s": {}},
        "experiments": {
            "e": {"report": "9", "model": "mlp_classifier", "params": {"split": "s"}, "grid": {"batch_size": [1, 4]}}
        },
    }
    exps = load_experiments(cfg)
    for v in exps["e"].variants:
        for seed in (0, 1):
            epochs = [{"epoch": 0, "updates": 0, "train_loss": 0.7 + 0.01 * seed, "test_acc": 0.3}]
            for ep in range(1, 6):
                rec = {"epoch": ep, "updates": ep * 10, "loss": 0.5}
                if ep % 2 == 0 or ep == 5:  # eval_every 2: odd epochs have no evaluation
                    rec.update(train_loss=0.7 / (ep + 1) + 0.01 * seed, test_acc=0.5 + 0.05 * ep)
                epochs.append(rec)
            path = Path(LAYOUT.run(paths.HISTORY, "e", v, seed))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"epochs": epochs, "n_updates": 50, "n_epochs": 5}))
    X, y = _moons_like()
    Xt, yt = _moons_like(10, seed=1)
    write_npz(LAYOUT(paths.SPLIT_DATA, split="s"), X_train=X, y_train=y, X_test=Xt, y_test=yt)
    model = MLPClassifier([2, 4, 2], seed=0).fit(X, y, config=TrainConfig(lr=0.1, epochs=3, batch_size=None))
    save_model(model, LAYOUT.run(paths.MODEL, "e", "batch_size1", 0))
    summary = {
        "experiment": "e",
        "selected": None,
        "select_by": "val_acc",
        "variants": {
            v: {
                "seeds": [0, 1],
                "metrics": {
                    "train_loss": {"mean": 0.08, "sd": 0.01, "values": [0.07, 0.09]},
                    "n_epochs": {"mean": 5.0, "sd": 0.0, "values": [5, 5]},
                },
            }
            for v in exps["e"].variants
        },
    }
    write_json(LAYOUT(paths.SUMMARY, experiment="e"), summary)
    return exps, summary


def test_epoch_curves_compare_runs_skips_unevaluated_epochs(fake_results) -> None:
    exps, _ = fake_results
    runs = [Run(exps["e"], v, 0) for v in exps["e"].variants]
    spec = {"series": ["train_loss", "test_acc"], "compare_runs": True, "logy": True}
    fig, ax = _draw(fig_epoch_curves, spec, runs)
    assert len(ax.lines) == 4  # two runs x two series
    run0 = ax.lines[:2]
    assert {to_hex(line.get_color()) for line in run0} == {to_hex("C0")}  # one colour per run
    assert [line.get_linestyle() for line in run0] == ["-", "--"]  # one style per series
    assert list(ax.lines[0].get_xdata()) == [0, 2, 4, 5]  # epochs without evaluation left out
    assert ax.get_yscale() == "log"
    labels = [t.get_text() for legend in (ax.artists + [ax.get_legend()]) for t in legend.get_texts()]
    assert labels == ["batch_size1", "batch_size4", "train_loss", "test_acc"]
    plt.close(fig)


def test_epoch_curves_against_updates_on_log_x_leaves_out_zero(fake_results) -> None:
    exps, _ = fake_results
    spec = {"series": ["test_acc"], "x": "updates", "logx": True}
    fig, ax = _draw(fig_epoch_curves, spec, [Run(exps["e"], "batch_size1", 0)])
    assert list(ax.lines[0].get_xdata()) == [20, 40, 50]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "updates"
    plt.close(fig)


def test_scatter_of_two_parts_colours_by_class_and_titles_each_accuracy(fake_results) -> None:
    exps, _ = fake_results
    fig, ax = _draw(fig_scatter, {"parts": ["train", "test"], "xlabel": "x1"}, [Run(exps["e"], "batch_size1", 0)])
    title = ax.get_title()
    assert "train accuracy" in title and "test accuracy" in title
    colours = {c.get_label(): to_hex(c.get_facecolor()[0]) for c in ax.collections if c.get_label()[:1] in "tv"}
    assert colours["train, true 0"] == colours["test, true 0"] != colours["train, true 1"]
    assert ax.get_xlabel() == "x1" and ax.get_ylabel() == "x2 (standardised)"
    plt.close(fig)


# --- report: epoch claims, bounds, formatting ------------------------------------------------------------------------


def _page(summary: dict, tmp_path: Path) -> Page:
    page = Page(ReportInputs(report="9", spec={}, experiments={}), tmp_path / "p.md")
    page._summaries["e"] = summary
    return page


def _claim(metric: str, seed, **kw) -> dict:
    return {
        "id": "x",
        "claim": "c",
        "seed": seed,
        "ours": {"experiment": "e", "variant": "batch_size1", "metric": metric},
        **kw,
    }


def test_epoch_claims_read_the_histories(fake_results, tmp_path: Path) -> None:
    _, summary = fake_results
    page = _page(summary, tmp_path)
    c = audit_claim(_claim("epoch.0.train_loss", 0.6994, tolerance=0.02), page)
    assert c["verdict"] == "reproduced"
    assert c["ours_text"] == "0.7050 ± 0.0071"  # mean and sd over the two seeds, the seed's four decimals
    far = audit_claim(_claim("epoch.4.test_acc", 0.9, tolerance=0.05), page)
    assert far["verdict"] == "differs" and far["ours_text"].startswith("0.700")
    beyond = audit_claim(_claim("epoch.1499.train_loss", 0.3, tolerance=0.03), page)
    assert beyond["verdict"] == "not run" and "beyond" in beyond["note"]
    with pytest.raises(KeyError, match="epoch 3"):  # inside the budget but not evaluated: a configuration error
        audit_claim(_claim("epoch.3.train_loss", 0.3, tolerance=0.03), page)


def test_bound_claims_and_counts(fake_results, tmp_path: Path) -> None:
    _, summary = fake_results
    page = _page(summary, tmp_path)
    assert audit_claim(_claim("train_loss", 0.1, relation="<"), page)["verdict"] == "reproduced"
    assert audit_claim(_claim("train_loss", 0.05, relation="<"), page)["verdict"] == "differs"
    assert audit_claim(_claim("train_loss", 0.05, relation=">"), page)["verdict"] == "reproduced"
    # one rule: a bound is reproduced when our runs (0.07, 0.09), widened by p, reach beyond it
    assert audit_claim(_claim("train_loss", 0.12, relation=">"), page)["verdict"] == "differs"
    with pytest.raises(ValueError, match="relation"):
        audit_claim(_claim("train_loss", 0.1, relation="<="), page)
    count = audit_claim(_claim("n_epochs", 5), page)
    assert count["verdict"] == "reproduced" and count["ours_text"] == "5"
    assert mean_sd(summary["variants"]["batch_size1"]["metrics"]["n_epochs"]) == "5"
    assert mean_sd(summary["variants"]["batch_size1"]["metrics"]["train_loss"]) == "0.0800 ± 0.0100"
    assert mean_sd({"mean": 0.5, "sd": 0.01, "values": [0.49, 0.51]}) == "0.500 ± 0.010"  # 0.1 and up: 3 decimals


def test_table_without_selection_has_no_selection_note(fake_results, tmp_path: Path) -> None:
    _, summary = fake_results
    text = _page(summary, tmp_path).table("e:n_epochs")
    assert "Selection" not in text and "(selected)" not in text
    assert "| `batch_size1` | 2 | 5 |" in text
