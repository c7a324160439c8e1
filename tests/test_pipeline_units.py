"""Unit tests of the pipeline's Snakemake-free parts: experiment expansion, aggregation, claims audit, config schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import yaml

from scratchnet.pipeline import aggregate as agg
from scratchnet.pipeline.kinds.engine import resolve
from scratchnet.pipeline.spec import expand_variants, load_experiments, variant_name
from scratchnet.pipeline.validate import ConfigError, validate_config
from scratchnet.report.claims import Results, check_claims, evaluate_claim, load_claims, lookup
from scratchnet.report.tables import md_table

ROOT = Path(__file__).resolve().parents[1]


def schema() -> dict:
    return yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())


@pytest.mark.parametrize("reduced", [False, True])
def test_shipped_configs_validate_and_expand(reduced: bool, merged_config) -> None:
    cfg = merged_config(reduced)
    jsonschema.validate(cfg, schema())
    experiments = load_experiments(cfg)
    assert experiments
    for exp in experiments.values():
        assert exp.report in cfg["reports"], exp.name
        assert exp.runs()


def test_schema_names_an_unknown_key(merged_config) -> None:
    cfg = merged_config()
    cfg["splits"]["blobs600"]["fractionz"] = {"train": 1.0}
    with pytest.raises(jsonschema.ValidationError, match="fractionz"):
        jsonschema.validate(cfg, schema())


def test_schema_rejects_a_bad_value(merged_config) -> None:
    cfg = merged_config()
    cfg["datasets"]["blobs600"]["source"] = "kaggle"
    with pytest.raises(jsonschema.ValidationError, match="kaggle"):
        jsonschema.validate(cfg, schema())


def test_grid_expansion_and_names() -> None:
    v = expand_variants({"grid": {"hidden": [[32], [128, 64]], "lr": [0.05, 0.1]}}, "x")
    assert list(v) == ["hidden32_lr0.05", "hidden32_lr0.1", "hidden128-64_lr0.05", "hidden128-64_lr0.1"]
    assert v["hidden128-64_lr0.1"] == {"hidden": [128, 64], "lr": 0.1}
    assert variant_name({}) == "default"
    assert expand_variants({}, "x") == {"default": {}}
    with pytest.raises(ValueError, match="not both"):
        expand_variants({"grid": {"lr": [1]}, "variants": {"a": {}}}, "x")
    with pytest.raises(ValueError, match="non-empty list"):
        expand_variants({"grid": {"lr": 0.1}}, "experiments.e")


def test_unknown_split_is_named(merged_config) -> None:
    cfg = merged_config()
    cfg["experiments"]["s000_t1_logreg"]["params"]["split"] = "t"
    files = [ROOT / "config" / "seeds" / "000.yaml"]
    with pytest.raises(ConfigError, match=r"000.yaml: experiments.s000_t1_logreg: params.split: 't' is not declared"):
        validate_config(cfg, ROOT / "workflow" / "schemas" / "config.schema.yaml", files)


def test_resolve_builds_layer_sizes_and_separates_training() -> None:
    model_kw, train_kw = resolve({"split": "s", "hidden": [8], "lr": 0.1, "activation": "tanh"}, 3, 2)
    assert model_kw == {"activation": "tanh", "layer_sizes": [3, 8, 1]}
    assert train_kw == {"lr": 0.1}
    model_kw, _ = resolve({"hidden": [20], "output": "softmax"}, 2, 2)
    assert model_kw["layer_sizes"] == [2, 20, 2]
    model_kw, _ = resolve({"hidden": [500, 250]}, 784, 10)
    assert model_kw["layer_sizes"] == [784, 500, 250, 10]


def _fake_metrics(tmp_path: Path, variant: str, seed: int, val_acc: float, test_acc: float) -> Path:
    m = {
        "train": {"acc": 1.0, "loss": 0.1, "n": 10, "confusion": [[5, 0], [0, 5]], "labels": [0, 1]},
        "val": {"acc": val_acc, "loss": 0.2, "n": 4, "confusion": [[2, 0], [1, 1]], "labels": [0, 1]},
        "test": {"acc": test_acc, "loss": 0.3, "n": 4, "confusion": [[2, 0], [0, 2]], "labels": [0, 1]},
        "training": {"seconds": 1.5, "n_epochs": 3, "n_updates": 30, "final": {"train_loss": 0.1, "val_loss": 0.2}},
    }
    p = tmp_path / f"{variant}_{seed}.json"
    p.write_text(json.dumps(m))
    return p


@pytest.fixture()
def summary(tmp_path: Path) -> dict:
    cfg = {
        "seeds": [0, 1],
        "splits": {"s": {}},
        "experiments": {
            "e": {"report": "0", "model": "mlp_classifier", "params": {"split": "s"}, "grid": {"lr": [0.1, 0.2, 0.3]}}
        },
    }
    exp = load_experiments(cfg)["e"]
    vals = {"lr0.1": (0.5, 0.6), "lr0.2": (0.75, 0.7), "lr0.3": (0.75, 0.9)}
    files = [_fake_metrics(tmp_path, v, s, vals[v][0] + 0.05 * s, vals[v][1]) for v, s in exp.runs()]
    return agg.aggregate(exp.to_dict(), files, None, tmp_path / "t.csv", tmp_path / "t.json")


def test_aggregate_mean_sd_and_selection_ties_go_first(summary: dict) -> None:
    st = summary["variants"]["lr0.2"]["metrics"]["val_acc"]
    assert st["mean"] == pytest.approx(0.775)
    assert st["sd"] == pytest.approx(np.std([0.75, 0.8], ddof=1))
    assert summary["selected"] == "lr0.2"  # tied with lr0.3 on val_acc: first listed wins
    assert summary["variants"]["lr0.2"]["confusion"]["val"]["mean"] == [[2, 0], [1, 1]]


def test_lookup_forms(summary: dict) -> None:
    assert lookup(summary, "lr0.3", "test_acc")[0] == pytest.approx(0.9)
    assert lookup(summary, "lr0.3", "selected.lr")[0] == 0.2
    assert lookup(summary, "lr0.3", "selected")[0] == "lr0.2"
    assert lookup(summary, "lr0.1", "confusion.val.1.0")[0] == 1
    with pytest.raises(KeyError, match="nope"):
        lookup(summary, "lr0.1", "nope")


def test_claim_verdicts(summary: dict) -> None:
    results = Results({"e": summary}, not_run={"x": "file y missing:\nmore"})

    def audit(seed, metric="test_acc", experiment="e", variant=None, tolerance=0.03):
        ours = {"experiment": experiment, "metric": metric, **({"variant": variant} if variant else {})}
        return evaluate_claim({"id": "i", "claim": "c", "seed": seed, "tolerance": tolerance, "ours": ours}, results)

    assert audit(0.88, variant="lr0.3")["verdict"] == "reproduced"
    far = audit(0.5, variant="lr0.3")
    assert far["verdict"] == "differs" and far["ours_text"].startswith("0.900")
    assert audit(0.2, metric="selected.lr", tolerance=0)["verdict"] == "reproduced"
    missing = audit(1, experiment="x")
    assert missing["verdict"] == "not run" and "file y missing" in missing["note"]
    absent = audit(1, variant="lr9")
    assert absent["verdict"] == "not run" and "lr9" in absent["note"]


def test_md_table_escapes_pipes() -> None:
    t = md_table(["a", "b"], [["x|y", "1"]])
    assert t.splitlines()[2] == "| x\\|y | 1 |"


@pytest.mark.parametrize("reduced", [False, True])
def test_shipped_claims_files_pass_the_checks(reduced: bool, merged_config) -> None:
    cfg = merged_config(reduced)
    experiments = {name: list(exp.variants) for name, exp in load_experiments(cfg).items()}
    n_rankings = 0
    for spec in cfg["reports"].values():
        if not spec.get("claims"):
            continue
        claims = load_claims(ROOT / spec["claims"])
        analyses = list(cfg.get("analyses") or {})
        assert check_claims(claims, spec["claims"], experiments, strict_variants=not reduced, analyses=analyses) == []
        n_rankings += sum("ranking" in c for c in claims)
    assert n_rankings > 0, "no ranking claim in the shipped claims files"
