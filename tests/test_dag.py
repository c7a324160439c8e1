"""Unit tests of the job layer without Snakemake: the jobs computed from the configuration (pipeline/dag.py), output
roots (paths.Layout), code fingerprints (pipeline/code.py), parameter specs (pipeline/params.py) and the look-only
raw data search (data.locate) on a temporary mirror."""

from __future__ import annotations

import ast
import copy
import itertools
import modulefinder
import re
import shutil
from pathlib import Path

import pytest

from scratchnet.data import ARCHIVES, MIRROR_ENV, RAW_FILES, DataError, download_allowed, locate
from scratchnet.data.sources import EMNIST_ZIP
from scratchnet.pipeline import code, paths
from scratchnet.pipeline.dag import Dag
from scratchnet.pipeline.kind_index import KIND_MODULES
from scratchnet.pipeline.params import Param, check, check_value
from scratchnet.report.provenance import config_hash

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------------- helpers
def make_mirror(root: Path, sources: tuple[str, ...], flat: bool = False) -> Path:
    """A mirror holding empty files with the official names of ``sources`` (locate looks, it does not hash)."""
    for source in sources:
        for rf in RAW_FILES[source]:
            f = root / rf.name if flat else root / rf.subdir / rf.name
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(b"")
    return root


def n_variants(spec: dict) -> int:
    if spec.get("variants"):
        return len(spec["variants"])
    if spec.get("grid"):
        return len(list(itertools.product(*spec["grid"].values())))
    return 1


