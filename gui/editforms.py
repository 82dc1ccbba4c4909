"""Edit forms: a plot's or a zone's attributes in a dialog, validated, undoable, saved in place.

:class:`EditForm` shows one row of ``plots`` or ``sites`` as the inventory stores it
(:func:`foncier.legal.edit.read_row`): a combo box per enumeration of the data contract (the CNIG
lists: occupation, stade de commercialisation, régime ICPE…), « oui / non / non renseigné » for
a yes/no fact, a date edit per date, a spin box with its unit per number, a line edit for text.
Every change of a field is one command on the form's QUndoStack (Ctrl+Z, Ctrl+Maj+Z), made
when the field is committed: a typed number, date or text when Entrée is pressed or the focus
leaves the field (never one command per keystroke), a choice in a list at once. Entrée commits
the field only; it never saves the form (the dialog ignores it). Ctrl+Z always acts
on the form's stack, also in a text field (the field's own undo would bypass it): a value typed
but not committed yet is committed first, then undone. « Enregistrer » (or Ctrl+S) sends the
changed fields to :func:`foncier.legal.edit.edit_row` (the same validation as
``foncier validate``, the change recorded in the ``history`` table under the name typed in
« Modifié par », by default the system user) with ``expected=`` the values read when the form
opened: when someone else saved the row in between, the save is refused and the form shows that
person's values. :func:`install_edit_actions` adds « Modifier le terrain… » and « Modifier la
zone… » to a main window; :func:`next_update_text` is the status bar's « prochaine mise à jour
légale ».

Examples
--------
>>> from PySide6.QtWidgets import QApplication
>>> app = QApplication.instance() or QApplication([])
>>> field_kind("plots", "occupancy"), field_kind("plots", "power_mw"), field_kind("sites", "name")
('enum', 'real', 'text')
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from PySide6.QtCore import QDate, QEvent, QLocale, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from foncier.core.schema import ENUMS
from foncier.errors import EditConflictError, FoncierError
from foncier.legal.adoption import next_update_due
from foncier.legal.documents import french_date
from foncier.legal.edit import current_user, edit_row, editable_columns, read_row
from foncier.palette import ERROR_HEX
from foncier.wording import ATTRIBUTE_LABELS

__all__ = ["EditForm", "field_kind", "install_edit_actions", "next_update_text"]

_UNITS = {"price_eur_m2": " €/m²", "power_mw": " MW", "water_m3_day": " m³/j",
          "max_height_m": " m", "declared_area_ha": " ha"}
_LABELS = {**ATTRIBUTE_LABELS, "name": "Nom", "epci_siren": "SIREN de l'EPCI",
           "epci_name": "EPCI", "commune_insee": "Commune (code INSEE)",
           "vocation": "Vocation dominante",
           "cfe_activity_until": "Dernière activité soumise à la CFE",
           "unoccupied_since": "Inoccupée depuis le"}
_NONE = "non renseigné"
FRENCH = QLocale(QLocale.Language.French, QLocale.Country.France)
_NO_DATE = QDate(1900, 1, 1)


def field_kind(layer: str, column: str) -> str:
    """``enum``, ``bool``, ``real``, ``date`` or ``text``: the widget a column gets."""
    if (layer, column) in ENUMS:
        return "enum"
    return {"bool": "bool", "real": "real", "date": "date", "int": "real"}.get(
        editable_columns(layer)[column], "text")


class _Change(QUndoCommand):
    """One field's change, undone by setting the old value back."""

    def __init__(self, form: EditForm, column: str, old: Any, new: Any):
        super().__init__(f"{_LABELS.get(column, column)} : {old} → {new}")
        self.form, self.column, self.old, self.new = form, column, old, new
        self.first = True

    def redo(self) -> None:
        if self.first:          # the widget holds the new value already
            self.first = False
            return
        self.form._set_widget(self.column, self.new)

    def undo(self) -> None:
        self.form._set_widget(self.column, self.old)


