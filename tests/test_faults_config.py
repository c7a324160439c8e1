"""Bad configurations named at dry run (issue 19, cases 4, 5, 6, 7 (templates), 9 and 13): for each case the error,
the file and key it names, and that nothing was lost.

Fast tests call the package functions (:mod:`scratchnet.pipeline.config_files`, :func:`validate_config`,
:mod:`scratchnet.report.template_check`, :class:`Dag`, :mod:`scratchnet.pipeline.reasons`); the slow ones run the real
``snakemake`` on one scratch copy of the workflow, planting one fault at a time, and check that the run stops before
any job with the message, that files already built are untouched, and that valid runs print what they should.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from conftest import copy_workflow

from scratchnet.pipeline import registry
from scratchnet.pipeline.config_files import (
    MAX_NODES,
    ConfigError,
    check_config_files,
    load_config_files,
    load_yaml,
)
from scratchnet.pipeline.dag import Dag
from scratchnet.pipeline.reasons import MAX_FILES, SHOWN, shorten, shorten_job_reasons
from scratchnet.pipeline.run_steps import CLASSIFIER_HISTORY, history_names
from scratchnet.pipeline.validate import validate_config
from scratchnet.report import TEMPLATES
from scratchnet.report.placeholders import Placeholders, parse
from scratchnet.report.template_check import Known, check_template

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
SEEDS = ROOT / "config" / "seeds"
DECLARING = [ROOT / "config" / "config.yaml", *sorted(SEEDS.glob("*.yaml"))]
OVERLAYS = sorted((ROOT / "config" / "reduced").glob("*.yaml"))
F001 = SEEDS / "001.yaml"
SNAKEMAKE = Path(sys.executable).with_name("snakemake")


def only(exc: pytest.ExceptionInfo) -> str:
    """The one problem of a ConfigError (the others were not blamed)."""
    assert len(exc.value.problems) == 1, "\n".join(exc.value.problems)
    return exc.value.problems[0]


def write(path: Path, data) -> Path:
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


# ============================================================================ case 4: a name declared in two files
@pytest.mark.parametrize(
    ("content", "first", "unit"),
    [
        ({"datasets": {"moons1000": {"source": "synthetic"}}}, "seeds/001.yaml", "datasets.moons1000"),
        ({"splits": {"moons1000": {"dataset": "moons1000", "seed": 1}}}, "seeds/001.yaml", "splits.moons1000"),
        ({"experiments": {"s001_mlp_moons": {"report": "001"}}}, "seeds/001.yaml", "experiments.s001_mlp_moons"),
        ({"analyses": {"s002_ae_tsne": {"report": "002", "kind": "tsne"}}}, "seeds/002_autoencoders.yaml",
         "analyses.s002_ae_tsne"),
        ({"reports": {"001": {"figures": {"fig3a_moons_loss": {"kind": "scatter"}}}}}, "seeds/001.yaml",
         "reports.001.figures.fig3a_moons_loss"),
        ({"reports": {"001": {"title": "Another title"}}}, "seeds/001.yaml", "reports.001.title"),
        ({"seeds": [0]}, "config.yaml", "seeds"),
    ],
    ids=["dataset", "split", "experiment", "analysis", "figure", "report key", "top-level key"],
)  # fmt: skip
def test_a_name_declared_in_two_seed_files_names_both(tmp_path: Path, content: dict, first: str, unit: str) -> None:
    extra = write(tmp_path / "009.yaml", content)
    with pytest.raises(ConfigError) as exc:
        check_config_files([*DECLARING, extra], OVERLAYS)
    msg = only(exc)
    assert msg.startswith(f"{ROOT / 'config' / first} + {extra}: {unit}: declared in 2 files; declare it in one"), msg


def test_a_report_spans_files_with_different_figures_and_overlays_update_what_seeds_declare() -> None:
    contents = check_config_files(DECLARING, OVERLAYS)  # 002.yaml and 002_autoencoders.yaml both hold report 002
    assert list(contents) == [str(f) for f in [*DECLARING, *OVERLAYS]]
    autoencoders = contents[str(SEEDS / "002_autoencoders.yaml")]["reports"]["002"]["figures"]
    assert autoencoders and not set(autoencoders) & set(contents[str(SEEDS / "002.yaml")]["reports"]["002"]["figures"])


def test_a_problem_of_a_report_spanning_files_names_the_file_of_the_figure(merged_config) -> None:
    config = copy.deepcopy(merged_config())
    config["reports"]["002"]["figures"]["s002_ae_fig12_tsne"]["runs"] = "s002_ae_tsne"  # schema: not a list
    config["reports"]["002"]["figures"]["fig6_activation"]["xlabl"] = "activation"  # the figure kind's check
    config["reports"]["002"]["title"] = 2
    with pytest.raises(ConfigError) as exc:
        validate_config(config, SCHEMA, DECLARING, TEMPLATES)
    assert exc.value.problems == [
        f"{SEEDS / '002_autoencoders.yaml'}: reports.002.figures.s002_ae_fig12_tsne.runs: 's002_ae_tsne' is not of "
        "type 'array'",
        f"{SEEDS / '002.yaml'}: reports.002.title: 2 is not of type 'string'",
    ]
    config["reports"]["002"]["figures"]["s002_ae_fig12_tsne"]["runs"] = [{"analysis": "s002_ae_tsne"}]
    config["reports"]["002"]["title"] = "Seed 002"
    with pytest.raises(ConfigError) as exc:
        validate_config(config, SCHEMA, DECLARING, TEMPLATES)
    assert only(exc).startswith(f"{SEEDS / '002.yaml'}: reports.002.figures.fig6_activation: xlabl: unknown key; ")


@pytest.mark.parametrize(
    ("content", "name", "hint"),
    [
        ({"experiments": {"s004_activatons": {"params": {"epochs": 1}}}}, "experiments.s004_activatons",
         "; did you mean 's004_activations'?"),
        ({"datasets": {"s004_mnst": {"subset": {"train": 10}}}}, "datasets.s004_mnst", "; did you mean 's004_mnist'?"),
        ({"reports": {"004": {"figures": {"no_such_figure": {"dpi": 50}}}}}, "reports.004.figures.no_such_figure",
         ""),
        ({"reports": {"044": {"title": "x"}}}, "reports.044", "; did you mean '004'?"),
    ],
    ids=["experiment", "dataset", "figure", "report"],
)  # fmt: skip
def test_an_overlay_naming_what_no_seed_declares_names_the_overlay(tmp_path: Path, content, name, hint) -> None:
    overlay = write(tmp_path / "009.yaml", content)
    with pytest.raises(ConfigError) as exc:
        check_config_files(DECLARING, [*OVERLAYS, overlay])
    msg = only(exc)
    assert msg.startswith(f"{overlay}: {name}: not declared in any file of "), msg
    assert msg.endswith(f"{hint} (an overlay only updates what they declare)"), msg


def test_two_overlays_updating_one_name_name_both(tmp_path: Path) -> None:
    overlay = write(tmp_path / "009.yaml", {"experiments": {"s004_package": {"params": {"epochs": 1}}}})
    with pytest.raises(ConfigError) as exc:
        check_config_files(DECLARING, [*OVERLAYS, overlay])
    assert only(exc).startswith(f"{OVERLAYS[-1]} + {overlay}: experiments.s004_package: updated in 2 files")


# ============================================================================ case 9: malformed files
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty (no YAML content, or only comments); a configuration file is a mapping of sections"),
        ("# a seed report, to be written\n\n# nothing yet\n", "empty (no YAML content, or only comments)"),
        ("- datasets\n- experiments\n", "must be a mapping of sections (datasets, splits, experiments, analyses, "
                                        "reports, ...), got a list"),
        ("experiments:\n  - s009_mlp\n  - s009_logreg\n", "experiments: must be a mapping of names to their "
                                                          "settings, got a list"),
        ("analyses:\n", "analyses: must be a mapping of names to their settings, got nothing (null)"),
        ("reports:\n  '009': [title]\n", "reports.009: must be a mapping of the report's settings, got a list"),
        ("reports:\n  '009':\n    figures: [fig1]\n", "reports.009.figures: must be a mapping of figure names to "
                                                      "their settings, got a list"),
    ],
    ids=["empty", "comments only", "a list", "section a list", "section null", "report a list", "figures a list"],
)  # fmt: skip
def test_a_malformed_seed_file_is_named_and_no_other_file_is_blamed(tmp_path: Path, text: str, problem: str) -> None:
    bad = write(tmp_path / "009.yaml", text)
    with pytest.raises(ConfigError) as exc:
        check_config_files([*DECLARING, bad], OVERLAYS)
    assert only(exc).startswith(f"{bad}: {problem}")


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """A seed file whose experiment description nests ``levels`` aliases of ``width`` copies each ("billion
    laughs": ``width ** levels`` strings once expanded)."""
    lines = ["experiments:", "  s009_bomb:", "    report: '009'", "    description:",
             f"      - &a0 [{', '.join(['lol'] * width)}]"]  # fmt: skip
    lines += [f"      - &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


# the line of the bomb's first alias that expands to too many values: &a<i> on line 5 + i holds about 9 ** (i + 1)
BOMB_LINE = 5 + next(i for i in range(9) if 9 ** (i + 1) > MAX_NODES)


def test_an_alias_bomb_fails_at_once_naming_the_file_and_line(tmp_path: Path) -> None:
    bomb = write(tmp_path / "009.yaml", alias_bomb())
    with pytest.raises(ConfigError) as exc:  # 9 ** 9 = 387 million strings: expanded, this took 70 s and 5.7 GB
        check_config_files([*DECLARING, bomb])
    msg = only(exc)
    assert msg == (f"{bomb}, line {BOMB_LINE}: YAML aliases expand to more than {MAX_NODES:,} values here (an alias "
                   "bomb?); write the values out instead of nesting aliases")  # fmt: skip


def test_aliases_that_expand_within_the_bound_are_fine(tmp_path: Path) -> None:
    text = alias_bomb(levels=3, width=3) + "  s009_other: {base: &b {lr: 0.1}, copy: *b}\n"
    small = write(tmp_path / "small.yaml", text)
    data = load_yaml(small)
    assert len(data["experiments"]["s009_bomb"]["description"][2]) == 3
    assert data["experiments"]["s009_other"]["copy"] == {"lr": 0.1}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("experiments:\n  s009_a: {report: '009'}\n  s009_a: {report: '010'}\n",
         "line 3: key 's009_a' given twice in one mapping (first on line 2); YAML would keep only the last"),
        ("experiments: &e\n  s009_a: {report: '009', more: *e}\n", "line 1: YAML alias refers to itself"),
    ],
    ids=["duplicate key", "recursive alias"],
)  # fmt: skip
def test_a_key_given_twice_and_a_recursive_alias_are_named(tmp_path: Path, text: str, problem: str) -> None:
    bad = write(tmp_path / "009.yaml", text)
    with pytest.raises(ConfigError) as exc:
        check_config_files([bad])
    assert only(exc) == f"{bad}, {problem}"


