"""Pages are built, then published, so that a build that fails never loses the good page.

The report and index jobs write their page to a staging place (``pipeline.paths.PAGE_MD``/``PAGE_HTML``, under
``results/pages/``: what Snakemake removes before the job runs and after it fails). A job of its own copies a page
that was built to where readers open it (``reports/``), atomically (:func:`publish_page`). A build that fails
(:func:`building`) leaves the published page in place, puts a banner at its top saying it is stale and why
(:func:`mark_stale`), and records the failure in the page's status file (``PAGE_STATUS``), which the index reads; the
job still fails. The next build that succeeds records ``built``, and its publication replaces the stale page.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_bytes
from ..pipeline import paths
from ..pipeline.io import read_json, write_json, write_text

log = logging.getLogger(__name__)

STALE_BEGIN, STALE_END = "<!-- scratchnet:stale -->", "<!-- /scratchnet:stale -->"
_STALE = re.compile(re.escape(STALE_BEGIN) + r".*?" + re.escape(STALE_END) + r"\n*", re.S)
_MAX_ERROR = 800  # characters of an error message shown in a banner or the index


def error_text(exc: BaseException) -> str:
    """One line saying what went wrong: the exception's message (a bare one, like a dict key, with its type)."""
    msg = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    msg = " ".join(msg.split())
    if " " not in msg:
        msg = f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__
    return msg if len(msg) <= _MAX_ERROR else msg[: _MAX_ERROR - 1] + "…"


def code_span(text: str) -> str:
    """``text`` as a markdown code span, whatever backticks it holds."""
    fence = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def published(layout: paths.Layout, page: str) -> tuple[Path, Path]:
    """Where readers open ``page`` (a report id, or ``index``): its markdown and its HTML."""
    return Path(layout(paths.REPORT_MD, report=page)), Path(layout(paths.REPORT_HTML, report=page))


def read_status(layout: paths.Layout, page: str) -> dict[str, Any] | None:
    """The status of ``page``'s last build (``{"page", "state": "built" | "failed", "time", "error", "log"}``), or
    None when it has none (never built here)."""
    path = Path(layout(paths.PAGE_STATUS, report=page))
    return read_json(path) if path.exists() else None


def strip_stale(text: str) -> str:
    """``text`` (a page's markdown or HTML) without its stale banner."""
    return _STALE.sub("", text)


def mark_stale(md: Path, html_file: Path, status: dict[str, Any]) -> list[Path]:
    """Put (or replace) the stale banner at the top of the published page ``md``/``html_file``, from a failed
    build's ``status``; return the files marked (none when the page was never published)."""
    when, error, log_file = status["time"], status["error"], status["log"]
    md_banner = (
        f"{STALE_BEGIN}\n> **Stale page.** Rebuilding it failed ({when}): {code_span(error)}. What follows is the "
        f"last page built successfully; the log is {code_span(log_file)}.\n{STALE_END}\n\n"
    )
    html_banner = (
        f'{STALE_BEGIN}\n<div style="border:2px solid #b00;background:#fee;padding:.5rem 1rem;margin:1rem 0">'
        f"<strong>Stale page.</strong> Rebuilding it failed ({html.escape(when)}): <code>{html.escape(error)}</code>. "
        f"What follows is the last page built successfully; the log is <code>{html.escape(log_file)}</code>.</div>\n"
        f"{STALE_END}\n"
    )
    marked = []
    if md.exists():
        write_text(md, md_banner + strip_stale(md.read_text()))
        marked.append(md)
    if html_file.exists():
        text = strip_stale(html_file.read_text())
        head, sep, body = text.partition("<body>\n")
        write_text(html_file, head + sep + html_banner + body if sep else html_banner + text)
        marked.append(html_file)
    return marked


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def building(page: str, layout: paths.Layout) -> Iterator[None]:
    """Build ``page`` (a report id, or ``index``) inside this block. On success its status says ``built``. On an
    error the status says ``failed`` with the error and the job's log, the published page (if any) gets the stale
    banner, and the error goes on (the job fails)."""
    status_file = Path(layout(paths.PAGE_STATUS, report=page))
    try:
        yield
    except Exception as exc:
        status = {"page": page, "state": "failed", "time": _now(), "error": error_text(exc),
                  "log": layout.log("report", page)}  # fmt: skip
        try:
            write_json(status_file, status)
            marked = mark_stale(*published(layout, page), status)
            kept = f"kept {', '.join(map(str, marked))}, marked stale" if marked else "no published page to keep"
            log.error("page %s not built (%s); status in %s", page, kept, status_file)
        except Exception as record:  # the build's own error is the one to report
            log.error("page %s not built, and its failure could not be recorded in %s: %s", page, status_file, record)
        raise
    write_json(status_file, {"page": page, "state": "built", "time": _now()})


def publish_page(md: str | Path, html_file: str | Path, md_out: str | Path, html_out: str | Path) -> None:
    """Copy a built page (markdown and HTML) to where readers open it, each file atomically."""
    for src, dest in ((md, md_out), (html_file, html_out)):
        atomic_write_bytes(Path(dest), Path(src).read_bytes())
