"""Page rendering: a template with every placeholder, filled from a small synthetic result tree in tmp_path, the
whole page (markdown + self-contained HTML + provenance), and the index."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from scratchnet.pipeline import paths  # noqa: E402
from scratchnet.pipeline.spec import load_experiments  # noqa: E402
from scratchnet.report import ReportInputs, build_index, build_report  # noqa: E402
from scratchnet.report.page import Page  # noqa: E402

CONFIG = {
    "seeds": [0, 1, 2],
    "splits": {"s": {}},
    "experiments": {
        "e": {
            "report": "9",
            "model": "mlp_classifier",
            "params": {"split": "s", "hidden": [500, 250], "lr": 0.01, "epochs": 1500, "batch_size": None},
            "variants": {"fast": {"lr": 0.1}, "slow": {}},
        },
        "gone": {"report": "9", "model": "mlp_classifier", "params": {"split": "s"}},
    },
}
# per-seed values: fast is clearly better on test accuracy; the two are level on validation accuracy
VALUES = {
    "fast": {"test_acc": [0.95, 0.96, 0.97], "val_acc": [0.90, 0.92, 0.94], "n_epochs": [1500, 1500, 1500]},
    "slow": {"test_acc": [0.80, 0.81, 0.82], "val_acc": [0.89, 0.92, 0.95], "n_epochs": [1500, 1500, 1500]},
}
# history: fast's train_acc (mean over seeds) is 0.5, 0.8, 0.9 at epochs 1-3; slow's 0.5, 0.6, 0.7
CURVES = {"fast": [0.5, 0.8, 0.9], "slow": [0.5, 0.6, 0.7]}
REPORT = {
    "train": {"0": {"precision": 1.0, "recall": 0.5, "f1-score": 0.667, "support": 4}, "accuracy": 0.75,
              "macro avg": {"precision": 0.8, "recall": 0.75, "f1-score": 0.7, "support": 8},
              "weighted avg": {"precision": 0.8, "recall": 0.75, "f1-score": 0.7, "support": 8}},
}  # fmt: skip
CLAIMS = """
- {id: acc, section: "1", claim: "test accuracy of fast", seed: 0.95, tolerance: 0.02,
   ours: {experiment: e, variant: fast, metric: test_acc}}
- {id: far, section: "1", claim: "test accuracy of slow", seed: 0.95, tolerance: 0.02,
   ours: {experiment: e, variant: slow, metric: test_acc}}
- id: order
  section: "2"
  claim: "fast beats slow"
  ranking: "fast > slow"
  statistic: mean
  ours: {experiment: e, metric: test_acc}