@pytest.fixture()
def offline(tmp_path: Path, monkeypatch) -> Path:
    """Work in an empty folder (no resources/raw) with a mirror that has MNIST but not EMNIST Letters."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    return make_mirror(tmp_path / "mirror", ("mnist",))


def offline_config(config: dict, mirror: Path, tmp: Path) -> dict:
    cfg = copy.deepcopy(config)
    cfg["data"] = {"mirror": str(mirror), "allow_download": False, "emnist_zip_cache": str(tmp / "no-cache.zip")}
    return cfg


@pytest.fixture()
def dag(merged_config, offline: Path, tmp_path: Path) -> Dag:
    return Dag(offline_config(merged_config(), offline, tmp_path))


# --------------------------------------------------------------------------------------------- paths.Layout
def test_layout_without_tag_uses_the_plain_roots() -> None:
    layout = paths.Layout.from_config({"tag": None})
    assert layout == paths.Layout() == paths.Layout.from_config({})
    assert layout.to_dict() == {r: r for r in paths.ROOTS}
    assert layout(paths.MODEL, experiment="e", variant="v", seed=3) == "results/runs/e/v/seed3/model.npz"
    assert layout(paths.INDEX_HTML) == "reports/index.html"
    assert layout(paths.BENCHMARK_TRAIN, experiment="e", variant="v", seed=0) == "benchmarks/train/e/v/seed0.tsv"
    assert layout.log("train", "e/v/seed0") == "logs/train/e/v/seed0.log"


def test_layout_with_tag_puts_every_root_under_it() -> None:
    layout = paths.Layout.from_config({"tag": "reduced"})
    assert layout.to_dict() == {r: f"{r}/reduced" for r in paths.ROOTS}
    assert layout.run(paths.METRICS, "e", "v", 0) == "results/reduced/runs/e/v/seed0/metrics.json"
    assert layout(paths.REPORT_MD, report="001") == "reports/reduced/001.md"
    assert layout.log("figure", "001/f") == "logs/reduced/figure/001/f.log"
    bench = layout(paths.BENCHMARK_EVAL, experiment="e", variant="v", seed=1)
    assert bench == "benchmarks/reduced/evaluate/e/v/seed1.tsv"


def test_layout_leaves_unfilled_wildcards_for_snakemake() -> None:
    layout = paths.Layout.from_tag("x")
    assert layout(paths.MODEL) == "results/x/runs/{experiment}/{variant}/seed{seed}/model.npz"
    assert layout(paths.FIGURE, report="000") == "results/x/figures/000/{figure}.png"


def test_every_template_starts_with_a_root() -> None:
    templates = {k: v for k, v in vars(paths).items() if k.isupper() and isinstance(v, str) and "{" in v}
    for name, t in templates.items():
        if name == "RAW_DIR":  # raw files are shared by every layout
            assert not any("{" + r + "}" in t for r in paths.ROOTS)
            continue
        assert any(t.startswith("{" + r + "}/") for r in paths.ROOTS), name


# --------------------------------------------------------------------------------------------- Dag: runs
def test_run_spec_merges_base_params_and_variant(dag: Dag) -> None:
    spec = dag.run_spec("s000_t5_deep", "h128_l2", "2")
    assert spec["experiment"] == "s000_t5_deep" and spec["variant"] == "h128_l2" and spec["seed"] == 2
    assert spec["kind"] == "mlp_classifier"
    assert spec["params"]["hidden"] == [128] and spec["params"]["l2"] == 0.001
    assert spec["params"]["lr"] == 0.1 and spec["params"]["split"] == "emnist_fl"


def test_run_spec_of_a_grid_variant(dag: Dag) -> None:
    spec = dag.run_spec("s001_batch_size", "batch_sizefull", 0)
    assert spec["params"]["batch_size"] == "full" and spec["params"]["epochs"] == 1500


def test_run_data_follows_the_variant_split(dag: Dag) -> None:
    assert dag.run_data("s001_perceptron", "case3_high_variance") == "results/splits/gauss_case3/data.npz"
    assert dag.run_data("s001_mlp_moons", "default") == "results/splits/moons1000/data.npz"


def test_run_files_cover_every_variant_and_seed(dag: Dag, merged_config) -> None:
    raw = merged_config()
    for name, spec in raw["experiments"].items():
        seeds = spec.get("seeds", raw["seeds"])
        files = dag.run_files(paths.MODEL, name)
        assert len(files) == len(set(files)) == n_variants(spec) * len(seeds), name
        assert all(f.startswith(f"results/runs/{name}/") and f.endswith("/model.npz") for f in files)


def test_reduced_dag_writes_under_the_reduced_roots(merged_config, offline: Path, tmp_path: Path) -> None:
    dag = Dag(offline_config(merged_config(reduced=True), offline, tmp_path))
    assert dag.layout == paths.Layout.from_tag("reduced")
    models = dag.run_files(paths.MODEL, "s001_mlp_moons")
    assert models == ["results/reduced/runs/s001_mlp_moons/default/seed0/model.npz"]
    assert dag.all_targets()[0] == "reports/reduced/index.html"
    for report in dag.reports:
        for files in dag.report_inputs(report).values():
            assert all(f.split("/")[1] == "reduced" for f in files), files


# --------------------------------------------------------------------------------------------- Dag: raw data
def test_raw_availability_is_decided_by_looking(dag: Dag, offline: Path) -> None:
    used = {d["source"] for d in dag.config["datasets"].values() if d["source"] != "synthetic"}
    assert set(dag.raw) == used == {"mnist", "fashion_mnist", "emnist_letters"}  # the sources some dataset uses
    assert dag.raw["mnist"]["available"]
    name = "train-images-idx3-ubyte.gz"
    assert dag.raw["mnist"]["plan"][name] == str(offline / "mnist" / name)
    assert not dag.raw["emnist_letters"]["available"]


def test_missing_names_the_file_and_synthetic_data_is_never_missing(dag: Dag) -> None:
    assert dag.missing("s001_mlp_moons") == ""
    assert dag.missing("s004_activations") == ""
    for name in ("s000_t4_emnist", "s000_t5_deep"):
        why = dag.missing(name)
        assert why.startswith("raw data 'emnist_letters': ") and "raw file(s) missing\n" in why
        assert "emnist-letters-train-images-idx3-ubyte.gz not found" in why
    assert dag.split_missing("emnist_fl") == dag.missing("s000_t4_emnist")
    assert dag.prepare_inputs("emnist_fl") == ["results/raw/emnist_letters/status.json"]
    assert dag.prepare_inputs("moons1000") == []


def test_training_jobs_are_every_run_whose_data_can_be_had(dag: Dag, merged_config) -> None:
    raw = merged_config()
    expected = 0
    for spec in raw["experiments"].values():
        variants = (spec.get("variants") or {}).values()
        splits = {spec.get("params", {}).get("split")} | {v.get("split") for v in variants}
        sources = {raw["datasets"][raw["splits"][s]["dataset"]]["source"] for s in splits if s}
        if sources <= {"synthetic", "mnist"}:  # the mirror of this test has MNIST only
            expected += n_variants(spec) * len(spec.get("seeds", raw["seeds"]))
    runnable = [m for e in dag.experiments if not dag.missing(e) for m in dag.run_files(paths.MODEL, e)]
    assert len(runnable) == expected


# --------------------------------------------------------------------------------------------- Dag: figures, reports
def test_figure_of_the_selected_variant_reads_the_summary_and_every_variant(dag: Dag) -> None:
    files = dag.figure_inputs("000", "fig2_1_1_blobs_lr_predictions")
    assert "results/tables/s000_t2_lr_blobs.json" in files
    assert "results/splits/blobs600/data.npz" in files
    models = [f for f in files if f.endswith("model.npz")]
    assert len(models) == 6 and all(f.endswith("/seed0/model.npz") for f in models)  # six rates, first seed
    assert dag.figure_missing("000", "fig2_1_1_blobs_lr_predictions") == ""


def test_figure_of_one_variant_reads_only_that_run(dag: Dag) -> None:
    files = dag.figure_inputs("001", "fig2_moons_boundary")
    run = "results/runs/s001_mlp_moons/default/seed0/"
    assert files == sorted(["results/splits/moons1000/data.npz"] + [run + f for f in
                           ("model.npz", "model.json", "history.json", "metrics.json", "predictions.npz")])  # fmt: skip


def test_split_figure_and_its_missing_data(dag: Dag) -> None:
    assert dag.figure_inputs("000", "fig4_1_2_examples") == ["results/splits/emnist_fl/data.npz"]
    assert "emnist-letters" in dag.figure_missing("000", "fig4_1_2_examples")


def test_report_inputs_leave_out_what_cannot_run(dag: Dag) -> None:
    not_run = dag.not_run("000")
    assert set(not_run) == {"s000_t4_emnist", "s000_t5_deep"}
    inputs = dag.report_inputs("000")
    assert "results/tables/s000_t1_logreg.json" in inputs["summaries"]
    assert not any("s000_t4" in f or "s000_t5" in f for files in inputs.values() for f in files)
    figures = inputs["figures"]
    assert "results/figures/000/fig1_1_running_cost.png" in figures
    assert not any("fig4_" in f or "fig5_" in f for f in figures)
    assert dag.not_run("001") == {} and dag.not_run("004") == {}
    assert len(dag.report_inputs("004")["figures"]) == len(dag.reports["004"]["figures"])


def test_all_targets_are_the_html_pages(dag: Dag) -> None:
    assert dag.all_targets() == ["reports/index.html"] + [f"reports/{r}.html" for r in dag.reports]


def test_config_hash_follows_the_config(dag: Dag, merged_config, offline: Path, tmp_path: Path) -> None:
    same = offline_config(merged_config(), offline, tmp_path)
    assert config_hash(same) == config_hash(dag.config)
    changed = offline_config(merged_config(), offline, tmp_path)
    changed["experiments"]["s001_mlp_moons"]["params"]["lr"] = 0.02
    assert config_hash(changed) != config_hash(dag.config)


def test_analysis_reads_one_run_per_seed_for_seed_all(merged_config, offline: Path, tmp_path: Path) -> None:
    cfg = offline_config(merged_config(), offline, tmp_path)
    cfg["analyses"] = {
        "a": {"report": "001", "kind": "k", "inputs": {"net": {"experiment": "s001_batch_size",
                                                               "variant": "batch_size16", "seed": "all"}}},
        "b": {"report": "000", "kind": "k", "inputs": {"net": {"experiment": "s000_t5_deep", "variant": "h128"}}},
    }  # fmt: skip
    dag = Dag(cfg)
    runs = dag.analysis_refs("a")["net"]
    assert [r["seed"] for r in runs] == cfg["seeds"]
    assert runs[0]["model"] == "results/runs/s001_batch_size/batch_size16/seed0/model.npz"
    assert runs[0]["params"]["batch_size"] == 16 and runs[0]["data"] == "results/splits/moons1000/data.npz"
    # model (weights and metadata), history, metrics, predictions per seed; one split (data and indices)
    assert len(dag.analysis_inputs("a")) == 5 * len(cfg["seeds"]) + 2
    assert "results/splits/moons1000/indices.npz" in dag.analysis_inputs("a")
    assert dag.analysis_missing("a") == ""
    assert [r["seed"] for r in dag.analysis_refs("b")["net"]] == [0]
    assert "emnist" in dag.analysis_missing("b")
    assert dag.report_analyses("001") == ["a"] and "b" in dag.not_run("000")
    assert dag.report_inputs("001")["analyses"] == ["results/analyses/a/result.json"]


# --------------------------------------------------------------------------------------------- code fingerprints
@pytest.fixture()
def package_copy(tmp_path: Path, monkeypatch) -> Path:
    pkg = tmp_path / "scratchnet"
    shutil.copytree(code.PACKAGE, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(code, "PACKAGE", pkg)
    _clear_fingerprints()
    yield pkg
    _clear_fingerprints()


def _clear_fingerprints() -> None:
    for cached in (code.fingerprint, code.kind_files, code.imports_of, code.module_file, code._source):
        cached.cache_clear()


def jobs_of_every_code() -> list[tuple[str, str | None]]:
    """(step, kind) of every fingerprint a rule can pass: one per kind for a step of code.KIND_STEPS."""
    return [(step, kind) for step in code.GROUPS
            for kind in (KIND_MODULES[code.KIND_STEPS[step]] if step in code.KIND_STEPS else [None])]  # fmt: skip


def fingerprints() -> dict[tuple[str, str | None], str]:
    _clear_fingerprints()
    return {job: code.fingerprint(*job) for job in jobs_of_every_code()}


def every(step: str, but: tuple[str, ...] = ()) -> set[tuple[str, str | None]]:
    """The fingerprints of ``step``: every kind's (less ``but``), or the step's one."""
    return {(s, k) for s, k in jobs_of_every_code() if s == step and k not in but}


def kinds(step: str, *names: str) -> set[tuple[str, str]]:
    assert all(n in KIND_MODULES[code.KIND_STEPS[step]] for n in names), names
    return {(step, n) for n in names}


def test_fingerprint_is_a_stable_hex_digest(package_copy: Path) -> None:
    first = fingerprints()
    assert all(re.fullmatch(r"[0-9a-f]{16}", f) for f in first.values())
    assert fingerprints() == first
    assert len(set(first.values())) == len(first)  # the kind is part of its fingerprint


# analysis kinds that read results files with NumPy only: no model, no engine
_NO_ENGINE = ("curve_numbers", "grid_search_table", "majority_share", "hard_margin_svm")
_AE_RUNS = ("sklearn_mlp", "engine_grid_config", "sklearn_grid_config", "mlp_autoencoder", "sklearn_autoencoder")


@pytest.mark.parametrize(
    ("edited", "changed"),
    [
        ("layers.py", every("train") | every("figure") | every("analysis", but=_NO_ENGINE)),
        ("pipeline/figures/classification.py", kinds("figure", "confusion", "probability_histogram", "roc", "scatter")),
        ("pipeline/figures/training_curves.py",
         kinds("figure", "curves_by_experiment", "epoch_curves", "loss_panel_grid", "running_cost", "stopping_signal")),
        ("pipeline/figures/__init__.py", every("figure")),
        ("pipeline/kinds/autoencoder.py", kinds("train", "mnist_autoencoder")),
        # sklearn_mlp's helpers are imported by the grid and regressor-autoencoder kinds, and by one analysis
        ("pipeline/kinds/sklearn_mlp.py", kinds("train", *_AE_RUNS) | kinds("analysis", "feature_classifier")),
        ("pipeline/analyses/svm.py", kinds("analysis", "hard_margin_svm")),
        ("pipeline/analyses/__init__.py", every("analysis")),  # importing any analysis module runs it
        ("pipeline/analysis_steps.py", every("analysis")),
        ("pipeline/aggregate.py", every("aggregate")),
        ("data/split.py", every("data")),
        ("report/build.py", every("report")),
        ("report/templates/001.md", set()),  # a template is an input of its own page, not package code
        ("pipeline/kind_index.py", set()),  # only a kind's own line counts (test below)
        ("pipeline/spec.py", every("aggregate") | every("report") | every("figure")),
        ("pipeline/io.py", set(jobs_of_every_code())),
    ],
)  # fmt: skip
def test_fingerprint_changes_exactly_for_the_jobs_using_a_file(package_copy: Path, edited: str, changed: set) -> None:
    before = fingerprints()
    with open(package_copy / edited, "a") as fh:
        fh.write("# edited\n")
    after = fingerprints()
    assert {job for job in before if before[job] != after[job]} == changed


def test_a_new_module_in_a_kind_package_changes_nothing_until_a_kind_is_indexed(package_copy: Path,
                                                                                  monkeypatch) -> None:  # fmt: skip
    before = fingerprints()
    (package_copy / "pipeline" / "kinds" / "new_kind.py").write_text('"""A new run kind."""\n')
    assert fingerprints() == before
    monkeypatch.setitem(KIND_MODULES["run"], "new_kind", "new_kind")
    after = fingerprints()
    assert set(after) - set(before) == {("train", "new_kind")}
    assert {job: after[job] for job in before} == before


def test_moving_a_kind_to_another_module_changes_its_fingerprint_only(package_copy: Path, monkeypatch) -> None:
    before = fingerprints()
    monkeypatch.setitem(KIND_MODULES["figure"], "scatter", "images")
    after = fingerprints()
    assert {job for job in before if before[job] != after[job]} == {("figure", "scatter")}


def test_a_kind_step_needs_its_kind_and_a_kind_must_be_indexed() -> None:
    with pytest.raises(ValueError, match=r"fingerprint\('train', None\): a kind is given for, and only for"):
        code.fingerprint("train")
    with pytest.raises(ValueError, match=r"fingerprint\('report', 'scatter'\)"):
        code.fingerprint("report", "scatter")
    with pytest.raises(ValueError, match=r"figure kind 'scater' is not in scratchnet/pipeline/kind_index.py"):
        code.fingerprint("figure", "scater")


def test_every_fingerprinted_path_exists() -> None:
    """A misspelt entry would silently drop files from a fingerprint (``_files`` returns nothing for it)."""
    for step, entries in code.GROUPS.items():
        for entry in entries:
            assert (code.PACKAGE / entry).exists(), f"code.GROUPS[{step!r}]: {entry} does not exist"
    for step, what in code.KIND_STEPS.items():
        for kind in KIND_MODULES[what]:
            assert code.kind_module(step, kind)  # raises, naming the kind, for a module that does not exist


def test_imports_of_reads_relative_absolute_and_function_level_imports(package_copy: Path) -> None:
    f = package_copy / "pipeline" / "figures" / "probe.py"
    f.write_text("from . import FigureContext\nimport scratchnet.stats\n\n\ndef late():\n"
                 "    from ...svm import predict\n    from ..kinds.engine import TRAIN_PARAMS\n")  # fmt: skip
    found = {str(p.relative_to(package_copy)) for p in code.imports_of(f)}
    assert found == {"__init__.py", "stats.py", "svm.py", "pipeline/__init__.py", "pipeline/figures/__init__.py",
                     "pipeline/kinds/__init__.py", "pipeline/kinds/engine.py"}  # fmt: skip


def _step_scripts() -> dict[str, set[str]]:
    """Step (the ``fingerprint(...)`` a rule passes) -> the package modules its rules' scripts import."""
    entries: dict[str, set[str]] = {}
    for smk in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        for block in re.split(r"\n(?=rule )", smk.read_text()):
            step = re.search(r'code=(?:lambda wc: )?fingerprint\(\s*"(\w+)"', block)
            script = re.search(r'"\.\./scripts/(\w+\.py)"', block)
            if step and script:
                text = (ROOT / "workflow" / "scripts" / script.group(1)).read_text()
                entries.setdefault(step.group(1), set()).update(re.findall(r"^from (scratchnet\S*) import", text, re.M))
    return entries


