"""The one-page investor report: its content (:mod:`~foncier.report.content`), the placement of
its map labels (:mod:`~foncier.report.labels`) and its HTML rendering (:mod:`~foncier.report.html`).

The PDF rendering is drawn by the desktop app (``foncier_gui.pdf``) from the same content.

Examples
--------
>>> import foncier
>>> from foncier.report import report_content, report_html
>>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="Atelier", max_area_ha=2))
>>> content = report_content(res, top=3)
>>> [p.rank for p in content.plots], "<svg" in report_html(content)
([1, 2, 3], True)
"""

from foncier.report.content import (
    ALL_PASS,
    FOOTER,
    NO_CRITERIA,
    TABLE_HEADERS,
    InvestorReport,
    ReportPlot,
    brief_summary,
    meta_line,
    report_content,
)
from foncier.report.html import map_svg, report_html, write_report_html
from foncier.report.labels import RANK_SEP, MapLabel, label_layout

__all__ = ["InvestorReport", "ReportPlot", "report_content", "brief_summary", "meta_line",
           "TABLE_HEADERS", "ALL_PASS", "NO_CRITERIA", "FOOTER", "MapLabel", "label_layout",
           "RANK_SEP", "map_svg", "report_html", "write_report_html"]