def test_every_bad_file_is_listed_at_once(tmp_path: Path) -> None:
    empty, bomb = write(tmp_path / "008.yaml", "# empty\n"), write(tmp_path / "009.yaml", alias_bomb())
    overlay = write(tmp_path / "r009.yaml", {"experiments": {"s009_nothing": {}}})
    with pytest.raises(ConfigError) as exc:
        check_config_files([*DECLARING, empty, bomb], [overlay])
    assert [p.split(":")[0].split(",")[0] for p in exc.value.problems] == [str(empty), str(bomb), str(overlay)]


# ============================================================================ case 13a: the merge, as configfile: did
def directive_merge(files: list[Path], overlays: list[Path], command_line: dict) -> dict:
    """What Snakemake's ``configfile:`` directives made of the files (Workflow.configfile: load the file, update
    config with it, then with the command line's values), the overlays when the result says reduced."""
    from snakemake.common.configfile import load_configfile
    from snakemake.utils import update_config

    config = copy.deepcopy(command_line)
    for f in files:
        update_config(config, load_configfile(str(f)))
        update_config(config, command_line)
    if config.get("reduced"):
        for f in overlays:
            update_config(config, load_configfile(str(f)))
            update_config(config, command_line)
    return config


@pytest.mark.parametrize(
    "command_line",
    [
        {},
        yaml.safe_load((ROOT / "config" / "ci.yaml").read_text()),
        {**yaml.safe_load((ROOT / "config" / "ci.yaml").read_text()), "tag": "cli",
         "experiments": {"s004_package": {"params": {"epochs": 7}}}},
    ],
    ids=["full", "ci.yaml", "ci.yaml and --config"],
)  # fmt: skip
def test_the_merge_is_the_directives_and_the_command_line_wins(command_line: dict) -> None:
    config = copy.deepcopy(command_line)  # Snakemake's config starts as the command line's values
    merged = load_config_files(config, DECLARING, OVERLAYS, command_line)
    expected = directive_merge(DECLARING, OVERLAYS, command_line)
    assert json.dumps(config) == json.dumps(expected)  # the same values, in the same order
    assert merged == [str(f) for f in DECLARING + (OVERLAYS if command_line.get("reduced") else [])]
    for key, value in command_line.items():
        if not isinstance(value, dict):
            assert config[key] == value
    if "experiments" in command_line:
        assert config["experiments"]["s004_package"]["params"]["epochs"] == 7
        assert config["experiments"]["s004_package"]["params"]["split"] == "s004_mnist"  # merged, not replaced


