"""The brief as a document: its file, unsaved changes, undo and redo of its edits.

:class:`BriefDocument` follows the filter panel: each valid brief the panel emits becomes one
:class:`BriefEdit` on a ``QUndoStack``; consecutive edits of the same field merge into one (typing
« 12 » is one edit, not two). Undo and redo put the previous brief back into the panel. The
stack's clean state is the saved file: :attr:`BriefDocument.modified` is true after an edit and
false again after a save (or an undo back to the saved brief).

Examples
--------
>>> from PySide6.QtWidgets import QApplication
>>> app = QApplication.instance() or QApplication([])
>>> import foncier
>>> shown = []
>>> doc = BriefDocument(foncier.Brief(name="Projet Atlas", min_area_ha=5), shown.append)
>>> doc.record(foncier.Brief(name="Projet Atlas", min_area_ha=1))
>>> doc.record(foncier.Brief(name="Projet Atlas", min_area_ha=12))   # same field: merged
>>> doc.stack.count(), doc.modified
(1, True)
>>> doc.stack.undo(); shown[-1].min_area_ha, doc.modified
(5.0, False)
>>> doc.display_name(), proposed_file_name("Projet Atlas", ".toml")
('Projet Atlas', 'projet-atlas.toml')
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoCommand, QUndoStack

import foncier

__all__ = ["BriefDocument", "BriefEdit", "changed_keys", "proposed_file_name", "slug"]

_FIELDS = [f.name for f in dataclasses.fields(foncier.Brief)]


def changed_keys(old: foncier.Brief, new: foncier.Brief) -> tuple[str, ...]:
    """The brief fields that differ."""
    return tuple(k for k in _FIELDS if getattr(old, k) != getattr(new, k))


def slug(name: str) -> str:
    """A file-name slug: ``Projet Atlas`` → ``projet-atlas`` (accents dropped)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return text or "cahier-des-charges"


def proposed_file_name(brief_name: str, suffix: str, *, kind: str = "brief") -> str:
    """The file name a save dialog proposes: ``projet-atlas.toml`` for a brief, « Rapport –
    Projet Atlas.pdf » for the investor PDF, « Résultats – Projet Atlas.xlsx » for the table."""
    name = brief_name.strip() or "Nouveau projet"
    safe = re.sub(r'[\\/:*?"<>|]+', " ", name).strip()
    if kind == "pdf":
        return f"Rapport – {safe}{suffix}"
    if kind == "table":
        return f"Résultats – {safe}{suffix}"
    return f"{slug(name)}{suffix}"


class BriefEdit(QUndoCommand):
    """One edit of the brief: from ``old`` to ``new``; merges with the next edit of the same
    single field."""

    ID = 1101

    def __init__(self, doc: BriefDocument, old: foncier.Brief, new: foncier.Brief):
        keys = changed_keys(old, new)
        super().__init__(_edit_text(keys))
        self.doc = doc
        self.old = old
        self.new = new
        self.keys = keys
        self._first = True

    def id(self) -> int:
        return self.ID

    def mergeWith(self, other) -> bool:
        if not isinstance(other, BriefEdit) or len(self.keys) != 1 or other.keys != self.keys:
            return False
        self.new = other.new
        return True

    def redo(self) -> None:
        if self._first:          # the panel already shows it: the edit was typed there
            self._first = False
        else:
            self.doc._show(self.new)
        self.doc.current = self.new

    def undo(self) -> None:
        self.doc._show(self.old)
        self.doc.current = self.old


def _edit_text(keys) -> str:
    if len(keys) == 1:
        from .errors import field_label

        return f"modification de « {field_label(keys[0])} »"
    return "modification du cahier des charges"


class BriefDocument(QObject):
    """A brief, the file it came from or was saved to, and the undo stack of its edits.

    Parameters
    ----------
    brief : foncier.Brief
        The brief shown.
    show : callable
        Puts a brief into the view (the filter panel) and rematches: called by undo and redo.
    path : path, optional
        The brief's file.
    """

    def __init__(self, brief: foncier.Brief, show: Callable[[foncier.Brief], None], *,
                 path=None, parent: QObject | None = None):
        super().__init__(parent)
        self.stack = QUndoStack(self)
        self.current = brief
        self.path: Path | None = Path(path) if path else None
        self._show_fn = show
        self._showing = False

    @property
    def modified(self) -> bool:
        return not self.stack.isClean()

    def _show(self, brief: foncier.Brief) -> None:
        self._showing = True
        try:
            self._show_fn(brief)
        finally:
            self._showing = False

    def record(self, brief: foncier.Brief) -> None:
        """A valid brief typed in the panel: one undoable edit (nothing when unchanged)."""
        if self._showing or brief == self.current:
            return
        self.stack.push(BriefEdit(self, self.current, brief))

    def reset(self, brief: foncier.Brief, path=None) -> None:
        """A new document (opened from ``path``, or a new brief): no history, unmodified."""
        self.stack.clear()
        self.current = brief
        self.path = Path(path) if path else None
        self.stack.setClean()

    def saved(self, path) -> None:
        self.path = Path(path)
        self.stack.setClean()

    def display_name(self) -> str:
        """The brief's name, with its file's name when it has one."""
        name = self.current.name or "Nouveau projet"
        if self.path is not None:
            return f"{name} ({self.path.name})"
        return name
