"""Draft the coverage of a claims file against its seed text, for a person to review.

    python scripts/draft-claims.py config/claims/001.yaml ../shared/seeds/001_cf04014522d3593d.txt > draft.yaml

Prints, for every claim without a ``line``, the lines of the seed text that hold its seed value as printed (a value
0.8688 is looked for as 0.8688, 86.88, .8688 ...), best match first (the most words shared with the claim's text);
then a ``not_claimed:`` list of every number token no claim accounts for, one entry per line, each with the reason
``UNREVIEWED``. Nothing is decided here: a reviewer picks each claim's line and token, and gives every not-claimed
number its real reason (``setting``, ``section number``, ``code listing``, ...). The number-coverage test
(tests/test_claims_audit.py) counts ``UNREVIEWED`` entries as unaccounted.
"""

from __future__ import annotations

import json
import re
import sys

from scratchnet.report.claims import load_claims_file
from scratchnet.report.coverage import coverage, number_tokens, seed_lines

WORD = re.compile(r"[a-z]{3,}")


def spellings(seed: float) -> set[str]:
    """How a number may be printed: 0.8688 -> {"0.8688", ".8688", "86.88", "86.9", "87"} and the like."""
    out = set()
    for v in (seed, seed * 100):
        for digits in range(0, 5):
            s = f"{v:.{digits}f}"
            out |= {s, s.lstrip("0") if s.startswith("0.") else s}
    return {s for s in out if s not in ("0", "0.0", "")}


def candidates(claim: dict, lines: list[str]) -> list[tuple[int, str]]:
    seed = claim.get("seed")
    words = set(WORD.findall(str(claim.get("claim", "")).lower()))
    found = []
    if isinstance(seed, (int, float)) and not isinstance(seed, bool):
        spelled = spellings(float(seed))
        for n, text in enumerate(lines, start=1):
            hits = [t for t in number_tokens(text) if t in spelled]
            if hits:
                found.append((len(words & set(WORD.findall(text.lower()))), n, hits[0]))
    return [(n, tok) for _, n, tok in sorted(found, key=lambda x: (-x[0], x[1]))[:3]]


def main(claims_path: str, seed_path: str) -> None:
    claims, not_claimed = load_claims_file(claims_path)
    lines = seed_lines(seed_path)
    print("# claims without a line: candidate (line, token), best first")
    for c in claims:
        if c.get("line") is None:
            print(f"# {c.get('id')}: {candidates(c, lines)}")
    cov = coverage(lines, claims, [e for e in not_claimed if e.get("reason") != "UNREVIEWED"])
    by_line: dict[int, list[str]] = {}
    for n, tok, _ in cov.unaccounted:
        by_line.setdefault(n, []).append(tok)
    print("not_claimed:")
    for n, toks in sorted(by_line.items()):
        print(f"- {{line: {n}, as_written: {json.dumps(toks)}, reason: UNREVIEWED}}  # {lines[n - 1].strip()[:80]}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
