"""The one-page investor PDF, drawn natively with QPdfWriter and QPainter.

The page shows the library's :func:`foncier.report.content.report_content` (the brief in short, the
counts, the best plots with their key figures and reasons, the map's extent and layers) with the
report's shared wording, so the app's PDF, ``foncier report --out x.pdf`` and the HTML report say
the same thing. Only the drawing is here: :func:`draw_report` paints the content on any
QPainter (a PDF page, or an image in tests) and returns the texts it drew.

The map's rank labels are placed by the library's ``label_layout``, as on the
HTML map: plots closer than a label's size share one label ("2 · 5 · 7"), and a label that would
cover another one (or the legend) is moved aside with a leader line to its plots.

:func:`write_investor_pdf` needs only a QGuiApplication (it creates one when none exists), so the
command line can call it without any window.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import shapely
from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTransform,
)

import foncier
from foncier.errors import OutputError
from foncier.io.store import atomic_path
from foncier.report import (
    ALL_PASS,
    FOOTER,
    NO_CRITERIA,
    TABLE_HEADERS,
    InvestorReport,
    label_layout,
    meta_line,
    report_content,
)
from foncier.wording import INFRA_LABELS, STATUS_LABELS, fmt_number, scale_label

from .geom import path_from_geometries
from .model import STATUS_CODES
from .style import (
    BACKGROUND_COLOR,
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
    draw_infra_symbol,
)

__all__ = ["write_investor_pdf", "draw_report", "PAGE_SIZE"]

_APP: QGuiApplication | None = None
PAGE_SIZE = QSizeF(595.0, 842.0)          # A4 in points (resolution 72 dpi)
_MARGIN = 32.0


def _ensure_app() -> None:
    global _APP
    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _APP = QGuiApplication([])


def _font(size: float, *, bold: bool = False) -> QFont:
    f = QFont("DejaVu Sans")
    f.setPointSizeF(size)
    f.setBold(bold)
    return f


def write_investor_pdf(result: foncier.MatchResult, path: str | os.PathLike, *,
                       top: int = 10, today: dt.date | None = None) -> Path:
    """Write a one-page PDF for the investor: the brief in short, a map of the best plots, and
    those plots with their key figures and reasons (the content of
    :func:`foncier.report.content.report_content`).

    Parameters
    ----------
    result : foncier.MatchResult
    path : path
        The PDF to write (atomically: a temporary file beside it, then renamed).
    top : int, default 10
        How many of the best-ranked plots to show.
    today : date, optional
        The report's date (today by default).

    Returns
    -------
    Path
        The written file.

    Examples
    --------
    >>> import foncier, tempfile, pathlib
    >>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="Atelier",
    ...                                                                min_area_ha=1))
    >>> out = write_investor_pdf(res, pathlib.Path(tempfile.mkdtemp()) / "fiche.pdf", top=5)
    >>> out.read_bytes()[:5]
    b'%PDF-'
    """
    _ensure_app()
    path = Path(path)
    if not path.parent.is_dir():
        raise OutputError(f"{path}: le dossier {path.parent} n'existe pas.")
    content = report_content(result, top=max(1, int(top)), today=today)
    tmp, final = atomic_path(path)
    try:
        writer = QPdfWriter(str(tmp))
        writer.setResolution(72)
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                         QPageLayout.Orientation.Portrait,
                                         QMarginsF(0, 0, 0, 0)))
        writer.setTitle(f"Terrains proposés — {content.title}")
        writer.setCreator("foncier")
        painter = QPainter()
        if not painter.begin(writer):
            raise OutputError(f"{path}: impossible d'écrire le PDF (dossier protégé ?).")
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            draw_report(painter, content)
        finally:
            painter.end()
        del writer
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()
    return final


class _Page:
    """A painter that remembers the texts it draws (what the page says, in order)."""

    def __init__(self, painter: QPainter):
        self.p = painter
        self.texts: list[str] = []

    def text(self, rect: QRectF, flags, text: str, *, size: float = 8, bold: bool = False,
             color: QColor = INK_COLOR) -> None:
        self.p.setFont(_font(size, bold=bold))
        self.p.setPen(color)
        self.p.drawText(rect, flags, text)
        self.texts.append(text)


def draw_report(painter: QPainter, content: InvestorReport) -> list[str]:
    """Draw the one-page report on an A4 page in points (595 x 842); returns the texts drawn.

    Examples
    --------
    >>> import foncier
    >>> from PySide6.QtGui import QGuiApplication, QImage, QPainter
    >>> from foncier.report.content import report_content
    >>> app = QGuiApplication.instance() or QGuiApplication([])
    >>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="Atelier",
    ...                                                                min_area_ha=1))
    >>> image = QImage(595, 842, QImage.Format.Format_RGB32)
    >>> image.fill(0xFFFFFF)
    >>> p = QPainter(image)
    >>> texts = draw_report(p, report_content(res, top=3))
    >>> p.end()
    True
    >>> texts[:2]
    ['Terrains proposés', 'Projet « Atelier »']
    """
    page = _Page(painter)
    left = Qt.AlignmentFlag.AlignLeft
    x0, width = _MARGIN, PAGE_SIZE.width() - 2 * _MARGIN
    y = _MARGIN
    page.text(QRectF(x0, y, width, 22), left, "Terrains proposés", size=15, bold=True,
              color=NAVY_COLOR)
    y += 22
    page.text(QRectF(x0, y, width, 16), left, f"Projet « {content.title} »", size=11,
              bold=True)
    y += 17
    wrap = left | Qt.TextFlag.TextWordWrap
    meta = meta_line(content)
    h = _wrapped_height(painter, meta, width, 8)
    page.text(QRectF(x0, y, width, h), wrap, meta, size=8, color=MUTED_COLOR)
    y += h + 7

    # The brief in short, in two columns (long lines wrap).
    lines = content.brief_lines or [NO_CRITERIA]
    page.text(QRectF(x0, y, width, 13), left, "Cahier des charges", size=9, bold=True)
    y += 14
    half = (len(lines) + 1) // 2
    col_w = width / 2
    bottom = y
    for col, chunk in enumerate((lines[:half], lines[half:])):
        yy = y
        for line in chunk:
            text = "• " + line
            h = _wrapped_height(painter, text, col_w - 8, 8)
            page.text(QRectF(x0 + col * col_w, yy, col_w - 8, h), wrap, text, size=8)
            yy += h + 1.5
        bottom = max(bottom, yy)
    y = bottom + 8

    # The table takes what its rows need; the map the rest.
    footer_h = 16.0
    table_h = 14.0 + 34.0 * max(1, len(content.plots))
    map_h = max(180.0, min(320.0, PAGE_SIZE.height() - _MARGIN - footer_h - y - table_h - 10))
    _draw_map(page, content, QRectF(x0, y, width, map_h))
    y += map_h + 10
    _draw_table(page, content, QRectF(x0, y, width,
                                      PAGE_SIZE.height() - _MARGIN - footer_h - y))
    page.text(QRectF(x0, PAGE_SIZE.height() - _MARGIN - 8, width, 10), left, FOOTER, size=6.5,
              color=FAINT_COLOR)
    return page.texts


def _metrics(p: QPainter, font: QFont) -> QFontMetricsF:
    """Font metrics on the painter's device (a PDF at 72 dpi is not the screen)."""
    return QFontMetricsF(font, p.device())


