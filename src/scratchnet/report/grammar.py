"""The grammar of a page template's placeholders, one for filling a page (:mod:`.placeholders`) and for checking
every template at dry run (:mod:`.template_check`): the placeholder pattern, the names and the methods that fill them
(:data:`NAMES`), and :func:`parse` / :func:`parse_ref`, which read a placeholder's argument into its fields."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..stats import STATISTICS

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)(?::([^}]*))?\s*\}\}")
# placeholder name -> the method of :class:`Placeholders` that fills it
NAMES: dict[str, str] = {
    "table": "table",
    "figure": "figure",
    "classification_report": "classification_report",
    "setup": "setup",
    "value": "value",
    "param": "param",
    "values": "values",
    "n_variants": "n_variants",
    "compare": "compare",
    "order": "order",
    "reach": "reach",
    "crossing": "crossing",
    "claim": "claim",
    "claims": "claims_table",
    "claims_summary": "claims_summary",
    "our_choices": "our_choices",
    "not_run": "not_run",
    "analysis_table": "analysis_table",
    "analysis": "analysis_value",
}
TABLE_COLUMNS = ["train_acc", "val_acc", "test_acc"]  # {{table:EXPERIMENT}}
CLAIM_FIELDS = ("verdict", "ours", "seed", "note")
PARTS = ("train", "val", "test")


def name_arg(m: re.Match) -> tuple[str, str]:
    """A placeholder's name and its argument (the text after the first colon; a placeholder may wrap lines)."""
    return m.group(1), re.sub(r"\s+", " ", m.group(2) or "").strip()


def occurrences(text: str) -> Iterator[tuple[int, str, str]]:
    """``(line, name, argument)`` of every placeholder of a template, in order (line numbers from 1)."""
    for m in PLACEHOLDER.finditer(text):
        yield (text.count("\n", 0, m.start()) + 1, *name_arg(m))


def _split(name: str, arg: str, form: str, defaults: tuple[str, ...] = ()) -> list[str]:
    """``arg`` split at ':' into the fields of ``form`` (``"EXPERIMENT:VARIANT:KEY"``, optional fields in brackets:
    ``"EXPERIMENT[:VARIANT]"``; the last field keeps any further ':'); up to ``len(defaults)`` trailing fields may be
    left out and take their defaults (the last ones of ``defaults``). Anything else is a ValueError naming the
    placeholder and its form."""
    n = form.count(":") + 1
    parts = arg.split(":", n - 1)
    missing = n - len(parts)
    if missing > len(defaults) or not parts[0]:
        raise ValueError(f"{{{{{name}:{arg}}}}}: write {{{{{name}:{form}}}}}")
    return parts + list(defaults[len(defaults) - missing :])


def fields(parsed: dict[str, Any], *keys: str) -> tuple[Any, ...]:
    """The values of ``keys`` in a :func:`parse` result, in that order."""
    return tuple(parsed[k] for k in keys)


def parse_ref(ref: str) -> tuple[Any, ...]:
    """A value reference of ``compare``, ``reach`` and ``crossing``: ``("claim", ID)`` for ``seed:ID``,
    ``("number", x)``, or ``("run", EXPERIMENT, VARIANT, METRIC)``."""
    ref = ref.strip()
    if ref.startswith("seed:"):
        return ("claim", ref[len("seed:") :])
    try:
        return ("number", float(ref))
    except ValueError:
        pass
    parts = ref.split(":", 2)
    if len(parts) != 3:
        raise ValueError(f"value reference {ref!r}: write EXPERIMENT:VARIANT:METRIC, seed:CLAIM_ID or a number")
    return ("run", *parts)