- {id: lost, section: "3", claim: "needs data", seed: 1.0, tolerance: 0, ours: {experiment: gone, metric: test_acc}}
"""


def _summary(experiment: str) -> dict:
    variants = {}
    spec = CONFIG["experiments"][experiment]
    for v, metrics in VALUES.items():
        stats = {m: {"mean": np.mean(x), "sd": np.std(x, ddof=1), "values": x} for m, x in metrics.items()}
        stats["n_epochs"]["sd"] = 0.0
        variants[v] = {
            "params": {**spec["params"], **spec["variants"][v]},
            "seeds": [0, 1, 2],
            "metrics": stats,
            "confusion": {},
            "report_first_seed": REPORT,
        }
    return {"experiment": experiment, "select_by": "val_acc", "selected": "fast", "variants": variants}


@pytest.fixture()
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """results/ of one experiment (summary, histories, a figure) and a claims file, in a fresh working directory."""
    monkeypatch.chdir(tmp_path)
    Path(paths.Layout()(paths.SUMMARY, experiment="e")).parent.mkdir(parents=True)
    Path(paths.Layout()(paths.SUMMARY, experiment="e")).write_text(json.dumps(_summary("e")))
    for v, curve in CURVES.items():
        for seed, shift in zip([0, 1, 2], [-0.01, 0.0, 0.01], strict=True):
            h = Path(paths.Layout().run(paths.HISTORY, "e", v, seed))
            h.parent.mkdir(parents=True)
            epochs = [{"epoch": i + 1, "train_acc": a + shift, "train_loss": 1 - a} for i, a in enumerate(curve)]
            h.write_text(json.dumps({"epochs": epochs}))
    png = Path(paths.Layout()(paths.FIGURE, report="9", figure="f1"))
    png.parent.mkdir(parents=True)
    fig, ax = plt.subplots(figsize=(1, 1))
    fig.savefig(png)
    plt.close(fig)
    (tmp_path / "claims.yaml").write_text(CLAIMS)
    return tmp_path


def _inputs(tree: Path, **kw) -> ReportInputs:
    spec = {
        "title": "Report nine",
        "claims": str(tree / "claims.yaml"),
        "figures": {
            "f1": {"caption": "Our figure.", "runs": [{"experiment": "e"}]},
            "f2": {"caption": "Needs data.", "runs": [{"experiment": "gone"}]},
        },
        **kw.pop("spec", {}),
    }
    return ReportInputs(
        report="9",
        spec=spec,
        experiments=load_experiments(CONFIG),
        not_run={"gone": "mnist.gz not found:\nlooked in a, b"},
        config=CONFIG,
        **kw,
    )


def test_every_placeholder(tree: Path) -> None:
    page = Page(_inputs(tree), tree / "reports" / "9.md")
    fill = page.fill
    # numbers and parameters
    assert fill("{{value:e:fast:test_acc}}") == "0.960 ± 0.010"
    assert fill("{{value:e:selected:test_acc}}") == "0.960 ± 0.010"
    assert fill("{{value:e:fast:epoch.2.train_acc}}") == "0.800 ± 0.010"
    assert fill("{{value:gone:a:test_acc}}") == "– (not run)"
    assert fill("{{param:e:slow:epochs}} epochs, lr {{param:e:fast:lr}}, {{param:e:slow:hidden}}") == (
        "1,500 epochs, lr 0.1, 500-250"
    )
    assert fill("{{param:e:selected:lr}} / {{param:e:slow:batch_size}}") == "0.1 / none"
    # the values a parameter takes over the variants, each once, in order; how many variants
    assert fill("{{values:e:lr}}; {{values:e:hidden}}") == "0.1, 0.01; 500-250"
    assert fill("{{n_variants:e}} variants") == "2 variants"
    # computed comparison words: test acc fast 0.96 vs slow 0.81; the seed's 0.95 with claim acc's tolerance 0.02
    assert fill("{{compare:e:fast:test_acc|e:slow:test_acc}}") == "higher than"
    assert fill("{{compare:e:slow:test_acc|e:fast:test_acc}}") == "lower than"
    # seed:ID: the rule's width around the seed (its tolerance 0.02 + p 0.005)
    assert fill("{{compare:e:fast:test_acc|seed:acc}}") == "within ±0.025 of"
    assert fill("{{compare:e:fast:test_acc|seed:acc|0.001}}") == "higher than"
    assert fill("{{compare:e:fast:val_acc|e:slow:val_acc}}") == "equal to"
    assert fill("{{compare:e:fast:test_acc|0.9|0.1|above,below,level with}}") == "level with"
    assert fill("{{compare:e:fast:test_acc|0.5|0|better than,worse than,as good as}}") == "better than"
    assert fill("{{compare:gone:a:test_acc|0.5}}") == "(not compared: `gone` not run)"
    # orderings with bootstrap intervals: separated on test acc, overlapping on val acc
    order = fill("{{order:e:test_acc}}")
    assert order.startswith("`fast` 0.960 [") and " > `slow` 0.810 [" in order
    assert " ≈ `slow` 0.920 [" in fill("{{order:e:val_acc:median}}")
    # the first epoch a history reaches a value (mean over seeds), losses downwards
    assert fill("{{reach:e:fast:train_acc|0.8}}") == "epoch 2"
    assert fill("{{reach:e:slow:train_acc|seed:acc}}") == "no epoch up to epoch 3"
    assert fill("{{reach:e:slow:train_loss|0.45}}") == "epoch 2"
    # where a sweep crosses a value, in declared variant order (fast 0.96, slow 0.81)
    assert fill("{{crossing:e:test_acc|0.9}}") == "between `fast` (0.960) and `slow` (0.810)"
    assert fill("{{crossing:e:test_acc|seed:acc}}") == "between `fast` (0.960) and `slow` (0.810)"
    nowhere = "nowhere in the swept range (from 0.960 at `fast` to 0.810 at `slow`)"
    assert fill("{{crossing:e:test_acc|0.99}}") == nowhere
    # counts equal over seeds print as one integer with thousands separators
    assert fill("{{value:e:fast:n_epochs}}") == "1,500"
    # claims, one by one and as the audit
    assert fill("{{claim:acc}} / {{claim:far}} / {{claim:order}} / {{claim:lost}}") == (
        "reproduced / differs, cause not found / reproduced / not run"
    )
    assert fill("{{claim:acc:seed}} {{claim:acc:ours}}") == "0.95 0.960 ± 0.010"
    assert fill("{{claim:order:seed}}") == "fast > slow"
    assert fill("{{claims_summary}}") == "4 claims: 1 differs, cause not found, 1 not run, 2 reproduced"
    audit = fill("{{claims}}")
    assert audit.startswith("**How a number is judged**")  # the page's one rule, stated once
    table = audit.split("\n\n")[1].splitlines()
    assert table[0] == "| id | seed § · line | claim | seed | ours | judged by | verdict | note |"
    assert table[2].startswith("| acc | 1 | test accuracy of fast | 0.950 | 0.960 ± 0.010 | ours ±0.02 (tolerance "
                               "(exception)) | **reproduced** |")  # fmt: skip
    assert table[4].startswith("| order | 2 | fast beats slow | fast > slow | fast 0.960 [")
    assert "| mean, 95% CI | **reproduced** |" in table[4]
    assert table[5].endswith("| **not run** | Not run: mnist.gz not found. |")
    # tables, setup, figures, classification report, not-run list
    t = fill("{{table:e:test_acc,n_epochs}}")
    assert "| `fast` **(selected)** | 3 | 0.960 ± 0.010 | 1500 |" in t and "Selection by mean val acc" in t
    assert fill("{{table:gone}}").startswith("*Not run: gone needs data")
    assert "- variants: `fast`, `slow`" in fill("{{setup:e}}")
    f1 = fill("{{figure:f1}}")
    assert f1.startswith("![f1](../results/figures/9/f1.png)") and "**Figure `f1`** — Our figure." in f1
    assert "*Not run: gone needs data" in fill("{{figure:f2}}")
    cr = fill("{{classification_report:e:selected:train}}")
    assert "*e / `fast`, train set, seed 0*" in cr and "| accuracy |  |  | 0.75 | 8 |" in cr
    assert "`gone`:" in fill("{{not_run}}") and "looked in a, b" in fill("{{not_run}}")


def test_placeholder_errors_name_the_problem(tree: Path) -> None:
    page = Page(_inputs(tree), tree / "9.md")
    with pytest.raises(KeyError, match="unknown placeholder"):
        page.fill("{{nope:x}}")
    with pytest.raises(KeyError, match="no claim 'zz' in .*claims.yaml"):
        page.fill("{{claim:zz}}")
    with pytest.raises(KeyError, match="has no parameter 'l2'"):
        page.fill("{{param:e:fast:l2}}")
    with pytest.raises(KeyError, match="e/fast has no parameter 'l2'"):
        page.fill("{{values:e:l2}}")
    with pytest.raises(ValueError, match=r"write \{\{values:EXPERIMENT:KEY\}\}"):
        page.fill("{{values:e:lr:max}}")
    with pytest.raises(KeyError, match="n_variants:x.*unknown experiment 'x'"):
        page.fill("{{n_variants:x}}")
    with pytest.raises(ValueError, match="EXPERIMENT:VARIANT:METRIC"):
        page.fill("{{compare:e:test_acc|0.5}}")
    with pytest.raises(ValueError, match="three words"):
        page.fill("{{compare:0.5|0.4|0|up,down}}")
    with pytest.raises(KeyError, match="figure 'f9'"):
        page.fill("{{figure:f9}}")


def test_build_report_writes_page_html_and_provenance(tree: Path) -> None:
    (tree / "t.md").write_text("# Nine\n\n**Claims audit:** {{claims_summary}}\n\n{{figure:f1}}\n\n{{claims}}\n")
    prov = {
        "git": {"commit": "abc123", "dirty": True, "changes": 1, "error": None},
        "config_sha256": "f" * 64,
        "versions": {"python": "3.11.0", "numpy": "2.0.0"},
        "compute": {"jobs": 6, "seconds": 90.0, "cpu_seconds": None},
    }
    md, html = tree / "reports" / "9.md", tree / "reports" / "9.html"
    build_report(_inputs(tree, spec={"template": str(tree / "t.md")}, provenance=prov), md, html)
    text = md.read_text()
    assert "{{" not in text
    assert text.rstrip().endswith("| compute | 90.0 s (1 min 30 s) wall time, summed over the Snakemake benchmarks "
                                  "of 6 train/evaluate jobs |")
    assert "git commit `abc123` — **dirty**" in text and "sha256 `ffffffffffffffff`" in text
    page = html.read_text()
    assert "data:image/png;base64," in page and "<title>Report nine</title>" in page and "<h2" in page
    # the index links the page and repeats its claims summary line
    build_index({"9": {"title": "Report nine"}}, [str(md)], tree / "reports" / "index.md", tree / "reports" / "i.html")
    index = (tree / "reports" / "index.md").read_text()
    summary = "4 claims: 1 differs, cause not found, 1 not run, 2 reproduced"
    assert f"- [Report nine](9.html) ([Markdown](9.md)) — {summary}" in index
    # a stacked bar of the verdicts: one segment per verdict, widths in proportion (2 of 4 reproduced: half of 360)
    assert '<rect x="0.0" y="0" width="180.0" height="14" fill="#009E73"><title>2 reproduced</title>' in index
    assert "<title>1 differs, cause not found</title>" in index and "<title>1 not run</title>" in index
    assert "## Provenance" in index and "| configuration | not recorded |" in index


def test_build_report_computes_provenance_when_not_given(tree: Path) -> None:
    (tree / "t.md").write_text("{{value:e:fast:test_acc}}\n")
    bench = tree / "b.tsv"
    bench.write_text("s\th:m:s\n4.5\t0:00:04\n")
    md = tree / "reports" / "9.md"
    inputs = _inputs(tree, spec={"template": str(tree / "t.md")}, benchmarks=[str(bench)], repo_dir=str(tree))
    build_report(inputs, md, tree / "reports" / "9.html")
    text = md.read_text()
    assert text.startswith("0.960 ± 0.010\n\n## Provenance")
    assert "not a git checkout" in text and "4.5 s (4 s) wall time" in text and "of 1 train/evaluate jobs" in text


# --- the shipped templates against synthetic results of every experiment ------------------------------------------
COUNTS = ("train_n", "val_n", "test_n", "n_epochs", "n_updates", "converged_epoch")
RATES = ("train_acc", "val_acc", "test_acc", "test_auc", "train_loss", "val_loss", "test_loss", "final_train_loss",
         "final_val_loss", "final_loss", "seconds", "job_seconds", "cv_acc", "best_epoch")  # fmt: skip


def _fake_summary(exp, rng: np.random.Generator) -> dict:
    avg = {"precision": 0.9, "recall": 0.9, "f1-score": 0.9, "support": 100}
    part_report = {**{str(d): avg for d in range(10)}, "accuracy": 0.9, "macro avg": avg, "weighted avg": avg}
    variants = {}
    for v in exp.variants:
        metrics = {}
        for m in COUNTS + RATES:
            n = len(exp.seeds)
            x = [int(rng.integers(1, 100))] * n if m in COUNTS else list(rng.uniform(0.5, 1, n))
            metrics[m] = {"mean": float(np.mean(x)), "sd": float(np.std(x, ddof=1)) if len(x) > 1 else 0.0, "values": x}
        variants[v] = {
            "params": exp.run_params(v),
            "seeds": list(exp.seeds),
            "metrics": metrics,
            "confusion": {p: {"mean": [[5.0, 1.0], [2.0, 4.0]]} for p in ("train", "val", "test")},
            "report_first_seed": {p: part_report for p in ("train", "val", "test")},
        }
    return {"experiment": exp.name, "select_by": exp.select_by, "selected": next(iter(exp.variants)),
            "variants": variants}  # fmt: skip


def _fake_analysis(spec: dict, rng: np.random.Generator) -> dict | None:
    """A result.json of the analysis's kind with every key its claims and placeholders may name (synthetic
    numbers), or None for a kind without an entry here: its analyses are then filled in as "not run", which checks
    the placeholders' names but not the keys they read."""
    kind, params = spec["kind"], spec.get("params") or {}
    num = lambda: float(rng.uniform(0.5, 1))  # noqa: E731
    if kind == "runs_over_seeds":
        keys = list(params.get("series", ["train_loss"])) + [params.get("rank_by", "train_loss")]
        run = {**{f"final_{k}": num() for k in keys}, "seed": 0, "train_acc": num(), "train_errors": 3,
               "angle_to_max_margin_deg": num()}  # fmt: skip
        return {"n_runs": 25, "median": run, "worst": run, "best": run, "final": {k: {"iqm": num()} for k in keys},
                "progress": {k: {f"epoch{e}": num() for e in params.get("progress_epochs", [])} for k in keys},
                "tail_change": dict.fromkeys(keys, 0.01), "given_back": dict.fromkeys(keys, 0.01),
                "solved": {"fraction": num()}, "worst_minus_median_train_errors": 1, "worst_excess_mse": 0.01,
                "worst_minus_median_angle_deg": 1.0, "table": [{"quantity": "q", "IQM": num()}]}  # fmt: skip
    if kind == "sweep_stats":
        refs = spec["inputs"]["runs"]
        variants = [r["variant"] for r in (refs if isinstance(refs, list) else [refs])]
        return {"table": [{"setting": v, "median": num()} for v in variants],
                "stats": {v: {"n": 15, "median": num()} for v in variants},
                "steps": {v: {"median_gain": 0.01, "gain_ratio": 0.5} for v in variants}}  # fmt: skip
    return None


