"""The detail panel: the selected plot's verdicts, attributes and constraints.

Examples
--------
>>> from PySide6.QtWidgets import QApplication
>>> app = QApplication.instance() or QApplication([])
>>> import foncier
>>> from foncier_gui.model import plot_index_from_source, view_from_match
>>> index = plot_index_from_source(None)           # the bundled sample inventory
>>> view = view_from_match(index, foncier.Brief(name="Atelier", min_area_ha=1), generation=1)
>>> panel = DetailPanel()
>>> best = int(view.result.order[0])
>>> panel.show_plot(index, view, best)
>>> label, outcome, measured, required, reason = panel.verdict_rows()[0]
>>> label, outcome
('Disponibilité', 'pass')
>>> panel.position == best
True
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from foncier.core.criteria import LABELS
from foncier.core.matching import STATUS_CODES
from foncier.wording import (
    ATTRIBUTE_LABELS,
    OUTCOME_LABELS,
    STATUS_NAMES,
    constraint_label,
    fmt_number,
    format_attribute,
    format_measured,
    format_required,
)

from .model import MatchView, PlotIndex
from .style import OUTCOME_TEXT_COLORS, STATUS_COLORS, outcome_icon

__all__ = ["DetailPanel"]

def _tree(headers: list[str]) -> QTreeWidget:
    t = QTreeWidget()
    t.setHeaderLabels(headers)
    t.setRootIsDecorated(False)
    t.setAlternatingRowColors(True)
    t.setWordWrap(True)
    t.header().setStretchLastSection(True)
    t.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    t.setColumnWidth(0, 175)
    t.setColumnWidth(1, 125)
    return t


class DetailPanel(QWidget):
    """Everything about one plot: verdict per asked criterion, attributes, constraints touched."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.title = QLabel("Aucun terrain sélectionné.")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.title)
        self.tabs = QTabWidget()
        self.verdicts = _tree(["Critère", "Mesuré", "Demandé"])
        self.verdicts.setRootIsDecorated(False)
        self.verdicts.setIndentation(22)
        self.attributes = _tree(["Attribut", "Valeur"])
        self.constraints = _tree(["Contrainte", "Nom", "Recouvrement", "Part du terrain"])
        self.tabs.addTab(self.verdicts, "Critères")
        self.tabs.addTab(self.attributes, "Attributs")
        self.tabs.addTab(self.constraints, "Contraintes")
        layout.addWidget(self.tabs)
        self.position: int | None = None

    def clear(self) -> None:
        self.position = None
        self.title.setText("Aucun terrain sélectionné.")
        for t in (self.verdicts, self.attributes, self.constraints):
            t.clear()

    def verdict_rows(self) -> list[tuple[str, str, str, str, str]]:
        """The verdicts shown: (label, outcome, measured, required, reason) per criterion."""
        rows = []
        for i in range(self.verdicts.topLevelItemCount()):
            it = self.verdicts.topLevelItem(i)
            rows.append((it.text(0), it.data(0, Qt.ItemDataRole.UserRole), it.text(1),
                         it.text(2), it.child(0).text(0)))
        return rows

    def member_ids(self) -> list[str]:
        """The member plots listed in the attributes tab when an assembly is shown."""
        t = self.attributes
        return [t.topLevelItem(i).text(0) for i in range(t.topLevelItemCount())
                if t.topLevelItem(i).childCount()]

    def show_plot(self, index: PlotIndex, view: MatchView | None, position: int) -> None:
        """Fill the panel for the plot at ``position`` (inventory order)."""
        self.position = position
        self.verdicts.setRootIsDecorated(False)
        self.attributes.setRootIsDecorated(False)
        self.constraints.setRootIsDecorated(False)
        inv = index.inventory
        plot = inv.plots.iloc[position]
        pid = str(index.plot_ids[position])
        head = (f"<b>Terrain {pid}</b> — {index.zone_names[position]}"
                f"{', ' + index.commune_names[position] if index.commune_names[position] else ''}"
                f"<br>Surface {fmt_number(plot['area_ha'], 2)} ha")
        self.verdicts.clear()
        if view is not None:
            code = int(view.code[position])
            color = STATUS_COLORS[code].name()
            head += (f", nette {fmt_number(view.result.net_area_ha[position], 2)} ha — "
                     f"<span style='color:{color}'><b>{STATUS_NAMES[code]}</b></span>, "
                     f"score {fmt_number(view.result.score[position], 1)}")
            for v in view.result.explain(pid):
                item = QTreeWidgetItem([v.label, format_measured(v.criterion, v.measured),
                                        format_required(v.criterion, v.required)])
                item.setIcon(0, outcome_icon(v.outcome))
                item.setData(0, Qt.ItemDataRole.UserRole, v.outcome)
                item.setToolTip(0, OUTCOME_LABELS[v.outcome])
                bold = item.font(0)
                bold.setBold(True)
                item.setFont(0, bold)
                reason = QTreeWidgetItem(item, [v.reason])
                reason.setForeground(0, OUTCOME_TEXT_COLORS[v.outcome])
                reason.setToolTip(0, v.reason)
                self.verdicts.addTopLevelItem(item)
                reason.setFirstColumnSpanned(True)   # only effective once in the tree
                item.setExpanded(True)
        self.title.setText(head)

        self.attributes.clear()
        for col in inv.plots.columns:
            if col == inv.plots.geometry.name:
                continue
            label = ATTRIBUTE_LABELS.get(col, col)
            self.attributes.addTopLevelItem(QTreeWidgetItem([label,
                                                             format_attribute(col, plot[col])]))

        self.constraints.clear()
        for item in _constraint_items(inv, position):
            self.constraints.addTopLevelItem(item)

    def show_assembly(self, index: PlotIndex, view: MatchView, position: int) -> None:
        """Fill the panel for an assembly (position ``n + k``): judged as one combined plot.

        Each criterion shows the assembly's outcome (the outcome columns of
        ``find_assemblies``), its members' measured values, what the brief
        asks, and under it each member's own verdict and reason; the assembly's reasons (fails
        and unknowns of the combined plot) are under the title. The attributes and constraints
        tabs list them per member.
        """
        self.position = position
        row = view.assembly_row(position)
        members = view.members_of(position)
        ids = [str(index.plot_ids[m]) for m in members]
        self.title.setText(_assembly_title(index, row, members, ids))
        self._assembly_verdicts(view, row, members, ids)
        self._assembly_members(index, view, members, ids)

    def _assembly_verdicts(self, view: MatchView, row, members, ids: list[str]) -> None:
        """Per criterion: the assembly's outcome, then each member's own verdict and reason."""
        self.verdicts.clear()
        self.verdicts.setRootIsDecorated(True)
        for name, c in view.result.criteria.items():
            outcome = str(row[name])
            if name == "area":
                measured = f"{fmt_number(row['net_area_ha'], 2)} ha (somme)"
            else:
                values = [format_measured(name, _plain(c.measured[m])) for m in members]
                measured = " ; ".join(dict.fromkeys(values))
            item = QTreeWidgetItem([LABELS[name], measured, format_required(name, c.required)])
            item.setIcon(0, outcome_icon(outcome))
            item.setData(0, Qt.ItemDataRole.UserRole, outcome)
            item.setToolTip(0, OUTCOME_LABELS[outcome] + " par l'assemblage")
            item.setToolTip(1, measured)
            bold = item.font(0)
            bold.setBold(True)
            item.setFont(0, bold)
            self.verdicts.addTopLevelItem(item)
            for m, pid in zip(members.tolist(), ids, strict=True):
                member_outcome = ("pass", "fail", "unknown")[int(c.outcome[m])]
                text = f"{pid} : {c.write_reason(m, int(c.outcome[m]))}"
                child = QTreeWidgetItem(item, [text])
                child.setIcon(0, outcome_icon(member_outcome, 12))
                child.setForeground(0, OUTCOME_TEXT_COLORS[member_outcome])
                child.setToolTip(0, text)
                child.setFirstColumnSpanned(True)
            item.setExpanded(outcome != "pass" or name == "area")

    def _assembly_members(self, index: PlotIndex, view: MatchView, members,
                          ids: list[str]) -> None:
        """The attributes and constraints tabs, one group per member plot."""
        self.attributes.clear()
        self.attributes.setRootIsDecorated(True)
        self.constraints.clear()
        self.constraints.setRootIsDecorated(True)
        inv = index.inventory
        plots = inv.plots
        for m, pid in zip(members.tolist(), ids, strict=True):
            plot = plots.iloc[m]
            status = STATUS_NAMES[int(view.code[m])]
            top = QTreeWidgetItem([pid, f"{fmt_number(view.result.net_area_ha[m], 2)} ha nets — "
                                   f"seul : {status.lower()}"])
            for col in plots.columns:
                if col != plots.geometry.name:
                    QTreeWidgetItem(top, [ATTRIBUTE_LABELS.get(col, col),
                                          format_attribute(col, plot[col])])
            self.attributes.addTopLevelItem(top)
            group = QTreeWidgetItem([pid, "", "", ""])
            group.addChildren(_constraint_items(inv, m))
            self.constraints.addTopLevelItem(group)
            group.setExpanded(True)