class _UndoRouter(QObject):
    """Sends Ctrl+Z / Ctrl+Maj+Z typed in a field to the form's undo stack, not the field's own.

    A text field accepts the undo keys itself (``ShortcutOverride``), which would undo its
    characters and leave the form's stack aside. Filtered here, the keys reach the form's
    actions; the field's pending value is committed first (so that it is what is undone).
    """

    def __init__(self, form: EditForm):
        super().__init__(form)
        self.form = form

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and (
                event.matches(QKeySequence.StandardKey.Undo)
                or event.matches(QKeySequence.StandardKey.Redo)):
            col = watched.property("column")
            if col:
                widget = self.form.widgets[col]
                if hasattr(widget, "interpretText"):
                    widget.interpretText()       # a spin box's typed text becomes its value
                self.form._changed(col)
            return True                          # not accepted: the form's shortcut fires
        return False


class EditForm(QDialog):
    """The form of one plot (``layer="plots"``) or zone (``layer="sites"``).

    Signals: ``saved(object)`` the :class:`~foncier.legal.edit.EditResult`, ``failed(str)`` the
    French message of a refused save (validation or conflict), also shown in the form.
    """

    saved = Signal(object)
    failed = Signal(str)

    def __init__(self, source: str | os.PathLike, layer: str, row_id: str, *,
                 user: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.source, self.layer, self.row_id = source, layer, str(row_id)
        noun = "du terrain" if layer == "plots" else "de la zone"
        self.setWindowTitle(f"Modifier les attributs {noun} {self.row_id}")
        self.undo_stack = QUndoStack(self)
        self.widgets: dict[str, QWidget] = {}
        self._values: dict[str, Any] = {}
        self._quiet = False
        self._router = _UndoRouter(self)
        self.refused_fields: list[str] = []
        self.read = read_row(source, layer, self.row_id)
        self._build(user)
        self.load(self.read)

    # --- building ------------------------------------------------------------------------
    def _build(self, user: str | None) -> None:
        box = QVBoxLayout(self)
        form = QFormLayout()
        inner = QWidget()
        inner.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        # the fields follow the dialog's width (long list items are elided, never cut off)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for col in editable_columns(self.layer):
            widget = self._widget(col)
            widget.setObjectName(col)
            self.widgets[col] = widget
            form.addRow(_LABELS.get(col, col), widget)
        self.user_edit = QLineEdit(user or current_user())
        self.user_edit.setObjectName("user")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        who = QFormLayout()
        who.addRow("Modifié par", self.user_edit)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Enregistrer")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Fermer")
        for button in self.buttons.buttons():    # Entrée commits a field, never saves the form
            button.setAutoDefault(False)
            button.setDefault(False)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.save_action = QAction("Enregistrer", self)
        self.save_action.setShortcuts(QKeySequence.StandardKey.Save)
        self.save_action.triggered.connect(self.save)
        self.undo_action = self.undo_stack.createUndoAction(self, "Annuler")
        self.undo_action.setShortcuts(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "Rétablir")
        self.redo_action.setShortcuts(QKeySequence.StandardKey.Redo)   # Ctrl+Y, Ctrl+Maj+Z
        self.addActions([self.undo_action, self.redo_action, self.save_action])
        noun = "Terrain" if self.layer == "plots" else "Zone"
        name = self.read.get("name") if self.layer == "sites" else None
        self.heading = QLabel(f"<b>{noun} {self.row_id}</b>" + (f" — {name}" if name else ""))
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        box.addWidget(self.heading)
        box.addWidget(scroll, 1)
        box.addLayout(who)
        box.addWidget(self.message)
        box.addWidget(self.buttons)
        fields = inner.sizeHint().height() + 2 * scroll.frameWidth()
        if fields < 460:                         # a short form (a zone) fits its fields
            scroll.setMinimumHeight(fields)
            self.resize(620, self.sizeHint().height())
        else:
            self.resize(620, 640)

    def _widget(self, col: str) -> QWidget:
        kind = field_kind(self.layer, col)
        if kind in ("enum", "bool"):
            w = QComboBox()
            w.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            w.setMinimumContentsLength(18)
            w.addItem(_NONE, None)
            items = ENUMS[(self.layer, col)] if kind == "enum" else (True, False)
            for v in items:
                w.addItem({True: "oui", False: "non"}.get(v, v) if kind == "bool" else v, v)
            w.currentIndexChanged.connect(lambda _=0, c=col: self._changed(c))
        elif kind == "real":
            w = QDoubleSpinBox()
            w.setRange(-1.0, 1e9)
            w.setDecimals(2)
            w.setSpecialValueText(_NONE)       # the minimum (-1) reads « non renseigné »
            w.setSuffix(_UNITS.get(col, ""))
            w.setGroupSeparatorShown(True)
            w.editingFinished.connect(lambda c=col: self._changed(c))
        elif kind == "date":
            w = QDateEdit()
            w.setCalendarPopup(True)
            w.setDisplayFormat("dd/MM/yyyy")
            w.setMinimumDate(_NO_DATE)
            w.setSpecialValueText(_NONE)
            w.editingFinished.connect(lambda c=col: self._changed(c))
            # a day picked in the calendar (the field has not the focus then) commits at once;
            # typed digits wait for Entrée or the focus leaving (editingFinished)
            w.dateChanged.connect(lambda _=None, c=col, w=w: None if w.hasFocus()
                                  else self._changed(c))
        else:
            w = QLineEdit()
            w.editingFinished.connect(lambda c=col: self._changed(c))
        if isinstance(w, QDoubleSpinBox | QDateEdit):
            w.setLocale(FRENCH)                  # 12,5 and 01/03/2026, whatever the system's
        # the spin box (the focus object, which hands ShortcutOverride straight to its line
        # edit) and the line edits: Ctrl+Z goes to the form's stack
        for target in (w, w.lineEdit() if isinstance(w, QDoubleSpinBox | QDateEdit) else None):
            if target is not None:
                target.setProperty("column", col)
                target.installEventFilter(self._router)
        return w

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """Entrée reaching the dialog (after a field committed its value) saves nothing: the
        button box makes « Enregistrer » the default button when shown, which QDialog would
        click."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    # --- values ----------------------------------------------------------------------------
    def value(self, col: str) -> Any:
        """The field's value as the library takes it (None when « non renseigné »)."""
        w = self.widgets[col]
        if isinstance(w, QComboBox):
            return w.currentData()
        if isinstance(w, QDoubleSpinBox):
            return None if w.value() == w.minimum() else w.value()
        if isinstance(w, QDateEdit):
            return None if w.date() == _NO_DATE else w.date().toPython()
        return w.text().strip() or None

    def _set_widget(self, col: str, value: Any) -> None:
        self._quiet = True
        try:
            w = self.widgets[col]
            if isinstance(w, QComboBox):
                w.setCurrentIndex(max(0, w.findData(value)) if value is not None else 0)
            elif isinstance(w, QDoubleSpinBox):
                w.setValue(w.minimum() if value is None else float(value))
            elif isinstance(w, QDateEdit):
                w.setDate(_NO_DATE if value is None else QDate(value))
            else:
                w.setText("" if value is None else str(value))
            self._values[col] = self.value(col)
        finally:
            self._quiet = False

    def load(self, values: dict[str, Any]) -> None:
        """Show ``values`` (a stored row) and forget the undo history."""
        for col in self.widgets:
            self._set_widget(col, values.get(col))
        self.undo_stack.clear()

    def _changed(self, col: str) -> None:
        if self._quiet:
            return
        new, old = self.value(col), self._values.get(col)
        if new == old:
            return
        self._values[col] = new
        self.undo_stack.push(_Change(self, col, old, new))

    def changes(self) -> dict[str, Any]:
        """The fields whose value differs from the one read when the form opened."""
        return {c: self.value(c) for c in self.widgets if self.value(c) != self.read.get(c)}

    # --- saving ----------------------------------------------------------------------------
    def save(self) -> bool:
        """Save the changed fields in place; a refused save is shown in the form."""
        changes = self.changes()
        if not changes:
            self.message.setText("Aucune modification à enregistrer.")
            return False
        user = self.user_edit.text().strip() or current_user()
        try:
            result = edit_row(self.source, self.layer, self.row_id, changes, user=user,
                              expected={c: self.read.get(c) for c in changes})
        except EditConflictError as err:
            return self._refused(f"Enregistrement refusé : {err}")
        except FoncierError as err:
            return self._refused(self._mark(err) or f"Valeur refusée : {err}")
        self._mark(None)
        self.read = read_row(self.source, self.layer, self.row_id)
        self.load(self.read)
        warnings = "".join(f"\n{w}" for w in result.warnings)
        self.message.setStyleSheet("")
        self.message.setText(f"{len(result.changes)} valeur(s) enregistrée(s) par {user}."
                             + warnings)
        self.saved.emit(result)
        return True

    def _mark(self, err: FoncierError | None) -> str:
        """Frame in red, with the reason as tooltip, each field a refused save names (the
        library's messages start with the column: ``declared_area_ha = -0.5 est négatif``);
        returns the message naming those fields by their label (empty when none)."""
        why: dict[str, list[str]] = {}
        for problem in getattr(err, "problems", []):
            col = problem.message.split(" ", 1)[0]
            if col in self.widgets:
                why.setdefault(col, []).append(problem.message)
        self.refused_fields = sorted(why)
        for col, widget in self.widgets.items():
            if col in why:
                widget.setStyleSheet(f"border: 2px solid {ERROR_HEX};")
                widget.setToolTip("\n".join(why[col]))
            elif widget.toolTip():
                widget.setStyleSheet("")
                widget.setToolTip("")
        if not why:
            return ""
        lines = [f"- {_LABELS.get(c, c)} : {_french_reason(c, m)}" for c, ms in why.items()
                 for m in ms]
        return "Valeur refusée, corrigez le champ encadré :\n" + "\n".join(lines)

    def _refused(self, text: str) -> bool:
        self.message.setStyleSheet(f"font-weight: bold; color: {ERROR_HEX}")
        self.message.setText(text)
        self.failed.emit(text)
        return False