def test_replace_workflow_config_keeps_the_command_line_only() -> None:
    command_line = {"tag": "only"}
    config = copy.deepcopy(command_line)
    merged = load_config_files(config, DECLARING, OVERLAYS, command_line, replace=True)
    assert config == command_line and merged == [str(f) for f in DECLARING]


# ============================================================================ case 5: series and columns
@pytest.fixture()
def cfg(merged_config) -> dict:
    return copy.deepcopy(merged_config())


def problems_of(config: dict) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        validate_config(config, SCHEMA, DECLARING, TEMPLATES)
    return exc.value.problems


def test_every_run_kind_declares_its_history_and_training_records_only_those_keys() -> None:
    import numpy as np

    from scratchnet.models import build_model
    from scratchnet.train import TrainConfig

    registry.load_all()
    assert all(kind.history for kind in registry.RUN_KINDS.values()), [
        name for name, kind in registry.RUN_KINDS.items() if not kind.history
    ]
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)), np.arange(40) % 2
    model = build_model("mlp_classifier", layer_sizes=[2, 3, 1], seed=0)
    config = TrainConfig(epochs=2, batch_size=8, eval_train=True, eval_initial=True, seed=0)
    model.fit(X, y, validation_data=(X, y), config=config)
    recorded = {k for record in model.history_.epochs for k in record}
    assert recorded == set(CLASSIFIER_HISTORY)
    assert history_names(CLASSIFIER_HISTORY, {"monitor": "test"}) == {k.replace("val_", "test_") for k in recorded}


