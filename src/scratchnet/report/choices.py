"""The choices a seed report leaves to us, as its configuration marks them: every comment (or text value, such as a
description or a caption) holding ``OUR CHOICE`` in a seed file (``config/seeds/<id>.yaml``), with the key it belongs
to, listed on the page (``{{our_choices}}``).

A comment at the end of a line belongs to that line's key; a comment on lines of its own belongs to the key on the
next line (a header comment before the first key describes the file and is not a choice). The key's path is read
from the indentation of the YAML block style the seed files use (``experiments.s001_mlp_moons.params.lr``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

MARK = "OUR CHOICE"
KEY = re.compile(r"^(\s*)(?:-\s+)?([A-Za-z0-9_\"'.-]+)\s*:(?:\s|$)")


@dataclass(frozen=True)
class Choice:
    file: str
    line: int
    key: str  # dotted path ("" for a file's header comment)
    text: str  # the comment (several comment lines joined)


def _comment(line: str) -> str:
    """The comment of a YAML line ('' when none); a '#' inside quotes does not start one."""
    quote = None
    for i, ch in enumerate(line):
        if ch in "\"'" and quote in (None, ch):
            quote = None if quote else ch
        elif ch == "#" and quote is None and (i == 0 or line[i - 1].isspace()):
            return line[i + 1 :].strip()
    return ""


def our_choices(path: str | Path) -> list[Choice]:
    """Every ``OUR CHOICE`` comment of a seed file with its key path, in file order."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    stack: list[tuple[int, str]] = []  # (indent, key) of the enclosing keys
    pending: list[tuple[int, str]] = []  # comment-only lines waiting for their key: (line number, text)
    out: list[Choice] = []
    for n, raw in enumerate(lines, start=1):
        comment = _comment(raw)
        body = raw.split("#", 1)[0] if comment else raw
        if not body.strip():
            if comment:
                pending.append((n, comment))
            elif pending and not stack:  # a blank line ends a header comment block
                out += _flush(path, pending, "")
                pending = []
            continue
        m = KEY.match(body)
        key = ""
        if m:
            indent = len(m.group(1))
            while stack and stack[-1][0] >= indent:
                stack.pop()
            stack.append((indent, m.group(2).strip("\"'")))
            key = ".".join(k for _, k in stack)
        if pending:
            out += _flush(path, pending, key)
            pending = []
        if comment and MARK in comment:
            out.append(Choice(str(path), n, key, comment))
        elif MARK in body:  # in a value (a description, a caption; a folded text's own line belongs to its key)
            out.append(Choice(str(path), n, key or ".".join(k for _, k in stack), body.strip().strip(">-").strip()))
    return out + _flush(path, pending, "")


def _flush(path: str | Path, pending: list[tuple[int, str]], key: str) -> list[Choice]:
    """The choice of a block of comment lines, if marked; a header comment (no key) describes the file: not one."""
    text = " ".join(c for _, c in pending)
    return [Choice(str(path), pending[0][0], key, text)] if MARK in text and key else []


def choices_md(files: list[str]) -> str:
    """The page's list of our choices: one item per marked comment, its key and where it is."""
    items = [c for f in files for c in our_choices(f)]
    if not items:
        return "*No setting is marked OUR CHOICE in this report's configuration.*"
    return "\n".join(
        f"- `{c.key}` ({c.file}:{c.line}): {c.text.replace('|', '/')}" for c in items
    )
