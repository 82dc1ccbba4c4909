"""The one-page investor PDF, drawn natively with QPdfWriter and QPainter.

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
from foncier.criteria import fmt_number
from foncier.errors import OutputError
from foncier.matching import STATUS_LABELS
from foncier.store import atomic_path

from .geom import path_from_geometries, path_from_rings, scene_rect_from_bounds
from .model import STATUS_CODES, plot_index_from_inventory
from .style import COMMUNE_FILL, COMMUNE_PEN, SITE_PEN, STATUS_COLORS, draw_infra_symbol
from .text import INFRA_LABELS, brief_lines

__all__ = ["write_investor_pdf"]

_APP: QGuiApplication | None = None
_PAGE_W, _PAGE_H = 595.0, 842.0          # A4 in points (resolution 72 dpi)
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
                       top: int = 10) -> Path:
    """Write a one-page PDF for the investor: the brief in short, a map of the best plots, and
    those plots with their key figures and reasons.

    Parameters
    ----------
    result : foncier.MatchResult
    path : path
        The PDF to write (atomically: a temporary file beside it, then renamed).
    top : int, default 10
        How many of the best-ranked plots to show.

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
    tmp, final = atomic_path(path)
    try:
        writer = QPdfWriter(str(tmp))
        writer.setResolution(72)
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                         QPageLayout.Orientation.Portrait,
                                         QMarginsF(0, 0, 0, 0)))
        writer.setTitle(f"Terrains pour {result.brief.name}")
        writer.setCreator("foncier")
        painter = QPainter()
        if not painter.begin(writer):
            raise OutputError(f"{path}: impossible d'écrire le PDF (dossier protégé ?).")
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            _draw_page(painter, result, max(1, int(top)))
        finally:
            painter.end()
        del writer
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()
    return final


def _draw_page(p: QPainter, result: foncier.MatchResult, top: int) -> None:
    inv = result.inventory
    index = plot_index_from_inventory(inv)
    best = result.order[:top]
    x0, width = _MARGIN, _PAGE_W - 2 * _MARGIN
    y = _MARGIN

    # Title
    p.setPen(QColor("#1a237e"))
    p.setFont(_font(15, bold=True))
    p.drawText(QRectF(x0, y, width, 22), Qt.AlignmentFlag.AlignLeft, "Terrains proposés")
    p.setFont(_font(11, bold=True))
    p.setPen(QColor("#222222"))
    y += 22
    p.drawText(QRectF(x0, y, width, 16), Qt.AlignmentFlag.AlignLeft,
               result.brief.name)
    y += 17
    counts = result.counts
    source = Path(inv.source).name if inv.source else "inventaire"
    p.setFont(_font(8))
    p.setPen(QColor("#555555"))
    p.drawText(QRectF(x0, y, width, 12), Qt.AlignmentFlag.AlignLeft,
               f"{source} — {fmt_number(len(result.status), 0)} terrains étudiés : "
               f"{counts['match']} compatibles, {counts['to_check']} à vérifier, "
               f"{counts['no_match']} incompatibles — le {dt.date.today():%d/%m/%Y}")
    y += 18

    # Brief in short, two columns
    lines = brief_lines(result.brief) or ["Aucun critère hormis la disponibilité."]
    p.setPen(QColor("#222222"))
    p.setFont(_font(9, bold=True))
    p.drawText(QRectF(x0, y, width, 13), Qt.AlignmentFlag.AlignLeft, "Cahier des charges")
    y += 14
    p.setFont(_font(8))
    half = (len(lines) + 1) // 2
    col_w = width / 2
    for i, line in enumerate(lines):
        col, row = divmod(i, half)
        p.drawText(QRectF(x0 + col * col_w, y + row * 11.5, col_w - 6, 11.5),
                   Qt.AlignmentFlag.AlignLeft, "• " + _elide(p, line, col_w - 14))
    y += half * 11.5 + 8

    # Map
    map_h = 300.0
    map_rect = QRectF(x0, y, width, map_h)
    _draw_map(p, result, index, best, map_rect)
    y += map_h + 10

    # Table of the best plots
    _draw_table(p, result, index, best, QRectF(x0, y, width, _PAGE_H - _MARGIN - y - 16))

    p.setFont(_font(6.5))
    p.setPen(QColor("#777777"))
    p.drawText(QRectF(x0, _PAGE_H - _MARGIN - 8, width, 10), Qt.AlignmentFlag.AlignLeft,
               "Distances à vol d'oiseau, en Lambert-93. Surfaces nettes : surface du terrain "
               "moins les contraintes retirées. Document produit par foncier.")


