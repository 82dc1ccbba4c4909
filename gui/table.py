"""The results table: a QAbstractTableModel over a :class:`~gui.model.MatchView`, sorted with numpy.

Sorting is done by the model itself (a numpy argsort of the column) rather than by a
QSortFilterProxyModel: the proxy compares rows through a Python ``data()`` call per comparison,
which takes seconds for 100,000 plots. Reasons (a second for 100,000 plots) are written only for
the rows shown, and cached.

Examples
--------
>>> from PySide6.QtWidgets import QApplication
>>> app = QApplication.instance() or QApplication([])
>>> import foncier
>>> from foncier_gui.model import plot_index_from_source, view_from_match
>>> index = plot_index_from_source(None)           # the bundled sample inventory
>>> view = view_from_match(index, foncier.Brief(name="Atelier", min_area_ha=1), generation=1)
>>> model = ResultsModel()
>>> model.set_view(view)
>>> model.rowCount(), model.data(model.index(0, 2)), model.data(model.index(0, 4))
(329, 'compatible', '88,1')
>>> model.sort(4, Qt.SortOrder.AscendingOrder)      # by score, lowest first
>>> model.data(model.index(0, 4)), model.data(model.index(0, 6))     # one format per column
('4,4', '7,50')
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSignalBlocker,
    Qt,
    Signal,
)
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem

from foncier.wording import fmt_fixed, fmt_number

from .model import MatchView, elimination_steps
from .style import MATCH_TEXT_COLOR, STATUS_COLORS, assembly_icon, swatch_icon

__all__ = ["ResultsModel", "COLUMNS", "POSITION_ROLE", "fit_columns", "fit_reasons",
           "NearMissTable", "FunnelTable", "ReasonsFitter"]

#: (column key, French header)
#: The reason sits next to the status (what decides is read first); zone and commune last.
COLUMNS = [("rank", "Rang"), ("plot_id", "Terrain"), ("status", "Statut"),
           ("reasons", "Motifs"), ("score", "Score"), ("completeness", "Fiabilité"),
           ("net_area_ha", "Surface nette (ha)"), ("price", "Prix (€/m²)"),
           ("zone", "Zone d'activité"), ("commune", "Commune")]
#: Header tooltips.
HEADER_TIPS = {
    "completeness": "Fiabilité : part des critères demandés dont le verdict est connu "
                    "(respecté ou non respecté) ; le reste est à vérifier.",
    "reasons": "Motifs : les critères non respectés puis ceux à vérifier.",
    "score": "Score de 0 à 100 selon la pondération du cahier des charges.",
}
#: Short headers (the full one is the tooltip): narrow numeric columns.
SHORT_HEADERS = {"net_area_ha": "Surf. nette (ha)"}
#: The longest content a column must show in full (its width is fitted to it).
SAMPLE_TEXT = {"rank": "888 888", "score": "100,0", "completeness": "100 %",
               "net_area_ha": "8 888,88", "price": "888,88", "status": "incompatible"}
POSITION_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
_NUMERIC = {"rank", "score", "net_area_ha", "price", "completeness"}


class ResultsModel(QAbstractTableModel):
    """Rows of a match in rank order (or sorted by a column)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.view: MatchView | None = None
        self._rows = np.zeros(0, dtype=np.int64)
        self._row_of = np.zeros(0, dtype=np.int64)
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._icons = {code: swatch_icon(c) for code, c in STATUS_COLORS.items()}
        self._assembly_icon = assembly_icon()

    # -- data ------------------------------------------------------------------------------
    def set_view(self, view: MatchView | None) -> None:
        """Show another match (keeps the current sort column)."""
        self.beginResetModel()
        self.view = view
        n = 0 if view is None else len(view.columns["rank"])
        self._rows = np.arange(n)
        if self._sort is not None and view is not None:
            self._rows = self._sorted_rows(*self._sort)
        self._update_row_of()
        self.endResetModel()

    def _update_row_of(self) -> None:
        if self.view is None:
            self._row_of = np.zeros(0, dtype=np.int64)
            return
        pos = self.view.columns["position"][self._rows]
        self._row_of = np.empty(len(pos), dtype=np.int64)
        self._row_of[pos] = np.arange(len(pos))

    def rowCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def columnCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            key, title = COLUMNS[section]
            return SHORT_HEADERS.get(key, title)
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(COLUMNS[section][0], COLUMNS[section][1])
        return None

    def position_of_row(self, row: int) -> int:
        """The position shown at a row: the plot's in the inventory, or ``n + k`` for the
        assembly ``k`` (see :class:`~gui.model.MatchView`)."""
        return int(self.view.columns["position"][self._rows[row]])

    def row_of_position(self, position: int) -> int:
        """The row showing a plot or an assembly."""
        return int(self._row_of[position])

    def reasons_of_rows(self, rows) -> list[str]:
        pos = self.view.columns["position"][self._rows[np.asarray(rows, dtype=np.int64)]]
        return self.view.reasons_of(pos)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.view is None:
            return None
        key = COLUMNS[index.column()][0]
        r = int(self._rows[index.row()])
        cols = self.view.columns
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(key, r, index.row())
        if role == Qt.ItemDataRole.ToolTipRole and key == "reasons":
            return self.reasons_of_rows([index.row()])[0].replace(" ; ", "\n") or None
        if role == Qt.ItemDataRole.ToolTipRole and key in ("plot_id", "zone") \
                and cols["assembly"][r]:
            ids = str(cols["plot_id"][r]).split("+")
            return f"Assemblage de {len(ids)} terrains voisins : " + ", ".join(ids)
        if role == Qt.ItemDataRole.ToolTipRole:      # any cell: its full text (when elided)
            return self._text(key, r, index.row())
        if role == Qt.ItemDataRole.DecorationRole and key == "status":
            return self._icons[int(cols["code"][r])]
        if role == Qt.ItemDataRole.DecorationRole and key == "plot_id" and cols["assembly"][r]:
            return self._assembly_icon
        if role == Qt.ItemDataRole.TextAlignmentRole and key in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and key == "status":
            return MATCH_TEXT_COLOR if cols["code"][r] == 0 else None
        if role == POSITION_ROLE:
            return int(cols["position"][r])
        if role == SORT_ROLE:
            return cols[key][r] if key != "reasons" else self.reasons_of_rows([index.row()])[0]
        return None

    def _text(self, key: str, r: int, row: int) -> str:
        """A cell's text: one number format per column (2 decimals for areas and prices, 1 for
        scores), "—" when unknown."""
        cols = self.view.columns
        if key == "reasons":
            return self.reasons_of_rows([row])[0] or "—"
        v = cols[key][r]
        if key == "zone" and cols["assembly"][r]:
            return f"Assemblage — {v}"
        if key == "score":
            return fmt_fixed(v, 1)
        if key in ("net_area_ha", "price"):
            return "—" if v != v else fmt_fixed(v, 2)
        if key == "completeness":
            return "—" if v != v else f"{fmt_fixed(100 * v, 0)} %"
        return str(v) if v is not None else "—"

    # -- sorting ---------------------------------------------------------------------------
    def _sort_key(self, column: int) -> np.ndarray:
        key = COLUMNS[column][0]
        cols = self.view.columns
        if key == "reasons":
            return np.array(self.view.reasons_of(cols["position"]), dtype=object).astype(str)
        if key == "status":
            return cols["code"]
        v = cols[key]
        if key in _NUMERIC:
            return np.nan_to_num(v.astype(float), nan=np.inf)
        return np.array([str(x).casefold() for x in v], dtype=object).astype(str)

    def _sorted_rows(self, column: int, order: Qt.SortOrder) -> np.ndarray:
        key = self._sort_key(column)
        dense = np.unique(key, return_inverse=True)[1].ravel()
        if order == Qt.SortOrder.DescendingOrder:
            dense = -dense
        missing = np.isinf(key) if key.dtype.kind == "f" else np.zeros(len(key), dtype=bool)
        return np.lexsort((self.view.columns["rank"], dense, missing))   # unknowns last

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self.view is None or column < 0:
            return
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        old_rows = self._rows
        self._rows = self._sorted_rows(column, order)
        self._update_row_of()
        # Keep persistent indexes (the selection) on the same plots.
        new_of_old = np.empty(len(old_rows), dtype=np.int64)
        inv = np.empty(len(self._rows), dtype=np.int64)
        inv[self._rows] = np.arange(len(self._rows))
        new_of_old[:] = inv[old_rows]
        for idx in self.persistentIndexList():
            self.changePersistentIndex(idx, self.index(int(new_of_old[idx.row()]), idx.column()))
        self.layoutChanged.emit()


