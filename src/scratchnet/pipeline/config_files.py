"""The configuration files, read and checked one by one before anything is merged, then merged into Snakemake's
``config`` (the Snakefile calls :func:`load_config_files` instead of ``configfile:`` directives).

The *declaring* files (``config/config.yaml``, then ``config/seeds/*.yaml``) each declare names: datasets, splits,
experiments, analyses, reports. The *overlays* (``config/reduced/*.yaml``, merged when the configuration says
``reduced: true``) update what the declaring files declare. Every problem of every file is listed at once, each
naming its file:

- a YAML syntax error (line and column); a key given twice in one mapping; aliases that expand to more than
  :data:`MAX_NODES` values (an "alias bomb", which would otherwise take minutes and gigabytes to fail) or that refer
  to themselves;
- a file that is empty (or only comments) or is not a mapping; a section (``datasets``, ``splits``, ``experiments``,
  ``analyses``, ``reports``, a report's ``figures``) that is not a mapping of names;
- a name declared in two declaring files: a dataset, split, experiment, analysis, a report's figure or another key of
  a report (``reports.<id>.title``, ...), or any other top-level key. Both files are named. A report may span files
  (seed 002's ``002.yaml`` and ``002_autoencoders.yaml``) when each declares different keys and figures;
- an overlay naming a dataset, split, experiment, analysis, report or figure that no declaring file declares.

The merge is the one ``configfile:`` makes (dictionaries merge key by key, other values are replaced, and the command
line's ``--configfile`` / ``--config`` values win), without the line "Config file ... is extended by additional
config specified via the command line" that Snakemake prints for every file when a ``--configfile`` is given.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

# libyaml's safe loader where PyYAML was built with it: the DAG build reads every config and claims file (tens of
# thousands of lines), about 10x faster than the pure-Python loader.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Values (scalars, lists, mappings) one file may expand to through its aliases. The largest shipped file has about
# 1,200; nine aliases of nine nested nine deep (the classic "billion laughs") would give 387 million.
MAX_NODES = 100_000
SECTIONS = ("datasets", "splits", "experiments", "analyses", "reports")


class ConfigError(ValueError):
    """Every problem of a configuration, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        n = len(problems)
        super().__init__(f"{n} problem{'s' * (n != 1)} in the configuration:\n  - " + "\n  - ".join(problems))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_nodes(root: yaml.Node, path: Path) -> None:
    """Raise :class:`ConfigError` for a key given twice in one mapping, an alias that refers to itself, or more than
    :data:`MAX_NODES` values once aliases are expanded. Each node is visited once (an alias is the same node object
    as its anchor), so this takes time linear in the file, whatever the aliases would expand to."""
    sizes: dict[int, int] = {}  # node -> values it expands to
    open_nodes: set[int] = set()  # nodes whose children are being visited (the path from the root)
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in _children(node))
            if sizes[key] > MAX_NODES:
                raise ConfigError([f"{path}, line {node.start_mark.line + 1}: YAML aliases expand to more than "
                                   f"{MAX_NODES:,} values here (an alias bomb?); write the values out instead of "
                                   "nesting aliases"])  # fmt: skip
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise ConfigError([f"{path}, line {node.start_mark.line + 1}: YAML alias refers to itself"])
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for k, _ in node.value:
                if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                    line = k.start_mark.line + 1
                    if k.value in seen:
                        raise ConfigError([f"{path}, line {line}: key {k.value!r} given twice in one mapping (first on "
                                           f"line {seen[k.value]}); YAML would keep only the last"])  # fmt: skip
                    seen[k.value] = line
        open_nodes.add(key)
        stack.append((node, True))
        stack += [(c, False) for c in _children(node) if id(c) not in sizes]