def _elide(p: QPainter, text: str, width: float) -> str:
    return QFontMetricsF(p.font()).elidedText(text, Qt.TextElideMode.ElideRight, width)


def _draw_map(p: QPainter, result, index, best: np.ndarray, rect: QRectF) -> None:
    inv = result.inventory
    plots = inv.plots.geometry.to_numpy()
    bounds = np.array(shapely.total_bounds(plots[best]))
    cx, cy = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    span = max(bounds[2] - bounds[0], bounds[3] - bounds[1], 3_000.0) * 1.15
    aspect = rect.width() / rect.height()
    w, h = (span, span / aspect) if aspect >= 1 else (span * aspect, span)
    if w < bounds[2] - bounds[0] or h < bounds[3] - bounds[1]:
        w, h = max(w, (bounds[2] - bounds[0]) * 1.15), max(h, (bounds[3] - bounds[1]) * 1.15)
        w, h = max(w, h * aspect), max(h, w / aspect)
    extent = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    scene = scene_rect_from_bounds(extent)
    scale = rect.width() / scene.width()
    t = QTransform()
    t.translate(rect.left(), rect.top())
    t.scale(scale, scale)
    t.translate(-scene.left(), -scene.top())
    box = shapely.box(*extent)

    p.save()
    p.setClipRect(rect)
    p.fillRect(rect, QColor("#dfe8ec"))
    p.setTransform(t, True)
    if inv.communes is not None and len(inv.communes):
        geoms = inv.communes.geometry.to_numpy()
        keep = shapely.intersects(geoms, box)
        pen = QPen(COMMUNE_PEN)
        pen.setCosmetic(True)
        p.setPen(pen)
        p.setBrush(COMMUNE_FILL)
        p.drawPath(path_from_geometries(geoms[keep]))
    sites = inv.sites.geometry.to_numpy()
    pen = QPen(SITE_PEN)
    pen.setCosmetic(True)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(path_from_geometries(sites[shapely.intersects(sites, box)]))
    near = np.zeros(len(plots), dtype=bool)
    near[index.tree.query(box, predicate="intersects")] = True
    near[best] = False
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#d6d2c8"))
    p.drawPath(path_from_rings(index.rings, near))
    codes = np.array([STATUS_CODES[s] for s in result.status[best]])
    for code in (2, 1, 0):
        mask = np.zeros(len(plots), dtype=bool)
        mask[best[codes == code]] = True
        if mask.any():
            pen = QPen(STATUS_COLORS[code].darker(160), 0.8)
            pen.setCosmetic(True)
            p.setPen(pen)
            p.setBrush(QBrush(STATUS_COLORS[code]))
            p.drawPath(path_from_rings(index.rings, mask))
    p.restore()
    p.save()
    p.setClipRect(rect)

    # Infrastructure symbols and rank labels, in page units.
    infra = inv.infrastructure
    shown_kinds = []
    for geom, kind in zip(infra.geometry.to_numpy(), infra["kind"].tolist(), strict=True):
        if shapely.intersects(geom, box):
            draw_infra_symbol(p, kind, t.map(QPointF(geom.x, -geom.y)), 4.5)
            if kind not in shown_kinds:
                shown_kinds.append(kind)
    p.setFont(_font(7, bold=True))
    for rank, pos in enumerate(best, start=1):
        at = t.map(QPointF(index.cx[pos], index.cy[pos]))
        r = QRectF(at.x() - 7, at.y() - 7, 14, 14)
        p.setPen(QPen(QColor("#1a237e"), 0.8))
        p.setBrush(QColor(255, 255, 255, 230))
        p.drawEllipse(r)
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, str(rank))
    p.restore()

    # Frame, scale bar, legend.
    p.setPen(QPen(QColor("#555555"), 0.8))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(rect)
    _scale_bar(p, rect, 1.0 / scale)
    _legend(p, rect, shown_kinds)


def _scale_bar(p: QPainter, rect: QRectF, metres_per_unit: float) -> None:
    target = 90 * metres_per_unit
    exp = 10 ** np.floor(np.log10(target))
    nice = max(m for m in (1, 2, 5, 10) if m * exp <= target) * exp
    length = nice / metres_per_unit
    x, y = rect.left() + 10, rect.bottom() - 10
    p.fillRect(QRectF(x - 4, y - 16, length + 8, 20), QColor(255, 255, 255, 210))
    p.setPen(QPen(QColor("#222222"), 1.5))
    p.drawLine(QPointF(x, y), QPointF(x + length, y))
    p.drawLine(QPointF(x, y - 3), QPointF(x, y + 2))
    p.drawLine(QPointF(x + length, y - 3), QPointF(x + length, y + 2))
    p.setFont(_font(6.5))
    label = f"{nice / 1000:g} km" if nice >= 1000 else f"{nice:g} m"
    p.drawText(QRectF(x, y - 15, length, 10), Qt.AlignmentFlag.AlignCenter, label)
    p.drawText(QRectF(rect.right() - 24, rect.top() + 4, 20, 12), Qt.AlignmentFlag.AlignCenter,
               "N ↑")


