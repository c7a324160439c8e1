"""Report pages built from results."""

from .build import TEMPLATES, ReportInputs, build_index, build_report, build_report_page

__all__ = ["TEMPLATES", "ReportInputs", "build_index", "build_report", "build_report_page"]