def load_yaml(path: str | Path) -> Any:
    """The content of a YAML file (None when it is empty or only comments), parsed once with the safe loader and
    checked by :func:`_check_nodes` before it is built. A problem raises :class:`ConfigError` naming the file (and
    line and column)."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror}"]) from None
    loader = SAFE_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(node, path)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        raise ConfigError([f"{where}: YAML syntax error: {problem}" + (f" ({context})" if context else "")]) from None
    finally:
        loader.dispose()


def check_yaml_files(files: Iterable[str | Path]) -> None:
    """Parse every file; a syntax error names file, line and column (all files are checked, all errors listed)."""
    problems = []
    for f in files:
        try:
            load_yaml(f)
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)


def _a(value: Any) -> str:
    """'a list', 'a string', 'nothing (null)': what a value is, for a message."""
    if value is None:
        return "nothing (null)"
    name = {list: "list", str: "string", bool: "boolean", int: "number", float: "number"}.get(type(value))
    return f"a {name}" if name else f"a {type(value).__name__}"


def declarations(data: Any, where: str) -> tuple[list[tuple[str, ...]], list[str]]:
    """What a configuration file's content ``data`` declares, and the problems of its shape (messages naming
    ``where``). A declaration is a dotted path: ``(section, name)`` for datasets, splits, experiments and analyses,
    ``("reports", id, key)`` for a report's keys but its figures, ``("reports", id, "figures", name)`` for each figure,
    and ``(key,)`` for any other top-level key."""
    if data is None:
        return [], [f"{where}: empty (no YAML content, or only comments); a configuration file is a mapping of "
                    f"sections ({', '.join(SECTIONS)}, ...)"]  # fmt: skip
    if not isinstance(data, dict):
        return [], [f"{where}: must be a mapping of sections ({', '.join(SECTIONS)}, ...), got {_a(data)}"]
    out: list[tuple[str, ...]] = []
    problems: list[str] = []
    for section, items in data.items():
        section = str(section)
        if section not in SECTIONS:
            out.append((section,))
        elif not isinstance(items, dict):
            problems.append(f"{where}: {section}: must be a mapping of names to their settings, got {_a(items)}")
        elif section != "reports":
            out += [(section, str(name)) for name in items]
        else:
            for rid, report in items.items():
                if not isinstance(report, dict):
                    problems.append(f"{where}: reports.{rid}: must be a mapping of the report's settings, got "
                                    f"{_a(report)}")  # fmt: skip
                    continue
                for key, value in report.items():
                    if key != "figures":
                        out.append(("reports", str(rid), str(key)))
                    elif not isinstance(value, dict):
                        problems.append(f"{where}: reports.{rid}.figures: must be a mapping of figure names to their "
                                        f"settings, got {_a(value)}")  # fmt: skip
                    else:
                        out += [("reports", str(rid), "figures", str(name)) for name in value]
    return out, problems


def _named(unit: tuple[str, ...]) -> tuple[str, ...]:
    """The name an overlay must find declared: the item of a section, a report, or a report's figure."""
    if unit[0] == "reports" and len(unit) == 3:
        return unit[:2]
    return unit


def check_config_files(declaring: Sequence[str | Path], overlays: Sequence[str | Path] = ()) -> dict[str, Any]:
    """Read and check every file (see the module docstring); return ``{file: content}`` in the given order, or
    raise :class:`ConfigError` listing every problem, each naming its file (both files for a name declared twice)."""
    contents: dict[str, Any] = {}
    problems: list[str] = []
    units: dict[str, dict[tuple[str, ...], list[str]]] = {"declaring": {}, "overlay": {}}
    overlay_files = set(map(str, overlays))
    for f in map(str, [*declaring, *overlays]):
        try:
            contents[f] = load_yaml(f)
        except ConfigError as exc:
            problems += exc.problems
            continue
        declared, shape = declarations(contents[f], f)
        problems += shape
        role = "overlay" if f in overlay_files else "declaring"
        for u in declared:
            if role == "declaring" or u[0] in SECTIONS:  # an overlay may also change top-level settings
                files = units[role].setdefault(u if role == "declaring" else _named(u), [])
                files += [f] if f not in files else []
    for role, verb in (("declaring", "declared"), ("overlay", "updated")):
        for unit, files in units[role].items():
            if len(files) > 1:
                problems.append(f"{' + '.join(files)}: {'.'.join(unit)}: {verb} in {len(files)} files; {verb[:-1]} it "
                                "in one (the later file's values would silently replace the earlier's)")  # fmt: skip
    known = {_named(u) for u in units["declaring"]}
    places = ", ".join(dict.fromkeys(f"{Path(f).parent}/" for f in map(str, declaring)))
    for name, files in units["overlay"].items():
        if name not in known:
            siblings = [k[-1] for k in known if len(k) == len(name) and k[:-1] == name[:-1]]
            near = difflib.get_close_matches(name[-1], siblings, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            for f in files:
                problems.append(f"{f}: {'.'.join(name)}: not declared in any file of {places}{hint} (an overlay "
                                "only updates what they declare)")  # fmt: skip
    if problems:
        raise ConfigError(problems)
    return contents


def load_config_files(
    config: dict[str, Any],
    declaring: Sequence[str | Path],
    overlays: Sequence[str | Path],
    command_line: Mapping[str, Any],
    replace: bool = False,
    switch: str = "reduced",
) -> list[str]:
    """Check every file (:func:`check_config_files`), then merge the declaring files into ``config`` in order and,
    when the result says ``switch: true``, the overlays; ``command_line`` (Snakemake's values of ``--configfile`` and
    ``--config``) is merged after every file, so that it wins. ``config`` is changed in place (it is Snakemake's
    global ``config``, which starts as the command line's values). With ``replace`` (``--replace-workflow-config``)
    the files are checked but not merged. Returns the files merged, in order."""
    from snakemake.utils import update_config  # the merge of Snakemake's own configfile directive

    contents = check_config_files(declaring, overlays)
    merged: list[str] = []

    def merge(files: Sequence[str | Path]) -> None:
        for f in map(str, files):
            if not replace:
                update_config(config, contents[f])
                update_config(config, dict(command_line))
            merged.append(f)

    merge(declaring)
    if config.get(switch):
        merge(overlays)
    return merged