def _french_reason(column: str, message: str) -> str:
    """``declared_area_ha = -0.5 est négatif…`` -> ``-0,5 est négatif…`` (the field is named by
    its label beside it; a number in the French way).

    Examples
    --------
    >>> _french_reason("declared_area_ha", "declared_area_ha = -0.5 est négatif.")
    '-0,5 est négatif.'
    """
    rest = message[len(column):].lstrip(" =") if message.startswith(column) else message
    value, _, tail = rest.partition(" ")
    try:
        float(value)
    except ValueError:
        return rest
    return f"{value.replace('.', ',')} {tail}"


def next_update_text(source: str | os.PathLike | None, *, today: dt.date | None = None) -> str:
    """The status bar's text of the next legal update (six years after the last adoption)."""
    if source is None:
        return ""
    try:
        due = next_update_due(source)
    except FoncierError:
        return ""
    if due is None:
        return "Inventaire légal pas encore adopté"
    late = " (dépassée)" if due < (today or dt.date.today()) else ""
    return f"Prochaine mise à jour légale : {french_date(due)}{late}"


def _selection(window) -> tuple[str | None, str | None, str | None]:
    """The main window's inventory source, selected plot and its zone (None when none)."""
    index = getattr(window, "index", None)
    if index is None:
        return None, None, None
    inv = index.inventory
    source = inv.location or inv.source
    pos = getattr(window, "selected", None)
    if pos is None or pos >= len(index.plot_ids):
        return source, None, None
    pid = str(index.plot_ids[pos])
    plots = inv.plots
    site = plots.loc[plots["plot_id"].astype(str) == pid, "site_id"]
    return source, pid, (None if site.empty or site.isna().iloc[0] else str(site.iloc[0]))


