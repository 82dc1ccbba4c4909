"""The filter panel: every key of the investor brief, grouped, each switchable off.

The panel is bound both ways to a :class:`foncier.Brief`: :meth:`FilterPanel.set_brief` fills the
widgets (under QSignalBlocker, so filling does not fire changes) and :meth:`FilterPanel.brief`
builds the brief back. A brief set then read back is identical (values, list orders, weights order),
so a saved brief reopens as it was.

Examples
--------
>>> from PySide6.QtWidgets import QApplication
>>> app = QApplication.instance() or QApplication([])
>>> import foncier
>>> panel = FilterPanel()
>>> brief = foncier.Brief(name="Atelier", min_area_ha=5, power_mw=12.5)
>>> panel.set_brief(brief)
>>> panel.brief() == brief, panel.fields["power_mw"].editor.text()
(True, '12,5 MW')
>>> panel.fields["gas"].editor.isEnabled()          # a criterion switched off
False
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QDate, QLocale, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

import foncier
from foncier.core.brief import WEIGHT_KEYS
from foncier.palette import ERROR_HEX
from foncier.wording import ICPE_LABELS, UNIT_DECIMALS, constraint_label

__all__ = ["FilterPanel", "SECTIONS_FR", "FRENCH", "DECIMALS"]

#: Numbers are shown and typed the French way (decimal comma).
FRENCH = QLocale(QLocale.Language.French, QLocale.Country.France)
#: Decimals shown per unit (a brief value with more decimals is kept exactly until edited).
DECIMALS = UNIT_DECIMALS

#: (group title, [(brief key, French label, editor kind, options)]) in DESIGN.md's order.
SECTIONS_FR: list[tuple[str, list[tuple[str, str, str, dict]]]] = [
    ("Terrain", [
        ("min_area_ha", "Surface nette minimale", "number", {"suffix": " ha", "default": 5}),
        ("max_area_ha", "Surface nette maximale", "number", {"suffix": " ha", "default": 50}),
        ("max_price_eur_m2", "Prix maximal", "number", {"suffix": " €/m²", "default": 30}),
        ("available_by", "Disponible au plus tard le", "date", {}),
        ("accepted_zones", "Zones PLU acceptées", "zones", {"default": "UX, 1AUX"}),
        ("turnkey", "Clé en main", "bool", {}),
        ("brownfield", "Friches", "choice", {"choices": [("acceptées", "accepted"),
                                                         ("exigées", "required"),
                                                         ("exclues", "excluded")]}),
        ("building_height_m", "Hauteur de bâtiment", "number", {"suffix": " m", "default": 15}),
        ("allow_assembly", "Regrouper des terrains voisins", "bool", {}),
        ("assembly_max_gap_m", "Écart maximal du regroupement", "number",
         {"suffix": " m", "default": 50}),
    ]),
    ("Réglementaire", [
        ("icpe", "Régime ICPE", "choice",
         {"choices": [(label, key) for key, label in ICPE_LABELS.items()]}),
        ("forbidden_constraints", "Contraintes interdites (aucun recouvrement toléré)",
         "selectors", {}),
        ("excluded_constraints", "Contraintes retirées de la surface", "selectors", {}),
        ("min_housing_distance_m", "Distance minimale aux habitations", "number",
         {"suffix": " m", "default": 200}),
    ]),
    ("Réseaux", [
        ("power_mw", "Puissance électrique", "number", {"suffix": " MW", "default": 5}),
        ("water_m3_day", "Eau", "number", {"suffix": " m³/j", "default": 100}),
        ("gas", "Gaz", "bool", {}),
        ("fiber", "Fibre optique", "bool", {}),
    ]),
    ("Accès", [
        ("motorway_max_km", "Échangeur autoroutier à moins de", "number",
         {"suffix": " km", "default": 10}),
        ("rail_siding", "Embranchement ferré", "bool", {}),
        ("rail_freight_max_km", "Gare de fret à moins de", "number",
         {"suffix": " km", "default": 25}),
        ("port_max_km", "Port à moins de", "number", {"suffix": " km", "default": 60}),
    ]),
]
WEIGHT_LABELS = {"area": "Surface", "price": "Prix", "timing": "Délai", "power": "Puissance",
                 "water": "Eau", "motorway": "Autoroute", "rail_freight": "Gare de fret",
                 "port": "Port"}


class _Field:
    """One brief key: a checkbox switching the criterion on, and its editor."""

    def __init__(self, key: str, label: str, kind: str, opts: dict, on_change: Callable,
                 on_toggle: Callable[[bool], None] | None = None):
        self.key = key
        self.kind = kind
        self.check = QCheckBox(label)
        self.check.setObjectName(f"check_{key}")
        self._exact: Any = None
        self.editor = self._make_editor(kind, opts, on_change)
        self.editor.setObjectName(f"edit_{key}")
        self.editor.setMinimumWidth(110)
        self.editor.setEnabled(False)
        self.check.toggled.connect(self.editor.setEnabled)
        if on_toggle is not None:
            self.check.toggled.connect(on_toggle)
        self.check.toggled.connect(on_change)

    def _make_editor(self, kind: str, opts: dict, on_change: Callable) -> QWidget:
        if kind == "number":
            w = QDoubleSpinBox()
            w.setLocale(FRENCH)
            w.setDecimals(DECIMALS.get(opts.get("suffix", "").strip(), 2))
            w.setRange(0.0, 1e9)
            w.setSuffix(opts.get("suffix", ""))
            w.setValue(float(opts.get("default", 0)))
            w.setKeyboardTracking(False)
            w.valueChanged.connect(on_change)
        elif kind == "date":
            w = QDateEdit()
            w.setLocale(FRENCH)
            w.setCalendarPopup(True)
            w.setDisplayFormat("dd/MM/yyyy")
            w.setDate(QDate.currentDate().addYears(1))
            w.dateChanged.connect(on_change)
        elif kind == "zones":
            w = QLineEdit(opts.get("default", ""))
            w.setPlaceholderText("UX, 1AUX")
            w.editingFinished.connect(on_change)
        elif kind == "bool":
            w = QComboBox()
            w.addItem("oui", True)
            w.addItem("non", False)
            w.currentIndexChanged.connect(on_change)
        elif kind == "choice":
            w = QComboBox()
            w.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            for text, value in opts["choices"]:
                w.addItem(text, value)
            w.currentIndexChanged.connect(on_change)
        else:  # selectors
            w = _SelectorList(on_change)
        return w

    def value(self) -> Any:
        """The brief value (None when the criterion is switched off)."""
        if not self.check.isChecked():
            return None
        w = self.editor
        if self.kind == "number":
            v = w.value()
            exact = self._exact
            if exact is not None and abs(exact - v) <= 0.5 * 10.0 ** -w.decimals() + 1e-9:
                return exact            # the spin box shows it rounded: keep the brief's value
            return float(v)
        if self.kind == "date":
            d = w.date()
            return dt.date(d.year(), d.month(), d.day())
        if self.kind == "zones":
            return tuple(z.strip() for z in w.text().replace(";", ",").split(",") if z.strip())
        if self.kind in ("bool", "choice"):
            return w.currentData()
        return w.selectors()

    def set_value(self, value: Any) -> None:
        """Show a brief value (None switches the criterion off, keeping the editor's content)."""
        # Blocked: filling the widgets must not fire changes (nor a match per widget).
        with QSignalBlocker(self.check), QSignalBlocker(self.editor):
            self.check.setChecked(value is not None)
            self.editor.setEnabled(value is not None)
            if value is None:
                return
            w = self.editor
            if self.kind == "number":
                self._exact = float(value)
                w.setValue(float(value))
            elif self.kind == "date":
                w.setDate(QDate(value.year, value.month, value.day))
            elif self.kind == "zones":
                w.setText(", ".join(value))
            elif self.kind in ("bool", "choice"):
                w.setCurrentIndex(max(0, w.findData(value)))
            else:
                w.set_selectors(value)


class _SelectorList(QListWidget):
    """Checkable constraint selectors (``kind`` or ``kind:level``), in the order ticked."""

    def __init__(self, on_change: Callable):
        super().__init__()
        self._order: list[str] = []
        self._on_change = on_change
        self.itemChanged.connect(self._item_changed)
        self.setMaximumHeight(130)

    def set_groups(self, groups: Iterable[tuple[str, str | None]]) -> None:
        """Offer the selectors of the constraint groups present in the inventory."""
        offered: list[tuple[str, str]] = []
        by_kind: dict[str, list[str]] = {}
        for kind, level in groups:
            by_kind.setdefault(kind, [])
            if level:
                by_kind[kind].append(level)
        for kind, levels in by_kind.items():
            suffix = " (tous niveaux)" if levels else ""
            offered.append((kind, constraint_label(kind) + suffix))
            offered += [(f"{kind}:{lv}", constraint_label(kind, lv)) for lv in levels]
        with QSignalBlocker(self):
            keep = list(self._order)
            self.clear()
            for sel, label in offered:
                self._add(sel, label)
            self._order = []
            self._check(keep)

    def _add(self, selector: str, label: str) -> QListWidgetItem:
        item = QListWidgetItem(label)
        item.setData(Qt.ItemDataRole.UserRole, selector)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        item.setToolTip(selector)
        self.addItem(item)
        return item

    def _items(self) -> dict[str, QListWidgetItem]:
        return {self.item(i).data(Qt.ItemDataRole.UserRole): self.item(i)
                for i in range(self.count())}

    def _check(self, selectors: Iterable[str]) -> None:
        items = self._items()
        for item in items.values():
            item.setCheckState(Qt.CheckState.Unchecked)
        for sel in selectors:
            item = items.get(sel)
            if item is None:
                kind, _, level = sel.partition(":")
                item = self._add(sel, constraint_label(kind, level or None)
                                 + " (absente de l'inventaire)")
                items[sel] = item
            item.setCheckState(Qt.CheckState.Checked)
            if sel not in self._order:
                self._order.append(sel)

    def set_selectors(self, selectors: Iterable[str]) -> None:
        with QSignalBlocker(self):
            self._order = []
            self._check(selectors)

    def selectors(self) -> tuple[str, ...]:
        return tuple(self._order)

    def set_checked(self, selector: str, checked: bool) -> None:
        """Tick or untick one selector (as a user would)."""
        self._items()[selector].setCheckState(Qt.CheckState.Checked if checked
                                              else Qt.CheckState.Unchecked)

    def _item_changed(self, item: QListWidgetItem) -> None:
        sel = item.data(Qt.ItemDataRole.UserRole)
        checked = item.checkState() == Qt.CheckState.Checked
        if checked and sel not in self._order:
            self._order.append(sel)
        elif not checked and sel in self._order:
            self._order.remove(sel)
        self._on_change()


class FilterPanel(QScrollArea):
    """The brief's keys as switchable editors.

    Signals
    -------
    briefChanged(object)
        A valid :class:`foncier.Brief` after any edit.
    invalidBrief(str)
        The library's message when the edits do not make a valid brief.
    """

    briefChanged = Signal(object)
    invalidBrief = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        self.fields: dict[str, _Field] = {}
        head = QFormLayout()
        self.name_edit = QLineEdit("Nouveau projet")
        self.name_edit.setObjectName("edit_name")
        self.name_edit.editingFinished.connect(self._changed)
        head.addRow("Projet", self.name_edit)
        layout.addLayout(head)
        for title, keys in SECTIONS_FR:
            box = QGroupBox(title)
            grid = QGridLayout(box)
            grid.setColumnStretch(1, 1)
            row = 0
            for key, label, kind, opts in keys:
                f = _Field(key, label, kind, opts, self._changed)
                self.fields[key] = f
                if kind == "selectors":
                    grid.addWidget(f.check, row, 0, 1, 2)
                    grid.addWidget(f.editor, row + 1, 0, 1, 2)
                    row += 2
                else:
                    grid.addWidget(f.check, row, 0)
                    grid.addWidget(f.editor, row, 1)
                    row += 1
            layout.addWidget(box)
        box = QGroupBox("Pondération du score")
        grid = QGridLayout(box)
        self.weights: dict[str, _Field] = {}
        self._weight_order: list[str] = []
        for row, key in enumerate(WEIGHT_KEYS):
            f = _Field(f"weight_{key}", WEIGHT_LABELS[key], "number", {"default": 1},
                       self._changed, lambda on, k=key: self._weight_toggled(k, on))
            self.weights[key] = f
            grid.addWidget(f.check, row, 0)
            grid.addWidget(f.editor, row, 1)
        layout.addWidget(box)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {ERROR_HEX};")
        self.error_label.hide()
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        self.setWidget(body)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(360)

    def set_groups(self, groups: Iterable[tuple[str, str | None]]) -> None:
        """Offer the constraint selectors of an inventory's groups."""
        groups = list(groups)
        for key in ("forbidden_constraints", "excluded_constraints"):
            self.fields[key].editor.set_groups(groups)

    def selector_list(self, key: str) -> _SelectorList:
        return self.fields[key].editor

    def _weight_toggled(self, key: str, on: bool) -> None:
        if on and key not in self._weight_order:
            self._weight_order.append(key)
        elif not on and key in self._weight_order:
            self._weight_order.remove(key)

    def set_brief(self, brief: foncier.Brief) -> None:
        """Show a brief in the widgets (emits nothing)."""
        with QSignalBlocker(self.name_edit):
            self.name_edit.setText(brief.name)
        for key, f in self.fields.items():
            f.set_value(getattr(brief, key))
        weights = dict(brief.weights)
        self._weight_order = [k for k, _ in brief.weights]
        for key, f in self.weights.items():
            f.set_value(weights.get(key))
        self.error_label.hide()

    def brief(self) -> foncier.Brief:
        """The brief the widgets describe.

        Raises
        ------
        foncier.BriefError
            When the values do not make a valid brief (e.g. minimum above maximum).
        """
        kwargs = {key: f.value() for key, f in self.fields.items()}
        weights = tuple((k, self.weights[k].value()) for k in self._weight_order
                        if self.weights[k].value() is not None)
        return foncier.Brief(name=self.name_edit.text().strip(), weights=weights, **kwargs)

    def _changed(self, *_: Any) -> None:
        try:
            brief = self.brief()
        except foncier.BriefError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            self.invalidBrief.emit(str(exc))
            return
        self.error_label.hide()
        self.briefChanged.emit(brief)
