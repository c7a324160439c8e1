"""Seed 002's autoencoder section: the run kind ``mnist_autoencoder``, its analyses (grid measures, KNN table,
t-SNE, interpolation, denoising), its figure kinds and the analysis-table placeholder, on a tiny synthetic
dataset of 8 x 8 images (ten classes, each a blurred random prototype plus noise)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scratchnet.noise import add_noise
from scratchnet.pipeline import paths
from scratchnet.pipeline.analyses import autoencoders as ae_analyses
from scratchnet.pipeline.analyses.ae_codes import knn_table
from scratchnet.pipeline.analyses.autoencoders import (
    claimed_pairs_share,
    grid_measures,
    pair_ranks,
    roughness,
    target_entropy,
)
from scratchnet.pipeline.figures import make_figure
from scratchnet.pipeline.io import read_json, read_npz
from scratchnet.pipeline.kinds.autoencoder import EPS, PARAMS, _cross_checks, encoder_sizes
from scratchnet.pipeline.params import check
from scratchnet.pipeline.registry import AnalysisJob, RunFiles, RunSpec, get_analysis_kind, get_run_kind
from scratchnet.report.analysis_tables import analysis_table, placeholder
from scratchnet.report.claims import load_claims_file
from scratchnet.report.claims.rule import parse_written

ROOT = Path(__file__).resolve().parents[1]
SIDE, K = 8, 10
AE_PARAMS = {"split": "tiny", "latent": 4, "depth": 2, "loss": "bce", "optimizer": "adam", "lr": 0.01,
             "batch_size": 32, "epochs": 60, "eval_train": False}  # fmt: skip


def tiny_split(path: Path, seed: int = 0) -> Path:
    """Ten classes of 8 x 8 images in [0, 1]: a blurred random prototype per class plus noise; 40 training, 10
    validation and 10 test images per class."""
    rng = np.random.default_rng(seed)
    protos = (rng.random((K, SIDE, SIDE)) < 0.3).astype(float)
    protos = (protos + np.roll(protos, 1, 1) + np.roll(protos, 1, 2)) / 2
    data = {}
    for part, n in (("train", 40), ("val", 10), ("test", 10)):
        y = np.repeat(np.arange(K), n)
        X = protos[y].reshape(len(y), -1) + 0.1 * rng.standard_normal((len(y), SIDE * SIDE))
        data[f"X_{part}"] = np.clip(X, 0, 1).astype(np.float32)
        data[f"y_{part}"] = y
    np.savez(path, **data)
    return path


def train_and_evaluate(tmp: Path, name: str, kind: str, params: dict, data: Path) -> RunFiles:
    run = RunSpec("tiny", name, 0, kind, params)
    files = {k: str(tmp / f"{name}_{k}") for k in ("model.npz", "history.json", "metrics.json", "predictions.npz")}
    rk = get_run_kind(kind)
    rk.train(run, str(data), files["model.npz"], files["history.json"])
    rk.evaluate(run, files["model.npz"], files["history.json"], str(data), files["metrics.json"],
                files["predictions.npz"])  # fmt: skip
    return RunFiles("tiny", name, 0, params, files["model.npz"], files["history.json"], files["metrics.json"],
                    files["predictions.npz"], str(data))  # fmt: skip


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny split, an autoencoder, a denoising autoencoder and a classifier trained on it."""
    tmp = tmp_path_factory.mktemp("ae")
    data = tiny_split(tmp / "split.npz")
    ae = train_and_evaluate(tmp, "ae", "mnist_autoencoder", AE_PARAMS, data)
    dn = train_and_evaluate(tmp, "dn", "mnist_autoencoder", {**AE_PARAMS, "latent": 8, "noise_std": 0.2}, data)
    clf_params = {"split": "tiny", "hidden": [32], "output": "softmax", "activation": "relu", "optimizer": "adam",
                  "lr": 0.01, "batch_size": 32, "epochs": 40}  # fmt: skip
    clf = train_and_evaluate(tmp, "clf", "mlp_classifier", clf_params, data)
    return {"tmp": tmp, "data": data, "ae": ae, "dn": dn, "clf": clf}