def install_edit_actions(window) -> list[QAction]:
    """Add « Modifier le terrain… » (F2) and « Modifier la zone… » to ``window``'s « Inventaire »
    menu (made when absent) and the next legal update to its status bar; returns the actions."""
    label = QLabel("")
    window.statusBar().addPermanentWidget(label)
    window.legal_update_label = label

    def refresh(*_):
        label.setText(next_update_text(_selection(window)[0]))

    def open_form(layer: str) -> None:
        source, pid, sid = _selection(window)
        row = pid if layer == "plots" else sid
        if source is None or row is None:
            window.statusBar().showMessage("Sélectionnez d'abord un terrain"
                                           + ("" if layer == "plots" else " d'une zone"), 5000)
            return
        form = EditForm(source, layer, row, parent=window)
        form.saved.connect(refresh)
        window.edit_form = form
        form.show()

    actions = [QAction("Modifier le terrain…", window), QAction("Modifier la zone…", window)]
    actions[0].setShortcut(QKeySequence(Qt.Key.Key_F2))
    actions[0].triggered.connect(lambda: open_form("plots"))
    actions[1].triggered.connect(lambda: open_form("sites"))
    menu = next((a.menu() for a in window.menuBar().actions()
                 if a.text().replace("&", "") == "Inventaire" and a.menu()), None)
    menu = menu or window.menuBar().addMenu("Inventaire")
    menu.addSeparator()
    menu.addActions(actions)
    if hasattr(window, "inventoryShown"):
        window.inventoryShown.connect(refresh)
    refresh()
    return actions
