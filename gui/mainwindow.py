"""The main window: filter panel, map, results table and detail panel around one selection.

Examples
--------
>>> from PySide6.QtWidgets import QApplication
>>> app = QApplication.instance() or QApplication([])
>>> import tempfile
>>> from foncier_gui.settings import use_settings_dir
>>> use_settings_dir(tempfile.mkdtemp())      # never the user's settings
>>> window = MainWindow()                 # no inventory yet: menus and filters only
>>> [action.text() for action in window.menuBar().actions()]
['&Fichier', 'É&dition', '&Affichage', 'Inventaire']
>>> window.windowTitle()
'Nouveau projet[*] — Foncier'
>>> window.actions["export_pdf"].text(), window.filters.brief().name
('Exporter le PDF investisseur…', 'Nouveau projet')
>>> _source_name("postgresql://foncier:secret@localhost/zae")    # no password shown
'postgresql://localhost/zae'
>>> window.close()
True
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QItemSelectionModel, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

import foncier
from foncier.analysis.assembly import assemble
from foncier.io.results import write_table
from foncier.wording import fmt_number

from .detail import DetailPanel
from .document import BriefDocument, proposed_file_name
from .editforms import install_edit_actions
from .errors import brief_message, inventory_message
from .filters import FilterPanel
from .layers import LayerList
from .mapview import MapScene, MapView
from .model import MatchView, PlotIndex, funnel_sentence, plot_index_from_inventory
from .settings import AppSettings
from .style import STATUS_COLORS
from .table import FunnelTable, NearMissTable, ReasonsFitter, ResultsModel, fit_columns
from .timeline import mark
from .worker import InventoryOpener, MatchRunner

__all__ = ["MainWindow", "DEFAULT_BRIEF"]

DEFAULT_BRIEF = foncier.Brief(name="Nouveau projet", min_area_ha=5.0)

#: Menu actions that need the shown inventory to stay: disabled while another one opens.
NEEDS_INVENTORY = ("open_brief", "export_table", "export_pdf", "zoom_results", "zoom_selection")
#: The longest an inventory's first match waits for its map's first frame (milliseconds).
FIRST_FRAME_WAIT_MS = 1000
#: Qt's own file dialogs (translated by qtbase_fr), not the platform's.
DIALOG_OPTIONS = QFileDialog.Option.DontUseNativeDialog
INVENTORY_FILTER = "Inventaire GeoPackage (*.gpkg)"
BRIEF_FILTER = "Cahier des charges (*.toml)"


class MainWindow(QMainWindow):
    """The desktop app's window over one inventory and one brief.

    Signals
    -------
    viewUpdated(object)
        A match result (:class:`~gui.model.MatchView`) reached the map and the table.
    selectionChanged(int)
        The selected plot's position (-1 when none).
    errorShown(str)
        An error dialog opened with that message.
    inventoryShown(object)
        The map, layer list and filter panel show a new inventory (its
        :class:`~gui.model.PlotIndex`); its first match follows.
    """

    viewUpdated = Signal(object)
    selectionChanged = Signal(int)
    errorShown = Signal(str)
    inventoryShown = Signal(object)

    def __init__(self, inventory: foncier.Inventory | None = None, *,
                 brief: foncier.Brief | None = None, delay_ms: int = 300,
                 settings: AppSettings | None = None):
        super().__init__()
        self.settings = settings or AppSettings()
        self.source_name = ""
        self.index: PlotIndex | None = None
        self.scene: MapScene | None = None
        self.current: MatchView | None = None
        self.selected: int | None = None
        self.error_box: QMessageBox | None = None
        self._opening: str | None = None       # the name of the inventory being opened
        self._or_sample = False
        self.runner = MatchRunner(self, delay_ms=delay_ms)
        self.opener = InventoryOpener(self)
        self._first_frame_actions: list = []
        self._first_frame_timer = QTimer(self)
        self._first_frame_timer.setSingleShot(True)
        self._first_frame_timer.setInterval(FIRST_FRAME_WAIT_MS)
        self._first_frame_timer.timeout.connect(self._run_first_frame_actions)

        self.doc = BriefDocument(brief or DEFAULT_BRIEF, self._show_brief, parent=self)
        self._build_panels()
        self._build_layout()
        self._build_status_bar()
        self._build_actions()
        self._build_menus()
        self._connect_signals()
        self._restore_layout()
        install_edit_actions(self)          # Inventaire > Modifier le terrain / la zone

        self.filters.set_brief(brief or DEFAULT_BRIEF)
        self._update_title()
        if inventory is not None:
            self.set_inventory(inventory)

    # -- building the window ---------------------------------------------------------------
    def _build_panels(self) -> None:
        """The widgets: filter panel and layer list (tabs), map, results table, detail panel."""
        self.filters = FilterPanel()
        self.layer_list = LayerList()
        self.left_tabs = QTabWidget()
        self.left_tabs.addTab(self.filters, "Cahier des charges")
        self.left_tabs.addTab(self.layer_list, "Couches et légende")
        self.map = MapView()
        self.model = ResultsModel(self)
        self.table = _results_table(self.model)
        self.counts_label = QLabel("Aucun résultat.")
        self.counts_label.setTextFormat(Qt.TextFormat.RichText)
        self.counts_label.setWordWrap(True)          # the assemblies' count may need a line
        self.counts_label.linkActivated.connect(self._on_counts_link)
        self.near_table = NearMissTable()
        self.funnel_table = FunnelTable()
        self.results_tabs = QTabWidget()
        self.results_tabs.setDocumentMode(True)
        self.results_tabs.addTab(self.table, "Résultats")
        self.results_tabs.addTab(self.near_table, "Presque compatibles")
        self.results_tabs.addTab(self.funnel_table, "Entonnoir")
        self.results_tabs.setTabToolTip(1, "Les terrains incompatibles sur un seul critère, et "
                                           "la valeur du cahier des charges qui les rendrait "
                                           "compatibles.")
        self.results_tabs.setTabToolTip(2, "Pour chaque critère demandé : les terrains qu'il "
                                           "élimine, ceux dont il est le seul motif de rejet, "
                                           "dans l'ordre d'élimination.")
        self._reasons_fitter = ReasonsFitter(self.table)
        self.detail = DetailPanel()

    def _build_layout(self) -> None:
        """Filters left, map over the table in the centre, detail right."""
        results = QWidget()
        lay = QVBoxLayout(results)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.counts_label)
        lay.addWidget(self.results_tabs)
        centre = QSplitter(Qt.Orientation.Vertical)
        centre.addWidget(self.map)
        centre.addWidget(results)
        centre.setStretchFactor(0, 3)
        centre.setStretchFactor(1, 2)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.left_tabs)
        split.addWidget(centre)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setStretchFactor(2, 0)
        split.setChildrenCollapsible(False)
        self.detail.setMinimumWidth(260)
        self.splitter = split
        self.centre_splitter = centre
        self.setCentralWidget(split)

    def _proportional_sizes(self, width: int) -> None:
        """Filters about a quarter, the detail a quarter, the map and table the rest."""
        left = max(340, int(width * 0.25))
        right = max(260, int(width * 0.22))
        self.splitter.setSizes([left, max(300, width - left - right), right])

    def _restore_layout(self) -> None:
        """The last window geometry and splitters, else a size fitted to the screen."""
        geometry = self.settings.value("window/geometry")
        if geometry is not None and self.restoreGeometry(geometry):
            state = self.settings.value("window/splitter")
            if state is None or not self.splitter.restoreState(state):
                self._proportional_sizes(self.width())
            state = self.settings.value("window/centre")
            if state is not None:
                self.centre_splitter.restoreState(state)
            return
        screen = self.screen().availableGeometry() if self.screen() else None
        w, h = (1440, 900) if screen is None else (min(1440, screen.width()),
                                                    min(900, screen.height()))
        self.resize(w, h)
        self._proportional_sizes(w)

    def _save_layout(self) -> None:
        self.settings.set_value("window/geometry", self.saveGeometry())
        self.settings.set_value("window/splitter", self.splitter.saveState())
        self.settings.set_value("window/centre", self.centre_splitter.saveState())

    def _build_status_bar(self) -> None:
        """Busy indicator and the cursor's coordinates."""
        self.coords_label = QLabel("")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setFormat("")
        self.busy.hide()
        self.busy_label = QLabel("Calcul en cours…")
        self.busy_label.hide()
        self.statusBar().addPermanentWidget(self.busy_label)
        self.statusBar().addPermanentWidget(self.busy)
        self.statusBar().addPermanentWidget(self.coords_label)

    def _connect_signals(self) -> None:
        """Workers, filters, layer list, map and table to the window's slots."""
        self.runner.resultReady.connect(self._on_result)
        self.runner.failed.connect(lambda msg: self.show_error("Calcul impossible", msg))
        self.runner.busyChanged.connect(self._on_busy)
        self.opener.opened.connect(self._on_opened)
        self.opener.failed.connect(self._on_open_failed)
        self.opener.busyChanged.connect(self._on_busy)
        self.filters.briefChanged.connect(self._on_brief_edited)
        self.doc.stack.cleanChanged.connect(lambda _: self._update_title())
        self.filters.invalidBrief.connect(
            lambda msg: self.statusBar().showMessage("Cahier des charges incomplet : " + msg,
                                                     8000))
        self.layer_list.layerToggled.connect(self._on_layer_toggled)
        self.map.framePainted.connect(self._run_first_frame_actions)
        self.map.plotClicked.connect(self._on_map_click)
        self.map.cursorMoved.connect(self._on_cursor)
        self.table.selectionModel().currentRowChanged.connect(self._on_row_changed)
        self.near_table.plotChosen.connect(lambda pos: self.select_plot(pos, centre=True))

    # -- menus -----------------------------------------------------------------------------
    def _action(self, text: str, slot, shortcut=None) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(slot)
        return act

    def _build_actions(self) -> None:
        """The menu actions, by key (:data:`NEEDS_INVENTORY` names those disabled while an
        inventory opens)."""
        keys = QKeySequence.StandardKey
        self.actions = {
            "open_inventory": self._action("Ouvrir un inventaire…", self._ask_inventory,
                                           keys.Open),
            "open_brief": self._action("Ouvrir un cahier des charges…", self._ask_brief,
                                       "Ctrl+Shift+O"),
            "save_brief": self._action("Enregistrer le cahier des charges", self.save,
                                       keys.Save),
            "save_brief_as": self._action("Enregistrer le cahier des charges sous…",
                                          self.save_as, "Ctrl+Shift+S"),
            "export_table": self._action("Exporter le tableau…", self._ask_export),
            "export_pdf": self._action("Exporter le PDF investisseur…", self._ask_pdf),
            "quit": self._action("Quitter", self.close, keys.Quit),
            "zoom_results": self._action("Zoom sur les résultats", self.zoom_to_results,
                                         "Ctrl+R"),
            "zoom_selection": self._action("Zoom sur la sélection", self.zoom_to_selection,
                                           "Ctrl+E"),
            "zoom_all": self._action("Vue d'ensemble", self.zoom_all, "Ctrl+0"),
            "zoom_in": self._action("Zoom avant", lambda: self.map.zoom_by(1.5), keys.ZoomIn),
            "zoom_out": self._action("Zoom arrière", lambda: self.map.zoom_by(1 / 1.5),
                                     keys.ZoomOut),
        }
        undo = self.doc.stack.createUndoAction(self, "Annuler")
        undo.setShortcut(QKeySequence(keys.Undo))
        redo = self.doc.stack.createRedoAction(self, "Rétablir")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence(keys.Redo)])
        self.actions["undo"], self.actions["redo"] = undo, redo
        for act in self.actions.values():
            self.addAction(act)          # shortcuts work wherever the focus is

    def _build_menus(self) -> None:
        """Fichier and Affichage (None is a separator)."""
        menus = {
            "&Fichier": ["open_inventory", "recent_inventories", "open_brief", "recent_briefs",
                         "save_brief", "save_brief_as", None, "export_table", "export_pdf", None,
                         "quit"],
            "É&dition": ["undo", "redo"],
            "&Affichage": ["zoom_results", "zoom_selection", "zoom_all", None, "zoom_in",
                           "zoom_out"],
        }
        self.recent_menus = {}
        for title, keys in menus.items():
            menu = self.menuBar().addMenu(title)
            for key in keys:
                if key is None:
                    menu.addSeparator()
                elif key.startswith("recent_"):
                    kind = key[len("recent_"):]
                    sub = menu.addMenu("Inventaires récents" if kind == "inventories"
                                       else "Cahiers des charges récents")
                    self.recent_menus[kind] = sub
                else:
                    menu.addAction(self.actions[key])
            if title == "&Affichage":                  # the map's legend and basemaps
                menu.addSeparator()
                menu.addAction(self.map.legend_action)
                basemaps = menu.addMenu("Fond de carte en ligne")
                basemaps.addActions(list(self.map.basemap_actions.values()))
        self.map.statusMessage.connect(lambda msg: self.statusBar().showMessage(msg, 10000))
        self._update_recent()

    def _update_recent(self) -> None:
        """The recent files' submenus (newest first; empty: one disabled line)."""
        for kind, menu in self.recent_menus.items():
            menu.clear()
            paths = self.settings.recent(kind)
            for i, path in enumerate(paths, 1):
                act = menu.addAction(f"&{i} {_source_name(path)}")
                act.setToolTip(path)
                act.setData(path)
                if kind == "inventories":
                    act.triggered.connect(lambda _=False, p=path: self.open_inventory(p))
                else:
                    act.triggered.connect(lambda _=False, p=path: self._open_brief_asking(p))
            if not paths:
                menu.addAction("(aucun)").setEnabled(False)

    def recent_files(self, kind: str) -> list[str]:
        """The files listed in a recent-files submenu (``inventories`` or ``briefs``)."""
        return [a.data() for a in self.recent_menus[kind].actions() if a.data()]

    def _ask_inventory(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Ouvrir un inventaire",
                                              self.settings.folder("inventory"),
                                              INVENTORY_FILTER, options=DIALOG_OPTIONS)
        if path:
            self.settings.set_folder("inventory", path)
            self.open_inventory(path)

    def _ask_brief(self) -> None:
        if not self.maybe_save():
            return
        path, _ = QFileDialog.getOpenFileName(self, "Ouvrir un cahier des charges",
                                              self.settings.folder("brief"), BRIEF_FILTER,
                                              options=DIALOG_OPTIONS)
        if path:
            self.settings.set_folder("brief", path)
            self.open_brief(path)

    def _open_brief_asking(self, path) -> None:
        if self.maybe_save():
            self.open_brief(path)

    def _brief_name(self) -> str:
        try:
            return self.filters.brief().name
        except foncier.BriefError:
            return self.doc.current.name

    def _ask_save_path(self, title: str, purpose: str, name: str, filters: str) -> tuple:
        start = os.path.join(self.settings.folder(purpose), name)
        path, chosen = QFileDialog.getSaveFileName(self, title, start, filters,
                                                   options=DIALOG_OPTIONS)
        if path:
            self.settings.set_folder(purpose, path)
        return path, chosen

    def save(self) -> bool:
        """Ctrl+S: write the brief to its file, or ask for one (:meth:`save_as`)."""
        if self.doc.path is None:
            return self.save_as()
        return self.save_brief(self.doc.path)

    def save_as(self) -> bool:
        """Ctrl+Shift+S: ask for a file (proposed from the brief's name) and write the brief."""
        name = self.doc.path.name if self.doc.path else proposed_file_name(self._brief_name(),
                                                                            ".toml")
        path, _ = self._ask_save_path("Enregistrer le cahier des charges", "brief", name,
                                      BRIEF_FILTER)
        if not path:
            return False
        if not path.lower().endswith(".toml"):
            path += ".toml"
        return self.save_brief(path)

    def _ask_export(self) -> None:
        name = proposed_file_name(self._brief_name(), ".xlsx", kind="table")
        path, chosen = self._ask_save_path(
            "Exporter le tableau", "export", name,
            "Excel (*.xlsx);;CSV (*.csv);;GeoPackage (*.gpkg)")
        if path:
            if not Path(path).suffix:
                path += {"C": ".csv", "G": ".gpkg"}.get(chosen[:1], ".xlsx")
            self.export_table(path)

    def _ask_pdf(self) -> None:
        name = proposed_file_name(self._brief_name(), ".pdf", kind="pdf")
        path, _ = self._ask_save_path("Exporter le PDF investisseur", "export", name,
                                      "PDF (*.pdf)")
        if path:
            if not path.lower().endswith(".pdf"):
                path += ".pdf"
            self.export_pdf(path)

    # -- the brief as a document -------------------------------------------------------------
    def _update_title(self) -> None:
        """« Projet Atlas (projet-atlas.toml)[*] — zones.gpkg — Foncier », modified mark."""
        parts = [self.doc.display_name() + "[*]"]
        if self.source_name:
            parts.append(self.source_name)
        parts.append("Foncier")
        self.setWindowTitle(" — ".join(parts))
        self.setWindowModified(self.doc.modified)

    def _show_brief(self, brief: foncier.Brief) -> None:
        """Undo/redo: the brief back in the panel, then matched."""
        self.filters.set_brief(brief)
        self._on_brief_changed(brief)
        self._update_title()

    def _on_brief_edited(self, brief: foncier.Brief) -> None:
        self.doc.record(brief)
        self._update_title()
        self._on_brief_changed(brief)

    def maybe_save(self) -> bool:
        """Before losing unsaved edits: ask to save them; False when the user cancels."""
        if not self.doc.modified:
            return True
        buttons = QMessageBox.StandardButton
        box = QMessageBox(QMessageBox.Icon.Warning, "Modifications non enregistrées",
                          f"Le cahier des charges « {self._brief_name()} » a été modifié.",
                          buttons.Save | buttons.Discard | buttons.Cancel, self)
        box.setInformativeText("Voulez-vous enregistrer les modifications ?")
        box.button(buttons.Save).setText("Enregistrer")
        box.button(buttons.Discard).setText("Ne pas enregistrer")
        box.button(buttons.Cancel).setText("Annuler")
        box.setDefaultButton(buttons.Save)
        answer = box.exec()
        if answer == buttons.Save:
            return self.save()
        return answer == buttons.Discard

    # -- file operations (the menu actions call these; tests call them directly) -----------
    def show_error(self, title: str, message: str, detail: str | None = None) -> QMessageBox:
        """Show an error dialog without blocking (the app stays usable); the technical detail
        (the library's own message) behind « Détails »; returns the box."""
        if self.error_box is not None:
            self.error_box.close()
        box = QMessageBox(QMessageBox.Icon.Critical, title, message,
                          QMessageBox.StandardButton.Ok, self)
        if detail and detail != message:
            box.setDetailedText(detail)
            for button in box.buttons():
                if box.buttonRole(button) == QMessageBox.ButtonRole.ActionRole:
                    _french_details_button(box, button)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        box.show()
        self.error_box = box
        self.errorShown.emit(message)
        return box

    def open_inventory(self, source, *, or_sample: bool = False, prefetched=None) -> int:
        """Open an inventory (GeoPackage path, URL, or None for the bundled sample) off the GUI
        thread; returns the request's number.

        The window stays responsive meanwhile: busy indicator, "Ouverture de …" in the status
        bar, the filter panel and the menus that need an inventory disabled. The new inventory
        replaces the shown one when it is read (:attr:`inventoryShown`), then is matched. A
        newer request supersedes this one. A bad source shows the library's message in a
        dialog (:attr:`errorShown`) and the shown inventory stays; with ``or_sample`` the
        bundled sample opens instead when none is shown. ``prefetched``: the future of this
        opening, started already (:func:`gui.app.run` reads the inventory while Qt loads).
        """
        name = "l'inventaire d'exemple" if source is None else _source_name(source)
        self._opening = name
        self._or_sample = or_sample and source is not None
        generation = self.opener.request(source, prefetched=prefetched)
        self._set_opening(True)
        self.statusBar().showMessage(f"Ouverture de {name}…")
        return generation

    def _set_opening(self, opening: bool) -> None:
        self.filters.setEnabled(not opening)
        for key in NEEDS_INVENTORY:
            self.actions[key].setEnabled(not opening)
        self._on_busy()

    def _on_opened(self, index: PlotIndex) -> None:
        mark("index_received")
        name, self._opening = self._opening, None
        self._set_opening(False)
        self.statusBar().showMessage(f"Inventaire ouvert : {name}", 5000)
        source = index.inventory.source
        if source:
            self.settings.add_recent("inventories", source)
            self._update_recent()
        self._show_index(index)

    def _on_open_failed(self, message: str) -> None:
        name, self._opening = self._opening, None
        self._set_opening(False)
        self.statusBar().clearMessage()
        self.show_error("Inventaire illisible", inventory_message(message, name or ""), message)
        if self._or_sample and self.index is None:
            self.open_inventory(None)

    def open_brief(self, path) -> bool:
        """Read a brief into the filter panel and match it; a bad one shows the message."""
        try:
            brief = foncier.read_brief(path)
        except foncier.BriefError as exc:
            self.show_error("Cahier des charges illisible",
                            f"Le cahier des charges « {Path(path).name} » ne peut pas être "
                            f"lu :\n{brief_message(exc)}", str(exc))
            return False
        except foncier.FoncierError as exc:
            self.show_error("Cahier des charges illisible", str(exc))
            return False
        self.filters.set_brief(brief)
        self.doc.reset(brief, path)
        self.settings.add_recent("briefs", path)
        self._update_recent()
        self._update_title()
        self._on_brief_changed(brief, immediate=True)
        self.statusBar().showMessage(f"Cahier des charges ouvert : {path}", 5000)
        return True

    def save_brief(self, path) -> bool:
        """Write the filter panel's brief as TOML."""
        try:
            brief = self.filters.brief()
            foncier.write_brief(brief, path)
        except foncier.BriefError as exc:
            self.show_error("Enregistrement impossible", brief_message(exc), str(exc))
            return False
        except (foncier.FoncierError, OSError) as exc:
            self.show_error("Enregistrement impossible", str(exc))
            return False
        self.doc.current = brief
        self.doc.saved(path)
        self.settings.add_recent("briefs", path)
        self._update_recent()
        self._update_title()
        self.statusBar().showMessage(f"Cahier des charges enregistré : {path}", 5000)
        return True

    def _result_or_error(self) -> foncier.MatchResult | None:
        if self.current is None:
            self.show_error("Aucun résultat", "Aucun résultat à exporter : attendez la fin du "
                                              "calcul ou corrigez le cahier des charges.")
            return None
        return self.current.result

    def export_table(self, path) -> bool:
        """Write the whole result table (.csv, .xlsx, .gpkg or .geojson), with the assemblies
        ranked among the plots when the brief allows them (as ``foncier match --out``)."""
        result = self._result_or_error()
        if result is None:
            return False
        try:
            if result.brief.allow_assembly:
                out = write_table(assemble(result), path)
            else:
                out = foncier.write_results(result, path)
        except foncier.FoncierError as exc:
            self.show_error("Export impossible", str(exc))
            return False
        self.statusBar().showMessage(f"Tableau exporté : {out}", 5000)
        return True

    def export_pdf(self, path, *, top: int = 10) -> bool:
        """Write the one-page investor PDF."""
        from .pdf import write_investor_pdf

        result = self._result_or_error()
        if result is None:
            return False
        try:
            out = write_investor_pdf(result, path, top=top)
        except (foncier.FoncierError, OSError) as exc:
            self.show_error("Export impossible", str(exc))
            return False
        self.statusBar().showMessage(f"PDF écrit : {out}", 5000)
        return True

    # -- inventory and matching -------------------------------------------------------------
    def set_inventory(self, inventory: foncier.Inventory) -> None:
        """Show an inventory already in memory (its views' data computed on the GUI thread):
        map layers, constraint selectors, then match the current brief. Supersedes any
        inventory being opened."""
        if self.opener.busy:
            self.opener.cancel()
            self._opening = None
            self._set_opening(False)
            self.statusBar().clearMessage()
        self._show_index(plot_index_from_inventory(inventory))

    def _show_index(self, index: PlotIndex) -> None:
        """Show an inventory's views' data: map layers, constraint selectors, then match."""
        inventory = index.inventory
        self.index = index
        self.current = None
        self.model.set_view(None)
        self.near_table.set_view(self.index, None)
        self.funnel_table.set_view(None)
        self.selected = None
        self.detail.clear()
        old = self.scene
        self.scene = MapScene(self.index, self)
        self.map.setScene(self.scene)
        if old is not None:
            old.deleteLater()
        mark("scene_built")
        self.layer_list.set_scene(self.scene)
        self.filters.set_groups(index.groups)
        self.runner.set_index(self.index)
        self.zoom_all()
        self.source_name = (_source_name(inventory.source) if inventory.source
                            else "inventaire en mémoire")
        self._update_title()
        self.counts_label.setText(f"{fmt_number(self.index.n, 0)} terrains — calcul en cours…")
        self.inventoryShown.emit(index)
        mark("index_shown")
        # The plot geometry and the first match wait for the map's first frame: computed at
        # the same time, they would hold the GIL while the scene paints.
        self._after_first_frame(lambda: self._start_work(index))

    def _start_work(self, index: PlotIndex) -> None:
        """After an inventory's first frame: its plot geometry, and the current brief's match."""
        if index is not self.index:
            return
        self.opener.precompute(index)
        try:
            brief = self.filters.brief()
        except foncier.BriefError:
            return
        self.runner.request(brief, immediate=True)

    def _after_first_frame(self, action) -> None:
        """Run ``action`` once the map has painted a frame of the new scene (at once when the
        map is not shown; after :data:`FIRST_FRAME_WAIT_MS` at the latest)."""
        self._first_frame_actions = [action]
        if not self.map.isVisible():
            self._run_first_frame_actions()
            return
        self._first_frame_timer.start()

    def _run_first_frame_actions(self) -> None:
        self._first_frame_timer.stop()
        actions, self._first_frame_actions = self._first_frame_actions, []
        for action in actions:
            action()

    def _on_brief_changed(self, brief: foncier.Brief, *, immediate: bool = False) -> None:
        if self.index is not None:
            self.runner.request(brief, immediate=immediate)

    def _on_busy(self, *_) -> None:
        opening = self.opener.busy
        busy = opening or self.runner.busy
        self.busy_label.setText("Ouverture en cours…" if opening else "Calcul en cours…")
        self.busy.setVisible(busy)
        self.busy_label.setVisible(busy)

    def _on_result(self, view: MatchView) -> None:
        if self.index is None or view.result.inventory is not self.index.inventory:
            return
        mark("first_result")
        previous = self.current
        self.current = view
        self.scene.plot_layer.set_status(view.code)
        self.model.set_view(view)
        if previous is None:
            fit_columns(self.table, self.model)
        self.near_table.set_view(self.index, view)
        self.funnel_table.set_view(view)
        self._update_result_tabs(view)
        self.counts_label.setText(self._counts_text(view))
        if self.selected is not None:
            selected = self.selected
            if previous is not None and previous.is_assembly(selected):
                # Assemblies are found anew for each brief: keep the same one if still there.
                pid = str(previous.assembly_row(selected)["plot_id"])
                selected = view.position_of_assembly(pid)
            if selected is None:
                self.select_plot(None)
            else:
                self.selected = selected
                self.scene.set_selected(view.members_of(selected))
                self._select_row(selected)
                self.near_table.select_position(selected)
                if view.is_assembly(selected):
                    self.detail.show_assembly(self.index, view, selected)
                else:
                    self.detail.show_plot(self.index, view, selected)
        self.viewUpdated.emit(view)

    def _counts_text(self, view: MatchView) -> str:
        counts = view.result.counts
        parts = []
        for code, key, word in ((0, "match", "compatible"), (1, "to_check", "à vérifier"),
                                (2, "no_match", "incompatible")):
            n = counts[key]
            plural = "s" if n > 1 and code != 1 else ""
            color = STATUS_COLORS[code].name()
            parts.append(f"<span style='color:{color}'>■</span> <b>{fmt_number(n, 0)}</b> "
                         f"{word}{plural}")
        text = (f"<b>{view.result.brief.name}</b> — {fmt_number(len(view.code), 0)} terrains : "
                + " &nbsp; ".join(parts))
        if view.result.brief.allow_assembly:
            n = view.n_assemblies
            text += (f" &nbsp; + <b>{fmt_number(n, 0)}</b> assemblage{'s' if n > 1 else ''} "
                     "de terrains voisins")
        near = 0 if view.near is None else len(view.near)
        if near:
            text += (f"<br><a href='near'>{fmt_number(near, 0)} presque compatible"
                     f"{'s' if near > 1 else ''}</a> (un seul critère non respecté)")
        funnel = funnel_sentence(view)
        if funnel:
            text += f"<br><b>{funnel}</b> <a href='funnel'>Voir l'entonnoir</a>"
        return text

    def _update_result_tabs(self, view: MatchView) -> None:
        """The tabs' titles give their counts."""
        near = 0 if view.near is None else len(view.near)
        self.results_tabs.setTabText(0, f"Résultats ({fmt_number(self.model.rowCount(), 0)})")
        self.results_tabs.setTabText(1, f"Presque compatibles ({fmt_number(near, 0)})")

    def _on_counts_link(self, link: str) -> None:
        self.results_tabs.setCurrentWidget(self.near_table if link == "near"
                                           else self.funnel_table)

    # -- selection ---------------------------------------------------------------------------
    def select_plot(self, position: int | None, *, centre: bool = False) -> None:
        """Select a plot, or an assembly (position ``n + k``), everywhere: map highlight, table
        row, detail panel."""
        self.selected = position
        if position is None:
            if self.scene is not None:
                self.scene.set_selected(None)
            self.detail.clear()
            self.table.clearSelection()
            self.near_table.select_position(None)
            self.selectionChanged.emit(-1)
            return
        members = self._members(position)
        if self.scene is not None:
            self.scene.set_selected(members)
        self._select_row(position)
        self.near_table.select_position(position)
        if self.current is not None and self.current.is_assembly(position):
            self.detail.show_assembly(self.index, self.current, position)
        else:
            self.detail.show_plot(self.index, self.current, position)
        if centre:
            self.map.centre_on(self.scene.plot_rect(members).center())
        self.selectionChanged.emit(position)

    def _members(self, position: int) -> np.ndarray:
        if self.current is None:
            return np.array([position], dtype=np.int64)
        return self.current.members_of(position)

    def _select_row(self, position: int) -> None:
        if self.current is None:
            return
        row = self.model.row_of_position(position)
        sm = self.table.selectionModel()
        with QSignalBlocker(sm):
            idx = self.model.index(row, 0)
            sm.setCurrentIndex(idx, QItemSelectionModel.SelectionFlag.ClearAndSelect
                               | QItemSelectionModel.SelectionFlag.Rows)
        self.table.viewport().update()
        self.table.scrollTo(self.model.index(row, 0))

    def _on_row_changed(self, current, previous) -> None:
        if current.isValid():
            self.select_plot(self.model.position_of_row(current.row()), centre=True)

    def _on_map_click(self, position: int) -> None:
        if position >= 0:
            self.select_plot(position)

    def _on_layer_toggled(self, key: str, visible: bool) -> None:
        if self.scene is not None:
            self.scene.set_layer_visible(key, visible)

    def _on_cursor(self, x: float, y: float) -> None:
        self.coords_label.setText(f"Lambert-93 : X {fmt_number(x, 0)} m  Y {fmt_number(y, 0)} m")

    # -- zoom ----------------------------------------------------------------------------------
    def zoom_all(self) -> None:
        """Show the activity zones and their plots."""
        if self.scene is not None:
            self.map.fit_rect(self.scene.home_rect(), margin=0.03)

    def zoom_to_results(self) -> None:
        """Show the compatible plots (else those to check, else all)."""
        if self.scene is None or self.current is None:
            self.zoom_all()
            return
        self.map.zoom_to_results(self.current.code)

    def zoom_to_selection(self) -> None:
        """Show the selected plot and its surroundings."""
        if self.scene is not None and self.selected is not None:
            self.map.fit_rect(self.scene.plot_rect(self._members(self.selected)), margin=1.5)

    def closeEvent(self, event) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self._save_layout()
        self.opener.shutdown()
        self.runner.shutdown()
        if self.error_box is not None:
            self.error_box.close()
        super().closeEvent(event)


def _french_details_button(box: QMessageBox, button) -> None:
    """« Détails… » / « Masquer les détails… » on the button Qt names itself on each click."""
    edit = box.findChild(QTextEdit)

    def name() -> None:
        shown = edit is not None and edit.isVisibleTo(box)
        button.setText("Masquer les détails…" if shown else "Détails…")

    button.setText("Détails…")
    button.clicked.connect(name)            # after Qt's own slot, which toggles the text


def _results_table(model: ResultsModel) -> QTableView:
    """The results table: whole rows selected one at a time, sortable, zebra rows."""
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setSortingEnabled(True)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(22)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)   # the full text is the tooltip
    fit_columns(table, model)
    return table


def _source_name(source) -> str:
    """A file's name, or a database URL without its password."""
    text = str(source)
    if "://" in text:
        scheme, rest = text.split("://", 1)
        if "@" in rest:
            rest = rest.split("@", 1)[1]
        return f"{scheme}://{rest}"
    return Path(text).name
