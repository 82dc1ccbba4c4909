"""The layer list and legend: switch map layers on and off, see their colours and symbols.

Examples
--------
>>> from PySide6.QtWidgets import QApplication
>>> app = QApplication.instance() or QApplication([])
>>> from foncier_gui.mapview import MapScene
>>> from foncier_gui.model import plot_index_from_source
>>> layers = LayerList()
>>> layers.set_scene(MapScene(plot_index_from_source(None)))
>>> layers.item_for("plots").text(0)
'Terrains (couleur du statut)'
>>> layers.item_for("constraint:monument:").checkState(0)     # shown on demand only
<CheckState.Unchecked: 0>
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from foncier.wording import INFRA_LABELS, STATUS_NAMES, constraint_label

from .mapview import MapScene
from .style import (
    COMMUNE_FILL,
    INFRA_COLORS,
    SITE_PEN,
    STATUS_COLORS,
    constraint_color,
    infra_icon,
    swatch_icon,
)

__all__ = ["LayerList"]

#: Constraint groups shown when an inventory opens (the others are one tick away).
DEFAULT_VISIBLE_KINDS = {"flood", "pprt", "seveso", "natura2000", "wetland"}


class LayerList(QTreeWidget):
    """Layers of the map grouped as Terrains, Contraintes, Infrastructures, Fond.

    Signals
    -------
    layerToggled(str, bool)
        A layer key of :class:`~gui.mapview.MapScene` and its new visibility.
    """

    layerToggled = Signal(str, bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(True)
        self.itemChanged.connect(self._changed)

    def _group(self, title: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem([title])
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
        self.addTopLevelItem(item)
        item.setExpanded(True)
        return item

    def _layer(self, parent: QTreeWidgetItem, key: str | None, text: str, icon,
               checked: bool = True) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [text])
        item.setIcon(0, icon)
        if key is not None:
            item.setData(0, Qt.ItemDataRole.UserRole, key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        return item

    def set_scene(self, scene: MapScene) -> None:
        """List the layers of a map scene and apply the default visibility."""
        with QSignalBlocker(self):
            self.clear()
            plots = self._group("Terrains")
            item = self._layer(plots, "plots", "Terrains (couleur du statut)",
                               swatch_icon(STATUS_COLORS[0]))
            for code in (0, 1, 2):
                self._layer(item, None, STATUS_NAMES[code], swatch_icon(STATUS_COLORS[code]))
            item.setExpanded(True)
            self._layer(plots, "sites", "Zones d'activité (contour)",
                        swatch_icon(QColor(0, 0, 0, 0), SITE_PEN.color()))
            cons = self._group("Contraintes")
            for key in scene.layers:
                if not key.startswith("constraint:"):
                    continue
                _, kind, level = key.split(":")
                visible = kind in DEFAULT_VISIBLE_KINDS
                fill = QColor(constraint_color(kind, level or None))
                fill.setAlpha(110)
                self._layer(cons, key, constraint_label(kind, level or None), swatch_icon(fill),
                            visible)
                scene.set_layer_visible(key, visible)
            infra = self._group("Infrastructures")
            for kind in INFRA_COLORS:
                key = f"infra:{kind}"
                if key in scene.layers:
                    self._layer(infra, key, INFRA_LABELS[kind], infra_icon(kind))
            if "communes" in scene.layers:
                back = self._group("Fond")
                self._layer(back, "communes", "Communes", swatch_icon(COMMUNE_FILL))

    def item_for(self, key: str) -> QTreeWidgetItem | None:
        """The checkable item of a layer key."""
        it = self.invisibleRootItem()
        stack = [it.child(i) for i in range(it.childCount())]
        while stack:
            item = stack.pop()
            if item.data(0, Qt.ItemDataRole.UserRole) == key:
                return item
            stack += [item.child(i) for i in range(item.childCount())]
        return None

    def _changed(self, item: QTreeWidgetItem, column: int) -> None:
        key = item.data(0, Qt.ItemDataRole.UserRole)
        if key:
            self.layerToggled.emit(key, item.checkState(0) == Qt.CheckState.Checked)