def _wrapped_height(p: QPainter, text: str, width: float, size: float) -> float:
    fm = _metrics(p, _font(size))
    return fm.boundingRect(QRectF(0, 0, width, 10_000), int(Qt.TextFlag.TextWordWrap),
                           text).height()


def _map_transform(extent, rect: QRectF) -> tuple[QTransform, float]:
    """Lambert-93 scene coordinates (y negated) to page points, centred, aspect kept."""
    x0, y0, x1, y1 = extent
    scale = min(rect.width() / max(x1 - x0, 1.0), rect.height() / max(y1 - y0, 1.0))
    t = QTransform()
    t.translate(rect.center().x(), rect.center().y())
    t.scale(scale, scale)
    t.translate(-(x0 + x1) / 2, (y0 + y1) / 2)
    return t, scale


def _draw_map(page: _Page, content: InvestorReport, rect: QRectF) -> None:
    p = page.p
    t, scale = _map_transform(content.extent, rect)
    layers = content.layers
    p.save()
    p.setClipRect(rect)
    p.fillRect(rect, BACKGROUND_COLOR)
    p.setTransform(t, True)
    if layers["communes"]:
        pen = QPen(COMMUNE_PEN)
        pen.setCosmetic(True)
        p.setPen(pen)
        p.setBrush(COMMUNE_FILL)
        p.drawPath(path_from_geometries(layers["communes"]))
    if layers["sites"]:
        pen = QPen(SITE_PEN)
        pen.setCosmetic(True)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path_from_geometries(layers["sites"]))
    # Every plot of the extent, pale; the best ones in their status colour on top.
    status = np.array([s for s, _ in layers["plots"]], dtype=object)
    geoms = np.array([g for _, g in layers["plots"]], dtype=object)
    best = np.array([b.geometry for b in content.plots], dtype=object)
    best_status = np.array([b.status for b in content.plots], dtype=object)
    for s in ("no_match", "to_check", "match"):
        color = QColor(STATUS_COLORS[STATUS_CODES[s]])
        color.setAlpha(90)
        _fill(p, geoms[status == s] if len(geoms) else geoms, color, None)
    for s in ("no_match", "to_check", "match"):
        color = STATUS_COLORS[STATUS_CODES[s]]
        _fill(p, best[best_status == s] if len(best) else best, color, NAVY_COLOR)
    p.restore()

    p.save()
    p.setClipRect(rect)
    kinds: list[str] = []
    symbols = []
    for kind, _name, point in layers["infrastructure"]:
        symbols.append(t.map(QPointF(point.x, -point.y)))
        draw_infra_symbol(p, kind, symbols[-1], 4.5)
        if kind not in kinds:
            kinds.append(kind)
    anchors = [t.map(QPointF(*_scene_xy(shapely.point_on_surface(b.geometry))))
               for b in content.plots]
    _draw_rank_labels(page, anchors, [b.rank for b in content.plots], rect,
                      avoid=[_legend_rect(rect, kinds)], clear=symbols)
    p.restore()

    p.setPen(QPen(MUTED_COLOR, 0.8))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(rect)
    _scale_bar(page, rect, 1.0 / scale)
    _legend(page, rect, kinds)


