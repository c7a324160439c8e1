"""Configuration checks at DAG build (issue 8, item 1): one test per class of bad input, each asserting the message
names the config file, the item (experiment and variant, figure, claim, analysis), the key and the suggestion.

The fast tests call :func:`validate_config` / :func:`check_yaml_files` (now in :mod:`scratchnet.pipeline.config_files`)
on modified copies of the shipped merged configuration; one slow test plants two mistakes in a copy of the workflow
and runs ``snakemake -n``.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import copy_workflow

from scratchnet.pipeline import registry
from scratchnet.pipeline.config_files import check_yaml_files
from scratchnet.pipeline.validate import ConfigError, validate_config
from scratchnet.report import TEMPLATES

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
SEEDS = ROOT / "config" / "seeds"
F000, F001, F004 = (SEEDS / f"{i}.yaml" for i in ("000", "001", "004"))
SNAKEMAKE = Path(sys.executable).with_name("snakemake")


def config_files(reduced: bool = False) -> list[Path]:
    """The files the Snakefile merges, in its order."""
    files = [ROOT / "config" / "config.yaml", *sorted(SEEDS.glob("*.yaml"))]
    if reduced:
        files += [ROOT / "config" / "ci.yaml", *sorted((ROOT / "config" / "reduced").glob("*.yaml"))]
    return files


@pytest.fixture()
def cfg(merged_config) -> dict:
    """A fresh deep copy of the full merged configuration, free to modify."""
    return copy.deepcopy(merged_config())


def problems_of(config: dict, files: list[Path] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        validate_config(config, SCHEMA, files or config_files(), TEMPLATES)
    n = len(info.value.problems)
    assert str(info.value).startswith(f"{n} problem{'s' * (n != 1)} in the configuration:")
    for p in info.value.problems:
        assert f"\n  - {p}" in str(info.value)
    return info.value.problems


def only_problem(config: dict, files: list[Path] | None = None) -> str:
    problems = problems_of(config, files)
    assert len(problems) == 1, "\n".join(problems)
    return problems[0]


def experiment_params(config: dict, name: str) -> dict:
    return config["experiments"][name]["params"]


def figure(config: dict, report: str, name: str) -> dict:
    return config["reports"][report]["figures"][name]


# --------------------------------------------------------------------------------------------- shipped configuration
@pytest.mark.parametrize("reduced", [False, True], ids=["full", "reduced"])
def test_shipped_configurations_are_valid(merged_config, reduced: bool) -> None:
    validate_config(merged_config(reduced), SCHEMA, config_files(reduced), TEMPLATES)


# --------------------------------------------------------------------------------------------- run parameters
def test_typo_in_params_suggests_the_key(cfg: dict) -> None:
    p = experiment_params(cfg, "s001_mlp_moons")
    p["hiden"] = p.pop("hidden")
    msg = only_problem(cfg)
    assert msg.startswith(f"{F001}: experiments.s001_mlp_moons: params.hiden: unknown key; ")
    assert "did you mean 'hidden'?" in msg


def test_typo_in_a_variant_names_the_variant(cfg: dict) -> None:
    variant = cfg["experiments"]["s000_t5_deep"]["variants"]["h128_l2"]
    variant["hiden"] = variant.pop("hidden")
    msg = only_problem(cfg)
    assert msg.startswith(f"{F000}: experiments.s000_t5_deep (variant h128_l2): params.hiden: unknown key; ")
    assert "did you mean 'hidden'?" in msg


def test_unknown_activation_suggests_the_nearest(cfg: dict) -> None:
    experiment_params(cfg, "s001_mlp_moons")["activation"] = "relux"
    msg = only_problem(cfg)
    assert msg.startswith(f"{F001}: experiments.s001_mlp_moons: params.activation: unknown value 'relux'; ")
    assert "did you mean 'relu'?" in msg
    assert "(known: " in msg and "tanh" in msg


def test_unknown_model_suggests_the_nearest_run_kind_and_nothing_else(cfg: dict) -> None:
    cfg["experiments"]["s001_mlp_moons"]["model"] = "mlp_clasifier"
    msg = only_problem(cfg)  # the figures and claims that name its variants are not reported as well
    assert msg.startswith(f"{F001}: experiments.s001_mlp_moons.model: unknown run kind")
    assert "'mlp_clasifier'; did you mean 'mlp_classifier'?" in msg


def test_negative_learning_rate(cfg: dict) -> None:
    experiment_params(cfg, "s001_mlp_moons")["lr"] = -0.1
    assert only_problem(cfg) == f"{F001}: experiments.s001_mlp_moons: params.lr: must be > 0"


def test_quoted_learning_rate_is_not_a_number(cfg: dict) -> None:
    experiment_params(cfg, "s001_mlp_moons")["lr"] = "0.1"
    assert only_problem(cfg) == f"{F001}: experiments.s001_mlp_moons: params.lr: must be a number, got a string '0.1'"


def test_zero_epochs(cfg: dict) -> None:
    experiment_params(cfg, "s001_mlp_moons")["epochs"] = 0
    assert only_problem(cfg) == f"{F001}: experiments.s001_mlp_moons: params.epochs: must be >= 1"


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("epochs", True, "params.epochs: must be an integer, got a boolean True"),
        ("batch_size", False, "params.batch_size: must be an integer, got a boolean False"),
        ("hidden", [True], "params.hidden: item 0 must be an integer, got a boolean True"),
        ("lr", True, "params.lr: must be a number, got a boolean True"),
    ],
)
def test_yaml_boolean_is_not_a_number(cfg: dict, key: str, value, problem: str) -> None:
    experiment_params(cfg, "s001_mlp_moons")[key] = value
    assert only_problem(cfg) == f"{F001}: experiments.s001_mlp_moons: {problem}"


def test_bad_base_parameter_is_reported_once_for_all_variants(cfg: dict) -> None:
    experiment_params(cfg, "s001_perceptron")["lr"] = -0.1  # four variants inherit it
    assert only_problem(cfg) == f"{F001}: experiments.s001_perceptron: params.lr: must be > 0"


def test_bad_grid_value_names_the_variant(cfg: dict) -> None:
    cfg["experiments"]["s000_t2_lr_blobs"]["grid"]["lr"].append(-0.1)
    assert only_problem(cfg) == f"{F000}: experiments.s000_t2_lr_blobs (variant lr-0.1): params.lr: must be > 0"


def test_unknown_optimiser_suggests_the_nearest(cfg: dict) -> None:
    experiment_params(cfg, "s001_mlp_moons")["optimizer"] = "adamm"
    msg = only_problem(cfg)
    assert msg.startswith(f"{F001}: experiments.s001_mlp_moons: params.optimizer: unknown value 'adamm'; ")
    assert "did you mean 'adam'?" in msg


def test_undeclared_split(cfg: dict) -> None:
    experiment_params(cfg, "s001_mlp_moons")["split"] = "moons100"
    msg = only_problem(cfg)
    assert msg == f"{F001}: experiments.s001_mlp_moons: params.split: 'moons100' is not declared under splits"


def test_unknown_key_of_an_optimiser_mapping(cfg: dict) -> None:
    experiment_params(cfg, "s001_mlp_moons")["optimizer"] = {"name": "adam", "betta1": 0.9}
    msg = only_problem(cfg)
    assert msg.startswith(f"{F001}: experiments.s001_mlp_moons: params.optimizer")
    assert "betta1" in msg and "did you mean 'beta1'?" in msg


def test_unknown_selection_metric(cfg: dict) -> None:
    cfg["experiments"]["s001_mlp_moons"]["select_by"] = "val_accc"
    msg = only_problem(cfg)
    assert msg.startswith(f"{F001}: experiments.s001_mlp_moons.select_by")
    assert "'val_accc'" in msg and "did you mean 'val_acc'?" in msg


# --------------------------------------------------------------------------------------------- figures
def test_figure_naming_an_unknown_experiment(cfg: dict) -> None:
    figure(cfg, "001", "fig2_moons_boundary")["runs"] = [{"experiment": "s001_mlp_mons", "variant": "default"}]
    msg = only_problem(cfg)
    assert msg.startswith(f"{F001}: reports.001.figures.fig2_moons_boundary.runs: experiment 's001_mlp_mons' ")
    assert "is not declared under experiments" in msg
    assert "did you mean 's001_mlp_moons'?" in msg


def test_figure_naming_an_unknown_variant(cfg: dict) -> None:
    figure(cfg, "001", "fig2_moons_boundary")["runs"] = [{"experiment": "s001_mlp_moons", "variant": "defualt"}]
    assert only_problem(cfg) == (
        f"{F001}: reports.001.figures.fig2_moons_boundary.runs: experiment 's001_mlp_moons' has no variant "
        "'defualt' (has: default)"
    )


def test_unknown_figure_kind_suggests_the_nearest(cfg: dict) -> None:
    figure(cfg, "001", "fig2_moons_boundary")["kind"] = "scater"
    msg = only_problem(cfg)
    assert msg.startswith(f"{F001}: reports.001.figures.fig2_moons_boundary.kind: unknown figure kind 'scater'; ")
    assert "did you mean 'scatter'?" in msg


def test_figure_option_the_kind_does_not_take(cfg: dict) -> None:
    # logy is an epoch_curves option, not a scatter one
    assert "logy" in registry.get_figure_kind("epoch_curves").params
    figure(cfg, "001", "fig2_moons_boundary")["logy"] = True
    msg = only_problem(cfg)
    assert msg.startswith(f"{F001}: reports.001.figures.fig2_moons_boundary: logy: unknown key; ")
    accepted = msg.split("(accepted: ")[1].rstrip(")").split(", ")
    assert "logy" not in accepted and "xlabel" in accepted


def test_figure_option_typo_suggests_the_option(cfg: dict) -> None:
    figure(cfg, "001", "fig2_moons_boundary")["xlabl"] = "x"
    msg = only_problem(cfg)
    assert msg.startswith(f"{F001}: reports.001.figures.fig2_moons_boundary: xlabl: unknown key; ")
    assert "did you mean 'xlabel'?" in msg


# --------------------------------------------------------------------------------------------- claims, analyses
def plant_claim(cfg: dict, tmp_path: Path, key: str, value: str) -> tuple[Path, list[dict]]:
    """Seed 001's claims with ``ours.<key>`` of the first set to ``value``, written to a file ``cfg`` points at."""
    doc = yaml.safe_load((ROOT / "config" / "claims" / "001.yaml").read_text())
    claims = doc["claims"] if isinstance(doc, dict) else doc  # a mapping (claims:, not_claimed:) or a bare list
    claims[0]["ours"][key] = value
    path = tmp_path / "001.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    cfg["reports"]["001"]["claims"] = str(path)
    return path, claims