@pytest.mark.parametrize("reduced", [False, True])
def test_shipped_templates_fill_completely(reduced: bool, merged_config, tmp_path: Path, monkeypatch) -> None:
    """Every placeholder of every shipped template resolves (claim ids, parameters, variants, figures exist), on
    synthetic results of the configuration's experiments: a template typo fails here, not at the end of a run."""
    root = Path(__file__).resolve().parents[1]
    cfg = merged_config(reduced)
    experiments = load_experiments(cfg)
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    for exp in experiments.values():
        for v in exp.variants:
            for seed in exp.seeds:
                h = Path(paths.Layout().run(paths.HISTORY, exp.name, v, seed))
                h.parent.mkdir(parents=True)
                epochs = [{"epoch": e, "train_acc": 0.1 * e, "test_acc": 0.1 * e, "train_loss": 1 - 0.1 * e,
                           "test_loss": 1 - 0.1 * e, "val_acc": 0.1 * e} for e in range(11)]  # fmt: skip
                h.write_text(json.dumps({"epochs": epochs}))
    not_run = {}
    for name, a in (cfg.get("analyses") or {}).items():
        fake = _fake_analysis(a, rng)
        if fake is None:
            not_run[name] = "no synthetic result for this analysis kind in the test"
            continue
        out = Path(paths.Layout()(paths.ANALYSIS_JSON, analysis=name))
        out.parent.mkdir(parents=True)
        out.write_text(json.dumps(fake))
    for rid, spec in cfg["reports"].items():
        spec = {**spec, "claims": str(root / spec["claims"])}
        mine = {n: e for n, e in experiments.items() if e.report == rid}
        inputs = ReportInputs(report=rid, spec=spec, experiments=experiments, config=cfg, not_run=not_run)
        page = Page(inputs, tmp_path / f"{rid}.md")
        for name, exp in mine.items():
            page._summaries[name] = _fake_summary(exp, rng)
        text = page.fill((root / "src" / "scratchnet" / "report" / "templates" / spec["template"]).read_text())
        assert "{{" not in text and "}}" not in text, rid
        if not reduced:  # the full configuration has every variant a template names
            assert "(not compared" not in text and "no variant" not in text, rid
        assert "claims: " in text
