"""The investor report as a PDF, drawn natively with QPdfWriter and QPainter.

The document shows the library's :func:`foncier.report.content.report_content`: a summary page
(the brief in short, an overview map on the region's communes with every proposed plot's rank,
the ranked table with its key figures, the territory's contact block) and a site sheet per
proposed plot or assembly (close-up map with the constraints touching it and the nearest
infrastructure, key figures, each criterion's measured and required values, the points to check).
Every page carries the territory's profile (header) and the audit footer. ``foncier report --out
x.pdf`` and the app's menu write this same document; the HTML report says the same thing.

Only the drawing is here: :func:`draw_report` paints the pages on any paged QPainter device and
returns the texts drawn, page by page. :func:`write_investor_pdf` needs only a QGuiApplication (it
creates one when none exists), so the command line can call it without any window.

Examples
--------
>>> import foncier, tempfile, pathlib
>>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="Atelier", min_area_ha=1))
>>> out = write_investor_pdf(res, pathlib.Path(tempfile.mkdtemp()) / "r.pdf", top=3, sheets=1)
>>> out.read_bytes()[:5]
b'%PDF-'
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import shapely
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QTransform,
)

import foncier
from foncier import palette
from foncier.report.content import (
    FOOTER,
    NO_CRITERIA,
    SUMMARY_HEADERS,
    TABLE_HEADERS,
    InvestorReport,
    SiteSheet,
    french,
    meta_line,
    report_content,
    summary_cells,
)
from foncier.report.labels import label_layout
from foncier.report.pictograms import PICTOGRAMS
from foncier.report.profile import TerritoryProfile
from foncier.wording import (
    CONSTRAINT_LABELS,
    INFRA_LABELS,
    OUTCOME_LABELS,
    STATUS_LABELS,
    scale_label,
)

from .geom import path_from_geometries
from .model import STATUS_CODES
from .pdfpage import A4, font, write_pdf
from .style import (
    COMMUNE_FILL,
    COMMUNE_PEN,
    FAINT_COLOR,
    INK_COLOR,
    MUTED_COLOR,
    NAVY_COLOR,
    RULE_COLOR,
    SITE_PEN,
    STATUS_COLORS,
    ZEBRA_COLOR,
)

__all__ = ["write_investor_pdf", "draw_report", "PAGE_SIZE"]

PAGE_SIZE = A4                            # in points (resolution 72 dpi)
_MARGIN = 32.0
_TOP = 70.0                               # below the profile header
_BOTTOM = PAGE_SIZE.height() - 52.0       # above the audit footer
_LEFT = Qt.AlignmentFlag.AlignLeft
_WRAP = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
_OUTCOME_COLORS = {k: QColor(v) for k, v in palette.OUTCOME_HEX.items()}


def write_investor_pdf(result: foncier.MatchResult, path: str | os.PathLike, *,
                       top: int = 10, sheets: int = 5, profile: TerritoryProfile | None = None,
                       today: dt.date | None = None) -> Path:
    """Write the investor report as a PDF: a summary page, then up to ``sheets`` site sheets.

    Parameters
    ----------
    result : foncier.MatchResult
    path : path
        The PDF to write (atomically: a temporary file beside it, then renamed).
    top : int, default 10
        How many of the best-ranked plots the summary's table shows.
    sheets : int, default 5
        How many of them get a site sheet.
    profile : TerritoryProfile, optional
        Who sends the report (on every page, and the PDF's author).
    today : date, optional
        The report's date (today by default).

    Returns
    -------
    Path
        The written file.
    """
    content = report_content(result, top=max(1, int(top)), sheets=max(0, int(sheets)),
                             profile=profile, today=today)
    audit = content.audit

    def paint(painter: QPainter, writer) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        draw_report(painter, content, new_page=writer.newPage)

    return write_pdf(path, paint, title=f"Terrains proposés — {content.heading}",
                     author=content.profile.organisation,
                     creator=f"foncier {audit.version} — inventaire {audit.technical_source} "
                             f"({audit.fingerprint})")


class _Page:
    """A painter that remembers the texts it draws, per page."""

    def __init__(self, painter: QPainter):
        self.p = painter
        self.pages: list[list[str]] = [[]]

    def text(self, rect: QRectF, flags, text: str, *, size: float = 8, bold: bool = False,
             color: QColor = INK_COLOR) -> None:
        self.p.setFont(font(size, bold=bold))
        self.p.setPen(color)
        self.p.drawText(rect, flags, text)
        self.pages[-1].append(text)

    def height(self, text: str, width: float, size: float, *, bold: bool = False) -> float:
        fm = QFontMetricsF(font(size, bold=bold), self.p.device())
        return fm.boundingRect(QRectF(0, 0, width, 10_000), int(_WRAP), text).height()

    def para(self, x: float, y: float, width: float, text: str, *, size: float = 8,
             bold: bool = False, color: QColor = INK_COLOR) -> float:
        """Draw wrapped text; returns the y below it."""
        h = self.height(text, width, size, bold=bold)
        self.text(QRectF(x, y, width, h + 1), _WRAP, text, size=size, bold=bold, color=color)
        return y + h


def draw_report(painter: QPainter, content: InvestorReport, *, new_page=None
                ) -> list[list[str]]:
    """Draw the report's pages (A4 in points, 595 x 842); returns the texts drawn per page.

    ``new_page`` starts the next page (``QPdfWriter.newPage``); without it (an image) the pages
    are drawn over each other.
    """
    page = _Page(painter)
    n = 1 + len(content.sheets)
    _summary(page, content)
    _frame(page, content, 1, n)
    for k, sheet in enumerate(content.sheets, start=2):
        if new_page is not None:
            new_page()
        page.pages.append([])
        _site_sheet(page, content, sheet)
        _frame(page, content, k, n)
    return page.pages


# ----------------------------------------------------------------------------- every page


def _frame(page: _Page, content: InvestorReport, k: int, n: int) -> None:
    """The profile header and the audit footer."""
    p, prof = page.p, content.profile
    x0, width = _MARGIN, PAGE_SIZE.width() - 2 * _MARGIN
    x = x0
    if prof.logo is not None:
        image = QImage(str(prof.logo))
        if not image.isNull():
            h = 30.0
            w = min(90.0, h * image.width() / max(1, image.height()))
            p.drawImage(QRectF(x0, 24, w, h), image)
            x += w + 8
    page.text(QRectF(x, 24, width / 2, 14), _LEFT, prof.organisation, size=10, bold=True,
              color=NAVY_COLOR)
    if prof.territory:
        page.text(QRectF(x, 39, width / 2, 12), _LEFT, prof.territory, size=7.5,
                  color=MUTED_COLOR)
    right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop
    contact = [x for x in prof.contact_lines()[1:]]
    for i, line in enumerate(contact[:4]):
        page.text(QRectF(x0 + width / 2, 22 + i * 9.5, width / 2, 10), right, line, size=7,
                  color=MUTED_COLOR)
    p.setPen(QPen(NAVY_COLOR, 1.2))
    p.drawLine(QPointF(x0, 62), QPointF(x0 + width, 62))
    y = PAGE_SIZE.height() - 46
    p.setPen(QPen(RULE_COLOR, 0.5))
    p.drawLine(QPointF(x0, y), QPointF(x0 + width, y))
    lines = [FOOTER, *content.audit.lines()] if content.audit else [FOOTER]
    for i, line in enumerate(lines):
        page.text(QRectF(x0, y + 3 + i * 8.5, width - 40, 9), _LEFT, line, size=6,
                  color=FAINT_COLOR)
    page.text(QRectF(x0 + width - 40, y + 3, 40, 9), Qt.AlignmentFlag.AlignRight,
              f"page {k}/{n}", size=6.5, color=MUTED_COLOR)


# ----------------------------------------------------------------------------- summary


def _summary(page: _Page, content: InvestorReport) -> None:
    x0, width = _MARGIN, PAGE_SIZE.width() - 2 * _MARGIN
    y = _TOP
    page.text(QRectF(x0, y, width, 20), _LEFT, "Terrains proposés", size=15, bold=True,
              color=NAVY_COLOR)
    y = page.para(x0, y + 20, width, content.heading, size=11, bold=True) + 2
    y = page.para(x0, y, width, meta_line(content), size=7.5, color=MUTED_COLOR) + 6
    lines = content.brief_lines or [NO_CRITERIA]
    page.text(QRectF(x0, y, width, 12), _LEFT, "Cahier des charges", size=9, bold=True)
    y += 13
    half = (len(lines) + 1) // 2
    bottom = y
    for col, chunk in enumerate((lines[:half], lines[half:])):
        yy = y
        for line in chunk:
            yy = page.para(x0 + col * width / 2, yy, width / 2 - 8, "• " + line, size=7.5) + 1
        bottom = max(bottom, yy)
    y = bottom + 6
    contact_h = 40.0
    widths, rows_h = _table_layout(page, content, width)
    table_h = 16.0 + sum(rows_h)
    legend_h = 26.0
    map_h = max(170.0, _BOTTOM - y - table_h - contact_h - legend_h - 18)
    _overview(page, content, QRectF(x0, y, width, map_h))
    y += map_h + legend_h + 6
    y = _table(page, content, QRectF(x0, y, width, table_h), widths, rows_h) + 8
    _contact(page, content.profile, QRectF(x0, max(y, _BOTTOM - contact_h), width, contact_h))


def _contact(page: _Page, prof: TerritoryProfile, rect: QRectF) -> None:
    p = page.p
    p.setPen(QPen(NAVY_COLOR, 0.8))
    p.setBrush(QColor(palette.ZEBRA_HEX))
    p.drawRoundedRect(rect, 4, 4)
    page.text(QRectF(rect.left() + 8, rect.top() + 4, 110, 12), _LEFT, "Votre contact",
              size=8.5, bold=True, color=NAVY_COLOR)
    lines = prof.contact_lines()
    page.text(QRectF(rect.left() + 8, rect.top() + 17, 150, 20), _WRAP, lines[0], size=7.5,
              bold=True)
    page.para(rect.left() + 165, rect.top() + 5, rect.width() - 175, " · ".join(lines[1:])
              or "Coordonnées à compléter dans le profil du territoire.", size=7.5)


def _table_layout(page: _Page, content: InvestorReport, width: float):
    widths = [24, 92, 128, 52, 26, 44, 44, 46, 38]
    widths.append(width - sum(widths))
    rows_h = []
    for plot in content.plots:
        cells = summary_cells(content, plot)
        h = max(page.height(t, w - 5, 6.5, bold=(j == 1))
                + (0 if j != 3 else 0) for j, (t, w) in
                enumerate(zip(cells, [*widths[:3], widths[3] - 9, *widths[4:]], strict=True)))
        rows_h.append(h + 5)
    return widths, rows_h or [18.0]


def _table(page: _Page, content: InvestorReport, rect: QRectF, widths, rows_h) -> float:
    p = page.p
    header_h = 16.0
    p.fillRect(QRectF(rect.left(), rect.top(), rect.width(), header_h), NAVY_COLOR)
    x = rect.left()
    for name, w in zip((*TABLE_HEADERS, *SUMMARY_HEADERS), widths, strict=True):
        page.text(QRectF(x + 2, rect.top(), w - 3, header_h),
                  Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap, name, size=6.3,
                  bold=True, color=QColor("white"))
        x += w
    y = rect.top() + header_h
    if not content.plots:
        page.text(QRectF(rect.left() + 3, y, rect.width(), 16), Qt.AlignmentFlag.AlignVCenter,
                  "Aucun terrain dans l'inventaire.", size=7)
        return y + 16
    for i, (plot, row_h) in enumerate(zip(content.plots, rows_h, strict=True)):
        if i % 2 == 1:
            p.fillRect(QRectF(rect.left(), y, rect.width(), row_h), ZEBRA_COLOR)
        x = rect.left()
        for j, (w, text) in enumerate(zip(widths, summary_cells(content, plot), strict=True)):
            cell = QRectF(x + 2, y + 2.5, w - 4, row_h - 3)
            if j == 3:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(STATUS_COLORS[STATUS_CODES[plot.status]])
                p.drawEllipse(QRectF(x + 2, y + 4, 6, 6))
                cell.adjust(9, 0, 0, 0)
            page.text(cell, _WRAP, text, size=6.5, bold=(j == 1))
            x += w
        y += row_h
    p.setPen(QPen(RULE_COLOR, 0.5))
    p.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
    return y


# ----------------------------------------------------------------------------- maps


def _map_transform(extent, rect: QRectF) -> tuple[QTransform, float]:
    """Lambert-93 scene coordinates (y negated) to page points, centred, aspect kept."""
    x0, y0, x1, y1 = extent
    scale = min(rect.width() / max(x1 - x0, 1.0), rect.height() / max(y1 - y0, 1.0))
    t = QTransform()
    t.translate(rect.center().x(), rect.center().y())
    t.scale(scale, scale)
    t.translate(-(x0 + x1) / 2, (y0 + y1) / 2)
    return t, scale


def _pen(color: QColor, width: float, *, style=Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(color, width)
    pen.setCosmetic(True)
    pen.setStyle(style)
    return pen


def _draw_areas(p: QPainter, geoms, fill, pen) -> None:
    if len(geoms):
        p.setPen(pen if pen is not None else Qt.PenStyle.NoPen)
        p.setBrush(QBrush(fill) if fill is not None else Qt.BrushStyle.NoBrush)
        p.drawPath(path_from_geometries(np.asarray(geoms, dtype=object)))


def _background(p: QPainter, layers: dict, t: QTransform, scale: float) -> None:
    """Communes (the territories) on the neutral grey of the land beyond, the activity zones
    dashed, every plot pale."""
    tol = 0.4 / scale
    communes = [shapely.simplify(g, tol) for g in layers["communes"]]
    _draw_areas(p, communes, COMMUNE_FILL, _pen(COMMUNE_PEN.color(), 0.5))
    _draw_areas(p, layers["sites"], None, _pen(SITE_PEN.color(), 1.0,
                                               style=Qt.PenStyle.DashLine))
    status = np.array([s for s, _ in layers["plots"]], dtype=object)
    geoms = np.array([g for _, g in layers["plots"]], dtype=object)
    for s in ("no_match", "to_check", "match"):
        color = QColor(STATUS_COLORS[STATUS_CODES[s]])
        color.setAlpha(90)
        _draw_areas(p, geoms[status == s] if len(geoms) else [], color,
                    _pen(FAINT_COLOR, 0.3))


def _map_begin(p: QPainter, extent, layers: dict, rect: QRectF) -> tuple[QTransform, float]:
    """Start a map in ``rect``: clipped to it, the land beyond filled, the background drawn.

    The painter is left saved twice, in scene coordinates: the caller draws its own areas,
    restores (page coordinates, still clipped), draws its symbols, then calls :func:`_map_end`.
    """
    t, scale = _map_transform(extent, rect)
    p.save()
    p.setClipRect(rect)
    p.fillRect(rect, QColor(palette.OUTSIDE_HEX))
    p.save()
    p.setTransform(t, True)
    _background(p, layers, t, scale)
    return t, scale


def _map_end(p: QPainter, rect: QRectF) -> None:
    """End a map begun by :func:`_map_begin`: the clip lifted, the map's border drawn."""
    p.restore()
    p.setPen(QPen(MUTED_COLOR, 0.8))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(rect)


def draw_pictogram(p: QPainter, kind: str, at: QPointF, size: float) -> None:
    """The library's pictogram of an infrastructure kind (:mod:`foncier.report.pictograms`)."""
    p.save()
    x, y = at.x(), at.y()
    for shape in PICTOGRAMS.get(kind, PICTOGRAMS["port"]):
        role = shape[-1]
        color = {"fill": QColor(palette.INFRA_HEX.get(kind, palette.INK_HEX)),
                 "mark": QColor(palette.PAPER_HEX), "ink": INK_COLOR}[role]
        p.setPen(QPen(QColor(palette.PAPER_HEX), 1.0) if role == "fill" else Qt.PenStyle.NoPen)
        p.setBrush(color)
        if shape[0] == "circle":
            _, cx, cy, r, _ = shape
            p.drawEllipse(QPointF(x + cx * size, y + cy * size), r * size, r * size)
        elif shape[0] == "polygon":
            p.drawPolygon(QPolygonF([QPointF(x + a * size, y + b * size) for a, b in shape[1]]))
        else:
            _, x0, y0, x1, y1, _ = shape
            p.setPen(QPen(color, max(1.0, size / 5)))
            p.drawLine(QPointF(x + x0 * size, y + y0 * size), QPointF(x + x1 * size, y + y1 * size))
    p.restore()


def _overview(page: _Page, content: InvestorReport, rect: QRectF) -> None:
    p = page.p
    t, scale = _map_begin(p, content.extent, content.layers, rect)
    for plot in content.plots:
        _draw_areas(p, [plot.geometry], STATUS_COLORS[STATUS_CODES[plot.status]],
                    _pen(NAVY_COLOR, 0.9))
    p.restore()
    kinds: list[str] = []
    symbols = []
    for kind, _name, point in content.layers["infrastructure"]:
        symbols.append(t.map(QPointF(point.x, -point.y)))
        draw_pictogram(p, kind, symbols[-1], 4.0)
        if kind not in kinds:
            kinds.append(kind)
    anchors = [t.map(QPointF(*_scene_xy(shapely.point_on_surface(b.geometry))))
               for b in content.plots]
    _rank_labels(page, anchors, [b.rank for b in content.plots], rect, clear=symbols)
    _map_end(p, rect)
    entries = [(STATUS_LABELS[s].capitalize(), STATUS_COLORS[c]) for s, c in STATUS_CODES.items()
               if s in ("match", "to_check", "no_match")]
    entries.append(("Zone d'activité", "site"))
    entries += [(INFRA_LABELS.get(k, k), k) for k in kinds]
    _legend_strip(page, QRectF(rect.left(), rect.bottom() + 3, rect.width(), 14), 1.0 / scale,
                  entries)


def _scene_xy(point) -> tuple[float, float]:
    return float(point.x), -float(point.y)


def _rank_labels(page: _Page, anchors: list[QPointF], ranks: list[int], rect: QRectF, *,
                 clear: list[QPointF]) -> None:
    """Rank labels placed by the library's ``label_layout``, one per plot (never merged):
    leader lines and anchor dots, then the labels on top."""
    p = page.p
    fm = QFontMetricsF(font(7.5, bold=True), p.device())
    labels = label_layout([(a.x(), a.y()) for a in anchors], ranks, height=13.0,
                          char_width=fm.horizontalAdvance("0"),
                          within=(rect.left() + 2, rect.top() + 2, rect.right() - 2,
                                  rect.bottom() - 2),
                          clear=[(c.x(), c.y()) for c in clear], merge=False, gap=1.5)
    p.setPen(QPen(NAVY_COLOR, 0.7))
    for lab in labels:
        for a, b in lab.leaders:
            p.drawLine(QPointF(*a), QPointF(*b))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(NAVY_COLOR)
    for a in anchors:
        p.drawEllipse(a, 1.6, 1.6)
    for lab in labels:
        box = QRectF(*lab.box)
        p.setPen(QPen(NAVY_COLOR, 0.8))
        p.setBrush(QColor(palette.PAPER_HEX))
        p.drawRoundedRect(box, box.height() / 2, box.height() / 2)
        page.text(box, Qt.AlignmentFlag.AlignCenter, lab.text, size=7.5, bold=True,
                  color=NAVY_COLOR)


def _legend_strip(page: _Page, rect: QRectF, metres_per_unit: float, entries) -> float:
    """Under a map: the scale bar, the north arrow, then the legend's entries (wrapping)."""
    p = page.p
    target = 70 * metres_per_unit
    exp = 10 ** np.floor(np.log10(target))
    nice = max(m for m in (1, 2, 5, 10) if m * exp <= target) * exp
    length = nice / metres_per_unit
    x, y = rect.left() + 2, rect.top() + 10
    p.setPen(QPen(INK_COLOR, 1.5))
    p.drawLine(QPointF(x, y), QPointF(x + length, y))
    p.drawLine(QPointF(x, y - 3), QPointF(x, y + 1))
    p.drawLine(QPointF(x + length, y - 3), QPointF(x + length, y + 1))
    page.text(QRectF(x + length + 3, rect.top() + 3, 40, 10), _LEFT, french(scale_label(nice)),
              size=6.5)
    xn = x + length + 40
    arrow = QPainterPath()
    arrow.moveTo(xn + 4, rect.top())
    arrow.lineTo(xn + 8, rect.top() + 10)
    arrow.lineTo(xn + 4, rect.top() + 8)
    arrow.lineTo(xn, rect.top() + 10)
    arrow.closeSubpath()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(INK_COLOR)
    p.drawPath(arrow)
    page.text(QRectF(xn + 10, rect.top() + 3, 10, 10), _LEFT, "N", size=6.5, bold=True)
    fm = QFontMetricsF(font(6.5), p.device())
    x = xn + 26
    yy = rect.top() + 3
    for label, what in entries:
        w = fm.horizontalAdvance(label) + 16
        if x + w > rect.right():
            x, yy = xn + 26, yy + 10
        _legend_key(p, what, QPointF(x + 4, yy + 5))
        page.text(QRectF(x + 10, yy, w, 10), _LEFT, label, size=6.5)
        x += w + 4
    return yy + 10


def _legend_key(p: QPainter, what, at: QPointF) -> None:
    box = QRectF(at.x() - 3.5, at.y() - 3.5, 7, 7)
    if isinstance(what, QColor):
        p.setPen(QPen(what.darker(150), 0.5))
        p.setBrush(what)
        p.drawRect(box)
    elif what == "site":
        p.setPen(QPen(SITE_PEN.color(), 1.0, Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(box)
    elif what == "focus":
        p.setPen(QPen(QColor(palette.SELECTION_HEX), 2.0))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(box)
    elif isinstance(what, tuple):                   # a constraint: its colour, hatched
        color = QColor(what[1])
        p.setPen(QPen(color, 1.0))
        fill = QColor(color)
        fill.setAlpha(80)
        p.setBrush(fill)
        p.drawRect(box)
    else:
        draw_pictogram(p, what, at, 3.8)


# ----------------------------------------------------------------------------- site sheet


def _site_sheet(page: _Page, content: InvestorReport, sheet: SiteSheet) -> None:
    x0, width = _MARGIN, PAGE_SIZE.width() - 2 * _MARGIN
    y = _TOP
    page.text(QRectF(x0, y, width, 18), _LEFT, f"Fiche {sheet.rank} — {sheet.title}", size=13,
              bold=True, color=NAVY_COLOR)
    y += 19
    y = page.para(x0, y, width, f"{sheet.place} — {sheet.status_label}", size=8,
                  color=MUTED_COLOR) + 2
    if len(sheet.members) > 1:
        y = page.para(x0, y, width, "Terrains\u00a0: " + ", ".join(sheet.members), size=7.5) + 2
    map_h = 250.0
    rect = QRectF(x0, y + 2, width, map_h)
    bottom = _close_up(page, sheet, rect)
    y = bottom + 6
    col = width / 2 - 6
    page.text(QRectF(x0, y, col, 12), _LEFT, "Chiffres clés", size=9, bold=True)
    yl = y + 13
    for label, value in sheet.figures:
        page.text(QRectF(x0, yl, 110, 10), _LEFT, label, size=7, color=MUTED_COLOR)
        yl = max(yl + 10, page.para(x0 + 112, yl, col - 112, value, size=7, bold=True))
    xr = x0 + width / 2 + 6
    page.text(QRectF(xr, y, col, 12), _LEFT, "Infrastructures les plus proches", size=9,
              bold=True)
    yr = y + 13
    for kind, text, _point in sheet.layers["infrastructure"]:
        draw_pictogram(page.p, kind, QPointF(xr + 4, yr + 5), 4.0)
        yr = page.para(xr + 12, yr, col - 12, text, size=7) + 2
    y = max(yl, yr) + 8
    y = _criteria_table(page, sheet, QRectF(x0, y, width, 0)) + 8
    page.text(QRectF(x0, y, width, 12), _LEFT, "Points à vérifier", size=9, bold=True)
    y += 13
    for line in sheet.checks:
        y = page.para(x0, y, width, "• " + line, size=7.5) + 2


def _close_up(page: _Page, sheet: SiteSheet, rect: QRectF) -> float:
    p = page.p
    layers = sheet.layers
    t, scale = _map_begin(p, sheet.extent, layers, rect)
    for kind, _label, g in layers["constraints"]:
        color = QColor(palette.CONSTRAINT_HEX.get(kind, palette.CONSTRAINT_HEX["other"]))
        fill = QColor(color)
        fill.setAlpha(70)
        _draw_areas(p, [g], fill, _pen(color, 1.0))
    focus_fill = QColor(STATUS_COLORS[STATUS_CODES[sheet.status]])
    focus_fill.setAlpha(150)
    _draw_areas(p, [layers["focus"]], focus_fill, _pen(QColor(palette.SELECTION_HEX), 2.2))
    p.restore()
    infra = layers["infrastructure"]
    at = [t.map(QPointF(pt.x, -pt.y)) for _k, _t, pt in infra]
    kms = [text.rpartition("\u00a0: ")[2] for _k, text, _pt in infra]
    fm = QFontMetricsF(font(6.5, bold=True), p.device())
    labels = label_layout([(a.x(), a.y()) for a in at], ["00" + k for k in kms], height=12.0,
                          char_width=fm.horizontalAdvance("0"),
                          within=(rect.left() + 2, rect.top() + 2, rect.right() - 2,
                                  rect.bottom() - 2), merge=False, gap=2.0)
    p.setPen(QPen(MUTED_COLOR, 0.6))
    for lab in labels:  # every leader first, so that no leader crosses another's box
        p.drawLine(at[lab.members[0]], QRectF(*lab.box).center())
    for lab, (kind, _t, _pt), km in zip(labels, infra, kms, strict=True):
        x, y, w, h = lab.box
        box = QRectF(x, y, w, h)
        p.setPen(QPen(MUTED_COLOR, 0.6))
        p.setBrush(QColor(palette.PAPER_HEX))
        p.drawRoundedRect(box, 3, 3)
        draw_pictogram(p, kind, QPointF(x + 7, y + h / 2), 4.2)
        page.text(QRectF(x + 13, y, w - 14, h), Qt.AlignmentFlag.AlignVCenter, km, size=6.5,
                  bold=True)
    _map_end(p, rect)
    entries = [(f"Terrain ({sheet.status_label})", "focus"), ("Zone d'activité", "site")]
    seen = []
    for kind, label, _g in layers["constraints"]:
        if label not in seen:
            seen.append(label)
            entries.append((label, (kind, palette.CONSTRAINT_HEX.get(
                kind, palette.CONSTRAINT_HEX["other"]))))
    kinds = []
    for kind, _t, _pt in layers["infrastructure"]:
        if kind not in kinds:
            kinds.append(kind)
    entries += [(INFRA_LABELS.get(k, k), k) for k in kinds]
    return _legend_strip(page, QRectF(rect.left(), rect.bottom() + 3, rect.width(), 14),
                         1.0 / scale, entries)


def _criteria_table(page: _Page, sheet: SiteSheet, rect: QRectF) -> float:
    p = page.p
    widths = [120, 150, 180, rect.width() - 450]
    heads = ("Critère", "Valeur mesurée", "Demandé", "Verdict")
    p.fillRect(QRectF(rect.left(), rect.top(), rect.width(), 14), NAVY_COLOR)
    x = rect.left()
    for h, w in zip(heads, widths, strict=True):
        page.text(QRectF(x + 3, rect.top(), w - 4, 14), Qt.AlignmentFlag.AlignVCenter, h,
                  size=7, bold=True, color=QColor("white"))
        x += w
    y = rect.top() + 14
    for i, (label, measured, required, outcome) in enumerate(sheet.criteria):
        cells = (label, measured, required, OUTCOME_LABELS.get(outcome, outcome))
        h = max(page.height(c, w - 6, 7) for c, w in zip(cells, widths, strict=True)) + 4
        if i % 2:
            p.fillRect(QRectF(rect.left(), y, rect.width(), h), ZEBRA_COLOR)
        x = rect.left()
        for j, (c, w) in enumerate(zip(cells, widths, strict=True)):
            color = _OUTCOME_COLORS.get(outcome, INK_COLOR) if j == 3 else INK_COLOR
            page.text(QRectF(x + 3, y + 2, w - 6, h), _WRAP, c, size=7, bold=(j == 3),
                      color=color)
            x += w
        y += h
    p.setPen(QPen(RULE_COLOR, 0.5))
    p.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
    return y


#: Every constraint kind has a French name for the legends.
assert set(palette.CONSTRAINT_HEX) <= set(CONSTRAINT_LABELS)