def test_a_figure_series_no_run_records_is_named_with_the_known_keys(cfg: dict) -> None:
    cfg["reports"]["001"]["figures"]["fig3a_moons_loss"]["series"] = ["train_loss", "val_loss"]  # 001 monitors test
    (msg,) = problems_of(cfg)
    assert msg.startswith(f"{F001}: reports.001.figures.fig3a_moons_loss.series: 'val_loss' is not recorded by the "
                          "runs of s001_mlp_moons; did you mean 'train_loss'? (run kind mlp_classifier records per "
                          "epoch: epoch, loss, test_acc, test_loss, train_acc, train_loss, updates)")  # fmt: skip


def test_a_panel_of_an_analysis_figure_is_checked_against_the_runs_the_analysis_reads(cfg: dict) -> None:
    cfg["reports"]["002"]["figures"]["fig5_mnist_curves"]["panels"] = [["train_loss", "val_loss"], ["val_accuracy"]]
    (msg,) = problems_of(cfg)
    assert msg.startswith(f"{SEEDS / '002.yaml'}: reports.002.figures.fig5_mnist_curves.panels: 'val_accuracy' is "
                          "not recorded by the runs of s002_mnist; did you mean 'val_acc'?")  # fmt: skip


# ============================================================================ case 7 (first half): templates
def known(**changes) -> Known:
    base = dict(
        report="001",
        experiments={"s001_mlp": "001", "s001_grid": "001", "s000_lr": "000"},
        variants={"s001_mlp": {"default": {"hidden": [20], "lr": 0.01}},
                  "s001_grid": {"lr0.1": {"lr": 0.1}, "lr1": {"lr": 1.0}}, "s000_lr": {"default": {"lr": 0.1}}},
        metrics={"s001_mlp": {"test_acc", "train_acc", "final_train_loss"}, "s001_grid": {"test_acc"},
                 "s000_lr": {"test_acc"}},
        history={"s001_mlp": {"epoch", "loss", "train_loss", "test_loss"}},
        analyses={"a001": "001", "a000": "000"},
        figures={"fig1"},
        claims={"c1", "c2"},
    )  # fmt: skip
    return Known(**{**base, **changes})


def problems_in(tmp_path: Path, text: str, **changes) -> list[str]:
    template = write(tmp_path / "001.md", text)
    return check_template(template, known(**changes))


GOOD = """# Page
{{table:s001_mlp:train_acc,test_acc}} {{figure:fig1}} {{claim:c1:ours}} {{claims}} {{claims_summary}} {{not_run}}
{{value:s001_mlp:default:epoch.3.train_loss}} {{param:s001_mlp:selected:hidden}} {{values:s001_grid:lr}}
{{compare:s001_mlp:default:test_acc|seed:c2|0.01}} {{reach:s001_mlp:default:test_loss|0.5}} {{n_variants:s001_grid}}
{{order:s001_grid:test_acc:median}} {{crossing:s001_grid:test_acc|0.9}} {{analysis_table:a001}} {{setup:s001_mlp}}
{{analysis:a001:table.0.x}} {{classification_report:s001_mlp:default:test}}
"""


