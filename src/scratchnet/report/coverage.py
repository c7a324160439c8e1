"""Which numbers of a seed report's text the claims audit accounts for.

Every number token of the seed text (a run of digits with its decimal point or thousands commas: ``86.88``,
``1,500``, ``1.3.1``; ``784-64-32-10`` is four tokens) must be accounted for on its line, either

- by a **claim** whose ``line`` is that line and whose ``as_written`` holds the token (a table claim: by a row's
  ``line`` and cells); a setup row's numbers are counted apart (shown, not audited), or
- by a **not_claimed** entry: ``{line: N, as_written: "1.3.1" | ["0.01", "100"], reason: "..."}``, or for a block
  that holds no result (a code listing, a derivation) ``{lines: [first, last], reason: "..."}``.

A number the seed states as a setting (a section number, a layer list, ``k = 5``, a learning rate) is ``not_claimed``
with the reason ``setting``, unless a setup row shows it.

Each occurrence is accounted for once: a token written twice on a line needs two accounts on that line (two claims,
or a claim and a ``not_claimed`` entry whose ``as_written`` lists it, or the token listed twice), so the page's
count of numbers audited is a count of the seed's numbers, not of distinct tokens.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NUMBER_TOKEN = re.compile(r"\d+(?:[.,]\d+)*")
UNREVIEWED = "UNREVIEWED"  # the reason scripts/draft-claims.py gives: not an account of the number
SETUP_ROW = "setup row"  # a number a setup row (or a table's setup column) shows: accounted for, not audited
TABLE_LABEL = "table label"  # a row label of a table claim ("0"-"9" of a classification report)


def number_tokens(text: str) -> list[str]:
    """The number tokens of ``text``, in order (a trailing sentence point or comma is not part of a token)."""
    return NUMBER_TOKEN.findall(text)


def seed_lines(path: str | Path) -> list[str]:
    return Path(path).read_text(encoding="utf-8").splitlines()


@dataclass
class Coverage:
    """The seed text's number tokens: how many, how many a claim audits, how many are not claimed (by reason), and
    those accounted for by neither, as ``(line, token, line text)``."""

    stated: int = 0
    audited: int = 0
    not_claimed: Counter = field(default_factory=Counter)
    unaccounted: list[tuple[int, str, str]] = field(default_factory=list)

    def text(self) -> str:
        skipped = sum(self.not_claimed.values())
        why = ", ".join(f"{n} {r}" for r, n in self.not_claimed.most_common())
        return (
            f"{self.stated} numbers stated in the seed text: {self.audited} audited by the claims below, {skipped} not "
            f"claimed ({why or 'none'})" + (f", {len(self.unaccounted)} unaccounted" if self.unaccounted else "")
        )


def _tokens_of(written: Any) -> list[str]:
    if isinstance(written, list):
        return [t for w in written for t in number_tokens(str(w))]
    return number_tokens(str(written or ""))


def _claimed(claims: list[dict[str, Any]]) -> tuple[dict[int, Counter], dict[int, dict[str, list[str]]]]:
    """The tokens claims audit, per line, counted (a token written twice needs two claims, or a claim and a
    ``not_claimed`` entry); and those they show but do not judge (a table's labels and setup columns, a setup row's
    numbers), per line, one category per occurrence. A cause variant re-judges its claim's number under another
    setting: on a line, the variants' tokens count only where they exceed the other claims' (elementwise maximum)."""
    variants = {str(v) for c in claims for v in ((c.get("cause") or {}).get("claims") or [])
                if isinstance(c.get("cause"), dict)}  # fmt: skip
    main: dict[int, Counter] = {}
    extra: dict[int, Counter] = {}
    apart: dict[int, dict[str, list[str]]] = {}

    def show(line: int, tokens: list[str], category: str) -> None:
        for token in tokens:
            apart.setdefault(line, {}).setdefault(token, []).append(category)

    for c in claims:
        audited = extra if str(c.get("id")) in variants else main
        table = c.get("table")
        if isinstance(table, dict):
            columns, setup_columns = list(table.get("columns", [])), set(table.get("setup_columns", []))
            for row in table.get("rows", []):
                line = row.get("line", c.get("line"))
                if line is None:
                    continue
                show(line, _tokens_of(row.get("label")), TABLE_LABEL)
                for column, cell in zip(columns, row.get("as_written", []), strict=False):
                    if c.get("setup") or column in setup_columns:
                        show(line, _tokens_of(cell), SETUP_ROW)
                    else:
                        audited.setdefault(line, Counter()).update(_tokens_of(cell))
        elif c.get("line") is not None:
            if c.get("setup"):
                show(c["line"], _tokens_of(c.get("as_written")), SETUP_ROW)
            else:
                audited.setdefault(c["line"], Counter()).update(_tokens_of(c.get("as_written")))
    out = {line: main.get(line, Counter()) | extra.get(line, Counter()) for line in main.keys() | extra.keys()}
    return out, apart


def check_not_claimed(entries: list[dict[str, Any]], where: str, n_lines: int) -> list[str]:
    """The problems of a ``not_claimed`` list: each entry a ``line`` with ``as_written``, or ``lines``, and a
    reason."""
    errors = []
    for n, e in enumerate(entries):
        tag = f"{where}: not_claimed[{n}]"
        if not str(e.get("reason", "")).strip():
            errors.append(f"{tag}: needs a 'reason'")
        for key in sorted(set(e) - {"line", "lines", "as_written", "reason"}):
            errors.append(f"{tag}: unknown key {key!r}")
        if "lines" in e:
            lines = e["lines"]
            if not (isinstance(lines, list) and len(lines) == 2 and all(isinstance(x, int) for x in lines)
                    and 1 <= lines[0] <= lines[1] <= n_lines):  # fmt: skip
                errors.append(f"{tag}: lines must be [first, last] within 1-{n_lines}, got {lines!r}")
        elif not isinstance(e.get("line"), int) or not 1 <= e["line"] <= n_lines or "as_written" not in e:
            errors.append(f"{tag}: needs 'line' (1-{n_lines}) and 'as_written', or 'lines: [first, last]'")
    return errors


def coverage(lines: list[str], claims: list[dict[str, Any]], not_claimed: list[dict[str, Any]]) -> Coverage:
    """Account for every number token of the seed text ``lines`` (see the module's docstring), occurrence by
    occurrence: a token written three times on a line needs three accounts there."""
    claimed, skipped = _claimed(claims)
    blocks: list[tuple[int, int, str]] = []
    for e in not_claimed:
        if str(e.get("reason", "")).strip() == UNREVIEWED:  # a draft's entry nobody has reviewed yet
            continue
        if "lines" in e:
            blocks.append((int(e["lines"][0]), int(e["lines"][1]), str(e.get("reason", ""))))
        elif e.get("line") is not None:
            for token in _tokens_of(e.get("as_written")):
                skipped.setdefault(int(e["line"]), {}).setdefault(token, []).append(str(e.get("reason", "")))
    out = Coverage()
    for n, text in enumerate(lines, start=1):
        audits, reasons = Counter(claimed.get(n, Counter())), {t: list(r) for t, r in skipped.get(n, {}).items()}
        block = next((r for a, b, r in blocks if a <= n <= b), None)
        for token in number_tokens(text):
            out.stated += 1
            if audits[token] > 0:
                audits[token] -= 1
                out.audited += 1
            elif reasons.get(token):
                out.not_claimed[_reason(reasons[token].pop(0))] += 1
            elif block is not None:
                out.not_claimed[_reason(block)] += 1
            else:
                out.unaccounted.append((n, token, text.strip()))
    return out


def _reason(reason: str) -> str:
    """The reason's category for the page's counts: its first words, before a colon or a dash."""
    return re.split(r"[:;(—–]| - ", reason, maxsplit=1)[0].strip() or "unspecified"