def _uncovered(used: set[Path], covered: set[Path]) -> list[str]:
    """Modules of ``used`` not in ``covered``, less those that cannot change an output (code.NOT_OUTPUT, and an
    ``__init__.py`` of a docstring and a ``__version__`` only)."""
    return sorted(
        rel for f in used - covered
        if (rel := str(f.relative_to(code.PACKAGE))) not in code.NOT_OUTPUT
        and not (f.name == "__init__.py" and len(ast.parse(f.read_text()).body) <= 2)
    )  # fmt: skip


def _fingerprinted(step: str, kind: str | None = None) -> set[Path]:
    return {f for entry in code.GROUPS[step] for f in code._files(entry)} | set(code.kind_files(step, kind) if kind
                                                                                  else ())  # fmt: skip


def test_every_module_a_step_imports_is_in_its_fingerprint() -> None:
    """A change to the package source a job uses must rerun it: every package module reachable from the step's
    script is fingerprinted for every job of that step, and for a job running a kind, every module reachable from
    the kind's module too (the registry imports it by name)."""
    scripts = _step_scripts()
    assert set(scripts) == set(code.GROUPS), scripts
    gaps = {}
    for step, modules in scripts.items():
        used = code.reached({f for m in modules for f in code.module_files(m)})
        if missing := _uncovered(used, _fingerprinted(step)):
            gaps[step] = missing
        for kind in KIND_MODULES[code.KIND_STEPS[step]] if step in code.KIND_STEPS else ():
            by_kind = code.reached(used | code.module_files(code.kind_module(step, kind)))
            if missing := _uncovered(by_kind, _fingerprinted(step, kind)):
                gaps[f"{step} ({kind})"] = missing
    assert not gaps, f"package modules used but not fingerprinted: {gaps}"


