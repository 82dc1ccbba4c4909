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

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from foncier.core.criteria import LABELS
from foncier.core.matching import STATUS_CODES
from foncier.palette import MUTED_HEX
from foncier.wording import (
    ATTRIBUTE_LABELS,
    STATUS_NAMES,
    constraint_label,
    fmt_fixed,
    fmt_number,
    format_attribute,
    format_measured,
    format_required,
)

from .model import MatchView, PlotIndex
from .style import OUTCOME_TEXT_COLORS, STATUS_COLORS

#: Fails first, then unknowns, then passes.
OUTCOME_ORDER = {"fail": 0, "unknown": 1, "pass": 2}
_SECTION = {"fail": "Non respectés", "unknown": "À vérifier", "pass": "Respectés"}
_MARK = {"fail": "✗", "unknown": "?", "pass": "✓"}


def _esc(text: str) -> str:
    return html.escape(str(text), quote=False)


class _Verdict:
    """One criterion as shown: label, outcome, measured, required, reason; for an assembly the
    members' own verdicts (text, outcome) under it."""

    def __init__(self, label, outcome, measured, required, reason, members=()):
        self.label, self.outcome = label, outcome
        self.measured, self.required, self.reason = measured, required, reason
        self.members = list(members)

    def html(self) -> str:
        color = OUTCOME_TEXT_COLORS[self.outcome].name()
        out = (f"<p style='margin:4px 0 0 0'><span style='color:{color}'><b>"
               f"{_MARK[self.outcome]}</b></span> <b>{_esc(self.label)}</b> — "
               f"{_esc(self.measured)} <span style='color:{MUTED_HEX}'>(demandé : "
               f"{_esc(self.required)})</span>")
        if self.reason:
            out += f"<br><span style='color:{color}'>{_esc(self.reason)}</span>"
        for text, outcome in self.members:
            mc = OUTCOME_TEXT_COLORS[outcome].name()
            out += f"<br>&nbsp;&nbsp;<span style='color:{mc}'>{_MARK[outcome]} {_esc(text)}</span>"
        return out + "</p>"

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
        # Verdicts as wrapped text: nothing is cut off, whatever the panel's width.
        self.verdicts = QTextBrowser()
        self.verdicts.setOpenLinks(False)
        self.verdicts.setObjectName("verdicts")
        self._verdicts: list[_Verdict] = []
        self._extra: list[tuple[str, str]] = []
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
        self._set_verdicts([], [])
        for t in (self.attributes, self.constraints):
            t.clear()

    def verdict_rows(self) -> list[tuple[str, str, str, str, str]]:
        """The verdicts shown, fails first, then unknowns, then passes: (label, outcome,
        measured, required, reason) per criterion."""
        return [(v.label, v.outcome, v.measured, v.required, v.reason) for v in self._verdicts]

    def member_verdicts(self, label: str) -> list[str]:
        """Under an assembly's criterion, each member's own verdict (« P1 : reason »)."""
        return [text for v in self._verdicts if v.label == label for text, _ in v.members]

    def extra_rows(self) -> list[tuple[str, str]]:
        """The decision-support lines under the verdicts: (heading, text)."""
        return list(self._extra)

    def _set_verdicts(self, verdicts: list[_Verdict], extra: list[tuple[str, str]]) -> None:
        """Show verdicts grouped fails, unknowns, passes, then the decision-support lines."""
        self._verdicts = sorted(verdicts, key=lambda v: OUTCOME_ORDER[v.outcome])
        self._extra = extra
        parts = []
        for outcome in ("fail", "unknown", "pass"):
            group = [v for v in self._verdicts if v.outcome == outcome]
            if group:
                parts.append(f"<h4 style='margin:8px 0 0 0'>{_SECTION[outcome]} "
                             f"({len(group)})</h4>")
                parts += [v.html() for v in group]
        for head, text in extra:
            parts.append(f"<h4 style='margin:8px 0 0 0'>{_esc(head)}</h4><p style='margin:2px 0'>"
                         f"{_esc(text).replace(chr(10), '<br>')}</p>")
        self.verdicts.setHtml("".join(parts))

    def member_ids(self) -> list[str]:
        """The member plots listed in the attributes tab when an assembly is shown."""
        t = self.attributes
        return [t.topLevelItem(i).text(0) for i in range(t.topLevelItemCount())
                if t.topLevelItem(i).childCount()]

    def show_plot(self, index: PlotIndex, view: MatchView | None, position: int) -> None:
        """Fill the panel for the plot at ``position`` (inventory order)."""
        self.position = position
        self.attributes.setRootIsDecorated(False)
        self.constraints.setRootIsDecorated(False)
        inv = index.inventory
        plot = inv.plots.iloc[position]
        pid = str(index.plot_ids[position])
        head = (f"<b>Terrain {pid}</b> — {index.zone_names[position]}"
                f"{', ' + index.commune_names[position] if index.commune_names[position] else ''}"
                f"<br>Surface {fmt_fixed(plot['area_ha'], 2)} ha")
        verdicts, extra = [], []
        if view is not None:
            code = int(view.code[position])
            color = STATUS_COLORS[code].name()
            head += (f", nette {fmt_fixed(view.result.net_area_ha[position], 2)} ha — "
                     f"<span style='color:{color}'><b>{STATUS_NAMES[code]}</b></span>, "
                     f"score {fmt_fixed(view.result.score[position], 1)}")
            verdicts = [_Verdict(v.label, v.outcome, format_measured(v.criterion, v.measured),
                                 format_required(v.criterion, v.required), v.reason)
                        for v in view.result.explain(pid)]
            extra = _decision_lines(view, position, pid, verdicts)
        self._set_verdicts(verdicts, extra)
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
        verdicts = []
        for name, c in view.result.criteria.items():
            outcome = str(row[name])
            if name == "area":
                measured = f"{fmt_fixed(row['net_area_ha'], 2)} ha (somme)"
            else:
                values = [format_measured(name, _plain(c.measured[m])) for m in members]
                measured = " ; ".join(dict.fromkeys(values))
            under = []
            for m, pid in zip(members.tolist(), ids, strict=True):
                member_outcome = ("pass", "fail", "unknown")[int(c.outcome[m])]
                under.append((f"{pid} : {c.write_reason(m, int(c.outcome[m]))}",
                              member_outcome))
            verdicts.append(_Verdict(LABELS[name], outcome, measured,
                                     format_required(name, c.required), "", under))
        self._set_verdicts(verdicts, [])

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
            top = QTreeWidgetItem([pid, f"{fmt_fixed(view.result.net_area_ha[m], 2)} ha nets — "
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


def _decision_lines(view: MatchView, position: int, pid: str,
                    verdicts: list[_Verdict]) -> list[tuple[str, str]]:
    """The time to start works, fiabilité, the relaxation of a near miss, the weight stability
    of a plot."""
    out = []
    start = next((v for v in verdicts if v.label == LABELS["start"]), None)
    if view.result.brief.start_works_by is not None and start is not None and start.reason:
        out.append((START_HEADING, start_breakdown(start.reason)))
    asked = len(verdicts)
    known = sum(v.outcome != "unknown" for v in verdicts)
    if asked:
        out.append(("Fiabilité", f"{fmt_fixed(100 * known / asked, 0)} % : {known} critère"
                    f"{'s' if known > 1 else ''} sur {asked} au verdict connu."))
    near = view.near_miss_of(pid)
    if near:
        failing = next((v.label for v in verdicts if v.outcome == "fail"), "")
        out.append(("Presque compatible", f"Un seul critère non respecté ({failing}) : {near}."))
    stability = view.stability_of(pid)
    if stability:
        out.append(("Stabilité du classement", "\n".join(s[0].upper() + s[1:] + "."
                                                         for s in stability)))
    return out


#: The heading of the time-to-start section.
START_HEADING = "Délai avant travaux"


def start_breakdown(reason: str) -> str:
    """The ``start`` criterion's reason one step a line.

    Examples
    --------
    >>> print(start_breakdown("Disponible le 01/03/2026 + enregistrement ICPE ~5 mois + permis "
    ...                       "~3 mois : travaux vers le 01/11/2026, avant le 01/12/2027 demandé."))
    Disponible le 01/03/2026
    + enregistrement ICPE ~5 mois
    + permis ~3 mois
    = travaux vers le 01/11/2026, avant le 01/12/2027 demandé.
    """
    head, sep, tail = reason.partition(" : travaux vers le ")
    lines = head.split(" + ")
    out = [lines[0]] + ["+ " + step for step in lines[1:]]
    if sep:
        out.append("= travaux vers le " + tail)
    return "\n".join(out)


def _assembly_title(index: PlotIndex, row, members, ids: list[str]) -> str:
    """The assembly's head: members, zone, areas, status and score, then its reasons."""
    code = STATUS_CODES[row["status"]]
    color = STATUS_COLORS[code].name()
    zone = index.zone_names[members[0]]
    commune = index.commune_names[members[0]]
    reasons = [r for r in str(row["reasons"]).split(" ; ") if r]
    head = (f"<b>Assemblage de {len(ids)} terrains voisins</b> — {zone}"
            f"{', ' + commune if commune else ''}<br>{' + '.join(ids)}"
            f"<br>Surface {fmt_fixed(row['area_ha'], 2)} ha, nette "
            f"{fmt_fixed(row['net_area_ha'], 2)} ha — <span style='color:{color}'><b>"
            f"{STATUS_NAMES[code]}</b></span>, score {fmt_fixed(row['score'], 1)}")
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