def fit_columns(table, model: ResultsModel) -> None:
    """Column widths fitted to their content: the header, the longest value a column can hold
    (ranks of 6 digits) and the rows shown; the reasons get what is left of the view up to the
    fiabilité (:func:`fit_reasons`), elided, the full text as tooltip."""
    fm = table.fontMetrics()
    header_fm = table.horizontalHeader().fontMetrics()
    rows = range(min(model.rowCount(), 200))
    for col, (key, title) in enumerate(COLUMNS):
        if key == "reasons":
            continue
        texts = [SAMPLE_TEXT.get(key, "")]
        texts += [str(model.data(model.index(r, col)) or "") for r in rows]
        width = max(fm.horizontalAdvance(t) for t in texts) + 14
        if key in ("status", "plot_id"):
            width += 20                                   # the swatch or assembly icon
        header = SHORT_HEADERS.get(key, title)
        width = max(width, header_fm.horizontalAdvance(header) + 22)   # and the sort arrow
        table.setColumnWidth(col, min(width, 260 if key in ("zone", "commune") else 150))
    fit_reasons(table)


#: The reasons column's narrowest width (it is elided below its text, in full as tooltip).
MIN_REASONS_WIDTH = 170


def fit_reasons(table) -> None:
    """Give the reasons column what the view leaves beside the columns up to the fiabilité, so
    that rank, plot, status, reasons, score and fiabilité are all in view (at least
    :data:`MIN_REASONS_WIDTH`)."""
    keys = [k for k, _ in COLUMNS]
    reasons = keys.index("reasons")
    last = keys.index("completeness")
    used = sum(table.columnWidth(c) for c in range(last + 1) if c != reasons)
    table.setColumnWidth(reasons, max(MIN_REASONS_WIDTH, table.viewport().width() - used - 2))


