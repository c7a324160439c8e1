"""A report template checked before anything runs: every ``{{...}}`` placeholder parsed with the grammar that fills
it (:mod:`.placeholders`), and everything it names looked up in the configuration, so that a page that could not be
filled stops the dry run instead of failing (and losing the last good page) when its job runs.

Each problem names the template, the line and the placeholder: an unknown placeholder name, a malformed argument, a
``{{`` that starts no placeholder, and a reference to an experiment, variant, metric, table column, history key, run
parameter, part, figure, claim or analysis that does not exist, or to another report's results that the report
does not declare it reads (``reports.<id>.reads``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .claims import metric_problem
from .claims.common import undeclared_read
from .grammar import NAMES, PARTS, PLACEHOLDER, occurrences, parse, parse_ref


@dataclass(frozen=True)
class Known:
    """What the template of report ``report`` may name.

    experiments : experiment -> the report it belongs to; variants : experiment -> variant -> its run parameters
    (experiments left out: their variants and parameters not checked);
    metrics : experiment -> the scalars its runs record (experiments of an unknown run kind left out: not checked);
    history : experiment -> the history keys its runs record (where the run kind declares them); analyses : analysis
    -> its report; figures : the report's figure names; claims : its claim ids (None: not checked, e.g. the claims
    file could not be read); reads : the reports whose results it declares it reads; strict_variants : False for a
    reduced configuration, whose smaller grids drop variants the template names (the page says so).
    """

    report: str
    experiments: Mapping[str, str]
    variants: Mapping[str, Mapping[str, Mapping[str, Any]]]
    metrics: Mapping[str, Collection[str]]
    history: Mapping[str, Collection[str]]
    analyses: Mapping[str, str]
    figures: Collection[str]
    claims: Collection[str] | None
    reads: Collection[str] = ()
    strict_variants: bool = True


def _near(name: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(name, [str(k) for k in known], n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _unknown(what: str, name: str, known: Collection[str], listed: bool = False) -> str:
    text = f"unknown {what} {name!r}{_near(name, known)}"
    return text + (f" (known: {', '.join(sorted(map(str, known)))})" if listed else "")


class _Checker:
    def __init__(self, known: Known) -> None:
        self.k = known
        self.problems: list[str] = []

    def own(self, what: str, name: str, owners: Mapping[str, str]) -> bool:
        """Whether ``name`` (an experiment or analysis) exists and this report may read it; else a problem."""
        if name not in owners:
            self.problems.append(_unknown(what, name, owners))
            return False
        owner = owners[name]
        if owner != self.k.report and owner not in self.k.reads:
            self.problems.append(undeclared_read(what, name, owner, self.k.report))
        return True

    def variant(self, experiment: str, variant: str) -> bool:
        """Whether ``variant`` of ``experiment`` exists here (``selected`` always does; False, and no problem, for
        an experiment whose variants are not known)."""
        variants = self.k.variants.get(experiment)
        if variants is None:
            return False
        if variant == "selected" or variant in variants:
            return True
        if self.k.strict_variants:
            self.problems.append(f"experiment {experiment!r} has no variant {variant!r}{_near(variant, variants)} "
                                 f"(has: {', '.join(variants)})")  # fmt: skip
        return False

    def metric(self, experiment: str, metric: str, scalar_only: bool = False) -> None:
        """A metric of the experiment's summaries: a scalar its runs record, or (unless ``scalar_only``) a dotted
        form of :func:`~scratchnet.report.claims.lookup`."""
        if experiment not in self.k.metrics:
            return
        names = self.k.metrics[experiment]
        if scalar_only and metric not in names:
            self.problems.append(f"{_unknown('metric', metric, names)} (the runs of {experiment} record: "
                                 f"{', '.join(sorted(names))})")  # fmt: skip
            return
        problem = "" if scalar_only else metric_problem(metric, names, self.k.history.get(experiment))
        if problem:
            self.problems.append(f"{problem} (experiment {experiment})")

    def history_key(self, experiment: str, key: str) -> None:
        keys = self.k.history.get(experiment)
        if keys is not None and key not in keys:
            self.problems.append(f"{_unknown('history key', key, keys)} (the runs of {experiment} record per "
                                 f"epoch: {', '.join(sorted(keys))})")  # fmt: skip

    def param(self, experiment: str, variant: str | None, key: str) -> None:
        """A run parameter: of ``variant`` (any variant for ``selected``), or of every variant (None)."""
        variants = self.k.variants.get(experiment, {})  # not known: nothing checked
        if variant is None:
            lacking = [v for v, params in variants.items() if key not in params]
            if lacking:
                self.problems.append(f"{experiment}: no parameter {key!r} in variant(s) {', '.join(lacking)}")
            return
        having = [params for v, params in variants.items() if variant in ("selected", v)]
        if having and not any(key in params for params in having):
            keys = sorted({k for params in having for k in params})
            self.problems.append(f"{experiment}/{variant}: {_unknown('parameter', key, keys)} (has: {', '.join(keys)})")

    def ref(self, ref: str) -> None:
        """A value reference of compare, reach and crossing."""
        form, *fields = parse_ref(ref)
        if form == "claim":
            self.claim(fields[0])
        elif form == "run":
            experiment, variant, metric = fields
            if self.own("experiment", experiment, self.k.experiments) and self.variant(experiment, variant):
                self.metric(experiment, metric)

    def claim(self, cid: str) -> None:
        if self.k.claims is not None and cid not in self.k.claims:
            self.problems.append(f"{_unknown('claim', cid, self.k.claims)} (not in the claims of report "
                                 f"{self.k.report})")  # fmt: skip

    def placeholder(self, name: str, arg: str) -> None:
        if name not in NAMES:
            self.problems.append(_unknown("placeholder", name, NAMES, listed=True))
            return
        try:
            a = parse(name, arg)
            for ref in a.get("refs", []):
                self.ref(ref)
        except ValueError as exc:  # its message starts with the placeholder, which the caller names
            self.problems.append(str(exc).removeprefix(f"{{{{{name}:{arg}}}}}: "))
            return
        if "figure" in a and a["figure"] not in self.k.figures:
            self.problems.append(f"{_unknown('figure', a['figure'], self.k.figures)} (not declared under "
                                 f"reports.{self.k.report}.figures)")  # fmt: skip
        if "claim" in a:
            self.claim(a["claim"])
        if "analysis" in a:
            self.own("analysis", a["analysis"], self.k.analyses)
        if "part" in a and a["part"] not in PARTS:
            self.problems.append(f"unknown part {a['part']!r} (parts: {', '.join(PARTS)})")
        experiment = a.get("experiment")
        if experiment is None or not self.own("experiment", experiment, self.k.experiments):
            return
        variant = a.get("variant")
        if variant is not None and not self.variant(experiment, variant):
            return
        if "metric" in a:
            self.metric(experiment, a["metric"], scalar_only=name in ("order", "crossing"))
        for column in a.get("columns", []):
            self.metric(experiment, column, scalar_only=True)
        if "history_key" in a:
            self.history_key(experiment, a["history_key"])
        if "key" in a:
            self.param(experiment, variant, a["key"])


def check_template(path: str | Path, known: Known) -> list[str]:
    """Every problem of the template at ``path``, each as ``<path>, line <n>: {{placeholder}}: <problem>``."""
    text = Path(path).read_text()
    out: list[tuple[int, str]] = []
    starts = {m.start() for m in PLACEHOLDER.finditer(text)}
    for m in re.finditer(r"\{\{", text):
        if m.start() not in starts:
            line = text.count("\n", 0, m.start()) + 1
            snippet = text[m.start() : m.start() + 40].split("\n")[0]
            out.append((line, f"{path}, line {line}: {snippet!r}: not a placeholder (write {{{{name}}}} or "
                              "{{name:argument}}, the name in lower case)"))  # fmt: skip
    for line, name, arg in occurrences(text):
        checker = _Checker(known)
        checker.placeholder(name, arg)
        shown = f"{{{{{name}{':' + arg if arg else ''}}}}}"
        out += [(line, f"{path}, line {line}: {shown}: {p}") for p in dict.fromkeys(checker.problems)]
    return [message for _, message in sorted(out, key=lambda x: x[0])]