def _scene_xy(point) -> tuple[float, float]:
    return float(point.x), -float(point.y)


def _fill(p: QPainter, geoms: np.ndarray, fill: QColor, outline: QColor | None) -> None:
    if not len(geoms):
        return
    if outline is None:
        p.setPen(Qt.PenStyle.NoPen)
    else:
        pen = QPen(outline, 0.8)
        pen.setCosmetic(True)
        p.setPen(pen)
    p.setBrush(QBrush(fill))
    p.drawPath(path_from_geometries(geoms))


def _draw_rank_labels(page: _Page, anchors: list[QPointF], ranks: list[int], rect: QRectF,
                      *, avoid: list[QRectF], clear: list[QPointF]) -> None:
    """Rank labels placed by the library's ``label_layout`` (as in the HTML
    map): leader lines and anchor dots, then the labels on top."""
    p = page.p
    fm = _metrics(p, _font(7, bold=True))
    labels = label_layout([(a.x(), a.y()) for a in anchors], ranks, height=13.0,
                          char_width=fm.horizontalAdvance("0"),
                          within=(rect.left(), rect.top() + 18, rect.right(),
                                  rect.bottom() - 26),
                          avoid=[(r.x(), r.y(), r.width(), r.height()) for r in avoid],
                          clear=[(c.x(), c.y()) for c in clear])
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
        p.setBrush(QColor(255, 255, 255, 235))
        p.drawRoundedRect(box, box.height() / 2, box.height() / 2)
        page.text(box, Qt.AlignmentFlag.AlignCenter, lab.text, size=7, bold=True, color=NAVY_COLOR)


def _scale_bar(page: _Page, rect: QRectF, metres_per_unit: float) -> None:
    p = page.p
    target = 90 * metres_per_unit
    exp = 10 ** np.floor(np.log10(target))
    nice = max(m for m in (1, 2, 5, 10) if m * exp <= target) * exp
    length = nice / metres_per_unit
    x, y = rect.left() + 10, rect.bottom() - 10
    p.fillRect(QRectF(x - 4, y - 16, length + 8, 20), QColor(255, 255, 255, 210))
    p.setPen(QPen(INK_COLOR, 1.5))
    p.drawLine(QPointF(x, y), QPointF(x + length, y))
    p.drawLine(QPointF(x, y - 3), QPointF(x, y + 2))
    p.drawLine(QPointF(x + length, y - 3), QPointF(x + length, y + 2))
    page.text(QRectF(x, y - 15, length, 10), Qt.AlignmentFlag.AlignCenter, scale_label(nice),
              size=6.5)
    page.text(QRectF(rect.right() - 24, rect.top() + 4, 20, 12), Qt.AlignmentFlag.AlignCenter,
              "N ↑", size=7)


