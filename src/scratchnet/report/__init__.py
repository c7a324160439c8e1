"""Report pages built from results: claims audit (:mod:`.claims`), page rendering (:mod:`.render`), the index
(:mod:`.index`), provenance (:mod:`.provenance`); :mod:`.build` is the entry point of the workflow's report rule."""

from .build import TEMPLATES, build_report, build_report_page
from .claims import Results, check_claims, evaluate_claim, load_claims
from .index import build_index
from .provenance import provenance
from .render import ReportInputs

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