def test_claim_naming_an_unknown_experiment(cfg: dict, tmp_path: Path) -> None:
    path, claims = plant_claim(cfg, tmp_path, "experiment", "s001_perceptrn")
    msg = only_problem(cfg)
    assert msg.startswith(f"{path}: claim {claims[0]['id']!r}: unknown experiment 's001_perceptrn'")
    assert "did you mean 's001_perceptron'?" in msg


def test_claim_naming_an_unknown_metric(cfg: dict, tmp_path: Path) -> None:
    path, claims = plant_claim(cfg, tmp_path, "metric", "train_nn")
    msg = only_problem(cfg)
    assert msg.startswith(f"{path}: claim {claims[0]['id']!r}: ours.metric: unknown metric 'train_nn'")
    assert "did you mean 'train_n'?" in msg and f"(experiment {claims[0]['ours']['experiment']})" in msg


def test_claim_naming_a_malformed_dotted_metric(cfg: dict, tmp_path: Path) -> None:
    path, claims = plant_claim(cfg, tmp_path, "metric", "confusion.tset.0.1")
    assert only_problem(cfg).endswith(
        "ours.metric: metric 'confusion.tset.0.1': 'tset' is not a part (train, val, test) "
        f"(experiment {claims[0]['ours']['experiment']})"
    )