def run_analysis(tmp: Path, kind: str, params: dict, inputs: dict[str, list[RunFiles]], name: str | None = None):
    """Run an analysis kind into the layout ``tmp/results`` (where the figure kinds look for it)."""
    name = name or kind
    lay = paths.Layout(results=str(tmp / "results"))
    job = AnalysisJob(name, kind, params, inputs, lay(paths.ANALYSIS_JSON, analysis=name),
                      lay(paths.ANALYSIS_NPZ, analysis=name))  # fmt: skip
    Path(job.json_out).parent.mkdir(parents=True, exist_ok=True)
    get_analysis_kind(kind).run(job)
    return read_json(job.json_out), read_npz(job.npz_out)


# --- the run kind -------------------------------------------------------------------------------------------------
def test_encoder_sizes_geometric_and_linear():
    assert encoder_sizes(784, 32, 5) == [784, 414, 218, 115, 61, 32]
    sizes = encoder_sizes(784, 4, 5)
    ratios = np.array(sizes[1:]) / np.array(sizes[:-1])
    assert sizes[0] == 784 and sizes[-1] == 4 and np.allclose(ratios, (4 / 784) ** (1 / 5), rtol=0.05)
    assert encoder_sizes(784, 64, 1) == [784, 64]
    assert encoder_sizes(100, 20, 4, "linear") == [100, 80, 60, 40, 20]
    with pytest.raises(ValueError, match="widths"):
        encoder_sizes(784, 4, 2, "cubic")


def test_params_are_checked_with_the_key_named():
    errors = check({"split": "s", "latent": 0, "depth": 2, "loss": "ce", "lattent": 4}, PARAMS)
    joined = "\n".join(errors)
    assert "latent: must be >= 1" in joined
    assert "loss: unknown value 'ce'" in joined
    assert "lattent: unknown key; did you mean 'latent'?" in joined
    assert any("output_activation" in e for e in _cross_checks({"loss": "bce", "output_activation": "identity"}))


def test_add_noise_is_seeded_and_clipped():
    X = np.full((50, 16), 0.5, dtype=np.float32)
    a = add_noise(X, 0.6, np.random.default_rng(1))
    b = add_noise(X, 0.6, np.random.default_rng(1))
    assert np.array_equal(a, b) and a.dtype == np.float32
    assert a.min() == 0.0 and a.max() == 1.0 and not np.array_equal(a, X)
    assert np.array_equal(add_noise(X, 0.0, np.random.default_rng(1)), X)


def test_autoencoder_reconstructs_better_than_the_mean_image(trained):
    data = read_npz(trained["data"])
    m = read_json(trained["ae"].metrics)
    mean_image = data["X_train"].mean(axis=0)
    baseline = float(np.mean((data["X_test"] - mean_image) ** 2))
    assert m["test"]["n"] == 100 and set(m["test"]) >= {"loss", "mse", "bce"}
    assert m["test"]["mse"] < 0.5 * baseline, (m["test"]["mse"], baseline)
    assert m["test"]["bce"] >= target_entropy(data["X_test"])  # the BCE of a perfect reconstruction is its floor
    assert m["test"]["loss"] == pytest.approx(m["test"]["bce"], rel=1e-3)  # trained with BCE: the same number
    preds = read_npz(trained["ae"].predictions)
    assert preds["test_codes"].shape == (100, 4) and preds["test_mse"].mean() == pytest.approx(m["test"]["mse"])


def test_codes_and_logits_is_one_pass_equal_to_encode_and_the_chunked_forward(monkeypatch):
    """Evaluate takes the test codes from the pass that gives the reconstruction; over several chunks the logits are
    bit for bit those of the model's chunked forward, and the codes those of the encoder."""
    from scratchnet import models

    monkeypatch.setattr(models, "EVAL_CHUNK", 7)
    model = models.Autoencoder([SIDE * SIDE, 16, 4], seed=3)
    X = np.random.default_rng(1).random((30, SIDE * SIDE))
    codes, logits = model.codes_and_logits(X)
    assert codes.shape == (30, 4) and logits.shape == (30, SIDE * SIDE)
    assert np.array_equal(logits, model._logits_chunked(X))
    assert np.array_equal(codes, np.concatenate([model.encode(X[i : i + 7]) for i in range(0, 30, 7)]))


