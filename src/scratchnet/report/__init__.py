"""Report pages built from results; :mod:`.build` is the entry point of the workflow's report rule.

Modules, each importing only those before it: :mod:`.fmt` (number formatting); :mod:`.claims` (the claims audit,
a module per form of claim); :mod:`.tables` and :mod:`.analysis_tables` (markdown tables); :mod:`.publish` (a page
built to a staging place, then published; a failed build's stale banner and status); :mod:`.placeholders`
(filling a template's ``{{...}}``; it names :class:`.page.ReportInputs` in annotations only); :mod:`.page` (a page:
its inputs and results files, provenance section, HTML); :mod:`.provenance` (what the provenance section states);
:mod:`.index` (the index page, from the published pages and their statuses); :mod:`.build`.
"""

from .build import TEMPLATES, build_report, build_report_page
from .claims import Results, check_claims, evaluate_claim, load_claims
from .index import build_index
from .page import ReportInputs
from .provenance import provenance

__all__ = [
    "TEMPLATES",
    "ReportInputs",
    "Results",
    "build_index",
    "build_report",
    "build_report_page",
    "check_claims",
    "evaluate_claim",
    "load_claims",
    "provenance",
]
