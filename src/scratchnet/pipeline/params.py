"""Parameter specifications: what a run kind, an analysis or a figure kind accepts, checked at DAG build.

A spec is a mapping ``name -> Param``. :func:`check` returns every problem of a parameter mapping at once (unknown
keys with a "did you mean", wrong types, values out of range, names missing from a registry), each message naming
the key and the value, so that ``snakemake -n`` can list all of them before any job runs. A YAML boolean is never
accepted as a number, and a quoted number (``"0.1"``) is never accepted as one.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

TYPES = ("int", "float", "bool", "str", "ints", "floats", "strs", "name", "mapping", "any")


@dataclass(frozen=True)
class Param:
    """One accepted parameter.

    ``type``: ``int``, ``float`` (ints accepted), ``bool``, ``str``, ``ints`` / ``floats`` / ``strs`` (lists),
    ``name`` (a string from ``choices``, or a mapping ``{name: ..., **kwargs}`` when ``mapping_ok``), ``mapping``
    (a dict), ``any``. ``min``/``max`` bound numbers and list items (``exclusive_min`` for ``> min``);
    ``choices`` is a collection or a callable returning one (a registry's names); ``nullable`` admits null;
    ``also`` lists extra literal values admitted besides the type (``batch_size: full``); ``options`` gives, for a
    name given as a mapping, the spec of the mapping's other keys (``{name: adam, beta1: 0.8}``).
    """

    type: str
    doc: str = ""
    min: float | None = None
    max: float | None = None
    exclusive_min: bool = False
    choices: Iterable[Any] | Callable[[], Iterable[Any]] | None = None
    nullable: bool = False
    mapping_ok: bool = False
    also: tuple[Any, ...] = ()
    min_len: int = 0
    options: Callable[[str], Mapping[str, Param]] | None = None

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"Param type {self.type!r} unknown; known: {TYPES}")

    def allowed(self) -> list[Any]:
        c = self.choices() if callable(self.choices) else self.choices
        return sorted(c, key=str) if c is not None else []


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) and math.isfinite(v)


def _range_error(p: Param, v: Any) -> str | None:
    if p.min is not None and (v <= p.min if p.exclusive_min else v < p.min):
        return f"must be {'>' if p.exclusive_min else '>='} {p.min:g}"
    if p.max is not None and v > p.max:
        return f"must be <= {p.max:g}"
    return None


def _type_name(v: Any) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, str):
        return "a string"
    if v is None:
        return "null"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a mapping"
    return type(v).__name__


def check_value(p: Param, v: Any) -> str | None:
    """Why ``v`` is not acceptable for ``p`` (None when it is)."""
    if v is None:
        return None if p.nullable else "must not be null"
    if not isinstance(v, (bool, list, dict)) and v in p.also:
        return None
    t = p.type
    if t == "any":
        return None
    if t == "int":
        if not _is_int(v):
            return f"must be an integer, got {_type_name(v)} {v!r}"
        return _range_error(p, v)
    if t == "float":
        if not _is_number(v):
            return f"must be a number, got {_type_name(v)} {v!r}"
        return _range_error(p, v)
    if t == "bool":
        return None if isinstance(v, bool) else f"must be true or false, got {_type_name(v)} {v!r}"
    if t in ("str", "name"):
        if t == "name" and p.mapping_ok and isinstance(v, dict):
            name = v.get("name")
            if name is None:
                return "a mapping here needs a 'name' key"
            err = _choice_error(p, name)
            if err or p.options is None:
                return err
            rest = {k: x for k, x in v.items() if k != "name"}
            errs = check(rest, p.options(name))
            return f"{name!r} given as a mapping: {'; '.join(errs)}" if errs else None
        if not isinstance(v, str):
            return f"must be a string, got {_type_name(v)} {v!r}"
        return _choice_error(p, v)
    if t == "mapping":
        return None if isinstance(v, dict) else f"must be a mapping, got {_type_name(v)} {v!r}"
    # lists
    if not isinstance(v, list):
        return f"must be a list, got {_type_name(v)} {v!r}"
    if len(v) < p.min_len:
        return f"must have at least {p.min_len} item(s)"
    item = Param({"ints": "int", "floats": "float", "strs": "str"}[t], min=p.min, max=p.max,
                 exclusive_min=p.exclusive_min, choices=p.choices)  # fmt: skip
    for i, x in enumerate(v):
        err = check_value(item, x)
        if err:
            return f"item {i} {err}"
    return None


def _choice_error(p: Param, v: Any) -> str | None:
    allowed = p.allowed()
    if p.choices is None or v in allowed:
        return None
    near = difflib.get_close_matches(str(v), [str(a) for a in allowed], n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    return f"unknown value {v!r}{hint} (known: {', '.join(map(str, allowed))})"


def check(params: Mapping[str, Any], spec: Mapping[str, Param], required: Iterable[str] = ()) -> list[str]:
    """Every problem of ``params`` against ``spec``, as ``"<key>: <problem>"`` lines (empty when all is well)."""
    errors = []
    for key, value in params.items():
        if key not in spec:
            near = difflib.get_close_matches(str(key), list(spec), n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            errors.append(f"{key}: unknown key; {hint}(accepted: {', '.join(sorted(spec))})")
            continue
        err = check_value(spec[key], value)
        if err:
            errors.append(f"{key}: {err}")
    for key in required:
        if key not in params:
            errors.append(f"{key}: required, not given")
    return errors
