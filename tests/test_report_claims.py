"""The claims audit on synthetic summaries (no files): value claims, ranking claims and each of their verdicts,
and the checks that run before anything is trained."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scratchnet.report.claims import (
    DIFFERS,
    NOT_RESOLVED,
    NOT_RUN,
    REPRODUCED,
    Results,
    check_claims,
    evaluate_claim,
    load_claims,
    parse_ranking,
)
from scratchnet.stats import bootstrap_ci, median


def summary_of(experiment: str, variants: dict[str, dict[str, list[float]]], selected: str | None = None) -> dict:
    """A summary as the aggregate step writes it, with the per-seed values given."""
    out = {"experiment": experiment, "select_by": "val_acc", "selected": selected, "variants": {}}
    for v, metrics in variants.items():
        n = len(next(iter(metrics.values())))
        out["variants"][v] = {
            "params": {"lr": 0.1},
            "seeds": list(range(n)),
            "metrics": {
                m: {"mean": float(np.mean(x)), "sd": float(np.std(x, ddof=1)) if n > 1 else 0.0, "values": list(x)}
                for m, x in metrics.items()
            },
        }
    return out


def spread(centre: float, width: float, n: int = 15) -> list[float]:
    """n evenly spaced values centred on ``centre``, ``width`` apart end to end."""
    return list(np.linspace(centre - width / 2, centre + width / 2, n))


# a: clearly best, b: clearly second, c: clearly last; t: indistinguishable from a (wide and overlapping)
SWEEP = summary_of(
    "sweep",
    {
        "a": {"test_acc": spread(0.97, 0.004), "val_acc": spread(0.96, 0.004)},
        "b": {"test_acc": spread(0.95, 0.004), "val_acc": spread(0.95, 0.004)},
        "c": {"test_acc": spread(0.90, 0.004), "val_acc": spread(0.90, 0.004)},
        "t": {"test_acc": spread(0.969, 0.05), "val_acc": spread(0.90, 0.004)},
        "one": {"test_acc": [0.99], "val_acc": [0.99]},
    },
    selected="a",
)
OTHER = summary_of("other", {"x": {"test_acc": spread(0.5, 0.01)}, "y": {"test_acc": spread(0.99, 0.004)}}, "y")


@pytest.fixture()
def results() -> Results:
    return Results({"sweep": SWEEP, "other": OTHER}, not_run={"gone": "file mnist.gz missing:\nlooked in ..."})


def rank(ranking: str, statistic: str = "median", experiment: str | None = "sweep", **kw) -> dict:
    ours = {"metric": kw.pop("metric", "test_acc"), **({"experiment": experiment} if experiment else {})}
    return {"id": "r", "claim": "c", "ranking": ranking, "statistic": statistic, "ours": ours, **kw}


def value(cid: str, seed, ours: dict, **kw) -> dict:
    return {"id": cid, "claim": "c", "seed": seed, "ours": ours, **kw}


# --- value claims -------------------------------------------------------------------------------------------------
def test_value_claim_verdicts(results: Results) -> None:
    def audit(seed, variant="a", tolerance=0.01, **kw):
        ours = {"experiment": kw.pop("experiment", "sweep"), "variant": variant, "metric": "test_acc"}
        claim = {"id": "v", "claim": "c", "seed": seed, "tolerance": tolerance, "ours": ours, **kw}
        return evaluate_claim(claim, results)

    ok = audit(0.965)
    assert ok["verdict"] == REPRODUCED and ok["ours_text"] == "0.970 ± 0.001" and ok["seed_text"] == "0.965"
    assert audit(0.9)["verdict"] == DIFFERS
    assert audit(0.99, relation="<", tolerance=0)["verdict"] == REPRODUCED  # ours 0.97 under the bound 0.99
    assert audit(0.99, relation=">", tolerance=0)["verdict"] == DIFFERS
    assert audit(0.99, relation=">", tolerance=0)["seed_text"] == "> 0.990"
    gone = audit(0.9, experiment="gone")
    assert gone["verdict"] == NOT_RUN and "file mnist.gz missing" in gone["note"] and "looked in" not in gone["note"]
    absent = audit(0.9, variant="zz")
    assert absent["verdict"] == NOT_RUN and "'zz'" in absent["note"]
    named = evaluate_claim(value("s", "a", {"experiment": "sweep", "metric": "selected"}), results)
    assert named["verdict"] == REPRODUCED and named["ours_text"] == "a (`a`)"


def test_value_claim_errors_name_the_claim(results: Results) -> None:
    with pytest.raises(KeyError, match="claim 'v'.*nope"):
        evaluate_claim(value("v", 1.0, {"experiment": "sweep", "metric": "nope"}), results)
    with pytest.raises(KeyError, match="histories"):  # no history reader given
        evaluate_claim(value("v", 1.0, {"experiment": "sweep", "variant": "a", "metric": "epoch.1.x"}), results)


# --- ranking claims -----------------------------------------------------------------------------------------------
def test_ranking_reproduced(results: Results) -> None:
    r = evaluate_claim(rank("a > b > c"), results)
    assert r["verdict"] == REPRODUCED, r["note"]
    assert r["seed_text"] == "a > b > c" and r["tolerance_text"] == "median, 95% CI"
    # ours: our order with the statistic and its interval, '>' between separated neighbours
    assert r["ours_text"].startswith("a 0.970 [") and " > b 0.950 [" in r["ours_text"]
    a_values = SWEEP["variants"]["a"]["metrics"]["test_acc"]["values"]
    lo, hi = bootstrap_ci(a_values, median, seed=np.random.default_rng(0))
    assert r["items"]["a"]["low"] == pytest.approx(lo) and r["items"]["a"]["high"] == pytest.approx(hi)


def test_ranking_differs_when_the_order_is_contradicted_with_separated_intervals(results: Results) -> None:
    r = evaluate_claim(rank("b > a > c"), results)
    assert r["verdict"] == DIFFERS
    assert "a > b" in r["note"]  # which pair, in our order
    # the ascending form: the seed says "c lower than b lower than a" -> agrees; reversed -> differs
    assert evaluate_claim(rank("c < b < a"), results)["verdict"] == REPRODUCED
    assert evaluate_claim(rank("a < b"), results)["verdict"] == DIFFERS


def test_ranking_not_resolved_when_adjacent_intervals_overlap(results: Results) -> None:
    r = evaluate_claim(rank("t > a > c"), results)  # t and a overlap; a > c is clear
    assert r["verdict"] == NOT_RESOLVED
    assert "t ≈ a" in r["note"] and "overlapping" in r["note"]
    assert "≈" in r["ours_text"]
    # a contradiction elsewhere outweighs an unresolved pair
    r = evaluate_claim(rank("c > t > a"), results)
    assert r["verdict"] == DIFFERS and "Not resolved" in r["note"]
    # a single run has no interval: never separated
    single = evaluate_claim(rank("one > c"), results)
    assert single["verdict"] == NOT_RESOLVED and "one run of one" in single["note"]
    assert single["ours_text"] == "one 0.990 (1 run, no interval) ≈ c 0.900 [0.899, 0.901]"


def test_ranking_groups_statistics_and_other_experiments(results: Results) -> None:
    # a group: every item above every item of the next group, no order inside the group
    assert evaluate_claim(rank("b, a > c"), results)["verdict"] == REPRODUCED
    assert evaluate_claim(rank("a > c, b"), results)["verdict"] == REPRODUCED
    assert evaluate_claim(rank("c, a > b"), results)["verdict"] == DIFFERS
    # a spread statistic: t has by far the largest IQR
    assert evaluate_claim(rank("a, b < t", statistic="iqr"), results)["verdict"] == REPRODUCED
    assert evaluate_claim(rank("a > c", statistic="iqm"), results)["verdict"] == REPRODUCED
    # items of two experiments, one by its selected variant
    cross = evaluate_claim(rank("other:y > sweep:selected > other:x", experiment=None), results)
    assert cross["verdict"] == REPRODUCED
    assert "sweep:selected (`a`)" in cross["ours_text"]
    # a default experiment plus one item from elsewhere
    assert evaluate_claim(rank("other:y > a"), results)["verdict"] == REPRODUCED


def test_ranking_lists_every_contradicted_pair_of_a_group(results: Results) -> None:
    # both items of the upper group lie below a: each pair is named (a group of several items after a contradiction)
    r = evaluate_claim(rank("c, b > a"), results)
    assert r["verdict"] == DIFFERS
    assert "a > c" in r["note"] and "a > b" in r["note"], r["note"]
    r = evaluate_claim(rank("b, c > a, t"), results)
    assert r["verdict"] == DIFFERS and "a > b" in r["note"] and "a > c" in r["note"], r["note"]


def test_ranking_not_run(results: Results) -> None:
    r = evaluate_claim(rank("a > gone:z", experiment="sweep"), results)
    assert r["verdict"] == NOT_RUN and "file mnist.gz missing" in r["note"] and r["ours_text"] == "–"
    absent = evaluate_claim(rank("a > zz"), results)
    assert absent["verdict"] == NOT_RUN and "sweep:zz" in absent["note"]


def test_ranking_is_deterministic_and_seeded(results: Results) -> None:
    a = evaluate_claim(rank("t > a", bootstrap_seed=1), results)
    assert a == evaluate_claim(rank("t > a", bootstrap_seed=1), results)
    assert a["items"] != evaluate_claim(rank("t > a", bootstrap_seed=2), results)["items"]


def test_the_same_runs_get_the_same_interval_in_every_claim(results: Results) -> None:
    # an item's interval depends on its runs and the seed, not on its place in a ranking or on the other items
    first = evaluate_claim(rank("a > b > c"), results)["items"]["c"]
    last = evaluate_claim(rank("c > t"), results)["items"]["c"]
    assert (first["low"], first["high"]) == (last["low"], last["high"])


def test_parse_ranking() -> None:
    assert parse_ranking("tanh, relu > sigmoid") == ([["tanh", "relu"], ["sigmoid"]], ">")
    assert parse_ranking(" adam<momentum < sgd ") == ([["adam"], ["momentum"], ["sgd"]], "<")
    for bad, msg in [("a > b < c", "one kind"), ("a", "'>' or '<'"), ("a > ", "empty item"), ("a > a", "twice")]:
        with pytest.raises(ValueError, match=msg):
            parse_ranking(bad)


# --- checks before anything runs ----------------------------------------------------------------------------------
def test_check_claims_lists_every_problem() -> None:
    experiments = {"sweep": ["a", "b"], "other": ["x"]}
    claims = [
        value("ok", 0.9, {"experiment": "sweep", "metric": "test_acc"}, tolerance=0.1),
        value("ok", 0.9, {"experiment": "swep", "metric": "test_acc"}),
        value("v", 0.9, {"experiment": "sweep", "variant": "bb", "metric": "m"}, tolerance=-1, relation="<="),
        rank("a > b > q", statistic="mode", id="r1"),
        rank("a > other:x", experiment=None, level=95, tolerance=0.1, id="r2"),
        rank("sweep:a > x", experiment=None, id="r3"),
    ]
    errors = check_claims(claims, "config/claims/9.yaml", experiments)
    text = "\n".join(errors)
    assert all(e.startswith("config/claims/9.yaml: ") for e in errors)
    for expected in [
        "claim id 'ok' appears twice",
        "unknown experiment 'swep' (did you mean 'sweep'?)",
        "experiment 'sweep' has no variant 'bb' (did you mean 'b'?)",
        "claim 'v': relation must be",
        "claim 'v': tolerance must be a number >= 0",
        "claim 'r1': experiment 'sweep' has no variant 'q'",
        "claim 'r1': statistic 'mode'",
        "claim 'r2': level must be a number in (0, 1)",
        "claim 'r2': unknown key 'tolerance'",
        "claim 'r3': item 'x' needs 'EXPERIMENT:VARIANT'",
    ]:
        assert expected in text, (expected, text)
    assert check_claims(claims[:1], "f", experiments) == []
    # a reduced configuration drops variants: then only the experiment must exist
    relaxed = "\n".join(check_claims(claims, "f", experiments, strict_variants=False))
    assert "no variant" not in relaxed and "unknown experiment 'swep'" in relaxed


def test_load_claims_names_file_line_and_column(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text("- {id: a, claim: x, seed: 1\n- {id: b}\n")
    with pytest.raises(ValueError, match=r"c\.yaml:2:\d+: (did not find )?expected ','"):
        load_claims(f)
    f.write_text("id: a\n")
    with pytest.raises(ValueError, match="a mapping with .claims:. and .not_claimed:. lists"):
        load_claims(f)
    with pytest.raises(FileNotFoundError, match="nope.yaml"):
        load_claims(tmp_path / "nope.yaml")


def test_seed_and_ours_values_as_written() -> None:
    from scratchnet.report.fmt import as_written, fmt

    # layer sizes and digit pairs keep their dashes; lists of points read as points, -0.0 as 0
    assert (as_written([500, 250]), fmt([3, 5])) == ("500-250", "3-5")
    assert as_written([[1, 0], [0, 1]]) == "(1, 0), (0, 1)"
    assert fmt([[0.0, 1.0], [1.0, -0.0], [2.0, 0.5]]) == "(0, 1), (1, 0), (2, 0.5)"
