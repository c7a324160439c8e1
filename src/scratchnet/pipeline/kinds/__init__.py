"""Run kinds: each module registers one or more with :func:`scratchnet.pipeline.registry.run_kind`."""