def test_denoising_autoencoder_removes_noise(trained):
    m = read_json(trained["dn"].metrics)
    assert m["meta"]["architecture"]["noise_std"] == 0.2 and m["test"]["noisy_loss"] > 0
    res, _ = run_analysis(trained["tmp"], "ae_denoising", {"sigmas": [0.2]},
                          {"autoencoder": [trained["dn"]], "classifier": [trained["clf"]]})  # fmt: skip
    row = res["table"][0]
    assert row["mse_denoised"] < 0.5 * row["mse_noisy"], row  # closer to the clean image than its noisy input


def test_training_refuses_pixels_outside_0_1(tmp_path):
    d = read_npz(tiny_split(tmp_path / "s.npz"))
    d["X_train"] = d["X_train"] * 2 - 1
    np.savez(tmp_path / "bad.npz", **d)
    run = RunSpec("tiny", "bad", 0, "mnist_autoencoder", AE_PARAMS)
    with pytest.raises(ValueError, match=r"X_train.*not \[0, 1\]"):
        get_run_kind("mnist_autoencoder").train(run, str(tmp_path / "bad.npz"), str(tmp_path / "m.npz"),
                                                 str(tmp_path / "h.json"))  # fmt: skip


# --- analyses -----------------------------------------------------------------------------------------------------
def test_knn_table_rows_add_up():
    rng = np.random.default_rng(0)
    y = rng.integers(0, K, 1000)
    pred = np.where(rng.random(1000) < 0.8, y, rng.integers(0, K, 1000))
    rows = knn_table(y, pred, np.arange(K))
    for r in rows[:-1]:
        assert r["TP"] + r["FP"] + r["FN"] + r["TN"] == 1000
        assert r["Accuracy"] == pytest.approx((r["TP"] + r["TN"]) / 1000)
    total = rows[-1]
    assert total["Class"] == "Total" and total["TP"] == int(np.sum(pred == y))
    assert total["FP"] == total["FN"] == 1000 - total["TP"]  # every error is one FP and one FN
    err = 1 - total["TP"] / 1000
    assert total["Accuracy"] == pytest.approx(1 - 2 * err / K)  # the mean one-vs-rest accuracy


def test_seed_knn_table_in_the_claims_adds_up():
    """The seed's table as transcribed in the claims (the digit rows in table claim ``ae_knn_table``, the Total row
    in five claims): each row sums to the 10,000 test images, each accuracy is (TP + TN) / 10,000, and the Total row
    is the column sums."""
    claims, _ = load_claims_file(ROOT / "config" / "claims" / "002.yaml")  # each cell's number as the seed printed it
    by_id = {c["id"]: c for c in claims}
    table = by_id["ae_knn_table"]["table"]
    assert table["columns"] == ["TP", "FP", "FN", "TN", "Accuracy"]
    rows = {r["label"]: [parse_written(t).value for t in r["as_written"]] for r in table["rows"]}
    assert sorted(rows) == [str(c) for c in range(10)]
    for c, (tp, fp, fn, tn, acc) in rows.items():
        assert tp + fp + fn + tn == 10000, c
        assert acc == pytest.approx((tp + tn) / 10000, abs=5e-5), c
    for k, f in enumerate(("tp", "fp", "fn", "tn")):
        assert parse_written(by_id[f"ae_knn_total_{f}"]["as_written"]).value == sum(r[k] for r in rows.values()), f


