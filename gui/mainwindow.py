"""The main window: filter panel, map, results table and detail panel around one selection.

Examples
--------
>>> from PySide6.QtWidgets import QApplication
>>> app = QApplication.instance() or QApplication([])
>>> window = MainWindow()                 # no inventory yet: menus and filters only
>>> [action.text() for action in window.menuBar().actions()]
['&Fichier', '&Affichage']
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
from PySide6.QtCore import QItemSelectionModel, QSignalBlocker, Qt, Signal
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
    QVBoxLayout,
    QWidget,
)

import foncier
from foncier.analysis.assembly import assemble
from foncier.io.results import write_table
from foncier.wording import fmt_number

from .detail import DetailPanel
from .filters import FilterPanel
from .layers import LayerList
from .mapview import MapScene, MapView
from .model import MatchView, PlotIndex, plot_index_from_inventory
from .style import STATUS_COLORS
from .table import ResultsModel
from .worker import InventoryOpener, MatchRunner

__all__ = ["MainWindow", "DEFAULT_BRIEF"]

DEFAULT_BRIEF = foncier.Brief(name="Nouveau projet", min_area_ha=5.0)

#: Menu actions that need the shown inventory to stay: disabled while another one opens.
NEEDS_INVENTORY = ("open_brief", "export_table", "export_pdf", "zoom_results", "zoom_selection")


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
                 brief: foncier.Brief | None = None, delay_ms: int = 250):
        super().__init__()
        self.setWindowTitle("Foncier — terrains d'activité")
        self.index: PlotIndex | None = None
        self.scene: MapScene | None = None
        self.current: MatchView | None = None
        self.selected: int | None = None
        self.error_box: QMessageBox | None = None
        self._last_dir = str(Path.home())
        self._opening: str | None = None       # the name of the inventory being opened
        self._or_sample = False
        self.runner = MatchRunner(self, delay_ms=delay_ms)
        self.opener = InventoryOpener(self)

        self._build_panels()
        self._build_layout()
        self._build_status_bar()
        self._build_actions()
        self._build_menus()
        self._connect_signals()
        self.resize(1440, 900)

        self.filters.set_brief(brief or DEFAULT_BRIEF)
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
        self.detail = DetailPanel()

    def _build_layout(self) -> None:
        """Filters left, map over the table in the centre, detail right."""
        results = QWidget()
        lay = QVBoxLayout(results)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.counts_label)
        lay.addWidget(self.table)
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
        split.setSizes([400, 740, 460])
        self.setCentralWidget(split)

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
        self.filters.briefChanged.connect(self._on_brief_changed)
        self.filters.invalidBrief.connect(
            lambda msg: self.statusBar().showMessage("Cahier des charges incomplet : " + msg,
                                                     8000))
        self.layer_list.layerToggled.connect(self._on_layer_toggled)
        self.map.plotClicked.connect(self._on_map_click)
        self.map.cursorMoved.connect(self._on_cursor)
        self.table.selectionModel().currentRowChanged.connect(self._on_row_changed)

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
            "open_brief": self._action("Ouvrir un cahier des charges…", self._ask_brief),
            "save_brief": self._action("Enregistrer le cahier des charges…",
                                       self._ask_save_brief, keys.Save),
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

    def _build_menus(self) -> None:
        """Fichier and Affichage (None is a separator)."""
        menus = {
            "&Fichier": ["open_inventory", "open_brief", "save_brief", None, "export_table",
                         "export_pdf", None, "quit"],
            "&Affichage": ["zoom_results", "zoom_selection", "zoom_all", None, "zoom_in",
                           "zoom_out"],
        }
        for title, keys in menus.items():
            menu = self.menuBar().addMenu(title)
            for key in keys:
                if key is None:
                    menu.addSeparator()
                else:
                    menu.addAction(self.actions[key])
            if title == "&Affichage":                  # the map's legend and basemaps
                menu.addSeparator()
                menu.addAction(self.map.legend_action)
                basemaps = menu.addMenu("Fond de carte en ligne")
                basemaps.addActions(list(self.map.basemap_actions.values()))
        self.map.statusMessage.connect(lambda msg: self.statusBar().showMessage(msg, 10000))

    def _ask_inventory(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Ouvrir un inventaire", self._last_dir,
                                              "GeoPackage (*.gpkg);;Tous les fichiers (*)")
        if path:
            self._last_dir = os.path.dirname(path)
            self.open_inventory(path)

    def _ask_brief(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Ouvrir un cahier des charges",
                                              self._last_dir,
                                              "Cahier des charges (*.toml);;Tous les fichiers (*)")
        if path:
            self._last_dir = os.path.dirname(path)
            self.open_brief(path)

    def _ask_save_brief(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Enregistrer le cahier des charges",
                                              self._last_dir, "Cahier des charges (*.toml)")
        if path:
            if not path.lower().endswith(".toml"):
                path += ".toml"
            self.save_brief(path)

    def _ask_export(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(
            self, "Exporter le tableau", self._last_dir,
            "CSV (*.csv);;Excel (*.xlsx);;GeoPackage (*.gpkg)")
        if path:
            if not Path(path).suffix:
                path += {"E": ".xlsx", "G": ".gpkg"}.get(chosen[:1], ".csv")
            self.export_table(path)

    def _ask_pdf(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Exporter le PDF investisseur",
                                              self._last_dir, "PDF (*.pdf)")
        if path:
            if not path.lower().endswith(".pdf"):
                path += ".pdf"
            self.export_pdf(path)

    # -- file operations (the menu actions call these; tests call them directly) -----------
    def show_error(self, title: str, message: str) -> QMessageBox:
        """Show an error dialog without blocking (the app stays usable); returns the box."""
        if self.error_box is not None:
            self.error_box.close()
        box = QMessageBox(QMessageBox.Icon.Critical, title, message,
                          QMessageBox.StandardButton.Ok, self)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        box.show()
        self.error_box = box
        self.errorShown.emit(message)
        return box

    def open_inventory(self, source, *, or_sample: bool = False) -> int:
        """Open an inventory (GeoPackage path, URL, or None for the bundled sample) off the GUI
        thread; returns the request's number.

        The window stays responsive meanwhile: busy indicator, "Ouverture de …" in the status
        bar, the filter panel and the menus that need an inventory disabled. The new inventory
        replaces the shown one when it is read (:attr:`inventoryShown`), then is matched. A
        newer request supersedes this one. A bad source shows the library's message in a
        dialog (:attr:`errorShown`) and the shown inventory stays; with ``or_sample`` the
        bundled sample opens instead when none is shown.
        """
        name = "l'inventaire d'exemple" if source is None else _source_name(source)
        self._opening = name
        self._or_sample = or_sample and source is not None
        generation = self.opener.request(source)
        self._set_opening(True)
        self.statusBar().showMessage(f"Ouverture de {name}…")
        return generation

    def _set_opening(self, opening: bool) -> None:
        self.filters.setEnabled(not opening)
        for key in NEEDS_INVENTORY:
            self.actions[key].setEnabled(not opening)
        self._on_busy()

    def _on_opened(self, index: PlotIndex) -> None:
        name, self._opening = self._opening, None
        self._set_opening(False)
        self.statusBar().showMessage(f"Inventaire ouvert : {name}", 5000)
        self._show_index(index)

    def _on_open_failed(self, message: str) -> None:
        self._opening = None
        self._set_opening(False)
        self.statusBar().clearMessage()
        self.show_error("Inventaire illisible", message)
        if self._or_sample and self.index is None:
            self.open_inventory(None)

    def open_brief(self, path) -> bool:
        """Read a brief into the filter panel and match it; a bad one shows the message."""
        try:
            brief = foncier.read_brief(path)
        except foncier.FoncierError as exc:
            self.show_error("Cahier des charges illisible", str(exc))
            return False
        self.filters.set_brief(brief)
        self._on_brief_changed(brief, immediate=True)
        self.statusBar().showMessage(f"Cahier des charges ouvert : {path}", 5000)
        return True

    def save_brief(self, path) -> bool:
        """Write the filter panel's brief as TOML."""
        try:
            foncier.write_brief(self.filters.brief(), path)
        except (foncier.FoncierError, OSError) as exc:
            self.show_error("Enregistrement impossible", str(exc))
            return False
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
        self.selected = None
        self.detail.clear()
        old = self.scene
        self.scene = MapScene(self.index, self)
        self.map.setScene(self.scene)
        if old is not None:
            old.deleteLater()
        self.layer_list.set_scene(self.scene)
        self.filters.set_groups(index.groups)
        self.runner.set_index(self.index)
        self.zoom_all()
        name = _source_name(inventory.source) if inventory.source else "inventaire en mémoire"
        self.setWindowTitle(f"Foncier — {name}")
        self.counts_label.setText(f"{fmt_number(self.index.n, 0)} terrains — calcul en cours…")
        self.inventoryShown.emit(index)
        try:
            brief = self.filters.brief()
        except foncier.BriefError:
            return
        self.runner.request(brief, immediate=True)

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
        previous = self.current
        self.current = view
        self.scene.plot_layer.set_status(view.code)
        self.model.set_view(view)
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
        return text

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
            self.selectionChanged.emit(-1)
            return
        members = self._members(position)
        if self.scene is not None:
            self.scene.set_selected(members)
        self._select_row(position)
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
        for code in (0, 1):
            pos = np.flatnonzero(self.current.code == code)
            if len(pos):
                self.map.fit_rect(self.scene.plot_rect(pos))
                return
        self.zoom_all()

    def zoom_to_selection(self) -> None:
        """Show the selected plot and its surroundings."""
        if self.scene is not None and self.selected is not None:
            self.map.fit_rect(self.scene.plot_rect(self._members(self.selected)), margin=1.5)

    def closeEvent(self, event) -> None:
        self.opener.shutdown()
        self.runner.shutdown()
        if self.error_box is not None:
            self.error_box.close()
        super().closeEvent(event)


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
    for col, width in enumerate((44, 124, 140, 100, 100, 52, 120, 80)):
        table.setColumnWidth(col, width)
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
