"""The investor report's content, as plain data shared by every rendering.

:func:`report_content` gathers what the report shows: a **summary page** (the brief in short,
:func:`brief_summary`; the counts, :func:`meta_line`; the ranked plots and assemblies with their
key figures, :class:`ReportPlot`; the overview map's extent and layers, in Lambert-93) and a
**site sheet** per proposed plot or assembly (:class:`SiteSheet`: a close-up map with the
constraints touching it and the nearest infrastructure, key figures, every criterion's measured
and required values, the points to check), with the territory's profile
(:class:`~foncier.report.profile.TerritoryProfile`) and an audit trail (:class:`AuditInfo`). The
report's fixed wording lives here too, so that the HTML page of :mod:`foncier.report.html` and the
PDF drawn by the desktop app say the same thing, with French typography (:func:`french`:
non-breaking spaces before units and ``: ; ? !``; one decimal rule per unit, :func:`qty`).

Examples
--------
>>> import foncier
>>> from foncier.report.content import report_content
>>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="Atelier", max_area_ha=2))
>>> content = report_content(res, top=3, sheets=2)
>>> [p.rank for p in content.plots], content.heading, len(content.sheets)
([1, 2, 3], 'Projet « Atelier »', 2)
>>> meta_line(content).startswith(content.inventory)
True
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from foncier.core.brief import Brief
from foncier.core.criteria import LABELS, asked_criteria
from foncier.core.matching import STATUS_CODES, MatchResult
from foncier.report.profile import TerritoryProfile
from foncier.wording import (
    ICPE_LABELS,
    INFRA_LABELS,
    OUTCOME_LABELS,
    STATUS_LABELS,
    UNIT_DECIMALS,
    UNITS,
    constraint_label,
    fmt_number,
    format_measured,
    format_required,
    heading,
)

__all__ = ["InvestorReport", "ReportPlot", "SiteSheet", "AuditInfo", "report_content",
           "brief_summary", "meta_line", "french", "qty", "sentences", "short_id", "heading",
           "summary_cells", "TABLE_HEADERS", "SUMMARY_HEADERS", "ALL_PASS", "NO_CRITERIA",
           "FOOTER", "NO_PROFILE"]

NBSP = "\u00a0"
#: The ranked table's columns (summary page).
TABLE_HEADERS = ("Rang", "Terrain", "Zone, commune", "Statut", "Score")
#: The key figures of the ranked table, after :data:`TABLE_HEADERS`.
SUMMARY_HEADERS = ("Surface nette", "Prix", "Disponible", "Échangeur", "À vérifier")
ALL_PASS = "Tous les critères demandés sont respectés."
NO_CRITERIA = "Aucun critère hormis la disponibilité."
FOOTER = ("Distances à vol d'oiseau, en Lambert-93. Surface nette\u00a0: surface du terrain "
          "moins les contraintes retirées.")
#: Who sends the report when no profile is given.
NO_PROFILE = TerritoryProfile(organisation="Inventaire foncier du territoire")
#: The criteria whose requirement is a maximum (the others with a unit are minimums).
_AT_MOST = ("price", "motorway", "rail_freight", "port")
#: How far the overview frame reaches beyond the proposed plots (share of their extent), and at
#: least how many metres.
_OVERVIEW_PAD, _OVERVIEW_MIN_PAD_M = 0.12, 1500.0


# ----------------------------------------------------------------------------- typography


#: The space between a number and its unit (made non-breaking by :func:`french`).
_UNIT_SPACE = re.compile(r"(?<=\d) (?=(?:ha|m²|m³/j|€/m²|€|km|kV|MW|m)(?![\w²³/]))")


def french(text: str) -> str:
    """French typography: a non-breaking space before ``: ; ? !`` and between a number and its
    unit, none doubled.

    Examples
    --------
    >>> french("Prix : 19 €/m² ; libre ?") == "Prix\\xa0: 19\\xa0€/m²\\xa0; libre\\xa0?"
    True
    >>> french("200 m, 5 mois") == "200\\xa0m, 5 mois"
    True
    >>> french("https://example.org")
    'https://example.org'
    """
    text = _UNIT_SPACE.sub(NBSP, text)
    text = re.sub(r"[ \u00a0\u202f]*([;?!])(?=\s|$)", NBSP + r"\1", text)
    return re.sub(r"(?<=\S)[ \u00a0]+:(?=\s|$)", NBSP + ":", text)


def qty(value, unit: str) -> str:
    """A quantity with its unit, the unit's decimals (:data:`~foncier.wording.UNIT_DECIMALS`,
    always all of them: « 23,00 ha » beside « 12,50 ha ») and a non-breaking space.

    Examples
    --------
    >>> qty(23, "ha"), qty(2.34, "km"), qty(None, "MW")
    ('23,00\\xa0ha', '2,3\\xa0km', '—')
    """
    if value is None or value != value:
        return "—"
    decimals = UNIT_DECIMALS.get(unit, 2)
    text = fmt_number(round(float(value), decimals) + 0.0, decimals)
    if decimals and "," not in text:
        text += "," + "0" * decimals
    return f"{text}{NBSP}{unit}"


def sentences(reasons: list[str]) -> str:
    """Reasons as French sentences (a capital, a final full stop), never « . ; ».

    Examples
    --------
    >>> sentences(["Eau non renseignée.", "prix 45 €/m²"])
    'Eau non renseignée. Prix 45\xa0€/m².'
    """
    out = []
    for r in reasons:
        r = r.strip().rstrip(" ;")
        if not r:
            continue
        r = r[0].upper() + r[1:]
        out.append(french(r if r.endswith((".", "!", "?")) else r + "."))
    return " ".join(out)


def short_id(members: list[str]) -> str:
    """An assembly's id, short enough for a table cell: the first two members (the second
    without the zone prefix they share) and how many more.

    Examples
    --------
    >>> short_id(["ZAE-1-P12", "ZAE-1-P13", "ZAE-1-P14", "ZAE-1-P15"])
    'ZAE-1-P12 + P13 (+2)'
    >>> short_id(["A"])
    'A'
    """
    if len(members) == 1:
        return members[0]
    prefix = members[0].rpartition("-")[0] + "-"
    second = members[1].removeprefix(prefix) if prefix != "-" else members[1]
    more = f" (+{len(members) - 2})" if len(members) > 2 else ""
    return f"{members[0]} + {second}{more}"


# ----------------------------------------------------------------------------- data


@dataclass(frozen=True)
class ReportPlot:
    """One row of the ranked table: a plot or an assembly of neighbouring plots.

    Attributes
    ----------
    rank : int
    plot_id : str
        The plot's id, or the members' ids joined by ``+``.
    site_id : str
    place : str
        The activity zone's name and its commune, when known.
    status, status_label : str
    score : float
    figures : list of (label, text)
        Key figures in French (the labels of :data:`SUMMARY_HEADERS` but the last); for an
        assembly, the weakest member's value (highest price, latest date, farthest).
    reasons : list of str
        The reasons of its fails and unknowns (empty when every criterion passes).
    geometry : shapely geometry
    members : tuple of str
        The plots it is made of (the plot alone for a plot).
    label : str
        The id as the table shows it (:func:`short_id`).
    """

    rank: int
    plot_id: str
    site_id: str
    place: str
    status: str
    status_label: str
    score: float
    figures: list[tuple[str, str]]
    reasons: list[str]
    geometry: object = field(repr=False)
    members: tuple[str, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class SiteSheet:
    """The site sheet of one proposed plot or assembly.

    Attributes
    ----------
    rank : int
    title : str
        « Terrain X » or « Assemblage de n terrains ».
    members : tuple of str
        Every plot id (the full list, for an assembly).
    place, status, status_label : str
    figures : list of (label, text)
        Net and gross area, price, availability, power, water, zoning, ICPE regime, servicing
        stage, clé en main, start of works.
    criteria : list of (label, measured, required, outcome)
        Each asked criterion; ``outcome`` is ``pass``, ``fail`` or ``unknown``.
    checks : list of str
        The points to check, as French sentences.
    extent : (xmin, ymin, xmax, ymax)
        The close-up map's extent (Lambert-93).
    layers : dict
        ``communes``, ``sites`` (geometries), ``plots`` (``(status, geometry)`` of the
        neighbours), ``focus`` (the plot's geometry), ``constraints`` (``(kind, label,
        geometry)`` of those touching it), ``infrastructure`` (``(kind, text, point)``: the
        nearest of each kind, its distance in ``text``; ``point`` is the place itself when in
        the frame, else on the frame's edge towards it).
    """

    rank: int
    title: str
    members: tuple[str, ...]
    place: str
    status: str
    status_label: str
    figures: list[tuple[str, str]]
    criteria: list[tuple[str, str, str, str]]
    checks: list[str]
    extent: tuple[float, float, float, float]
    layers: dict = field(repr=False)


@dataclass(frozen=True)
class AuditInfo:
    """Where the report comes from (its audit footer and the PDF's metadata).

    Attributes
    ----------
    version : str
        foncier's version.
    date : date
    source : str
        The inventory as the investor reads it (the territory's name, never a file name).
    technical_source : str
        The file or database it was read from (metadata only).
    fingerprint : str
        The content fingerprint of the inventory (its file, or its layers).
    brief : str
        The brief in one line.
    """

    version: str
    date: dt.date
    source: str
    technical_source: str
    fingerprint: str
    brief: str

    def lines(self) -> list[str]:
        """The audit footer, two short lines."""
        return [french(f"Produit par foncier {self.version} le {self.date:%d/%m/%Y} — "
                       f"inventaire : {self.source} (empreinte {self.fingerprint[:21]})"),
                french(f"Cahier des charges : {self.brief}")]


@dataclass(frozen=True)
class InvestorReport:
    """The content of the investor report (plain data).

    Attributes
    ----------
    title : str
        The brief's name; :attr:`heading` is what the page shows.
    date : date
    inventory : str
        Where the plots come from, as the investor reads it.
    brief_lines : list of str
    counts : dict of str to int
    n_plots : int
    plots : list of ReportPlot
        The ranked table's rows.
    extent : (xmin, ymin, xmax, ymax)
        The overview map's extent in Lambert-93 (every proposed plot inside, with margins).
    layers : dict of str to list
        The overview: ``communes``, ``sites``, ``plots`` (``(status, geometry)``) and
        ``infrastructure`` (``(kind, name, point)``).
    sheets : list of SiteSheet
    profile : TerritoryProfile
    audit : AuditInfo or None
    """

    title: str
    date: dt.date
    inventory: str
    brief_lines: list[str]
    counts: dict[str, int]
    n_plots: int
    plots: list[ReportPlot]
    extent: tuple[float, float, float, float]
    layers: dict[str, list] = field(repr=False)
    sheets: list[SiteSheet] = field(default_factory=list)
    profile: TerritoryProfile = NO_PROFILE
    audit: AuditInfo | None = None

    @property
    def heading(self) -> str:
        return heading(self.title)

    def sheet_page(self, rank: int) -> int | None:
        """The page number of a rank's site sheet (the summary is page 1), or None."""
        for k, s in enumerate(self.sheets):
            if s.rank == rank:
                return k + 2
        return None


def summary_cells(content: InvestorReport, plot: ReportPlot) -> list[str]:
    """The ranked table's cells of one row (:data:`TABLE_HEADERS` + :data:`SUMMARY_HEADERS`)."""
    figs = dict(plot.figures)
    page = content.sheet_page(plot.rank)
    n = len(plot.reasons)
    checks = "aucun" if not n else f"{n}{NBSP}point{'s' if n > 1 else ''}"
    if page is not None:
        checks += f" (p.{NBSP}{page})"
    return [str(plot.rank), plot.label or plot.plot_id, plot.place, plot.status_label,
            fmt_number(plot.score, 0), *[figs.get(h, "—") for h in SUMMARY_HEADERS[:-1]],
            checks]


def meta_line(content: InvestorReport) -> str:
    """The line under the title: source, plots studied, counts per status, date."""
    c = content.counts

    def n(count: int, word: str) -> str:
        return f"{fmt_number(count, 0)} {word}{'s' if count > 1 else ''}"

    return french(f"{content.inventory} — {n(content.n_plots, 'terrain')} étudié"
                  f"{'s' if content.n_plots > 1 else ''} : {n(c['match'], 'compatible')}, "
                  f"{fmt_number(c['to_check'], 0)} à vérifier, "
                  f"{n(c['no_match'], 'incompatible')} — le {content.date:%d/%m/%Y}")


# ----------------------------------------------------------------------------- brief


def _required_text(name: str, required) -> str:
    if name == "area":
        return str(required)
    if name == "timing":
        return f"disponible au plus tard le {required:%d/%m/%Y}"
    if name == "start":
        return f"travaux au plus tard le {required:%d/%m/%Y}"
    if name == "zoning":
        return ", ".join(required)
    if name in ("icpe", "brownfield"):
        return ICPE_LABELS.get(required, str(required))
    if name == "forbidden_constraints":
        return ", ".join(constraint_label(x) for x in required)
    if isinstance(required, bool):
        return "exigé"
    if name in _AT_MOST:
        unit = UNITS[name]
        return f"≤ {qty(required, unit)}" + (" à vol d'oiseau" if unit == "km" else "")
    if name in UNITS:
        return f"≥ {qty(required, UNITS[name])}"
    return str(required)


def brief_summary(brief: Brief) -> list[str]:
    """The brief in short: a French line per asked key (availability is implied).

    Examples
    --------
    >>> import foncier
    >>> lines = brief_summary(foncier.Brief(name="x", min_area_ha=5, port_max_km=30, turnkey=True))
    >>> [x.replace("\\xa0", " ") for x in lines]
    ['Surface : ≥ 5,00 ha', 'Clé en main : exigé', "Port : ≤ 30,0 km à vol d'oiseau"]
    """
    required = _required_values(brief)
    lines = [f"{LABELS[n]} : {_required_text(n, required.get(n))}"
             for n in asked_criteria(brief) if n != "availability"]
    if brief.excluded_constraints:
        lines.append("Retirées de la surface : "
                     + ", ".join(constraint_label(x) for x in brief.excluded_constraints))
    if brief.allow_assembly:
        gap = qty(brief.assembly_max_gap_m or 0, "m")
        lines.append(f"Assemblage de terrains voisins accepté (écart ≤ {gap})")
    return [french(x) for x in lines]


def _required_values(brief: Brief) -> dict:
    lo, hi = brief.min_area_ha, brief.max_area_ha
    if lo is not None and hi is not None:
        area = f"{qty(lo, 'ha').split(NBSP)[0]} à {qty(hi, 'ha')}"
    elif lo is not None:
        area = f"≥ {qty(lo, 'ha')}"
    else:
        area = f"≤ {qty(hi, 'ha')}" if hi is not None else ""
    return {
        "area": area, "price": brief.max_price_eur_m2, "timing": brief.available_by,
        "start": getattr(brief, "start_works_by", None),
        "zoning": list(brief.accepted_zones or ()), "turnkey": True,
        "brownfield": "friche exigée" if brief.brownfield == "required" else "friches exclues",
        "height": brief.building_height_m, "icpe": brief.icpe,
        "forbidden_constraints": list(brief.forbidden_constraints or ()),
        "housing": brief.min_housing_distance_m, "power": brief.power_mw,
        "water": brief.water_m3_day, "gas": True, "fiber": True, "rail_siding": True,
        "motorway": brief.motorway_max_km, "rail_freight": brief.rail_freight_max_km,
        "port": brief.port_max_km,
    }


# ----------------------------------------------------------------------------- rows


def _places(result: MatchResult, positions: np.ndarray) -> list[str]:
    inv = result.inventory
    site_ids = inv.plots["site_id"].to_numpy(dtype=object)[positions]
    sites = inv.sites.set_index("site_id")
    names = sites["name"] if "name" in sites else pd.Series(dtype=object)
    insee = sites["commune_insee"] if "commune_insee" in sites else pd.Series(dtype=object)
    communes = {}
    if inv.communes is not None and {"insee", "name"} <= set(inv.communes.columns):
        communes = dict(zip(inv.communes["insee"], inv.communes["name"], strict=False))
    out = []
    for sid in site_ids:
        if sid is None or sid != sid:
            out.append("hors zone d'activité")
            continue
        name = names.get(sid)
        commune = communes.get(insee.get(sid))
        parts = [str(x) for x in (name, commune) if isinstance(x, str) and x]
        out.append(", ".join(parts) or str(sid))
    return out


def _value(row, column):
    value = row.get(column)
    return None if value is None or pd.isna(value) else value


def _key_figures(result: MatchResult, positions: list[int], net_ha: float) -> list[tuple]:
    """The ranked table's key figures of a plot or an assembly (its weakest member's value)."""
    plots = result.inventory.plots
    prices = [_value(plots.iloc[i], "price_eur_m2") for i in positions]
    dates = [_value(plots.iloc[i], "available_from") for i in positions]
    price = None if any(p is None for p in prices) else max(prices)
    avail = None if any(d is None for d in dates) else max(pd.Timestamp(d) for d in dates)
    figs = [("Surface nette", qty(net_ha, "ha")), ("Prix", qty(price, "€/m²")),
            ("Disponible", "—" if avail is None else f"{avail:%d/%m/%Y}")]
    dist = result.inventory.geometry.distance_m.get("motorway_interchange")
    if dist is not None:
        figs.append(("Échangeur", qty(max(dist[i] for i in positions) / 1000.0, "km")))
    return figs


def _assembly_rows(result: MatchResult, *, top: int) -> list[ReportPlot]:
    """The best candidate assemblies of neighbouring plots, as report rows."""
    from foncier.analysis.assembly import find_assemblies

    found = find_assemblies(result, on=result.on).head(top)
    rows = []
    for a in found.itertuples(index=False):
        members = str(a.assembly).split("|")
        positions = [result.position(m) for m in members]
        place = _places(result, np.array(positions[:1]))[0]
        rows.append(ReportPlot(
            rank=0, plot_id=str(a.plot_id), site_id=str(a.site_id or ""),
            place=f"{place} — assemblage de {len(members)} terrains voisins",
            status=str(a.status), status_label=STATUS_LABELS[str(a.status)],
            score=float(a.score), figures=_key_figures(result, positions, a.net_area_ha),
            reasons=[r for r in str(a.reasons).split(" ; ") if r], geometry=a.geometry,
            members=tuple(members), label=short_id(members)))
    return rows


def _plot_rows(result: MatchResult, best: np.ndarray) -> list[ReportPlot]:
    """The report rows of the plots at positions ``best`` (not ranked yet: rank 0)."""
    plots = result.inventory.plots
    geoms = plots.geometry.to_numpy()
    reasons = result.reasons(best)
    places = _places(result, best)
    rows = []
    for pos, why, place in zip(best.tolist(), reasons.tolist(), places, strict=True):
        status = str(result.status[pos])
        site = plots["site_id"].iloc[pos]
        pid = str(plots["plot_id"].iloc[pos])
        rows.append(ReportPlot(
            rank=0, plot_id=pid, site_id="" if site is None or site != site else str(site),
            place=place, status=status, status_label=STATUS_LABELS[status],
            score=float(result.score[pos]),
            figures=_key_figures(result, [pos], result.net_area_ha[pos]),
            reasons=[r for r in why.split(" ; ") if r], geometry=geoms[pos],
            members=(pid,), label=pid))
    return rows


def _ranked(rows: list[ReportPlot], *, top: int) -> list[ReportPlot]:
    """Rows ranked as results are: status, then score (best first), then id."""
    return sorted(rows, key=lambda r: (STATUS_CODES[r.status], -r.score, r.plot_id))[:top]


# ----------------------------------------------------------------------------- maps


def _extent(geoms, *, pad: float, minimum: float, min_pad: float = 0.0
            ) -> tuple[float, float, float, float]:
    """The bounds of ``geoms`` grown by ``pad`` of their size (at least ``min_pad`` metres on
    each side), and at least ``minimum`` metres wide and high."""
    x0, y0, x1, y1 = shapely.total_bounds(np.asarray(geoms, dtype=object))
    w, h = x1 - x0, y1 - y0
    margin = max(pad * max(w, h), min_pad)
    w, h = max(w + 2 * margin, minimum), max(h + 2 * margin, minimum)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _inside(frame, box) -> np.ndarray:
    if frame is None or not len(frame):
        return np.zeros(0, dtype=np.int64)
    tree = shapely.STRtree(frame.geometry.to_numpy())
    return np.sort(tree.query(box))


def _map_layers(result: MatchResult, box) -> dict[str, list]:
    """What the overview draws inside ``box``: communes, sites, every plot with its status,
    and the infrastructure points as ``(kind, name, point)``."""
    inv = result.inventory
    geoms = inv.plots.geometry.to_numpy()
    infra = inv.infrastructure
    return {
        "communes": [inv.communes.geometry.iloc[i] for i in _inside(inv.communes, box)]
        if inv.communes is not None else [],
        "sites": [inv.sites.geometry.iloc[i] for i in _inside(inv.sites, box)],
        "plots": [(str(result.status[i]), geoms[i]) for i in _inside(inv.plots, box)],
        "infrastructure": [
            (str(infra["kind"].iloc[i]), str(infra["name"].iloc[i]) if "name" in infra else "",
             infra.geometry.iloc[i])
            for i in _inside(infra, box)],
    }


def _towards(origin, target, extent, *, inset: float = 0.07):
    """``target`` when inside ``extent`` (shrunk by ``inset``), else the point of the shrunk
    frame's edge on the way from ``origin`` to it."""
    x0, y0, x1, y1 = extent
    dx, dy = (x1 - x0) * inset, (y1 - y0) * inset
    box = (x0 + dx, y0 + dy, x1 - dx, y1 - dy)
    tx, ty = target.x, target.y
    if box[0] <= tx <= box[2] and box[1] <= ty <= box[3]:
        return target
    ox, oy = origin.x, origin.y
    t = 1.0
    for lo, hi, o, v in ((box[0], box[2], ox, tx - ox), (box[1], box[3], oy, ty - oy)):
        if v > 0:
            t = min(t, (hi - o) / v)
        elif v < 0:
            t = min(t, (lo - o) / v)
    return shapely.Point(ox + t * (tx - ox), oy + t * (ty - oy))


def _nearest_infrastructure(result: MatchResult, focus, extent) -> list[tuple]:
    """The nearest infrastructure of each kind: ``(kind, text, point)`` (see SiteSheet)."""
    infra = result.inventory.infrastructure
    if not len(infra):
        return []
    kinds = infra["kind"].to_numpy(dtype=object)
    points = infra.geometry.to_numpy()
    dist = shapely.distance(points, focus)
    centre = shapely.point_on_surface(focus)
    out = []
    for kind in INFRA_LABELS:
        idx = np.flatnonzero(kinds == kind)
        if not len(idx):
            continue
        i = idx[np.argmin(dist[idx])]
        name = str(infra["name"].iloc[i]) if "name" in infra and infra["name"].iloc[i] else ""
        first = INFRA_LABELS[kind].split()[0].lower()
        label = name if first in name.lower() else f"{INFRA_LABELS[kind]} {name}".strip()
        out.append((kind, french(f"{label} : {qty(dist[i] / 1000.0, 'km')}"),
                    _towards(centre, points[i], extent)))
    return out


def _sheet_layers(result: MatchResult, focus, extent) -> dict:
    inv = result.inventory
    box = shapely.box(*extent)
    over = _map_layers(result, box)
    cons = inv.constraints
    touching = []
    for i in _inside(cons, focus):
        g = cons.geometry.iloc[i]
        if g.intersects(focus):
            level = cons["level"].iloc[i] if "level" in cons else None
            level = None if level is None or level != level else str(level)
            touching.append((str(cons["kind"].iloc[i]),
                             constraint_label(str(cons["kind"].iloc[i]), level), g))
    return {"communes": over["communes"], "sites": over["sites"], "plots": over["plots"],
            "focus": focus, "constraints": touching,
            "infrastructure": _nearest_infrastructure(result, focus, extent)}


# ----------------------------------------------------------------------------- site sheets


def _yes_no(value) -> str:
    return "non renseigné" if value is None else ("oui" if bool(value) else "non")


def _join(values: list, fmt) -> str:
    """One value when the members agree, else each member's."""
    texts = [fmt(v) for v in values]
    return texts[0] if len(set(texts)) == 1 else " / ".join(texts)


def _sheet_figures(result: MatchResult, plot: ReportPlot, positions: list[int], plan) -> list:
    plots = result.inventory.plots
    rows = [plots.iloc[i] for i in positions]
    gross = sum(float(r["area_ha"]) for r in rows)
    net = sum(float(result.net_area_ha[i]) for i in positions)
    figs = dict(plot.figures)
    out = [("Surface nette", qty(net, "ha")), ("Surface brute", qty(gross, "ha")),
           ("Prix", figs.get("Prix", "—")), ("Disponible", figs.get("Disponible", "—")),
           ("Puissance électrique", _join([_value(r, "power_mw") for r in rows],
                                          lambda v: qty(v, "MW"))),
           ("Eau", _join([_value(r, "water_m3_day") for r in rows], lambda v: qty(v, "m³/j"))),
           ("Zone PLU", _join([_value(r, "plu_zone") for r in rows],
                              lambda v: "non renseignée" if v is None else str(v))),
           ("Régime ICPE maximal admis", _join(
               [_value(r, "icpe_max") for r in rows],
               lambda v: "non renseigné" if v is None else ICPE_LABELS.get(v, str(v)))),
           ("Stade d'aménagement", _join([_value(r, "servicing_stage") for r in rows],
                                          lambda v: "non renseigné" if v is None else str(v))),
           ("Clé en main", _join([_value(r, "turnkey") for r in rows], _yes_no))]
    starts = [plan.start[i] for i in positions]
    if any(np.isnat(s) for s in starts):
        start = "inconnu (disponibilité non renseignée)"
    else:
        start = f"vers le {pd.Timestamp(max(starts)):%d/%m/%Y}"
    out.append(("Début des travaux", start))
    return [(k, french(v)) for k, v in out]


_RANK = {"fail": 0, "unknown": 1, "pass": 2}
_UNIT_RE = re.compile(r"(\d)(?: )(ha|€/m²|MW|m³/j|m²|km|m|mois)(?=\W|$)")


def _weakness(v) -> float:
    """Sorts the weakest numeric value first (highest price or distance, lowest capacity)."""
    m = v.measured
    if not isinstance(m, int | float) or isinstance(m, bool):
        return 0.0
    return -float(m) if v.criterion in _AT_MOST else float(m)


def _units(text: str) -> str:
    """A non-breaking space between a number and its unit."""
    return _UNIT_RE.sub("\\1" + NBSP + "\\2", text)


def _sheet_criteria(result: MatchResult, plot: ReportPlot) -> list[tuple[str, str, str, str]]:
    """Each asked criterion: label, measured (the weakest member's, named, for an assembly),
    required, outcome."""
    per_member = [result.explain(m) for m in plot.members]
    out = []
    for k in range(len(per_member[0])):
        verdicts = [v[k] for v in per_member]
        worst = min(range(len(verdicts)), key=lambda j: (
            _RANK.get(verdicts[j].outcome, 1), _weakness(verdicts[j])))
        v = verdicts[worst]
        unit = UNITS.get(v.criterion)
        numeric = isinstance(v.measured, int | float) and not isinstance(v.measured, bool)
        measured = (qty(v.measured, unit) if unit and numeric
                    else format_measured(v.criterion, v.measured))
        if v.criterion == "area" and len(per_member) > 1:
            net = sum(result.net_area_ha[result.position(m)] for m in plot.members)
            measured = f"{qty(net, 'ha')} (somme)"
            v = dataclasses.replace(v, outcome="pass" if plot.status != "no_match" else v.outcome)
        elif len(per_member) > 1:
            measured = f"{plot.members[worst]} : {measured}"
        required = (_required_text(v.criterion, _required_values(result.brief).get(v.criterion))
                    if v.criterion in ("area", "start", "timing")
                    else format_required(v.criterion, v.required))
        out.append((v.label, _units(french(measured)), _units(french(required)), v.outcome))
    return out


def _sheet_checks(result: MatchResult, plot: ReportPlot, positions: list[int], plan) -> list:
    from foncier.core.delays import start_reason

    checks = [sentences([r]) for r in plot.reasons]
    if "start" in result.criteria:
        checks.append(sentences([f"Délai avant travaux : {start_reason(plan, positions[-1])}"]))
    return checks or [ALL_PASS]


def _site_sheet(result: MatchResult, plot: ReportPlot, plan) -> SiteSheet:
    positions = [result.position(m) for m in plot.members]
    extent = _extent([plot.geometry], pad=0.6, minimum=600.0, min_pad=150.0)
    n = len(plot.members)
    title = f"Terrain {plot.plot_id}" if n == 1 else f"Assemblage de {n} terrains voisins"
    return SiteSheet(
        rank=plot.rank, title=title, members=plot.members, place=plot.place,
        status=plot.status, status_label=plot.status_label,
        figures=_sheet_figures(result, plot, positions, plan),
        criteria=_sheet_criteria(result, plot),
        checks=_sheet_checks(result, plot, positions, plan), extent=extent,
        layers=_sheet_layers(result, plot.geometry, extent))


# ----------------------------------------------------------------------------- audit


def _audit(result: MatchResult, source: str, today: dt.date) -> AuditInfo:
    import foncier
    from foncier.io.fingerprint import fingerprint_file, fingerprint_layers

    inv = result.inventory
    technical = inv.source or "inventaire en mémoire"
    location = inv.location or inv.source
    try:
        if location and "://" not in location and __import__("os").path.isfile(location):
            print_ = fingerprint_file(location)
        else:
            print_ = fingerprint_layers(inv.layers())
    except OSError:
        print_ = fingerprint_layers(inv.layers())
    n = len([c for c in asked_criteria(result.brief) if c != "availability"])
    plural = "s" if n > 1 else ""
    brief = f"« {result.brief.name} », {n} critère{plural} demandé{plural}"
    return AuditInfo(version=foncier.__version__, date=today, source=source,
                     technical_source=technical, fingerprint=print_, brief=brief)


def report_content(result: MatchResult, *, top: int = 10, sheets: int = 5,
                   profile: TerritoryProfile | None = None,
                   today: dt.date | None = None) -> InvestorReport:
    """The content of the investor report for a match.

    Parameters
    ----------
    result : MatchResult
    top : int, default 10
        How many of the best-ranked plots (and assemblies) the ranked table presents: the
        compatible plots and those to check; incompatible ones only when there are none of
        those (to show the investor why).
    sheets : int, default 5
        How many of them get a site sheet (the first ones).
    profile : TerritoryProfile, optional
        Who sends the report (:data:`NO_PROFILE` by default).
    today : date, optional
        The report's date (today by default).

    Returns
    -------
    InvestorReport
    """
    from foncier.core.delays import start_plan

    today = today or dt.date.today()
    profile = profile or NO_PROFILE
    candidates = result.order[result.status_code[result.order] < 2]
    best = (candidates if len(candidates) else result.order)[:top]
    rows = _plot_rows(result, best)
    if result.brief.allow_assembly and len(candidates):
        rows = _ranked(rows + _assembly_rows(result, top=top), top=top)
    rows = [dataclasses.replace(r, rank=k) for k, r in enumerate(rows, start=1)]
    shown = [r.geometry for r in rows]
    extent = (_extent(shown, pad=_OVERVIEW_PAD, minimum=3000.0, min_pad=_OVERVIEW_MIN_PAD_M)
              if shown else tuple(shapely.total_bounds(result.inventory.plots.geometry
                                                       .to_numpy())))
    inv = result.inventory
    plan = start_plan(inv.plots, inv.geometry, result.brief, on=result.on or today)
    source = profile.territory or profile.organisation
    return InvestorReport(
        title=result.brief.name, date=today, inventory=source,
        brief_lines=brief_summary(result.brief), counts=result.counts,
        n_plots=len(result.status), plots=rows, extent=extent,
        layers=_map_layers(result, shapely.box(*extent)),
        sheets=[_site_sheet(result, r, plan) for r in rows[:max(0, int(sheets))]],
        profile=profile, audit=_audit(result, source, today))


#: Labels of the criteria outcomes, for the site sheets.
OUTCOMES = OUTCOME_LABELS
