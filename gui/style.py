"""Qt colours, pens and hand-drawn symbols shared by the map, the legend and the PDF.

Every colour comes from :mod:`foncier.palette` (hex strings), so the app, the reports and the
batch files agree; the French labels are in :mod:`foncier.wording` (import them from there). Only
QtGui: the PDF writer uses it without widgets.

Examples
--------
>>> from foncier.palette import CONSTRAINT_HEX, STATUS_HEX
>>> STATUS_COLORS[0].name() == STATUS_HEX["match"]
True
>>> constraint_color("flood", None).name() == CONSTRAINT_HEX["flood"]
True
>>> darker = constraint_color("flood", "interdiction")        # the interdiction level
>>> darker.lightness() < constraint_color("flood", None).lightness()
True
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from foncier.palette import (
    ASSEMBLY_HEX,
    ASSEMBLY_TINT_HEX,
    BACKGROUND_HEX,
    COMMUNE_FILL_HEX,
    COMMUNE_LINE_HEX,
    CONSTRAINT_HEX,
    FAINT_HEX,
    INFRA_HEX,
    INK_HEX,
    MUTED_HEX,
    NAVY_HEX,
    OUTCOME_HEX,
    OUTCOME_MARK_HEX,
    RULE_HEX,
    SELECTION_HEX,
    SITE_HEX,
    STATUS_HEX_BY_CODE,
    ZEBRA_HEX,
)

__all__ = ["STATUS_COLORS", "constraint_color", "INFRA_COLORS", "draw_infra_symbol",
           "outcome_icon", "swatch_icon", "infra_icon", "assembly_icon", "ASSEMBLY_COLOR",
           "SELECTION_COLOR", "SITE_PEN", "COMMUNE_PEN", "COMMUNE_FILL", "BACKGROUND_COLOR",
           "INK_COLOR", "NAVY_COLOR", "MUTED_COLOR", "FAINT_COLOR", "RULE_COLOR", "ZEBRA_COLOR",
           "OUTCOME_TEXT_COLORS", "MATCH_TEXT_COLOR"]

#: Fill by status code: match, to_check, no_match, not yet matched.
STATUS_COLORS = {code: QColor(hex_) for code, hex_ in STATUS_HEX_BY_CODE.items()}

SELECTION_COLOR = QColor(SELECTION_HEX)
#: Outline of the members of a selected assembly.
ASSEMBLY_COLOR = QColor(ASSEMBLY_HEX)
SITE_PEN = QPen(QColor(SITE_HEX), 1.2)
COMMUNE_PEN = QPen(QColor(COMMUNE_LINE_HEX), 0.8)
COMMUNE_FILL = QColor(COMMUNE_FILL_HEX)
#: The map's background (the sea, and land outside the communes).
BACKGROUND_COLOR = QColor(BACKGROUND_HEX)
#: Text and lines.
INK_COLOR = QColor(INK_HEX)
#: Titles, labels and outlines of the best plots in the PDF.
NAVY_COLOR = QColor(NAVY_HEX)
#: Secondary text.
MUTED_COLOR = QColor(MUTED_HEX)
#: Small print.
FAINT_COLOR = QColor(FAINT_HEX)
#: Table rules.
RULE_COLOR = QColor(RULE_HEX)
#: Every other row of a table.
ZEBRA_COLOR = QColor(ZEBRA_HEX)
#: Text colour of a criterion's outcome (reasons).
OUTCOME_TEXT_COLORS = {outcome: QColor(hex_) for outcome, hex_ in OUTCOME_HEX.items()}
#: Text colour of a compatible plot's status in the table.
MATCH_TEXT_COLOR = OUTCOME_TEXT_COLORS["pass"]

INFRA_COLORS = {kind: QColor(hex_) for kind, hex_ in INFRA_HEX.items()}


def constraint_color(kind: str, level: str | None) -> QColor:
    """The colour of a constraint group (the interdiction level a darker shade)."""
    c = QColor(CONSTRAINT_HEX.get(kind, CONSTRAINT_HEX["other"]))
    return c.darker(125) if level == "interdiction" else c


def draw_infra_symbol(painter: QPainter, kind: str, at: QPointF, size: float) -> None:
    """Draw an infrastructure symbol centred on ``at``, ``size`` its half width (device-
    independent shapes), in the conventions of French maps: a blue motorway shield with the
    interchange's two ramps, an anchor (port), a plane (airport), a wagon on its rail (rail
    freight), a lightning bolt (substation)."""
    color = INFRA_COLORS.get(kind, INK_COLOR)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.translate(at)
    painter.scale(size / 10.0, size / 10.0)      # drawn on a 20 × 20 grid centred on 0
    white = QPen(QColor("white"), 1.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                 Qt.PenJoinStyle.RoundJoin)
    painter.setPen(QPen(QColor("white"), 1.4))
    painter.setBrush(color)
    draw = _SYMBOLS.get(kind, _draw_substation)
    draw(painter, white)
    painter.restore()


def _draw_motorway(p: QPainter, white: QPen) -> None:
    """A motorway shield (blue, rounded) with the interchange pictogram: a road and its two
    ramps."""
    shield = QPainterPath()
    shield.moveTo(-9, -9)
    shield.lineTo(9, -9)
    shield.lineTo(9, 2)
    shield.quadTo(9, 8, 0, 10)
    shield.quadTo(-9, 8, -9, 2)
    shield.closeSubpath()
    p.drawPath(shield)
    p.setPen(white)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawLine(QPointF(0, -6.5), QPointF(0, 7))
    ramps = QPainterPath()
    ramps.moveTo(0, 2)
    ramps.quadTo(-5, 0, -5.5, -5)
    ramps.moveTo(0, 2)
    ramps.quadTo(5, 0, 5.5, -5)
    p.drawPath(ramps)


def _draw_port(p: QPainter, white: QPen) -> None:
    """An anchor in a round badge."""
    p.drawEllipse(QPointF(0, 0), 9.5, 9.5)
    p.setPen(white)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(QPointF(0, -5), 1.6, 1.6)
    p.drawLine(QPointF(0, -3.4), QPointF(0, 6))
    p.drawLine(QPointF(-3.5, -1.5), QPointF(3.5, -1.5))
    p.drawArc(QRectF(-5.5, -2, 11, 8), 200 * 16, 140 * 16)


def _draw_airport(p: QPainter, white: QPen) -> None:
    """A plane seen from above in a round badge."""
    p.drawEllipse(QPointF(0, 0), 9.5, 9.5)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("white"))
    plane = QPolygonF([QPointF(x, y) for x, y in (
        (0, -7), (1.2, -5.5), (1.2, -1.5), (7, 1.5), (7, 3), (1.2, 1.2), (1, 4.5), (3, 6),
        (3, 7), (0, 6.2), (-3, 7), (-3, 6), (-1, 4.5), (-1.2, 1.2), (-7, 3), (-7, 1.5),
        (-1.2, -1.5), (-1.2, -5.5))])
    p.drawPolygon(plane)


def _draw_rail(p: QPainter, white: QPen) -> None:
    """A freight wagon on its rail in a rounded square."""
    p.drawRoundedRect(QRectF(-9.5, -9.5, 19, 19), 3, 3)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("white"))
    p.drawRect(QRectF(-6.5, -5, 13, 7))
    p.drawEllipse(QPointF(-3.5, 4), 1.8, 1.8)
    p.drawEllipse(QPointF(3.5, 4), 1.8, 1.8)
    p.setPen(white)
    p.drawLine(QPointF(-7.5, 6.8), QPointF(7.5, 6.8))


def _draw_substation(p: QPainter, white: QPen) -> None:
    """A lightning bolt in a round badge (dark bolt on yellow)."""
    p.drawEllipse(QPointF(0, 0), 9.5, 9.5)
    bolt = QPolygonF([QPointF(x, y) for x, y in (
        (1.5, -7.5), (-4.5, 1), (-0.5, 1), (-1.5, 7.5), (4.5, -1), (0.5, -1))])
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(INK_COLOR)
    p.drawPolygon(bolt)


_SYMBOLS = {"motorway_interchange": _draw_motorway, "port": _draw_port,
            "airport": _draw_airport, "rail_freight": _draw_rail, "substation": _draw_substation}


def _pixmap(size: int = 16) -> tuple[QPixmap, QPainter]:
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    return pm, p


def outcome_icon(outcome: str, size: int = 16) -> QIcon:
    """A pass (green tick), fail (red cross) or unknown (amber question mark) icon."""
    pm, p = _pixmap(size)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(OUTCOME_MARK_HEX.get(outcome, MUTED_HEX)))
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
    p.setBrush(QColor(ASSEMBLY_TINT_HEX))
    p.drawRect(QRectF(1.5, s * 0.25, s * 0.45, s * 0.5))
    p.drawRect(QRectF(s * 0.52, s * 0.25, s * 0.45, s * 0.5))
    p.setPen(QPen(ASSEMBLY_COLOR, max(1.5, s / 8)))
    p.drawLine(QPointF(s * 0.3, s * 0.5), QPointF(s * 0.72, s * 0.5))
    p.end()
    return QIcon(pm)