def _legend_rect(rect: QRectF, kinds: list[str]) -> QRectF:
    """The legend's box at the map's bottom right: the statuses, then the infrastructure kinds."""
    h = 10.0 * (len(STATUS_CODES) + len(kinds)) + 6
    return QRectF(rect.right() - 118, rect.bottom() - h - 4, 114, h)


def _legend(page: _Page, rect: QRectF, kinds: list[str]) -> None:
    p = page.p
    entries: list[tuple[str, object]] = [(STATUS_LABELS[s].capitalize(), STATUS_COLORS[c])
                                         for s, c in STATUS_CODES.items()]
    entries += [(INFRA_LABELS.get(k, k), k) for k in kinds]
    box = _legend_rect(rect, kinds)
    p.fillRect(box, QColor(255, 255, 255, 220))
    for i, (label, what) in enumerate(entries):
        yy = box.top() + 3 + i * 10
        if isinstance(what, QColor):
            p.setPen(QPen(what.darker(150), 0.5))
            p.setBrush(what)
            p.drawRect(QRectF(box.left() + 4, yy + 1.5, 7, 7))
        else:
            draw_infra_symbol(p, what, QPointF(box.left() + 7.5, yy + 5), 3.5)
        page.text(QRectF(box.left() + 15, yy, box.width() - 17, 10),
                  Qt.AlignmentFlag.AlignVCenter, label, size=6.5)


def _draw_table(page: _Page, content: InvestorReport, rect: QRectF) -> None:
    p = page.p
    widths = [25, 76, 84, 58, 26, 150]
    cols = list(zip(TABLE_HEADERS, [*widths, rect.width() - sum(widths)], strict=True))
    header_h = 14.0
    row_h = min(34.0, (rect.height() - header_h) / max(1, len(content.plots)))
    p.fillRect(QRectF(rect.left(), rect.top(), rect.width(), header_h), NAVY_COLOR)
    x = rect.left()
    for name, w in cols:
        page.text(QRectF(x + 3, rect.top(), w - 4, header_h), Qt.AlignmentFlag.AlignVCenter,
                  name, size=7, bold=True, color=QColor("white"))
        x += w
    y = rect.top() + header_h
    for i, plot in enumerate(content.plots):
        if i % 2 == 1:
            p.fillRect(QRectF(rect.left(), y, rect.width(), row_h), ZEBRA_COLOR)
        cells = [str(plot.rank), plot.plot_id, plot.place, plot.status_label,
                 fmt_number(plot.score, 0),
                 " · ".join(f"{k} : {_nobreak(v)}" for k, v in plot.figures),
                 " ; ".join(plot.reasons) or ALL_PASS]
        x = rect.left()
        for j, ((_, w), text) in enumerate(zip(cols, cells, strict=True)):
            cell = QRectF(x + 3, y + 1, w - 5, row_h - 2)
            if j == 3:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(STATUS_COLORS[STATUS_CODES[plot.status]])
                p.drawEllipse(QRectF(x + 3, y + row_h / 2 - 3, 6, 6))
                cell.adjust(9, 0, 0, 0)
            size = 6.5 if j >= 5 else 7
            flags = Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap
            p.setFont(_font(size, bold=(j == 1)))
            page.text(cell, flags, _fit(p, text, cell.size()), size=size, bold=(j == 1))
            x += w
        y += row_h
    p.setPen(QPen(RULE_COLOR, 0.5))
    p.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))


def _nobreak(text: str) -> str:
    """Keep a value and its unit ("19 €/m²") together."""
    return text.replace(" ", "\u00a0")


def _fit(p: QPainter, text: str, size: QSizeF) -> str:
    """Shorten wrapped text until it fits a cell (ending with an ellipsis)."""
    fm = _metrics(p, p.font())
    flags = int(Qt.TextFlag.TextWordWrap)
    box = QRectF(0, 0, size.width(), 10_000)
    if fm.boundingRect(box, flags, text).height() <= size.height():
        return text
    words = text.split(" ")
    lo, hi = 0, len(words)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fm.boundingRect(box, flags, " ".join(words[:mid]) + " …").height() <= size.height():
            lo = mid
        else:
            hi = mid - 1
    return " ".join(words[:lo]) + " …"