def _assembly_title(index: PlotIndex, row, members, ids: list[str]) -> str:
    """The assembly's head: members, zone, areas, status and score, then its reasons."""
    code = STATUS_CODES[row["status"]]
    color = STATUS_COLORS[code].name()
    zone = index.zone_names[members[0]]
    commune = index.commune_names[members[0]]
    reasons = [r for r in str(row["reasons"]).split(" ; ") if r]
    head = (f"<b>Assemblage de {len(ids)} terrains voisins</b> — {zone}"
            f"{', ' + commune if commune else ''}<br>{' + '.join(ids)}"
            f"<br>Surface {fmt_number(row['area_ha'], 2)} ha, nette "
            f"{fmt_number(row['net_area_ha'], 2)} ha — <span style='color:{color}'><b>"
            f"{STATUS_NAMES[code]}</b></span>, score {fmt_number(row['score'], 1)}")
    if reasons:
        head += "<br><i>" + "<br>".join(reasons) + "</i>"
    return head

def _plain(value):
    """A measured value as a Python scalar (None when unknown)."""
    if isinstance(value, float) and value != value:
        return None
    return value.item() if hasattr(value, "item") else value


def _constraint_items(inv, position: int) -> list[QTreeWidgetItem]:
    """The constraints a plot touches, with the overlap area and share of the plot."""
    touched = inv.geometry.constraints_of(position)
    cons = inv.constraints
    area_m2 = float(inv.plots["area_ha"].iloc[position]) * 10_000.0
    items = []
    for c, overlap in zip(touched["constraint"].tolist(), touched["overlap_m2"].tolist(),
                          strict=True):
        row = cons.iloc[int(c)]
        level = row.get("level")
        level = level if isinstance(level, str) else None
        name = row.get("name")
        share = 100.0 * overlap / area_m2 if area_m2 else 0.0
        items.append(QTreeWidgetItem([
            constraint_label(str(row["kind"]), level),
            str(name) if isinstance(name, str) else str(row.get("constraint_id", "")),
            f"{fmt_number(overlap, 0)} m²", f"{fmt_number(share, 1)} %"]))
    if not items:
        items.append(QTreeWidgetItem(["Aucune contrainte", "", "", ""]))
    return items