def test_the_import_reading_agrees_with_modulefinder() -> None:
    """A second reader of imports (the standard library's bytecode scanner) finds no package module a job of a kind
    reaches that its fingerprint leaves out."""
    gaps = {}
    for step, what in code.KIND_STEPS.items():
        for kind in KIND_MODULES[what]:
            finder = modulefinder.ModuleFinder(path=[str(code.PACKAGE.parent)])
            finder.import_hook(code.kind_module(step, kind))
            found = {Path(m.__file__) for name, m in finder.modules.items() if name.startswith("scratchnet")}
            if missing := _uncovered(found, _fingerprinted(step, kind)):
                gaps[f"{step} ({kind})"] = missing
    assert not gaps, f"package modules used but not fingerprinted: {gaps}"


# --------------------------------------------------------------------------------------------- params.check
def test_int_rejects_bool_float_and_string() -> None:
    p = Param("int", min=1)
    assert check_value(p, 3) is None
    assert check_value(p, True) == "must be an integer, got a boolean True"
    assert check_value(p, 3.0) == "must be an integer, got float 3.0"
    assert check_value(p, "3") == "must be an integer, got a string '3'"
    assert check_value(p, 0) == "must be >= 1"
    assert check_value(p, None) == "must not be null"


def test_float_accepts_ints_and_rejects_quoted_numbers_bools_and_non_finite() -> None:
    p = Param("float", min=0, exclusive_min=True, max=1)
    assert check_value(p, 0.5) is None and check_value(p, 1) is None
    assert check_value(p, "0.1") == "must be a number, got a string '0.1'"
    assert check_value(p, False) == "must be a number, got a boolean False"
    assert check_value(p, float("nan")) == "must be a number, got float nan"
    assert check_value(p, float("inf")) == "must be a number, got float inf"
    assert check_value(p, 0) == "must be > 0"
    assert check_value(p, -0.1) == "must be > 0"
    assert check_value(p, 1.5) == "must be <= 1"
    assert check_value(Param("float", min=0), 0) is None