def test_a_template_naming_only_what_exists_is_clean(tmp_path: Path) -> None:
    assert problems_in(tmp_path, GOOD) == []


@pytest.mark.parametrize(
    ("placeholder", "problem"),
    [
        ("{{tabel:s001_mlp}}", "unknown placeholder 'tabel'; did you mean 'table'? (known: analysis, "),
        ("{{table:s001_mpl}}", "unknown experiment 's001_mpl'; did you mean 's001_mlp'?"),
        ("{{table:s001_mlp:train_acc,tset_acc}}", "unknown metric 'tset_acc'; did you mean 'test_acc'? (the runs of "
                                                  "s001_mlp record: final_train_loss, test_acc, train_acc)"),
        ("{{value:s001_mlp:defualt:test_acc}}", "experiment 's001_mlp' has no variant 'defualt'; did you mean "
                                                "'default'? (has: default)"),
        ("{{value:s001_mlp:default:epoch.2.val_loss}}", "metric 'epoch.2.val_loss': unknown history key 'val_loss'"),
        ("{{reach:s001_mlp:default:val_loss|0.5}}", "unknown history key 'val_loss'; did you mean 'train_loss'? (the "
                                                    "runs of s001_mlp record per epoch: epoch, loss, test_loss, "
                                                    "train_loss)"),
        ("{{param:s001_mlp:default:hiden}}", "s001_mlp/default: unknown parameter 'hiden'; did you mean 'hidden'?"),
        ("{{values:s001_grid:hidden}}", "s001_grid: no parameter 'hidden' in variant(s) lr0.1, lr1"),
        ("{{classification_report:s001_mlp:default:tset}}", "unknown part 'tset' (parts: train, val, test)"),
        ("{{figure:fig2}}", "unknown figure 'fig2'; did you mean 'fig1'? (not declared under reports.001.figures)"),
        ("{{claim:c3}}", "unknown claim 'c3' (not in the claims of report 001)"),
        ("{{claim:c1:verdcit}}", "field must be verdict, ours, seed or note, not 'verdcit'"),
        ("{{compare:s001_mlp:default:test_acc|seed:c9}}", "unknown claim 'c9'"),
        ("{{compare:s001_mlp:test_acc|0.9}}", "value reference 's001_mlp:test_acc': write EXPERIMENT:VARIANT:METRIC, "
                                              "seed:CLAIM_ID or a number"),
        ("{{compare:0.9|0.8|a bit}}", "the tolerance 'a bit' is not a number"),
        ("{{order:s001_grid:test_acc:meen}}", "statistic must be one of ['iqm', 'iqr', 'mean', 'median', 'sd']"),
        ("{{param:s001_mlp:lr}}", "write {{param:EXPERIMENT:VARIANT:KEY}}"),
        ("{{analysis_table:a002}}", "unknown analysis 'a002'; did you mean 'a001'?"),
        ("{{value:s000_lr:default:test_acc}}", "experiment 's000_lr' belongs to report 000; a page reads another "
                                               "report's results only when it declares so (add '000' to "
                                               "reports.001.reads: its results then become inputs of page 001)"),
        ("{{analysis:a000:x}}", "analysis 'a000' belongs to report 000; a page reads another report's results only"),
    ],
)  # fmt: skip
def test_a_bad_placeholder_is_named_with_template_line_and_problem(tmp_path: Path, placeholder: str, problem) -> None:
    problems = problems_in(tmp_path, GOOD + "\nMore prose,\n" + placeholder + " and more.\n")
    assert len(problems) == 1, problems
    line = GOOD.count("\n") + 3
    assert problems[0].startswith(f"{tmp_path / '001.md'}, line {line}: {placeholder}: {problem}"), problems[0]


def test_text_that_looks_like_a_placeholder_but_is_none_is_named(tmp_path: Path) -> None:
    assert problems_in(tmp_path, "a\n{{ Table s001_mlp }}\n") == [
        f"{tmp_path / '001.md'}, line 2: '{{{{ Table s001_mlp }}}}': not a placeholder (write {{{{name}}}} or "
        "{{name:argument}}, the name in lower case)"
    ]


def test_a_wrapped_placeholder_is_named_at_its_first_line_and_reads_are_allowed(tmp_path: Path) -> None:
    text = "x\n{{compare:s000_lr:default:tset_acc|\n   s001_mlp:default:test_acc}} y {{table:s000_lr:test_acc}}\n"
    where = f"{tmp_path / '001.md'}, line 2: {{{{compare:s000_lr:default:tset_acc| s001_mlp:default:test_acc}}}}"
    assert problems_in(tmp_path, text, reads=("000",)) == [
        f"{where}: unknown metric 'tset_acc' (did you mean 'test_acc'?); the runs record: test_acc (experiment s000_lr)"
    ]
    undeclared = problems_in(tmp_path, text)
    assert len(undeclared) == 3 and sum("belongs to report 000; " in p for p in undeclared) == 2, undeclared