def _legend(p: QPainter, rect: QRectF, kinds: list[str]) -> None:
    entries: list[tuple[str, object]] = [(STATUS_LABELS[s].capitalize(), STATUS_COLORS[c])
                                         for s, c in STATUS_CODES.items()]
    entries += [(INFRA_LABELS.get(k, k), k) for k in kinds]
    h = 10.0 * len(entries) + 6
    box = QRectF(rect.right() - 118, rect.bottom() - h - 4, 114, h)
    p.fillRect(box, QColor(255, 255, 255, 220))
    p.setFont(_font(6.5))
    for i, (label, what) in enumerate(entries):
        yy = box.top() + 3 + i * 10
        if isinstance(what, QColor):
            p.setPen(QPen(what.darker(150), 0.5))
            p.setBrush(what)
            p.drawRect(QRectF(box.left() + 4, yy + 1.5, 7, 7))
        else:
            draw_infra_symbol(p, what, QPointF(box.left() + 7.5, yy + 5), 3.5)
        p.setPen(QColor("#222222"))
        p.drawText(QRectF(box.left() + 15, yy, box.width() - 17, 10),
                   Qt.AlignmentFlag.AlignVCenter, label)


def _draw_table(p: QPainter, result, index, best: np.ndarray, rect: QRectF) -> None:
    cols = [("Rang", 24), ("Terrain", 74), ("Zone, commune", 106), ("Statut", 64),
            ("Score", 28), ("Surface", 42), ("Prix", 36)]
    fixed = sum(w for _, w in cols)
    cols.append(("Points à vérifier / motifs", rect.width() - fixed))
    header_h = 14.0
    row_h = min(34.0, (rect.height() - header_h) / max(1, len(best)))
    x = rect.left()
    p.fillRect(QRectF(rect.left(), rect.top(), rect.width(), header_h), QColor("#1a237e"))
    p.setFont(_font(7, bold=True))
    p.setPen(QColor("white"))
    for name, w in cols:
        p.drawText(QRectF(x + 3, rect.top(), w - 4, header_h), Qt.AlignmentFlag.AlignVCenter,
                   name)
        x += w
    reasons = result.reasons(best)
    plots = result.inventory.plots
    y = rect.top() + header_h
    for rank, (pos, why) in enumerate(zip(best.tolist(), reasons.tolist(), strict=True),
                                      start=1):
        if rank % 2 == 0:
            p.fillRect(QRectF(rect.left(), y, rect.width(), row_h), QColor("#f1f3f8"))
        status = str(result.status[pos])
        price = plots["price_eur_m2"].iloc[pos] if "price_eur_m2" in plots else None
        commune = index.commune_names[pos]
        cells = [str(rank), str(index.plot_ids[pos]),
                 f"{index.zone_names[pos]}{', ' + commune if commune else ''}",
                 STATUS_LABELS[status], fmt_number(result.score[pos], 0),
                 f"{fmt_number(result.net_area_ha[pos], 1)} ha",
                 "—" if price is None or price != price else f"{fmt_number(price, 1)} €",
                 why or "Tous les critères demandés sont respectés."]
        x = rect.left()
        for i, ((_, w), text) in enumerate(zip(cols, cells, strict=True)):
            cell = QRectF(x + 3, y + 1, w - 5, row_h - 2)
            if i == 3:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(STATUS_COLORS[STATUS_CODES[status]])
                p.drawEllipse(QRectF(x + 3, y + row_h / 2 - 3, 6, 6))
                cell.adjust(9, 0, 0, 0)
            p.setPen(QColor("#222222"))
            p.setFont(_font(6.5 if i == len(cols) - 1 else 7, bold=(i == 1)))
            flags = Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap
            p.drawText(cell, flags, _fit(p, text, cell.size()))
            x += w
        y += row_h
    p.setPen(QPen(QColor("#bbbbbb"), 0.5))
    p.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))


def _fit(p: QPainter, text: str, size: QSizeF) -> str:
    """Shorten wrapped text until it fits a cell (ending with an ellipsis)."""
    fm = QFontMetricsF(p.font())
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
