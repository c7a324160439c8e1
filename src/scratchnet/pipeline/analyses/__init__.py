"""Analysis kinds: each module registers the kinds of one concept with
:func:`scratchnet.pipeline.registry.analysis_kind`; :mod:`scratchnet.pipeline.kind_index` says which module holds
which kind."""


def columns(*spec: str) -> list[dict[str, str]]:
    """How a report page shows a result's ``table``: ``"key"`` or ``"key=title"`` per column, in order."""
    return [dict(zip(("key", "title"), (c.split("=", 1) + [c])[:2], strict=True)) for c in spec]