def test_a_reduced_configuration_may_lack_a_variant_the_template_names(tmp_path: Path) -> None:
    text = "{{value:s001_grid:lr10:test_acc}}\n"
    assert problems_in(tmp_path, text, strict_variants=False) == []
    assert len(problems_in(tmp_path, text)) == 1


def test_the_page_fills_with_the_grammar_the_check_uses() -> None:
    """A malformed placeholder fails the page job with the message the dry run gives (one grammar)."""
    page = Placeholders.__new__(Placeholders)  # the argument is parsed before anything is read
    for name, arg in (("param", "s001_mlp:lr"), ("compare", "0.9|0.8|a bit"), ("order", "s:m:meen")):
        with pytest.raises(ValueError) as exc:
            getattr(page, name)(arg)
        with pytest.raises(ValueError) as parsed:
            parse(name, arg)
        assert str(exc.value) == str(parsed.value)


def test_a_shipped_template_with_an_unknown_placeholder_stops_validation(cfg: dict, tmp_path: Path) -> None:
    template = TEMPLATES / "004.md"
    copy_ = write(tmp_path / "004.md", template.read_text().replace("{{claims}}", "{{claims_tabel}}", 1))
    line = copy_.read_text().split("{{claims_tabel}}")[0].count("\n") + 1
    cfg["reports"]["004"]["template"] = str(copy_)
    (msg,) = problems_of(cfg)
    assert msg.startswith(f"{copy_}, line {line}: {{{{claims_tabel}}}}: unknown placeholder 'claims_tabel'; did you "
                          "mean 'claims'? (known: analysis, analysis_table, claim, claims, ")  # fmt: skip


# ============================================================================ case 6: reading another report
def claim_reading_000(cfg: dict, tmp_path: Path) -> Path:
    doc = yaml.safe_load((ROOT / "config" / "claims" / "001.yaml").read_text())
    claims = doc["claims"] if isinstance(doc, dict) else doc  # a mapping (claims:, not_claimed:) or a bare list
    claims.append({"id": "cross", "claim": "seed 000's logistic regression, seen from 001", "seed": 0.9,
                   "tolerance": 0.1, "ours": {"experiment": "s000_t1_logreg", "variant": "default",
                                              "metric": "test_acc"}})  # fmt: skip
    path = write(tmp_path / "001.yaml", yaml.safe_dump(doc, sort_keys=False))
    cfg["reports"]["001"]["claims"] = str(path)
    return path


def test_a_claim_reading_another_reports_experiment_must_be_declared(cfg: dict, tmp_path: Path) -> None:
    path = claim_reading_000(cfg, tmp_path)
    (msg,) = problems_of(cfg)
    assert msg == (f"{path}: claim 'cross': experiment 's000_t1_logreg' belongs to report 000; a page reads another "
                   "report's results only when it declares so (add '000' to reports.001.reads: its results then "
                   "become inputs of page 001)")  # fmt: skip
    cfg["reports"]["001"]["reads"] = ["000"]
    validate_config(cfg, SCHEMA, DECLARING, TEMPLATES)


def test_reads_must_name_declared_reports(cfg: dict) -> None:
    cfg["reports"]["001"]["reads"] = ["00"]
    (msg,) = problems_of(cfg)
    assert msg.startswith(f"{F001}: reports.001.reads: '00' is not declared under reports; did you mean ")


def test_no_shipped_claim_or_template_reads_another_report(merged_config) -> None:
    for reduced in (False, True):
        config = merged_config(reduced)
        assert not any(r.get("reads") for r in config["reports"].values())
        validate_config(config, SCHEMA, DECLARING, TEMPLATES)  # would name any undeclared read