class ReasonsFitter(QObject):
    """Refits the reasons column (:func:`fit_reasons`) whenever the table's view is resized."""

    def __init__(self, table):
        super().__init__(table)
        self.table = table
        table.viewport().installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Resize:
            fit_reasons(self.table)
        return False


def _list_view(tree: QTreeWidget, headers: list[str], stretch: int) -> None:
    """A flat list of rows under ``headers`` (alternating colours, rows of one height), its
    columns fitted to their content, the ``stretch`` one taking the rest; rows as high as the
    results table's."""
    tree.setHeaderLabels(headers)
    tree.setRootIsDecorated(False)
    tree.setAlternatingRowColors(True)
    tree.setUniformRowHeights(True)
    tree.setStyleSheet("QTreeView::item { padding: 3px 2px; }")
    header = tree.header()
    for col in range(tree.columnCount()):
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    header.setStretchLastSection(False)


class NearMissTable(QTreeWidget):
    """The near misses of a match (« presque compatibles »: one failing criterion), in rank
    order, each with its relaxation; clicking one emits its position (:attr:`plotChosen`)."""

    plotChosen = Signal(int)
    HEADERS = ["Rang", "Terrain", "Critère non respecté", "Il passerait…", "Score"]
    #: Rows listed at most (the best ranked): a list of tens of thousands is read by nobody
    #: and would cost the GUI thread a second on 100,000 plots.
    MAX_ROWS = 500

    def __init__(self, parent=None):
        super().__init__(parent)
        _list_view(self, self.HEADERS, 3)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.headerItem().setToolTip(3, "La valeur du cahier des charges avec laquelle ce "
                                        "terrain deviendrait compatible.")
        self.currentItemChanged.connect(self._on_current)

    def set_view(self, index, view: MatchView | None) -> None:
        """List the near misses of ``view`` (none when it is None)."""
        with QSignalBlocker(self):
            self.clear()
            near = None if view is None else view.near
            if near is None or not len(near):
                return
            labels = dict(zip(view.funnel["criterion"], view.funnel["label"], strict=True))
            hidden = max(len(near) - self.MAX_ROWS, 0)
            near = near.iloc[:self.MAX_ROWS]
            items = []
            for rank, pid, crit, sentence, score in zip(
                    near["rank"].tolist(), near["plot_id"].tolist(), near["criterion"].tolist(),
                    near["sentence"].tolist(), near["score"].tolist(), strict=True):
                label = labels.get(crit, crit)
                item = QTreeWidgetItem([fmt_number(rank, 0), str(pid), label, sentence,
                                        fmt_fixed(score, 1)])
                item.setData(0, POSITION_ROLE, index.position(str(pid)))
                for col in (0, 4):
                    item.setTextAlignment(col, Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(3, f"{pid} {sentence}.")
                item.setToolTip(2, label)
                items.append(item)
            if hidden:      # the best ones are listed; the others are in the exported table
                more = QTreeWidgetItem(["", "", "", f"… et {fmt_number(hidden, 0)} autres "
                                        "(tous dans le tableau exporté)", ""])
                more.setFlags(Qt.ItemFlag.NoItemFlags)
                items.append(more)
            self.addTopLevelItems(items)

    def rows(self) -> list[tuple[str, ...]]:
        """The rows shown, as text."""
        return [tuple(self.topLevelItem(i).text(c) for c in range(self.columnCount()))
                for i in range(self.topLevelItemCount())]

    def position_of_row(self, row: int) -> int:
        return int(self.topLevelItem(row).data(0, POSITION_ROLE))

    def select_position(self, position: int | None) -> None:
        """Mark the row of a plot (without emitting), or none."""
        with QSignalBlocker(self):
            self.setCurrentItem(None)
            self.clearSelection()
            for i in range(self.topLevelItemCount()):
                item = self.topLevelItem(i)
                if item.data(0, POSITION_ROLE) == position:
                    self.setCurrentItem(item)
                    self.scrollToItem(item)
                    break

    def _on_current(self, current, _previous) -> None:
        if current is not None and current.data(0, POSITION_ROLE) is not None:
            self.plotChosen.emit(int(current.data(0, POSITION_ROLE)))


class FunnelTable(QTreeWidget):
    """The funnel of the current brief: per asked criterion, in elimination order, the plots it
    fails, those for which it is the only fail, those it leaves to check, and how many plots
    remain once it and the criteria above it are applied
    (:func:`~gui.model.elimination_steps`)."""

    HEADERS = ["Critère", "Non respecté", "Seul motif", "À vérifier", "Éliminés à cette étape",
               "Restants"]
    TIPS = {1: "Terrains qui ne respectent pas ce critère.",
            2: "Terrains dont ce critère est le seul non respecté : en l'assouplissant, ils "
               "deviendraient compatibles (ou à vérifier).",
            3: "Terrains dont le verdict sur ce critère est inconnu.",
            4: "Terrains que ce critère élimine parmi ceux que les critères au-dessus ont gardés.",
            5: "Terrains qu'aucun des critères jusqu'à celui-ci n'élimine."}

    def __init__(self, parent=None):
        super().__init__(parent)
        _list_view(self, self.HEADERS, 0)
        for col, tip in self.TIPS.items():
            self.headerItem().setToolTip(col, tip)
            self.headerItem().setTextAlignment(col, Qt.AlignmentFlag.AlignRight
                                               | Qt.AlignmentFlag.AlignVCenter)
        self.n_plots = 0

    def set_view(self, view: MatchView | None) -> None:
        self.clear()
        if view is None or view.funnel is None:
            return
        self.n_plots = view.n_plots
        steps = elimination_steps(view)
        items = []
        for row in steps.itertuples(index=False):
            item = QTreeWidgetItem([row.label] + [fmt_number(int(v), 0) for v in (
                row.fails, row.only_fail, row.unknown, row.eliminated, row.remaining)])
            for col in range(1, 6):
                item.setTextAlignment(col, Qt.AlignmentFlag.AlignRight
                                      | Qt.AlignmentFlag.AlignVCenter)
            items.append(item)
        self.addTopLevelItems(items)

    def rows(self) -> list[tuple[str, ...]]:
        return [tuple(self.topLevelItem(i).text(c) for c in range(self.columnCount()))
                for i in range(self.topLevelItemCount())]