def test_knn_analysis_on_codes(trained):
    res, arrays = run_analysis(trained["tmp"], "ae_knn_codes", {"k": 5, "pairs": [[4, 9]]},
                               {"autoencoder": [trained["ae"]]})  # fmt: skip
    rows = res["table"]
    assert [r["Class"] for r in rows] == [str(c) for c in range(10)] + ["Total"]
    assert all(r["TP"] + r["FP"] + r["FN"] + r["TN"] == 100 for r in rows[:-1])
    assert res["measures"]["multiclass_accuracy"] == pytest.approx(np.mean(arrays["y_pred"] == arrays["y_true"]))
    assert res["measures"]["multiclass_accuracy"] > 0.5  # ten well-separated prototypes: far above chance (0.1)
    assert res["classes"]["Total"]["TP"] == sum(r["TP"] for r in rows[:-1])
    by_path = {r["measure"]: r["value"] for r in res["measures_table"]}  # the page's table of the claims' paths
    assert by_path["multiclass_accuracy"] == res["measures"]["multiclass_accuracy"]
    assert res["confused_pairs"][0]["pair"] == "4-9" and 1 <= res["confused_pairs"][0]["rank"] <= 45


def test_pair_ranks_and_claimed_share():
    D = np.array([[0, 1, 5, 9], [1, 0, 2, 8], [5, 2, 0, 3], [9, 8, 3, 0]], dtype=float)
    ranks = pair_ranks(D, [0, 1, 2, 3])
    assert ranks[(0, 1)] == 1 and ranks[(1, 2)] == 2 and ranks[(0, 3)] == 6
    assert pair_ranks(D, [0, 1, 2, 3], largest_first=True)[(0, 3)] == 1
    share, rows = claimed_pairs_share(ranks, [[1, 0], [2, 3]])  # top quarter of 6 pairs: rank 1
    assert share == 0.5 and rows[0]["top_quarter"] and not rows[1]["top_quarter"]
    with pytest.raises(ValueError, match="pair"):
        claimed_pairs_share(ranks, [[0, 7]])


def test_grid_measures_on_a_known_grid():
    """loss = floor + scale / (latent * depth**0.5), with depth 5 slightly worse than 4 for MSE at latent 8."""
    cells = {}
    for loss, floor, scale in (("mse", 0.0, 0.2), ("bce", 0.06, 1.0)):
        for a in (4, 8, 16):
            for d in (1, 3, 4, 5):
                v = floor + scale / (a * d**0.5)
                cells[(loss, a, d)] = {"mean": v, "sd": 0.0, "n": 1, "floor": floor}
    cells[("mse", 8, 5)]["mean"] = cells[("mse", 8, 4)]["mean"] * 1.01
    m = grid_measures(cells, mid_depth=3, best_depths=[3, 4, 5])
    assert m["latent_monotone_share"] == {"bce": 1.0, "mse": 1.0}
    assert m["best_depth"]["mse"]["8"] == 4 and m["best_depth"]["bce"]["8"] == 5
    assert m["best_depth_in_range_share"] == 1.0 and m["deeper_better_share"] == 1.0
    # relative excess drop from latent 4 to 16 is 1 - 4/16 = 0.75 for both losses (at every depth but one)
    assert m["latent_gain"]["bce"] == pytest.approx(0.75)
    assert m["sensitivity_ratio"] == pytest.approx(m["latent_gain"]["bce"] / m["latent_gain"]["mse"])
    early = 1 - 1 / 3**0.5
    late = 1 - (3 / 5) ** 0.5
    assert m["gain_early"] < early and m["plateau_ratio"] < 1  # BCE's floor shrinks the relative gains
    assert m["plateau_ratio"] == pytest.approx(m["gain_late"] / m["gain_early"])
    assert m["diminishing_returns"] == 1.0
    worse = {k: {**v, "mean": v["mean"] * (2 if k[2] == 5 else 1)} for k, v in cells.items()}  # depth 5 now worst
    assert grid_measures(worse, 3, [3, 4, 5])["diminishing_returns"] == 0.0
    assert late / early < 1


def test_roughness_is_lower_for_a_blurred_image():
    rng = np.random.default_rng(0)
    X = rng.random((3, 64))
    img = X.reshape(3, 8, 8)
    blurred = (img + np.roll(img, 1, 1) + np.roll(img, 1, 2) + np.roll(img, -1, 1) + np.roll(img, -1, 2)) / 5
    assert np.all(roughness(blurred.reshape(3, 64), 8) < roughness(X, 8))
    assert np.allclose(roughness(np.ones((2, 64)), 8), 0)