def test_analysis_of_unknown_kind(cfg: dict, tmp_path: Path) -> None:
    extra = tmp_path / "analyses.yaml"
    declared = {"analyses": {"tsne_moons": {"report": "001", "kind": "tnse", "inputs": {}}}}
    extra.write_text(yaml.safe_dump(declared))
    cfg["analyses"] = {**cfg.get("analyses", {}), **declared["analyses"]}
    msg = only_problem(cfg, [*config_files(), extra])
    assert msg.startswith(f"{extra}: analyses.tsne_moons.kind: unknown analysis kind 'tnse'")
    assert "(known: " in msg


# --------------------------------------------------------------------------------------------- YAML syntax
def _plant(text: str, old: str, new: str) -> tuple[str, int]:
    """``text`` with its first ``old`` line replaced by ``new``; also the 1-based number of that line."""
    lines = text.splitlines(keepends=True)
    i = next(i for i, line in enumerate(lines) if line.rstrip("\n") == old)
    lines[i] = new + "\n"
    return "".join(lines), i + 1


def test_yaml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    text, line = _plant(F001.read_text(), "    model: mlp_classifier", "    model: mlp_classifier: x")
    bad = tmp_path / "001.yaml"
    bad.write_text(text)
    with pytest.raises(ConfigError) as info:
        check_yaml_files([F000, bad, F004])
    (msg,) = info.value.problems
    column = len("    model: mlp_classifier") + 1  # the second ':'
    assert msg.startswith(f"{bad}, line {line}, column {column}: YAML syntax error: ")
    assert "mapping values are not allowed" in msg  # libyaml says "in this context", PyYAML "here"