def test_bool_and_str_and_mapping() -> None:
    assert check_value(Param("bool"), False) is None
    assert check_value(Param("bool"), 1) == "must be true or false, got int 1"
    assert check_value(Param("bool"), "yes") == "must be true or false, got a string 'yes'"
    assert check_value(Param("str"), "x") is None
    assert check_value(Param("str"), 1) == "must be a string, got int 1"
    assert check_value(Param("mapping"), {"a": 1}) is None
    assert check_value(Param("mapping"), [1]) == "must be a mapping, got a list [1]"
    assert check_value(Param("any"), object) is None


def test_choices_suggest_the_nearest_name() -> None:
    p = Param("name", choices=("relu", "tanh", "sigmoid"))
    assert check_value(p, "tanh") is None
    assert check_value(p, "relux") == "unknown value 'relux'; did you mean 'relu'? (known: relu, sigmoid, tanh)"
    assert check_value(p, "zzz") == "unknown value 'zzz' (known: relu, sigmoid, tanh)"
    assert check_value(p, 3) == "must be a string, got int 3"


def test_choices_may_come_from_a_registry_lookup() -> None:
    registry = {"sgd": 1}
    p = Param("name", choices=lambda: registry)
    assert check_value(p, "adam") == "unknown value 'adam' (known: sgd)"
    registry["adam"] = 2  # read when checked, not when declared
    assert check_value(p, "adam") is None