def test_grid_analysis_reads_runs(trained):
    ae = trained["ae"]
    runs = [RunFiles("tiny", f"v{d}", 0, {**ae.params, "depth": d}, ae.model, ae.history, ae.metrics, ae.predictions,
                     ae.data) for d in (1, 2)]  # fmt: skip
    res, arrays = run_analysis(trained["tmp"], "ae_grid", {}, {"grid": runs})
    assert res["n_runs"] == 2 and arrays["mean"].shape == (1, 1, 2)
    assert arrays["mean"][0, 0, 0] == pytest.approx(read_json(ae.metrics)["test"]["loss"])
    floor = target_entropy(read_npz(ae.data)["X_test"])  # BCE runs: the test images' entropy, once for the split
    assert 0 < floor and [c["floor"] for c in res["cells"]] == pytest.approx([floor, floor]), res["cells"]


def test_target_entropy_is_the_bce_of_a_perfect_reconstruction():
    X = np.random.default_rng(0).random((40, 9))
    bce = -np.mean(X * np.log(X) + (1 - X) * np.log1p(-X))
    assert target_entropy(X) == pytest.approx(bce, rel=1e-12)
    assert target_entropy(np.array([[0.0, 1.0]])) == pytest.approx(1e-7, rel=1e-3)  # clipped: almost 0, not nan
    assert ae_analyses.EPS == EPS  # the floor is clipped as the evaluation's BCE is


def test_reconstructions_tsne_interpolation_denoising(trained):
    tmp, ae, dn, clf = trained["tmp"], trained["ae"], trained["dn"], trained["clf"]
    res, arr = run_analysis(tmp, "ae_reconstructions", {"per_class": 1}, {"autoencoder": [ae], "classifier": [clf]})
    assert arr["originals"].shape == arr["reconstructions"].shape == (10, 64) and list(arr["labels"]) == list(range(10))
    assert res["measures"]["smoothness_ratio"] > 0 and 0 < res["measures"]["retained_accuracy"] <= 1.5
    res, arr = run_analysis(tmp, "ae_tsne", {"perplexity": 10, "pairs": [[4, 9], [3, 5]]}, {"autoencoder": [ae]})
    assert arr["embedding"].shape == (100, 2) and -1 <= res["measures"]["silhouette_embedding"] <= 1
    assert [r["pair"] for r in res["table"]] == ["4-9", "3-5"]
    res, arr = run_analysis(tmp, "ae_interpolation", {"pairs": [[4, 9]]}, {"autoencoder": [ae], "classifier": [clf]})
    assert arr["images"].shape == (10, 10, 64) and len(res["table"]) == 100
    assert 0 <= res["measures"]["diagonal_recognised_share"] <= 1
    sig = {"sigmas": [0.0, 0.3], "example_sigmas": [0.3]}
    res, arr = run_analysis(tmp, "ae_denoising", sig, {"autoencoder": [dn], "classifier": [clf]})
    assert [r["sigma"] for r in res["table"]] == [0.0, 0.3]
    assert res["table"][0]["mse_noisy"] == 0.0 and res["table"][0]["acc_noisy"] == res["measures"]["accuracy_clean"]
    assert res["table"][1]["mse_noisy"] > 0 and "sigma030" in res["measures"]
    assert arr["noisy"].shape == arr["reconstructions"].shape == (1, 10, 64)