def test_yaml_syntax_errors_in_two_files_are_both_listed(tmp_path: Path) -> None:
    a_text, _ = _plant(F000.read_text(), "experiments:", "experiments: [")
    b_text, b_line = _plant(F001.read_text(), "datasets:", "\tdatasets:")
    a, b = tmp_path / "000.yaml", tmp_path / "001.yaml"
    a.write_text(a_text)
    b.write_text(b_text)
    with pytest.raises(ConfigError) as info:
        check_yaml_files([a, b, F004])
    assert len(info.value.problems) == 2, info.value.problems
    assert info.value.problems[0].startswith(f"{a}, line ")
    assert info.value.problems[1].startswith(f"{b}, line {b_line}, column 1: YAML syntax error: ")


# --------------------------------------------------------------------------------------------- all at once
def test_every_problem_is_listed_at_once(cfg: dict) -> None:
    p = experiment_params(cfg, "s001_mlp_moons")
    p["hiden"] = p.pop("hidden")  # a name the schema also lists: must not hide the others
    p["lr"] = -0.1
    experiment_params(cfg, "s000_t1_logreg")["epochs"] = True
    cfg["experiments"]["s004_activations"]["variants"]["tanh"]["activation"] = "tahn"
    figure(cfg, "001", "fig3a_moons_loss")["kind"] = "epoch_curve"
    figure(cfg, "000", "fig1_1_running_cost")["runs"] = [{"experiment": "s000_t1_logregg"}]
    problems = problems_of(cfg)
    expected = [
        (F001, "experiments.s001_mlp_moons: params.hiden: unknown key; did you mean 'hidden'?"),
        (F001, "experiments.s001_mlp_moons: params.lr: must be > 0"),
        (F000, "experiments.s000_t1_logreg: params.epochs: must be an integer, got a boolean True"),
        (F004, "experiments.s004_activations (variant tanh): params.activation: unknown value 'tahn'; did you mean"),
        (F001, "reports.001.figures.fig3a_moons_loss.kind: unknown figure kind 'epoch_curve'; did you mean"),
        (F000, "reports.000.figures.fig1_1_running_cost.runs: experiment 's000_t1_logregg' is not declared"),
    ]
    assert len(problems) == len(expected), "\n".join(problems)
    for file, fragment in expected:
        assert any(p.startswith(f"{file}") and fragment in p for p in problems), (fragment, problems)


# --------------------------------------------------------------------------------------------- schema = registries
def test_schema_name_lists_equal_the_registries() -> None:
    """The schema's closed name lists are kept by hand; they must equal the registries."""
    registry.load_all()
    schema = yaml.safe_load(SCHEMA.read_text())
    experiment = schema["properties"]["experiments"]["additionalProperties"]["properties"]
    figure_kind = schema["properties"]["reports"]["additionalProperties"]["properties"]["figures"][
        "additionalProperties"
    ]["properties"]["kind"]
    assert sorted(experiment["model"]["enum"]) == sorted(registry.RUN_KINDS)
    params = set().union(*(kind.params for kind in registry.RUN_KINDS.values()))
    assert sorted(experiment["params"]["propertyNames"]["enum"]) == sorted(params)
    assert sorted(figure_kind["enum"]) == sorted(registry.FIGURE_KINDS)


# --------------------------------------------------------------------------------------------- snakemake -n
@pytest.mark.slow
def test_snakemake_dry_run_lists_every_problem(tmp_path: Path) -> None:
    copy_workflow(tmp_path)
    seed = tmp_path / "config" / "seeds" / "001.yaml"
    text = seed.read_text()
    block = "      split: moons1000\n      hidden: [20]\n      activation: relu\n"
    assert text.count(block) == 3  # s001_mlp_moons comes first
    text = text.replace(block, block.replace("hidden", "hiden"), 1)
    text = text.replace("      lr: 0.01\n", "      lr: -0.1\n", 2)  # s001_perceptron, then s001_batch_size_updates
    seed.write_text(text)
    cmd = [str(SNAKEMAKE), "-n", "--cores", "1", "--configfile", "config/ci.yaml"]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600, env=os.environ.copy())
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "Job stats" not in out, "the DAG was built despite the errors"
    assert "params.hiden: unknown key; did you mean 'hidden'?" in out, out
    lines = [line for line in out.splitlines() if "config/seeds/001.yaml" in line]
    assert any("experiments.s001_mlp_moons: params.hiden: unknown key; did you mean 'hidden'?" in x for x in lines)
    assert any("experiments.s001_batch_size_updates: params.lr: must be > 0" in x for x in lines), out
    # a bad base parameter is reported once for the experiment, not once per variant
    assert sum("experiments.s001_perceptron: params.lr: must be > 0" in x for x in lines) == 1, out
    assert not any("experiments.s001_perceptron (variant" in x for x in lines), out