def test_name_as_mapping_when_allowed() -> None:
    p = Param("name", choices=("sgd", "adam"), mapping_ok=True)
    assert check_value(p, {"name": "adam", "beta1": 0.9}) is None
    assert check_value(p, {"name": "adamw"}) == "unknown value 'adamw'; did you mean 'adam'? (known: adam, sgd)"
    assert check_value(p, {"lr": 0.1}) == "a mapping here needs a 'name' key"
    no_mapping = Param("name", choices=("sgd", "adam"))
    assert check_value(no_mapping, {"name": "adam"}) == "must be a string, got a mapping {'name': 'adam'}"


def test_nullable() -> None:
    assert check_value(Param("int", nullable=True), None) is None
    assert check_value(Param("int"), None) == "must not be null"


def test_also_admits_literal_values_but_not_booleans_equal_to_them() -> None:
    p = Param("int", min=1, nullable=True, also=("full",))
    assert check_value(p, "full") is None
    assert check_value(p, 64) is None and check_value(p, None) is None
    assert check_value(p, "fulll") == "must be an integer, got a string 'fulll'"
    one = Param("float", min=2, also=(1,))
    assert check_value(one, 1) is None
    assert check_value(one, True) == "must be a number, got a boolean True"  # True == 1, but not a number here


def test_lists() -> None:
    p = Param("ints", min=1, min_len=2)
    assert check_value(p, [784, 10]) is None
    assert check_value(p, [784]) == "must have at least 2 item(s)"
    assert check_value(p, [784, 0]) == "item 1 must be >= 1"
    assert check_value(p, [784, True]) == "item 1 must be an integer, got a boolean True"
    assert check_value(p, 784) == "must be a list, got int 784"
    assert check_value(Param("floats", min=0, exclusive_min=True), [6, 4.8]) is None
    assert check_value(Param("strs", choices=("train", "test")), ["train", "tset"]) == (
        "item 1 unknown value 'tset'; did you mean 'test'? (known: test, train)"
    )