# --- figures and the analysis-table placeholder ------------------------------------------------------------------
def test_figure_kinds_draw_from_analysis_fixtures(trained, tmp_path):
    tmp = trained["tmp"]
    ae, clf, dn = trained["ae"], trained["clf"], trained["dn"]
    run_analysis(tmp, "ae_reconstructions", {}, {"autoencoder": [ae], "classifier": [clf]}, name="rec")
    run_analysis(tmp, "ae_tsne", {"perplexity": 10}, {"autoencoder": [ae]}, name="tsne")
    run_analysis(tmp, "ae_interpolation", {}, {"autoencoder": [ae], "classifier": [clf]}, name="interp")
    run_analysis(tmp, "ae_denoising", {"sigmas": [0, 0.4]}, {"autoencoder": [dn], "classifier": [clf]}, name="dn")
    runs = [RunFiles("tiny", f"v{a}_{d}_{loss}", 0, {**ae.params, "latent": a, "depth": d, "loss": loss}, ae.model,
                     ae.history, ae.metrics, ae.predictions, ae.data)
            for a in (4, 8) for d in (1, 2, 3) for loss in ("mse", "bce")]  # fmt: skip
    run_analysis(tmp, "ae_grid", {}, {"grid": runs}, name="grid")
    layout = paths.Layout(results=str(tmp / "results")).to_dict()
    specs = {
        "heat": {"kind": "ae_heatmap", "runs": [{"analysis": "grid"}], "panels": ["mse", "bce"]},
        "pairs": {"kind": "ae_image_pairs", "runs": [{"analysis": "rec"}]},
        "noisy": {"kind": "ae_image_pairs", "runs": [{"analysis": "dn"}], "left": "noisy", "index": 1},
        "matrix": {"kind": "ae_image_matrix", "runs": [{"analysis": "interp"}]},
        "tsne": {"kind": "ae_embedding", "runs": [{"analysis": "tsne"}]},
        "curves": {"kind": "ae_table_curves", "runs": [{"analysis": "dn"}],
                   "panels": [["acc_noisy", "acc_denoised"], ["mse_noisy", "mse_denoised"]]},
    }  # fmt: skip
    for name, spec in specs.items():
        out = tmp_path / f"{name}.png"
        make_figure(spec, {}, layout, out)
        assert out.stat().st_size > 5000, name  # a drawn figure, not an empty canvas
    with pytest.raises(ValueError, match="no array 'nope'"):
        make_figure({"kind": "ae_image_matrix", "runs": [{"analysis": "interp"}], "array": "nope"}, {}, layout,
                    tmp_path / "bad.png")  # fmt: skip
    with pytest.raises(ValueError, match="panel 'ce' not in the analysis"):
        make_figure({"kind": "ae_heatmap", "runs": [{"analysis": "grid"}], "panels": ["ce"]}, {}, layout,
                    tmp_path / "bad.png")  # fmt: skip


def test_analysis_table_renders_rows_and_mean_sd_cells():
    result = {"table": [{"loss": "mse", "latent": 4, "depth 1": {"mean": 0.051234, "sd": 0.00012}},
                        {"loss": "bce", "latent": 8, "ok": True}]}  # fmt: skip
    md = analysis_table(result)
    lines = md.splitlines()
    assert lines[0] == "| loss | latent | depth 1 | ok |"
    assert lines[2] == "| mse | 4 | 0.0512 ± 0.00012 | – |"
    assert lines[3] == "| bce | 8 | – | yes |"
    assert placeholder("x::latent,loss", lambda name: result).splitlines()[2] == "| 4 | mse |"
    with pytest.raises(KeyError, match="analysis 'x': result.json has no 'rows'"):
        placeholder("x:rows", lambda name: result)


def test_grid_analysis_reads_every_variant_and_seed_of_the_study(merged_config):
    """``variant: all`` in an analysis's inputs (the study's grid) expands to one run per variant and seed, and the
    analysis runs reference variants the reduced grid keeps."""
    from scratchnet.pipeline.dag import Dag

    for reduced in (False, True):
        cfg = merged_config(reduced)
        dag = Dag(cfg)
        exp = dag.experiments["s002_ae_grid"]
        runs = dag.analysis_refs("s002_ae_grid")["grid"]
        assert len(runs) == len(exp.variants) * len(exp.seeds) == (8 if reduced else 150)
        assert {r["params"]["loss"] for r in runs} == {"mse", "bce"}
        for name in ("s002_ae_tsne", "s002_ae_knn", "s002_ae_reconstructions", "s002_ae_interpolation"):
            for ref in cfg["analyses"][name]["inputs"].values():
                assert ref["variant"] in dag.experiments[ref["experiment"]].variants, (name, ref)
