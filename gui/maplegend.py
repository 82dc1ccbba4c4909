"""The legend drawn on the map: what is shown (statuses, zones, constraint layers switched on,
infrastructure symbols, communes), in a translucent box in the map's top-right corner that the
user can hide (its × button, or the « Légende sur la carte » action of the view).

Examples
--------
>>> from PySide6.QtWidgets import QApplication
>>> app = QApplication.instance() or QApplication([])
>>> from foncier_gui.mapview import MapScene
>>> from foncier_gui.model import plot_index_from_source
>>> scene = MapScene(plot_index_from_source(None))
>>> sections = legend_entries(scene)
>>> [title for title, _ in sections][:2]
['Terrains', "Zones d'activité"]
>>> [text for _, text in sections[0][1]]
['Compatible', 'À vérifier', 'Incompatible']
>>> scene.set_layer_visible("infra:port", False)
>>> "Port" in [text for _, rows in legend_entries(scene) for _, text in rows]
False
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QToolButton,
    QWidget,
)

from foncier.palette import COMMUNE_LINE_HEX, PAPER_HEX
from foncier.wording import INFRA_LABELS, STATUS_NAMES, constraint_label

from .style import (
    COMMUNE_FILL,
    COMMUNE_PEN,
    INFRA_COLORS,
    SITE_PEN,
    STATUS_COLORS,
    constraint_color,
    infra_icon,
    swatch_icon,
)

__all__ = ["legend_entries", "MapLegend"]


def legend_entries(scene) -> list[tuple[str, list[tuple[QIcon, str]]]]:
    """The legend of a :class:`~gui.mapview.MapScene`: sections (title, rows of icon and
    text) of the layers shown, in drawing order from the top."""
    def shown(key: str) -> bool:
        items = scene.layers.get(key)
        return bool(items) and items[0].isVisible()

    sections: list[tuple[str, list[tuple[QIcon, str]]]] = []
    if shown("plots"):
        sections.append(("Terrains", [(swatch_icon(STATUS_COLORS[c]), STATUS_NAMES[c])
                                      for c in (0, 1, 2)]))
    if shown("sites"):
        sections.append(("Zones d'activité",
                         [(swatch_icon(QColor(0, 0, 0, 0), SITE_PEN.color()), "Contour")]))
    cons = []
    for key in scene.layers:
        if key.startswith("constraint:") and shown(key):
            _, kind, level = key.split(":")
            fill = QColor(constraint_color(kind, level or None))
            fill.setAlpha(110)
            cons.append((swatch_icon(fill), constraint_label(kind, level or None)))
    if cons:
        sections.append(("Contraintes", cons))
    infra = [(infra_icon(kind), INFRA_LABELS[kind]) for kind in INFRA_COLORS
             if shown(f"infra:{kind}")]
    if infra:
        sections.append(("Infrastructures", infra))
    if shown("communes"):
        sections.append(("Fond", [(swatch_icon(COMMUNE_FILL, COMMUNE_PEN.color()),
                                   "Communes")]))
    return sections


class MapLegend(QFrame):
    """The legend box over the map (a child of the map's viewport).

    Signals
    -------
    closed()
        The user hid the legend with its × button.
    """

    closed = Signal()
    ICON_PX = 14

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mapLegend")
        self.setStyleSheet(
            f"#mapLegend {{ background: {PAPER_HEX}; border: 1px solid {COMMUNE_LINE_HEX};"
            " border-radius: 4px; }"
            " #mapLegend QLabel { background: transparent; }")
        self.setAutoFillBackground(False)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(8, 6, 8, 8)
        self._grid.setHorizontalSpacing(6)
        self._grid.setVerticalSpacing(2)
        self.close_button = QToolButton(self)
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Masquer la légende")
        self.close_button.clicked.connect(self._close)
        self.texts: list[str] = []

    def _close(self) -> None:
        self.hide()
        self.closed.emit()

    def set_sections(self, sections) -> None:
        """Show sections of (title, rows of (icon, text))."""
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget()
            if widget is not None and widget is not self.close_button:
                widget.deleteLater()
        title = QLabel("<b>Légende</b>")
        self._grid.addWidget(title, 0, 0, 1, 2)
        self._grid.addWidget(self.close_button, 0, 2, Qt.AlignmentFlag.AlignRight)
        row = 1
        self.texts = []
        for heading, rows in sections:
            label = QLabel(heading)
            font = label.font()
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 0.9)
            label.setFont(font)
            self._grid.addWidget(label, row, 0, 1, 3)
            row += 1
            for icon, text in rows:
                pic = QLabel()
                pic.setPixmap(icon.pixmap(QSize(self.ICON_PX, self.ICON_PX)))
                self._grid.addWidget(pic, row, 0)
                self._grid.addWidget(QLabel(text), row, 1, 1, 2)
                self.texts.append(text)
                row += 1
        self.adjustSize()