def test_check_lists_every_problem_with_its_key() -> None:
    spec = {"hidden": Param("ints", min=1), "lr": Param("float", min=0, exclusive_min=True), "split": Param("str")}
    errors = check({"hiden": [3], "lr": -1, "zzz": 1}, spec, required=("split",))
    assert errors == [
        "hiden: unknown key; did you mean 'hidden'? (accepted: hidden, lr, split)",
        "lr: must be > 0",
        "zzz: unknown key; (accepted: hidden, lr, split)",
        "split: required, not given",
    ]
    assert check({"hidden": [3], "split": "s"}, spec, required=("split",)) == []


def test_unknown_param_type_is_refused() -> None:
    with pytest.raises(ValueError, match="'integer' unknown"):
        Param("integer")


# --------------------------------------------------------------------------------------------- data.locate
def test_locate_finds_every_file_in_the_mirror(tmp_path: Path) -> None:
    mirror = make_mirror(tmp_path / "m", ("mnist",))
    found = locate("mnist", tmp_path / "dest", mirror=mirror, allow_download=False, emnist_zip_cache=tmp_path / "c")
    assert found == {
        "available": True,
        "plan": {rf.name: str(mirror / "mnist" / rf.name) for rf in RAW_FILES["mnist"]},
        "reason": "",
    }