def parse(name: str, arg: str) -> dict[str, Any]:
    """The fields of placeholder ``{{name:arg}}``: ``experiment``, ``variant``, ``metric``, ``columns``, ``key`` (a
    run parameter), ``history_key``, ``part``, ``figure``, ``claim``, ``field``, ``analysis``, ``path``, ``refs``
    (value references), ``tolerance``, ``words``, ``statistic`` (those it has). A malformed argument is a ValueError
    naming the placeholder and its form; an unknown name a KeyError."""
    if name not in NAMES:
        raise KeyError(f"unknown placeholder {{{{{name}}}}}")
    if name in ("claims", "claims_summary", "our_choices", "not_run"):
        return {}
    if name in ("setup", "n_variants"):
        return {"experiment": _split(name, arg, "EXPERIMENT")[0]}
    if name == "figure":
        return {"figure": _split(name, arg, "NAME")[0]}
    if name == "table":
        experiment, cols = _split(name, arg, "EXPERIMENT[:col1,col2]", ("",))
        return {"experiment": experiment, "columns": [c for c in cols.split(",") if c] or list(TABLE_COLUMNS)}
    if name == "classification_report":
        experiment, variant, part = _split(name, arg, "EXPERIMENT[:VARIANT[:PART]]", ("selected", "test"))
        return {"experiment": experiment, "variant": variant, "part": part}
    if name == "value":
        experiment, variant, metric = _split(name, arg, "EXPERIMENT[:VARIANT[:METRIC]]", ("selected", "test_acc"))
        return {"experiment": experiment, "variant": variant, "metric": metric}
    if name == "param":
        if arg.count(":") != 2:
            raise ValueError(f"{{{{param:{arg}}}}}: write {{{{param:EXPERIMENT:VARIANT:KEY}}}}")
        experiment, variant, key = _split(name, arg, "EXPERIMENT:VARIANT:KEY")
        return {"experiment": experiment, "variant": variant, "key": key}
    if name == "values":
        experiment, _, key = arg.partition(":")
        if not experiment or not key or ":" in key:
            raise ValueError(f"{{{{values:{arg}}}}}: write {{{{values:EXPERIMENT:KEY}}}}")
        return {"experiment": experiment, "key": key}
    if name == "order":
        if arg.count(":") > 2:
            raise ValueError(f"{{{{order:{arg}}}}}: write {{{{order:EXPERIMENT:METRIC[:STATISTIC]}}}}")
        experiment, metric, statistic = _split(name, arg, "EXPERIMENT:METRIC[:STATISTIC]", ("mean",))
        if statistic not in STATISTICS:
            raise ValueError(f"{{{{order:{arg}}}}}: statistic must be one of {sorted(STATISTICS)}")
        return {"experiment": experiment, "metric": metric, "statistic": statistic}
    if name == "compare":
        parts = arg.split("|")
        if len(parts) < 2 or len(parts) > 4:
            raise ValueError(f"{{{{compare:{arg}}}}}: write {{{{compare:REF|REF[|TOL[|HIGHER,LOWER,EQUAL]]}}}}")
        given = parts[2].strip() if len(parts) > 2 else ""
        try:
            tolerance = float(given) if given else None
        except ValueError:
            raise ValueError(f"{{{{compare:{arg}}}}}: the tolerance {given!r} is not a number") from None
        words = [w.strip() for w in parts[3].split(",")] if len(parts) > 3 else []
        if words and len(words) != 3:
            raise ValueError(f"{{{{compare:{arg}}}}}: give three words (higher, lower, equal), got {words}")
        return {"refs": parts[:2], "tolerance": tolerance, "words": words}
    if name in ("reach", "crossing"):
        form = "EXPERIMENT:VARIANT:KEY" if name == "reach" else "EXPERIMENT:METRIC"
        where, _, target_ref = arg.partition("|")
        parts = where.split(":")
        if len(parts) != form.count(":") + 1 or not target_ref or not parts[0]:
            raise ValueError(f"{{{{{name}:{arg}}}}}: write {{{{{name}:{form}|REF}}}}")
        if name == "reach":
            return {"experiment": parts[0], "variant": parts[1], "history_key": parts[2], "refs": [target_ref]}
        return {"experiment": parts[0], "metric": parts[1], "refs": [target_ref]}
    if name == "claim":
        cid, _, fld = arg.partition(":")
        fld = fld.strip() or "verdict"
        if fld not in CLAIM_FIELDS:
            raise ValueError(f"{{{{claim:{arg}}}}}: field must be verdict, ours, seed or note, not {fld!r}")
        return {"claim": cid.strip(), "field": fld}
    if name == "analysis_table":
        return {"analysis": _split(name, arg, "NAME[:KEY[:col1,col2]]", ("", ""))[0]}
    # analysis
    analysis, path = _split(name, arg, "NAME:dotted.path")
    if not path:
        raise ValueError(f"{{{{analysis:{arg}}}}}: write {{{{analysis:NAME:dotted.path}}}}")
    return {"analysis": analysis, "path": path}
