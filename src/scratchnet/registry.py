"""One helper for the engine's string-keyed registries (activations, initialisers, optimisers, models)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any


def build(table: Mapping[str, Callable[..., Any]], spec: Any, what: str, **defaults: Any) -> Any:
    """Call ``table[name](**kwargs)`` for ``spec`` = ``"name"`` or ``{"name": ..., **kwargs}`` (``defaults`` fill
    kwargs the spec does not give). Errors name the value, the nearest known name and the bad arguments."""
    if isinstance(spec, Mapping):
        kwargs = {**defaults, **spec}
        name = kwargs.pop("name", None)
    else:
        name, kwargs = spec, dict(defaults)
    if name not in table:
        near = difflib.get_close_matches(str(name), list(table), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise ValueError(f"unknown {what} {name!r}{hint} (known: {', '.join(sorted(table))})")
    try:
        return table[name](**kwargs)
    except TypeError as exc:
        raise ValueError(f"{what} {name!r}: bad arguments {kwargs}: {exc}") from None