def test_locate_prefers_dest_then_the_flat_mirror(tmp_path: Path) -> None:
    mirror = make_mirror(tmp_path / "m", ("fashion_mnist",), flat=True)
    dest = tmp_path / "dest"
    dest.mkdir()
    first = RAW_FILES["fashion_mnist"][0].name
    (dest / first).write_bytes(b"")
    plan = locate("fashion_mnist", dest, mirror=mirror, allow_download=False, emnist_zip_cache=tmp_path / "c")["plan"]
    assert plan[first] == str(dest / first)
    assert all(plan[rf.name] == str(mirror / rf.name) for rf in RAW_FILES["fashion_mnist"][1:])


def test_locate_missing_lists_every_place_looked(tmp_path: Path) -> None:
    mirror = tmp_path / "m"
    mirror.mkdir()
    dest = tmp_path / "dest"
    found = locate("mnist", dest, mirror=mirror, allow_download=False, emnist_zip_cache=tmp_path / "c")
    assert not found["available"] and found["plan"] == {}
    assert found["reason"].count(" not found: ") == len(RAW_FILES["mnist"]), found["reason"]
    for rf in RAW_FILES["mnist"]:
        looked = f"{dest / rf.name}; {mirror / 'mnist' / rf.name}; {mirror / rf.name}"
        assert f"{rf.name} not found: looked in {looked} (downloads not allowed)" in found["reason"]


def test_locate_without_a_mirror_says_so(tmp_path: Path) -> None:
    found = locate("mnist", tmp_path / "dest", mirror=None, allow_download=False, emnist_zip_cache=tmp_path / "c")
    assert not found["available"]
    assert f"no mirror (${MIRROR_ENV} unset)" in found["reason"]


def test_locate_plans_downloads_when_allowed(tmp_path: Path) -> None:
    found = locate("mnist", tmp_path / "dest", mirror=None, allow_download=True, emnist_zip_cache=tmp_path / "c")
    assert found["available"] and found["reason"] == ""
    assert found["plan"] == {rf.name: f"download {rf.url}" for rf in RAW_FILES["mnist"]}


def test_locate_emnist_from_an_archive_or_the_cache(tmp_path: Path) -> None:
    mirror = tmp_path / "m"
    cache = tmp_path / "cache" / "emnist.zip"
    kw = {"mirror": mirror, "emnist_zip_cache": cache}
    missing = locate("emnist_letters", tmp_path / "dest", allow_download=False, **kw)
    assert not missing["available"]
    for rf in RAW_FILES["emnist_letters"]:
        assert f"{rf.name} not found: looked in " in missing["reason"]
    assert str(mirror / "emnist" / "gzip.zip") in missing["reason"] and str(cache) in missing["reason"]
    assert "(downloads not allowed)" in missing["reason"]
    # the whole archive can be downloaded, not the single files
    download = locate("emnist_letters", tmp_path / "dest", allow_download=True, **kw)
    assert set(download["plan"].values()) == {f"download {EMNIST_ZIP.url}"} and download["available"]
    # the archive in the mirror serves every member
    (mirror / "emnist").mkdir(parents=True)
    (mirror / "emnist" / ARCHIVES["emnist_letters"].file.name).write_bytes(b"")
    in_mirror = locate("emnist_letters", tmp_path / "dest", allow_download=False, **kw)
    assert in_mirror["available"] and set(in_mirror["plan"].values()) == {str(mirror / "emnist" / "gzip.zip")}
    # the emnist package's cache as the last resort
    shutil.rmtree(mirror)
    cache.parent.mkdir()
    cache.write_bytes(b"")
    cached = locate("emnist_letters", tmp_path / "dest", allow_download=False, **kw)
    assert cached["available"] and set(cached["plan"].values()) == {str(cache)}


def test_locate_unknown_dataset_names_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="unknown dataset 'cifar10'; known datasets: emnist_letters, fashion_mnist"):
        locate("cifar10", tmp_path, mirror=None, allow_download=True, emnist_zip_cache=tmp_path / "c")


def test_download_auto_means_only_without_a_mirror(tmp_path: Path) -> None:
    assert download_allowed("auto", None) is True
    assert download_allowed("auto", tmp_path) is False
    assert download_allowed(True, tmp_path) is True and download_allowed(False, None) is False
