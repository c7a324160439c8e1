"""Rewrite the registry name lists in workflow/schemas/config.schema.yaml (run kinds, their parameter names, figure
kinds) from the registries, after adding a kind. tests/test_config_validation.py checks they are equal."""

import re
from pathlib import Path

from scratchnet.pipeline import registry

SCHEMA = Path(__file__).resolve().parents[1] / "workflow" / "schemas" / "config.schema.yaml"

registry.load_all()
lists = {
    "model": sorted(registry.RUN_KINDS),
    "params": sorted({k for kind in registry.RUN_KINDS.values() for k in kind.params}),
    "kind": sorted(registry.FIGURE_KINDS),
}
text = SCHEMA.read_text()
# the enum that follows each marker line: "model:" (experiments), "propertyNames:" (params), figure "kind:"
patterns = {
    "model": r"(\n        model:\n(?:.*\n)*?\s+enum: \[)[^\]]*(\])",
    "params": r"(\n          propertyNames:\n\s+enum: \[)[^\]]*(\])",
    "kind": r"(\n              kind:\n(?:.*\n)*?\s+enum: \[)[^\]]*(\])",
}
for key, pattern in patterns.items():
    text, n = re.subn(pattern, lambda m, k=key: m.group(1) + ", ".join(lists[k]) + m.group(2), text, count=1)
    if n != 1:
        raise SystemExit(f"{SCHEMA}: could not find the {key} list")
SCHEMA.write_text(text)
print(f"{SCHEMA}: {', '.join(f'{k} ({len(v)})' for k, v in lists.items())}")
