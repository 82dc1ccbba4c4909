"""Colours, French labels and hand-drawn symbols shared by the map, the legend and the PDF.

Only QtGui: the PDF writer uses it without widgets.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from foncier.wording import INFRA_LABELS, STATUS_NAMES, constraint_label

__all__ = ["STATUS_COLORS", "STATUS_NAMES", "constraint_color", "constraint_label",
           "INFRA_COLORS", "INFRA_LABELS", "draw_infra_symbol", "outcome_icon", "swatch_icon",
           "infra_icon", "assembly_icon", "ASSEMBLY_COLOR"]

#: Fill by status code: match, to_check, no_match, not yet matched.
STATUS_COLORS = {
    0: QColor("#2e9e44"),
    1: QColor("#f0a020"),
    2: QColor("#a3a3a3"),
    3: QColor("#c9c4b8"),
}

SELECTION_COLOR = QColor("#1565c0")
#: Outline of the members of a selected assembly.
ASSEMBLY_COLOR = QColor("#6a1b9a")
SITE_PEN = QPen(QColor("#6d4c2f"), 1.2)
COMMUNE_PEN = QPen(QColor("#b5ad9c"), 0.8)
COMMUNE_FILL = QColor("#f6f2e8")

_CONSTRAINT_COLORS = {
    "flood": "#1e6fd9", "pprt": "#8e24aa", "seveso": "#d32f2f", "natura2000": "#2e7d32",
    "znieff1": "#7cb342", "znieff2": "#c0ca33", "wetland": "#00897b", "monument": "#6d4c41",
    "littoral": "#00acc1", "archaeology": "#ef6c00", "housing": "#ec407a", "other": "#607d8b",
}
INFRA_COLORS = {
    "motorway_interchange": QColor("#c62828"),
    "rail_freight": QColor("#37474f"),
    "port": QColor("#0d47a1"),
    "airport": QColor("#6a1b9a"),
    "substation": QColor("#f9a825"),
}


def constraint_color(kind: str, level: str | None) -> QColor:
    """The colour of a constraint group (the interdiction level a darker shade)."""
    c = QColor(_CONSTRAINT_COLORS.get(kind, "#607d8b"))
    return c.darker(125) if level == "interdiction" else c


def draw_infra_symbol(painter: QPainter, kind: str, at: QPointF, size: float) -> None:
    """Draw an infrastructure symbol centred on ``at`` (device-independent shapes)."""
    color = INFRA_COLORS.get(kind, QColor("#333333"))
    painter.save()
    painter.setPen(QPen(QColor("white"), 1.5))
    painter.setBrush(color)
    s = size
    x, y = at.x(), at.y()
    if kind == "motorway_interchange":
        painter.drawEllipse(at, s * 0.8, s * 0.8)
        painter.setPen(QPen(QColor("white"), max(1.0, s / 5)))
        painter.drawLine(QPointF(x - s * 0.45, y), QPointF(x + s * 0.45, y))
    elif kind == "rail_freight":
        painter.drawRect(QRectF(x - s * 0.75, y - s * 0.75, s * 1.5, s * 1.5))
        painter.setPen(QPen(QColor("white"), max(1.0, s / 6)))
        painter.drawLine(QPointF(x - s * 0.5, y - s * 0.25), QPointF(x + s * 0.5, y - s * 0.25))
        painter.drawLine(QPointF(x - s * 0.5, y + s * 0.25), QPointF(x + s * 0.5, y + s * 0.25))
    elif kind == "port":
        poly = QPolygonF([QPointF(x, y - s), QPointF(x + s, y), QPointF(x, y + s),
                          QPointF(x - s, y)])
        painter.drawPolygon(poly)
    elif kind == "airport":
        poly = QPolygonF([QPointF(x, y - s), QPointF(x + s * 0.9, y + s * 0.7),
                          QPointF(x - s * 0.9, y + s * 0.7)])
        painter.drawPolygon(poly)
    else:  # substation: a lightning bolt in a circle
        painter.drawEllipse(at, s * 0.8, s * 0.8)
        bolt = QPainterPath()
        bolt.moveTo(x + s * 0.1, y - s * 0.6)
        bolt.lineTo(x - s * 0.35, y + s * 0.1)
        bolt.lineTo(x, y + s * 0.1)
        bolt.lineTo(x - s * 0.1, y + s * 0.6)
        bolt.lineTo(x + s * 0.35, y - s * 0.1)
        bolt.lineTo(x, y - s * 0.1)
        bolt.closeSubpath()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#222222"))
        painter.drawPath(bolt)
    painter.restore()


def _pixmap(size: int = 16) -> tuple[QPixmap, QPainter]:
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    return pm, p


def outcome_icon(outcome: str, size: int = 16) -> QIcon:
    """A pass (green tick), fail (red cross) or unknown (amber question mark) icon."""
    pm, p = _pixmap(size)
    colors = {"pass": "#2e9e44", "fail": "#d32f2f", "unknown": "#f0a020"}
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(colors.get(outcome, "#888888")))
    p.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    pen = QPen(QColor("white"), max(1.5, size / 8), Qt.PenStyle.SolidLine,
               Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    s = float(size)
    if outcome == "pass":
        p.drawPolyline(QPolygonF([QPointF(s * 0.28, s * 0.52), QPointF(s * 0.44, s * 0.68),
                                  QPointF(s * 0.72, s * 0.34)]))
    elif outcome == "fail":
        p.drawLine(QPointF(s * 0.32, s * 0.32), QPointF(s * 0.68, s * 0.68))
        p.drawLine(QPointF(s * 0.68, s * 0.32), QPointF(s * 0.32, s * 0.68))
    else:
        p.drawArc(QRectF(s * 0.34, s * 0.2, s * 0.32, s * 0.3), 180 * 16, -270 * 16)
        p.drawLine(QPointF(s * 0.5, s * 0.5), QPointF(s * 0.5, s * 0.6))
        p.drawPoint(QPointF(s * 0.5, s * 0.78))
    p.end()
    return QIcon(pm)


def swatch_icon(fill: QColor, border: QColor | None = None, size: int = 14) -> QIcon:
    """A small filled square for a legend."""
    pm, p = _pixmap(size)
    p.setPen(QPen(border or fill.darker(140), 1))
    p.setBrush(fill)
    p.drawRect(QRectF(1.5, 1.5, size - 3, size - 3))
    p.end()
    return QIcon(pm)


def infra_icon(kind: str, size: int = 16) -> QIcon:
    """An infrastructure symbol as an icon for the legend."""
    pm, p = _pixmap(size)
    draw_infra_symbol(p, kind, QPointF(size / 2, size / 2), size * 0.42)
    p.end()
    return QIcon(pm)


def assembly_icon(size: int = 16) -> QIcon:
    """Two neighbouring plots joined: the mark of an assembly row."""
    pm, p = _pixmap(size)
    s = float(size)
    p.setPen(QPen(ASSEMBLY_COLOR, 1.2))
    p.setBrush(QColor("#e1bee7"))
    p.drawRect(QRectF(1.5, s * 0.25, s * 0.45, s * 0.5))
    p.drawRect(QRectF(s * 0.52, s * 0.25, s * 0.45, s * 0.5))
    p.setPen(QPen(ASSEMBLY_COLOR, max(1.5, s / 8)))
    p.drawLine(QPointF(s * 0.3, s * 0.5), QPointF(s * 0.72, s * 0.5))
    p.end()
    return QIcon(pm)
