"""Analysis kinds: each module registers one or more with :func:`scratchnet.pipeline.registry.analysis_kind`."""
