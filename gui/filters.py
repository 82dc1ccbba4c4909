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

from PySide6.QtCore import QDate, QLocale, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    QToolButton,
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
        ("available_by", "Disponible d'ici le", "date", {}),
        ("start_works_by", "Début des travaux d'ici le", "date", {}),
        ("accepted_zones", "Zones PLU acceptées", "zones", {"default": "UX, 1AUX"}),
        ("turnkey", "Clé en main", "bool", {}),
        ("brownfield", "Friches", "choice", {"choices": [("acceptées", "accepted"),
                                                         ("exigées", "required"),
                                                         ("exclues", "excluded")]}),
        ("building_height_m", "Hauteur de bâtiment", "number", {"suffix": " m", "default": 15}),
        ("allow_assembly", "Assemblage de terrains", "bool", {}),
        ("assembly_max_gap_m", "Écart d'assemblage", "number",
         {"suffix": " m", "default": 50}),
    ]),
    ("Réglementaire", [
        ("icpe", "Régime ICPE", "choice",          # « enregistrement » in full
         {"choices": [(label, key) for key, label in ICPE_LABELS.items()], "width": 150}),
        ("forbidden_constraints", "Contraintes interdites", "selectors", {}),
        ("excluded_constraints", "Contraintes retirées de la surface", "selectors", {}),
        ("min_housing_distance_m", "Distance aux habitations", "number",
         {"suffix": " m", "default": 200}),
    ]),
    ("Réseaux", [
        ("power_mw", "Puissance électrique", "number", {"suffix": " MW", "default": 5}),
        ("water_m3_day", "Eau", "number", {"suffix": " m³/j", "default": 100}),
        ("gas", "Gaz", "bool", {}),
        ("fiber", "Fibre optique", "bool", {}),
    ]),
    ("Accès", [
        ("motorway_max_km", "Échangeur à moins de", "number",
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

#: Per brief key: (what it asks, the rule of its verdict, when it is unknown), from DESIGN.md's
#: verdict table.
HELP: dict[str, tuple[str, str, str]] = {
    "min_area_ha": ("La surface nette minimale du terrain.",
                    "Respecté si la surface nette (surface moins les contraintes retirées) est "
                    "au moins égale.", "Jamais inconnu."),
    "max_area_ha": ("La surface nette maximale du terrain.",
                    "Respecté si la surface nette ne dépasse pas ce maximum.", "Jamais inconnu."),
    "max_price_eur_m2": ("Le prix de vente maximal.", "Respecté si le prix au m² est au plus "
                         "égal.", "Inconnu si le prix n'est pas renseigné."),
    "available_by": ("La date à laquelle le terrain doit être disponible.",
                     "Respecté si le terrain est disponible à cette date au plus tard.",
                     "Inconnu si la date de disponibilité n'est pas renseignée."),
    "start_works_by": ("La date à laquelle les travaux doivent pouvoir commencer.",
                       "Respecté si la disponibilité plus les délais des procédures (ICPE, "
                       "permis de construire, archéologie, inventaire faune-flore) permettent "
                       "de commencer à cette date ; le détail du terrain donne le calcul.",
                       "Inconnu si la date de disponibilité n'est pas renseignée."),
    "accepted_zones": ("Les zones du PLU acceptées, séparées par des virgules.",
                       "Respecté si la zone PLU du terrain commence par l'une d'elles "
                       "(majuscules ou minuscules indifférentes).",
                       "Inconnu si la zone PLU n'est pas renseignée."),
    "turnkey": ("Un terrain clé en main.", "Respecté si le terrain est clé en main.",
                "Inconnu si ce n'est pas renseigné."),
    "brownfield": ("Les friches : acceptées, exigées ou exclues.",
                   "Exigées : respecté si le terrain est une friche ; exclues : s'il n'en est "
                   "pas une.", "Inconnu si ce n'est pas renseigné."),
    "building_height_m": ("La hauteur du bâtiment projeté.",
                          "Respecté si la hauteur maximale admise sur le terrain est au moins "
                          "égale.", "Inconnu si la hauteur admise n'est pas renseignée."),
    "allow_assembly": ("Chercher aussi des assemblages de terrains voisins.",
                       "Des terrains voisins sont jugés ensemble comme un seul terrain.", ""),
    "assembly_max_gap_m": ("L'écart maximal entre deux terrains regroupés.",
                           "Deux terrains plus proches que cet écart peuvent être regroupés.",
                           ""),
    "icpe": ("Le régime ICPE du projet.",
             "Respecté si le régime maximal admis sur la zone est au moins celui du projet "
             "(aucun < déclaration < enregistrement < autorisation < Seveso seuil bas < "
             "Seveso seuil haut).", "Inconnu si le régime admis n'est pas renseigné."),
    "forbidden_constraints": ("Les contraintes que le terrain ne doit pas toucher.",
                              "Non respecté dès qu'une contrainte choisie recouvre le terrain "
                              "de plus de 1 m².", "Jamais inconnu."),
    "excluded_constraints": ("Les contraintes dont l'emprise est retirée de la surface.",
                             "La surface nette est la surface du terrain moins son recouvrement "
                             "par ces contraintes.", ""),
    "min_housing_distance_m": ("La distance minimale aux habitations.",
                               "Respecté si la distance à vol d'oiseau à la zone d'habitat la "
                               "plus proche est au moins égale.",
                               "Inconnu si l'inventaire n'a aucune zone d'habitat."),
    "power_mw": ("La puissance électrique nécessaire.", "Respecté si la puissance disponible "
                 "au terrain est au moins égale.", "Inconnu si elle n'est pas renseignée."),
    "water_m3_day": ("Le besoin en eau.", "Respecté si le débit disponible est au moins égal.",
                     "Inconnu s'il n'est pas renseigné."),
    "gas": ("Un raccordement au gaz.", "Respecté si le terrain est desservi.",
            "Inconnu si ce n'est pas renseigné."),
    "fiber": ("La fibre optique.", "Respecté si le terrain est desservi.",
              "Inconnu si ce n'est pas renseigné."),
    "motorway_max_km": ("La distance maximale à un échangeur autoroutier.",
                        "Respecté si l'échangeur le plus proche est à cette distance au plus, "
                        "à vol d'oiseau.", "Inconnu si l'inventaire n'a aucun échangeur."),
    "rail_siding": ("Un embranchement ferré.", "Respecté si le terrain en a un.",
                    "Inconnu si ce n'est pas renseigné."),
    "rail_freight_max_km": ("La distance maximale à une gare de fret.",
                            "Respecté si la gare de fret la plus proche est à cette distance "
                            "au plus, à vol d'oiseau.",
                            "Inconnu si l'inventaire n'a aucune gare de fret."),
    "port_max_km": ("La distance maximale à un port.", "Respecté si le port le plus proche est "
                    "à cette distance au plus, à vol d'oiseau.",
                    "Inconnu si l'inventaire n'a aucun port."),
}


def help_text(key: str) -> str:
    """A field's tooltip: what it asks, the rule, when the verdict is unknown."""
    if key.startswith("weight_"):
        label = WEIGHT_LABELS.get(key[len("weight_"):], key)
        return (f"Poids de « {label} » dans le score (0 à 100) : plus il est grand, plus ce "
                "critère compte dans le classement. Décochée : la pondération par défaut.")
    what, rule, unknown = HELP.get(key, ("", "", ""))
    parts = [f"<b>{what}</b>" if what else "", rule, f"<i>{unknown}</i>" if unknown else ""]
    return "<br>".join(p for p in parts if p)


#: The editors' width: « 01/12/2027 » or « 1 000,00 m³/j » shows in full, the labels get the rest.
EDITOR_WIDTH = 108


class ElidedCheckBox(QCheckBox):
    """A checkbox whose label is elided (« Distance aux habit… ») when the panel is narrow,
    rather than widening the panel beyond the window; its tooltip starts with the full label."""

    def __init__(self, text: str, parent: QWidget | None = None):
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)   # shrinks

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        short = self.fontMetrics().horizontalAdvance("Surface nette…")
        return QSize(min(hint.width(), short + 28), hint.height())

    def shown_text(self) -> str:
        """The label as painted (elided to the width)."""
        opt = QStyleOptionButton()
        self.initStyleOption(opt)
        text_rect = self.style().subElementRect(QStyle.SubElement.SE_CheckBoxContents, opt, self)
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                             text_rect.width() - 4)

    def paintEvent(self, event) -> None:
        opt = QStyleOptionButton()
        self.initStyleOption(opt)
        opt.text = self.shown_text()
        QStylePainter(self).drawControl(QStyle.ControlElement.CE_CheckBox, opt)


class _Field:
    """One brief key: a checkbox switching the criterion on, and its editor."""

    def __init__(self, key: str, label: str, kind: str, opts: dict, on_change: Callable,
                 on_toggle: Callable[[bool], None] | None = None):
        self.key = key
        self.kind = kind
        self.check = ElidedCheckBox(label)
        self.check.setObjectName(f"check_{key}")
        self._exact: Any = None
        self.editor = self._make_editor(kind, opts, on_change)
        self.editor.setObjectName(f"edit_{key}")
        if kind == "selectors":
            self.editor.setMinimumWidth(EDITOR_WIDTH)
        else:                         # the labels get the rest (elided only if need be)
            self.editor.setFixedWidth(opts.get("width", EDITOR_WIDTH))
        self.editor.setEnabled(False)
        tip = help_text(key)
        self.check.setToolTip(f"<b>{label}</b><br>{tip}")
        self.editor.setToolTip(tip)
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
            w.setKeyboardTracking(True)       # applies as typed (the match is debounced)
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
            w.textChanged.connect(on_change)
        elif kind == "bool":
            w = QComboBox()
            w.addItem("oui", True)
            w.addItem("non", False)
            w.currentIndexChanged.connect(on_change)
        elif kind == "choice":
            w = QComboBox()
            # Never wider than the panel: the closed combo elides, its list shows in full.
            w.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            w.setMinimumContentsLength(8)
            w.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            for text, value in opts["choices"]:
                w.addItem(text, value)
                w.setItemData(w.count() - 1, text, Qt.ItemDataRole.ToolTipRole)
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


class _StayOpenMenu(QMenu):
    """A menu of checkable choices that stays open while they are ticked."""

    def mouseReleaseEvent(self, event) -> None:
        action = self.actionAt(event.position().toPoint())
        if action is not None and action.isCheckable() and action.isEnabled():
            action.trigger()
            return
        super().mouseReleaseEvent(event)


class _SelectorList(QToolButton):
    """Checkable constraint selectors (``kind`` or ``kind:level``) in a drop-down, kept in the
    order ticked; the button shows what is chosen (« Seveso, Inondation (PPRI) — zone
    d'interdiction »), elided to its width, in full as a tooltip."""

    def __init__(self, on_change: Callable):
        super().__init__()
        self._order: list[str] = []
        self._on_change = on_change
        self._actions: dict[str, QAction] = {}
        self._help = ""
        self.menu_ = _StayOpenMenu(self)
        self.setMenu(self.menu_)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(EDITOR_WIDTH)
        self._update_text()

    def setToolTip(self, text: str) -> None:      # the help, then what is chosen
        self._help = text
        self._update_text()

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
        keep = list(self._order)
        self.menu_.clear()
        self._actions = {}
        for sel, label in offered:
            self._add(sel, label)
        self._order = []
        self._check(keep)

    def _add(self, selector: str, label: str) -> QAction:
        action = QAction(label, self.menu_)
        action.setCheckable(True)
        action.setData(selector)
        action.toggled.connect(lambda on, s=selector: self._toggled(s, on))
        self.menu_.addAction(action)
        self._actions[selector] = action
        return action

    def count(self) -> int:
        return len(self._actions)

    def offered(self) -> list[str]:
        """The selectors offered, in the menu's order."""
        return list(self._actions)

    def _check(self, selectors: Iterable[str]) -> None:
        for action in self._actions.values():
            with QSignalBlocker(action):
                action.setChecked(False)
        for sel in selectors:
            action = self._actions.get(sel)
            if action is None:
                kind, _, level = sel.partition(":")
                action = self._add(sel, constraint_label(kind, level or None)
                                   + " (absente de l'inventaire)")
            with QSignalBlocker(action):
                action.setChecked(True)
            if sel not in self._order:
                self._order.append(sel)
        self._update_text()

    def set_selectors(self, selectors: Iterable[str]) -> None:
        self._order = []
        self._check(selectors)

    def selectors(self) -> tuple[str, ...]:
        return tuple(self._order)

    def set_checked(self, selector: str, checked: bool) -> None:
        """Tick or untick one selector (as a user would)."""
        self._actions[selector].setChecked(checked)

    def summary(self) -> str:
        """What is chosen, in French, in the order ticked (« aucune » when nothing)."""
        if not self._order:
            return "aucune"
        return ", ".join(constraint_label(s) for s in self._order)

    def _toggled(self, sel: str, checked: bool) -> None:
        if checked and sel not in self._order:
            self._order.append(sel)
        elif not checked and sel in self._order:
            self._order.remove(sel)
        self._update_text()
        self._on_change()

    def _update_text(self) -> None:
        full = self.summary()
        width = max(40, self.width() - 36)
        super().setText(self.fontMetrics().elidedText(full, Qt.TextElideMode.ElideRight, width))
        tip = f"Choisies : {full}"
        super().setToolTip(f"{self._help}<br><br>{tip}" if self._help else tip)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_text()


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
        self._delays: tuple = ()
        head = QFormLayout()
        self.name_edit = QLineEdit("Nouveau projet")
        self.name_edit.setObjectName("edit_name")
        self.name_edit.textChanged.connect(self._changed)
        self.name_edit.setToolTip("Le nom du projet : il titre la fenêtre, le rapport et les "
                                  "fichiers proposés à l'enregistrement.")
        head.addRow("Projet", self.name_edit)
        layout.addLayout(head)
        for title, keys in SECTIONS_FR:
            box = QGroupBox(title)
            grid = QGridLayout(box)
            grid.setColumnStretch(0, 1)
            row = 0
            for key, label, kind, opts in keys:
                f = _Field(key, label, kind, opts, self._changed)
                self.fields[key] = f
                if kind == "selectors":
                    grid.addWidget(f.check, row, 0, 1, 2)
                    grid.addWidget(f.editor, row + 1, 0, 1, 2)
                    row += 2
                elif "width" in opts:        # a wider editor, not widening the column
                    line = QHBoxLayout()
                    line.addWidget(f.check, 1)
                    line.addWidget(f.editor)
                    grid.addLayout(line, row, 0, 1, 2)
                    row += 1
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
        self.setMinimumWidth(300)

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
        self._delays = brief.delays
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
        return foncier.Brief(name=self.name_edit.text().strip(), weights=weights,
                             delays=self._delays, **kwargs)

    def _changed(self, *_: Any) -> None:
        try:
            brief = self.brief()
        except foncier.BriefError as exc:
            from .errors import brief_message

            message = brief_message(exc)
            self.error_label.setText(message)
            self.error_label.show()
            self.invalidBrief.emit(message)
            return
        self.error_label.hide()
        self.briefChanged.emit(brief)