def test_what_a_page_reads_becomes_its_input(merged_config, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = copy.deepcopy(merged_config())
    config["data"] = {"mirror": str(tmp_path), "allow_download": False, "emnist_zip_cache": str(tmp_path / "no.zip")}
    before = Dag(copy.deepcopy(config))
    config["reports"]["001"]["reads"] = ["000"]
    after = Dag(config)
    old, new = before.report_inputs("001"), after.report_inputs("001")
    runnable = [e for e in after.report_experiments("000") if not after.missing(e)]
    assert runnable and "s000_t1_logreg" in runnable
    assert set(new["summaries"]) == set(old["summaries"]) | {f"results/tables/{e}.json" for e in runnable}
    assert "results/runs/s000_t1_logreg/default/seed0/history.json" in new["histories"]
    assert new["benchmarks"] == old["benchmarks"]  # the page's provenance sums its own report's jobs
    assert set(after.not_run("001")) == {e for e in after.report_experiments("000") if after.missing(e)}
    assert "s000_t1_logreg" in after.page_experiments("001") and before.page_experiments("001") == [
        e for e in before.experiments if e.startswith("s001_")
    ]


# ============================================================================ case 13b: a reason that fits a screen
def test_a_long_file_list_becomes_a_count_and_the_first_paths() -> None:
    files = [f"results/tables/t{i:03d}.json" for i in range(200)][::-1]
    reason = "Missing output files: reports/004.md, reports/004.html; Input files updated by another job: "
    reason += ", ".join(files)
    short = shorten(reason)
    assert short == ("Missing output files: reports/004.md, reports/004.html; Input files updated by another job "
                     f"(200 files): {', '.join(sorted(files)[:SHOWN])}, ... and {200 - SHOWN} more")  # fmt: skip
    assert shorten(f"Finished (was: {reason})") == f"Finished (was: {short})"
    few = "Updated input files: " + ", ".join(files[:MAX_FILES]) + "; Params have changed since last execution: {'a'}"
    assert shorten(few) == few


def test_the_patch_shortens_snakemakes_reason_once() -> None:
    from snakemake.jobs import Reason

    assert shorten_job_reasons() and shorten_job_reasons()
    reason = Reason()
    reason._updated_input_run = {f"results/runs/r{i}/history.json" for i in range(50)}
    assert str(reason).startswith("Input files updated by another job (50 files): results/runs/r0/history.json, ")
    assert str(reason).endswith(", ... and 47 more")


# ============================================================================ real snakemake runs
BUILT = {"reports/reduced/000.html": "<html>the last good page</html>\n",
         "results/reduced/tables/s001_mlp_moons.csv": "variant,seeds\ndefault,1\n"}  # fmt: skip


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """One scratch copy of the workflow, with two files standing for outputs of an earlier run."""
    wd = tmp_path_factory.mktemp("faults_config")
    copy_workflow(wd)
    for path, text in BUILT.items():
        (wd / path).parent.mkdir(parents=True, exist_ok=True)
        (wd / path).write_text(text)
    return wd


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [str(SNAKEMAKE), *args, "--cores", "1", "--configfile", "config/ci.yaml"]
    return subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=600, env=os.environ.copy())


@contextmanager
def planted(workdir: Path, changes: dict[str, str | None]):
    """Files of the copy written (or, for None, removed) for the duration; restored after."""
    saved = {p: (workdir / p).read_text() if (workdir / p).exists() else None for p in changes}
    try:
        for p, text in changes.items():
            if text is None:
                (workdir / p).unlink()
            else:
                (workdir / p).parent.mkdir(parents=True, exist_ok=True)
                (workdir / p).write_text(text)
        yield
    finally:
        for p, text in saved.items():
            if text is None:
                (workdir / p).unlink(missing_ok=True)
            else:
                (workdir / p).write_text(text)


def stopped(workdir: Path, changes: dict[str, str | None], *args: str) -> str:
    """Run snakemake (not a dry run) with the files planted: it must stop before any job and lose nothing."""
    with planted(workdir, changes):
        proc = snakemake(workdir, *args)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert "Job stats" not in out and "rule " not in out, out[-3000:]
    for path, text in BUILT.items():
        assert (workdir / path).read_text() == text, f"{path} changed"
    return out


def report_job(out: str, report: str) -> str:
    """The lines of the dry-run listing of page ``report``'s job."""
    jobs = re.findall(r"^rule report:\n((?:[ \t]+.*\n)+)", out, re.M)
    return next(j for j in jobs if re.search(rf"^\s+wildcards: report={report}$", j, re.M))


def edited(workdir: Path, path: str, old: str, new: str) -> dict[str, str]:
    text = (workdir / path).read_text()
    assert old in text, (path, old)
    return {path: text.replace(old, new, 1)}


