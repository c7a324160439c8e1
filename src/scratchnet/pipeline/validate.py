"""Configuration checks at DAG build, before any job runs.

Each file is checked on its own before the merge (:mod:`.config_files`: YAML syntax, shape, names declared twice).
:func:`validate_config` checks the merged configuration against the JSON schema (every violation, not the first) and
then every resolved run (after grid / variant expansion), analysis, figure, claim and report template against the
registries' parameter specs and against each other (splits, experiments, variants, analyses, figures and claims that
must exist; metrics and history keys the runs record; results of another report only where a report declares it
reads them). All problems are raised at once in one :class:`ConfigError`, each naming the config file (or claims
file, or template and line), the item (experiment and variant, figure, claim, placeholder) and the key.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

from ..data.synthetic import GENERATORS
from . import paths, registry
from .aggregate import scalar_names
from .config_files import SECTIONS, ConfigError, declarations, load_yaml
from .params import check
from .spec import expand_variants


def origins(files: Iterable[str | Path]) -> dict[tuple[str, ...], list[str]]:
    """What the files declare or change -> those files, in load order: ``(section, name)`` for every item and, more
    precisely, each of :func:`~.config_files.declarations` (``("reports", id, "figures", name)``, ...)."""
    out: dict[tuple[str, ...], list[str]] = {}
    for f in map(str, files):
        units, _ = declarations(load_yaml(f), f)
        for unit in units:
            for key in dict.fromkeys((unit[:2], unit)):
                out.setdefault(key, [])
                out[key] += [f] if f not in out[key] else []
    return out


# Schema enums that copy a registry's names (run kind, run parameter names, figure kind): they document the names for
# readers and editors, but the registry checks report the same mistakes better (with a "did you mean") and together
# with every other problem, so the schema's version of these errors is not reported (nor does it stop the checks).
_REGISTRY_ENUMS = {
    ("properties", "experiments", "additionalProperties", "properties", "model", "enum"),
    ("properties", "experiments", "additionalProperties", "properties", "params", "propertyNames", "enum"),
    ("properties", "reports", "additionalProperties", "properties", "figures", "additionalProperties", "properties",
     "kind", "enum"),
}  # fmt: skip


def _schema_problems(config: Mapping[str, Any], schema_path: str | Path) -> list[tuple[tuple[str, ...] | None, str]]:
    import jsonschema

    schema = load_yaml(Path(schema_path))
    validator = jsonschema.Draft202012Validator(schema)
    out = []
    for err in sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path]):
        if tuple(err.schema_path) in _REGISTRY_ENUMS:
            continue
        path = [str(p) for p in err.absolute_path]
        item = tuple(path) if len(path) >= 2 and path[0] in SECTIONS else None
        message = err.message
        if err.validator == "additionalProperties" and "were unexpected" in message:
            message = message.replace("Additional properties are not allowed", "unknown key")
        out.append((item, f"{'.'.join(path) or '(top level)'}: {message}"))
    return out


class _Problems:
    def __init__(self, origin: Mapping[tuple[str, ...], list[str]]) -> None:
        self.origin = origin
        self.items: list[str] = []

    def add(self, item: tuple[str, ...] | None, message: str) -> None:
        """``message`` after the files that declare ``item``, or the longest part of it they declare (a report's
        figure: the files of that figure, else of the report)."""
        known = [item[:n] for n in range(len(item or ()), 0, -1) if item[:n] in self.origin] if item else []
        files = self.origin[known[0]] if known else []
        where = " + ".join(files) if files else "configuration"
        self.items.append(f"{where}: {message}")


def _ref_problems(ref: Any, config: Mapping[str, Any], variants: Mapping[str, dict], allow: tuple[str, ...]) -> str:
    """Why a run/analysis/split reference is invalid ('' when it is fine)."""
    if not isinstance(ref, dict):
        return f"reference must be a mapping, got {ref!r}"
    kinds = [k for k in ("experiment", "analysis", "split") if k in ref]
    if len(kinds) != 1 or kinds[0] not in allow:
        return f"reference {ref} must name exactly one of {', '.join(allow)}"
    key = kinds[0]
    section = {"experiment": "experiments", "analysis": "analyses", "split": "splits"}[key]
    name = ref[key]
    if name not in (config.get(section) or {}):
        near = difflib.get_close_matches(str(name), [str(n) for n in config.get(section) or {}], n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        return f"{key} {name!r} is not declared under {section}{hint}"
    extra = set(ref) - {key, "variant", "seed", "label"}
    if extra:
        return f"reference {ref}: unknown key(s) {sorted(extra)}"
    if key == "experiment":
        exp = config["experiments"][name]
        variant = ref.get("variant", "selected")
        if variant not in ("selected", "all") and variant not in variants.get(name, {}):
            return f"experiment {name!r} has no variant {variant!r} (has: {', '.join(variants.get(name, {}))})"
        seeds = exp.get("seeds", config.get("seeds", [0]))
        seed = ref.get("seed", seeds[0] if seeds else 0)
        if seed != "all" and seed not in seeds:
            return f"experiment {name!r} has no seed {seed!r} (seeds: {seeds})"
    return ""


def validate_config(
    config: Mapping[str, Any],
    schema_path: str | Path,
    files: Iterable[str | Path],
    templates_dir: str | Path | None = None,
) -> None:
    """Raise :class:`ConfigError` listing every problem of the merged ``config`` (``files``: the files it was merged
    from, in load order, to name the file of each problem)."""
    origin = origins(files)
    problems = _Problems(origin)
    for item, message in _schema_problems(config, schema_path):
        problems.add(item, message)
    if problems.items:  # the semantic checks below assume the schema's shapes
        raise ConfigError(problems.items)

    datasets, splits = config.get("datasets", {}), config.get("splits", {})
    reports = config.get("reports", {})
    for name, d in datasets.items():
        if d["source"] == "synthetic" and d.get("generator") not in GENERATORS:
            problems.add(("datasets", name), f"datasets.{name}.generator: unknown generator {d.get('generator')!r} "
                         f"(known: {', '.join(sorted(GENERATORS))})")  # fmt: skip
    for name, s in splits.items():
        if s["dataset"] not in datasets:
            problems.add(("splits", name), f"splits.{name}.dataset: {s['dataset']!r} is not declared under datasets")
        method = s.get("method", "stratified")
        if method == "stratified" and abs(sum((s.get("fractions") or {}).values()) - 1) > 1e-9:
            problems.add(("splits", name), f"splits.{name}.fractions: must sum to 1, got {s.get('fractions')}")
        if method == "holdout" and "n_val" not in s:
            problems.add(("splits", name), f"splits.{name}: method holdout needs n_val")

    variants: dict[str, dict[str, dict]] = {}
    flawed: set[str] = set()  # experiments with a problem of their own: references to their parameters not checked
    for name, e in config.get("experiments", {}).items():
        item = ("experiments", name)
        where = f"experiments.{name}"
        if e["report"] not in reports:
            problems.add(item, f"{where}.report: {e['report']!r} is not declared under reports")
        try:
            variants[name] = expand_variants(e, where)
        except ValueError as exc:
            problems.add(item, str(exc))
            continue
        try:  # after the variants, so that references to them are still checked
            kind = registry.get_run_kind(e["model"])
        except ValueError as exc:
            problems.add(item, f"{where}.model: {exc}")
            flawed.add(name)
            continue
        names = scalar_names(kind.scalars)
        select_by = e.get("select_by", "val_acc")
        if select_by not in names:
            near = difflib.get_close_matches(str(select_by), sorted(names), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            problems.add(item, f"{where}.select_by: unknown metric {select_by!r}{hint} "
                         f"(runs of kind {e['model']} record: {', '.join(sorted(names))})")  # fmt: skip
        per_variant: dict[str, list[str]] = {}
        for variant, overrides in variants[name].items():
            params = {**e.get("params", {}), **overrides}
            errs = check(params, kind.params, kind.required) + (kind.validate(params) if kind.validate else [])
            split = params.get("split")
            if isinstance(split, str) and split not in splits:
                errs.append(f"split: {split!r} is not declared under splits")
            per_variant[variant] = errs
            flawed.update([name] if errs else [])
        # a problem every variant has (a bad base parameter) is reported once, for the experiment
        common = set.intersection(*(set(v) for v in per_variant.values())) if len(per_variant) > 1 else set()
        for err in dict.fromkeys(err for errs in per_variant.values() for err in errs if err in common):
            problems.add(item, f"{where}: params.{err}")
        for variant, errs in per_variant.items():
            label = f"{where} (variant {variant})" if len(per_variant) > 1 else where
            for err in errs:
                if err not in common:
                    problems.add(item, f"{label}: params.{err}")

    for name, a in (config.get("analyses") or {}).items():
        item = ("analyses", name)
        where = f"analyses.{name}"
        if a["report"] not in reports:
            problems.add(item, f"{where}.report: {a['report']!r} is not declared under reports")
        try:
            kind = registry.get_analysis_kind(a["kind"])
        except ValueError as exc:
            problems.add(item, f"{where}.kind: {exc}")
            continue
        for err in check(a.get("params", {}), kind.params, kind.required):
            problems.add(item, f"{where}: params.{err}")
        if kind.validate:
            for err in kind.validate(a.get("params", {})):
                problems.add(item, f"{where}: params.{err}")
        inputs = a.get("inputs") or {}
        for role in sorted(set(kind.roles) - set(inputs)):
            problems.add(item, f"{where}.inputs: role {role!r} missing (kind {a['kind']} needs {list(kind.roles)})")
        for role, refs in inputs.items():
            if role not in kind.roles:
                problems.add(item, f"{where}.inputs.{role}: unknown role (kind {a['kind']} takes {list(kind.roles)})")
            for ref in refs if isinstance(refs, list) else [refs]:  # one reference, or a list of them
                err = _ref_problems(ref, config, variants, ("experiment",))
                if err:
                    problems.add(item, f"{where}.inputs.{role}: {err}")
                elif ref.get("variant", "selected") == "selected":
                    problems.add(item, f"{where}.inputs.{role}: name a variant or 'all' (analyses take no 'selected')")

    metrics, history = _metric_names(config), _history_names(config, variants)
    for rid, r in reports.items():
        _report_problems(rid, r, config, variants, metrics, history, templates_dir, problems, flawed)
    if problems.items:
        raise ConfigError(problems.items)


def _report_problems(
    rid: str,
    r: Mapping[str, Any],
    config: Mapping[str, Any],
    variants: Mapping[str, dict],
    metrics: Mapping[str, set[str]],
    history: Mapping[str, set[str]],
    templates_dir: str | Path | None,
    problems: _Problems,
    flawed: Collection[str] = (),
) -> None:
    """The problems of ``reports.<rid>``: the reports it reads, its seed text, figures, claims and template (whose
    references to the parameters and history of ``flawed`` experiments are not checked: their problem is reported)."""
    from ..report.template_check import Known, check_template
    from .figures import COMMON

    item = ("reports", rid)
    reports = config.get("reports", {})
    for other in r.get("reads", []):
        if other not in reports:
            near = difflib.get_close_matches(str(other), [str(k) for k in reports], n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            problems.add((*item, "reads"), f"reports.{rid}.reads: {other!r} is not declared under reports{hint}")
    text = paths.seed_text(r, config)
    if text is not None and "/" in str(r["seed_file"]) and not text.is_file():
        problems.add(item, f"reports.{rid}.seed_file: {text} does not exist")
    for fname, f in (r.get("figures") or {}).items():
        where = f"reports.{rid}.figures.{fname}"
        figure = (*item, "figures", fname)
        try:
            kind = registry.get_figure_kind(f["kind"])
        except ValueError as exc:
            problems.add(figure, f"{where}.kind: {exc}")
            continue
        for err in check(f, {**COMMON, **kind.params}, kind.required):
            problems.add(figure, f"{where}: {err}")
        errs = [err for err in (_ref_problems(ref, config, variants, ("experiment", "analysis", "split"))
                                for ref in f["runs"]) if err]  # fmt: skip
        for err in errs:
            problems.add(figure, f"{where}.runs: {err}")
        if not errs:
            for err in _series_problems(f, kind.history, config, history):
                problems.add(figure, f"{where}.{err}")
    claim_ids = _claims_problems(rid, r["claims"], config, variants, problems) if r.get("claims") else set()
    template = paths.report_template(r, templates_dir or paths.TEMPLATES)
    if not template.is_file():
        if templates_dir is not None:
            problems.add(item, f"reports.{rid}.template: {template} does not exist")
        return
    experiments = config.get("experiments", {})
    known = Known(
        report=rid,
        experiments={name: e["report"] for name, e in experiments.items()},
        variants={name: {v: {**experiments[name].get("params", {}), **o} for v, o in vs.items()}
                  for name, vs in variants.items() if name not in flawed},  # fmt: skip
        metrics=metrics,
        history={name: keys for name, keys in history.items() if name not in flawed},
        analyses={name: a["report"] for name, a in (config.get("analyses") or {}).items()},
        figures=set(r.get("figures") or {}),
        claims=claim_ids,
        reads=set(r.get("reads", [])),
        strict_variants=not config.get("reduced"),
    )
    problems.items += check_template(template, known)


def _flat(value: Any) -> list[str]:
    """The strings of an option holding a name, a list of names, or a list of lists of names."""
    if isinstance(value, str):
        return [value]
    return [s for v in value for s in _flat(v)] if isinstance(value, list) else []


def _series_problems(
    f: Mapping[str, Any], options: Iterable[str], config: Mapping[str, Any], history: Mapping[str, set[str]]
) -> list[str]:
    """The history keys named by a figure's ``options`` that the runs it draws do not record: the runs of the
    experiments it references, and of the experiments the analyses it references read."""
    named = {opt: _flat(f[opt]) for opt in options if opt in f}
    if not named:
        return []
    experiments: list[str] = []
    for ref in f["runs"]:
        if "experiment" in ref:
            experiments.append(ref["experiment"])
        elif "analysis" in ref:
            roles = (config["analyses"][ref["analysis"]].get("inputs") or {}).values()
            experiments += [r["experiment"] for refs in roles for r in (refs if isinstance(refs, list) else [refs])
                            if isinstance(r, dict) and "experiment" in r]  # fmt: skip
    out = []
    for experiment in dict.fromkeys(e for e in experiments if e in history):
        model = config["experiments"][experiment]["model"]
        known = history[experiment]
        for opt, keys in named.items():
            for key in keys:
                if key not in known:
                    near = difflib.get_close_matches(key, sorted(known), n=1)
                    hint = f"; did you mean {near[0]!r}?" if near else ""
                    out.append(f"{opt}: {key!r} is not recorded by the runs of {experiment}{hint} (run kind {model} "
                               f"records per epoch: {', '.join(sorted(known))})")  # fmt: skip
    return out


def _claims_problems(
    rid: str, path: str, config: Mapping[str, Any], variants: Mapping[str, dict], problems: _Problems
) -> set[str] | None:
    """Add the problems of report ``rid``'s claims file at ``path``; return its claim ids (None: not readable)."""
    from ..report.claims import check_claims, load_claims_file
    from ..report.coverage import check_not_claimed, seed_lines

    if not Path(path).is_file():
        problems.add(("reports", rid), f"reports.{rid}.claims: {path} does not exist")
        return None
    try:
        claims, not_claimed = load_claims_file(path)
    except ValueError as exc:
        problems.items.append(str(exc))
        return None
    text = paths.seed_text(config["reports"][rid], config)
    lines = seed_lines(text) if text is not None and text.is_file() else None  # checked where the text is here
    experiments, analyses = config.get("experiments", {}), config.get("analyses") or {}
    owners = {"experiment": {n: e["report"] for n, e in experiments.items()},
              "analysis": {n: a["report"] for n, a in analyses.items()}}  # fmt: skip
    # a reduced configuration may drop variants the claims name: those claims are reported "not run"
    problems.items += check_claims(
        claims, path, {e: list(v) for e, v in variants.items()}, strict_variants=not config.get("reduced"),
        analyses=set(analyses), metrics=_metric_names(config), history=_history_names(config, variants), page=rid,
        reads=set(config["reports"][rid].get("reads", [])), owners=owners, seed_lines=lines,
    )  # fmt: skip
    if lines is not None:
        problems.items += check_not_claimed(not_claimed, path, len(lines))
    return {str(c.get("id")) for c in claims}


def _metric_names(config: Mapping[str, Any]) -> dict[str, set[str]]:
    """Experiment -> the scalars its runs record (the defaults and its run kind's own); unknown kinds left out."""
    out = {}
    for name, e in config.get("experiments", {}).items():
        if e.get("model") in registry.KIND_MODULES["run"]:
            out[name] = scalar_names(registry.get_run_kind(e["model"]).scalars)
    return out


def _history_names(config: Mapping[str, Any], variants: Mapping[str, dict]) -> dict[str, set[str]]:
    """Experiment -> the keys its runs record per epoch (over its variants, ``val_*`` named for the monitored part);
    experiments whose run kind is unknown or declares no history left out."""
    from .run_steps import history_names

    out = {}
    for name, e in config.get("experiments", {}).items():
        if e.get("model") in registry.KIND_MODULES["run"] and name in variants:
            declared = registry.get_run_kind(e["model"]).history
            if declared is not None:
                params = e.get("params", {})
                out[name] = set().union(*(history_names(declared, {**params, **o}) for o in variants[name].values()))
    return out