@pytest.mark.slow
def test_faults_stop_the_run_before_any_job_naming_the_file(workdir: Path) -> None:
    seed_001 = "config/seeds/001.yaml"
    cases = {
        "duplicate": ({"config/seeds/009.yaml": "experiments:\n  s001_mlp_moons: {report: '001'}\n"},
                      "config/seeds/001.yaml + config/seeds/009.yaml: experiments.s001_mlp_moons: declared in 2 files"),
        "empty": ({"config/seeds/009.yaml": "# to do\n"}, "config/seeds/009.yaml: empty (no YAML content"),
        "list": ({"config/seeds/009.yaml": "experiments:\n  - s009_a\n"},
                 "config/seeds/009.yaml: experiments: must be a mapping of names to their settings, got a list"),
        "bomb": ({"config/seeds/009.yaml": alias_bomb()}, f"config/seeds/009.yaml, line {BOMB_LINE}: YAML aliases"),
        "overlay": ({"config/reduced/009.yaml": "experiments:\n  s001_mlp_mons: {params: {epochs: 1}}\n"},
                    "config/reduced/009.yaml: experiments.s001_mlp_mons: not declared in any file of config/, "
                    "config/seeds/; did you mean 's001_mlp_moons'?"),
        "series": (edited(workdir, seed_001, "series: [train_loss, test_loss]", "series: [train_loss, val_loss]"),
                   "config/seeds/001.yaml: reports.001.figures.fig3a_moons_loss.series: 'val_loss' is not recorded"),
    }  # fmt: skip
    assert "series: [train_loss, test_loss]" in (workdir / seed_001).read_text()
    for name, (changes, message) in cases.items():
        out = stopped(workdir, changes)
        assert message in out, (name, out[-3000:])
        assert sum("problem" in line and "in the configuration" in line for line in out.splitlines()) == 1, name


@pytest.mark.slow
def test_a_template_placeholder_is_checked_at_dry_run(workdir: Path) -> None:
    template = (TEMPLATES / "000.md").read_text()
    line = template.split("{{claims}}")[0].count("\n") + 1
    changes = {"config/templates/000.md": template.replace("{{claims}}", "{{claims_tabel}}", 1),
               **edited(workdir, "config/seeds/000.yaml", 'template: "000.md"', "template: config/templates/000.md")}
    out = stopped(workdir, changes)  # a real run: the last good page 000 stays
    assert f"config/templates/000.md, line {line}: {{{{claims_tabel}}}}: unknown placeholder 'claims_tabel'" in out


@pytest.mark.slow
def test_a_declared_read_makes_the_other_reports_results_inputs_of_the_page(workdir: Path) -> None:
    cross = (
        "- {id: cross, claim: \"000's logistic regression\", seed: 0.9, tolerance: 0.1, tolerance_reason: a test, "
        "ours: {experiment: s000_t1_logreg, variant: default, metric: test_acc}}\n"
    )
    claims = (workdir / "config/claims/001.yaml").read_text().replace("claims:\n", "claims:\n" + cross, 1)
    out = stopped(workdir, {"config/claims/001.yaml": claims})
    assert "config/claims/001.yaml: claim 'cross': experiment 's000_t1_logreg' belongs to report 000" in out
    template = '    template: "001.md"\n'
    reads = edited(workdir, "config/seeds/001.yaml", template, template + '    reads: ["000"]\n')
    with planted(workdir, {"config/claims/001.yaml": claims, **reads}):
        proc = snakemake(workdir, "reports/reduced/001.html", "-n")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    inputs = re.search(r"^\s+input: (.*)$", report_job(proc.stdout, "001"), re.M).group(1).split(", ")
    assert "results/reduced/tables/s000_t1_logreg.json" in inputs
    assert "rule aggregate:" in proc.stdout and "results/reduced/tables/s000_t1_logreg.json" in proc.stdout


@pytest.mark.slow
def test_a_valid_run_prints_no_extended_lines_and_short_reasons_and_the_command_line_wins(workdir: Path) -> None:
    proc = snakemake(workdir, "-n", "--config", "tag=cli")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "is extended by additional config" not in out
    header = out.split("Building DAG of jobs")[0]
    assert "Config file(s): [PosixPath(" in header and "'config/seeds/000.yaml'" in header
    assert "'config/reduced/004.yaml'" in header  # ci.yaml's reduced: true still merged the overlays
    outputs = re.findall(r"^\s+output: (.*)$", out, re.M)
    assert outputs and all(f.startswith(("results/cli/", "reports/cli/")) for line in outputs for f in line.split(", "))
    reasons = re.findall(r"^\s+reason: (.*)$", out, re.M)
    for reason in reasons:
        for part in reason.split("; "):
            assert part.count(", ") < MAX_FILES, part[:300]
    page = report_job(out, "001")  # its synthetic data needs no mirror
    inputs = re.search(r"^\s+input: (.*)$", page, re.M).group(1).split(", ")
    made = [f for f in inputs if f.startswith(("results/", "benchmarks/"))]  # not the template and claims file
    assert len(made) > MAX_FILES and f"Input files updated by another job ({len(made)} files): " in page, page
