"""The one-page investor report's content, as plain data shared by every rendering.

:func:`report_content` gathers what the page shows: the brief in short (:func:`brief_summary`),
the counts (:func:`meta_line`), the best-ranked plots with their key figures and reasons
(:class:`ReportPlot`), and the map (its extent and the geometries to draw, in Lambert-93), all in
one :class:`InvestorReport`. The report's fixed wording (:data:`TABLE_HEADERS`, :data:`ALL_PASS`,
:data:`NO_CRITERIA`, :data:`FOOTER`) lives here too, so that both renderings say the same thing:
the HTML page of :mod:`foncier.report.html` and the PDF drawn by the desktop app
(``foncier report --out x.pdf``). The map labels are placed by :mod:`foncier.report.labels`.

Examples
--------
>>> import foncier
>>> from foncier.report.content import report_content
>>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="Atelier", max_area_ha=2))
>>> content = report_content(res, top=3)
>>> [p.rank for p in content.plots], content.title
([1, 2, 3], 'Atelier')
>>> meta_line(content).startswith(content.inventory)
True
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from foncier.core.brief import Brief
from foncier.core.criteria import LABELS, asked_criteria
from foncier.core.matching import STATUS_CODES, MatchResult
from foncier.wording import ICPE_LABELS, STATUS_LABELS, UNITS, constraint_label, fmt_number

__all__ = ["InvestorReport", "ReportPlot", "report_content", "brief_summary", "meta_line",
           "TABLE_HEADERS", "ALL_PASS", "NO_CRITERIA", "FOOTER"]

#: The report's wording shared by every rendering (HTML, and the PDF of the desktop app).
TABLE_HEADERS = ("Rang", "Terrain", "Zone, commune", "Statut", "Score", "Chiffres clés",
                 "Points à vérifier / motifs")
ALL_PASS = "Tous les critères demandés sont respectés."
NO_CRITERIA = "Aucun critère hormis la disponibilité."
FOOTER = ("Distances à vol d'oiseau, en Lambert-93. Surfaces nettes : surface du terrain moins "
          "les contraintes retirées. Document produit par foncier.")
#: The criteria whose requirement is a maximum (the others with a unit are minimums).
_AT_MOST = ("price", "motorway", "rail_freight", "port")


@dataclass(frozen=True)
class ReportPlot:
    """One of the best plots, as the report shows it.

    Attributes
    ----------
    rank : int
    plot_id, site_id : str
    place : str
        The activity zone's name and its commune, when known.
    status, status_label : str
        ``match``... and its French label.
    score : float
    figures : list of (label, text)
        Key figures in French: net area, price, power, availability date...
    reasons : list of str
        The reasons of its fails and unknowns (empty when every criterion passes).
    geometry : shapely geometry
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


@dataclass(frozen=True)
class InvestorReport:
    """The content of the one-page investor report (plain data).

    Attributes
    ----------
    title : str
        The brief's name.
    date : date
    inventory : str
        Where the plots come from.
    brief_lines : list of str
        The brief in short, a French line per asked key.
    counts : dict of str to int
        Plots per status.
    n_plots : int
    plots : list of ReportPlot
        The best-ranked plots.
    extent : (xmin, ymin, xmax, ymax)
        The map's extent in Lambert-93.
    layers : dict of str to list
        What the map draws inside the extent: ``communes``, ``sites`` and ``plots`` (all the
        inventory's plots there, as ``(status, geometry)``) and ``infrastructure`` (as
        ``(kind, name, point)``).
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


def meta_line(content: InvestorReport) -> str:
    """The line under the title: source, plots studied, counts per status, date."""
    c = content.counts

    def n(count: int, word: str) -> str:
        return f"{fmt_number(count, 0)} {word}{'s' if count > 1 else ''}"

    return (f"{content.inventory} — {n(content.n_plots, 'terrain')} étudié"
            f"{'s' if content.n_plots > 1 else ''} : {n(c['match'], 'compatible')}, "
            f"{fmt_number(c['to_check'], 0)} à vérifier, {n(c['no_match'], 'incompatible')}"
            f" — le {content.date:%d/%m/%Y}")


def _required_text(name: str, required) -> str:
    if name == "area":
        return str(required)
    if name == "timing":
        return f"disponible au plus tard le {required:%d/%m/%Y}"
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
        return f"≤ {fmt_number(required, 2)} {unit}" + (" à vol d'oiseau" if unit == "km" else "")
    if name in UNITS:
        return f"≥ {fmt_number(required, 1)} {UNITS[name]}"
    return str(required)


def brief_summary(brief: Brief) -> list[str]:
    """The brief in short: a French line per asked key (availability is implied).

    Examples
    --------
    >>> import foncier
    >>> brief_summary(foncier.Brief(name="x", min_area_ha=5, port_max_km=30, turnkey=True))
    ['Surface : ≥ 5 ha', 'Clé en main : exigé', "Port : ≤ 30 km à vol d'oiseau"]
    """
    required = _required_values(brief)
    lines = [f"{LABELS[n]} : {_required_text(n, required[n])}"
             for n in asked_criteria(brief) if n != "availability"]
    if brief.excluded_constraints:
        lines.append("Retirées de la surface : "
                     + ", ".join(constraint_label(x) for x in brief.excluded_constraints))
    if brief.allow_assembly:
        gap = fmt_number(brief.assembly_max_gap_m or 0, 0)
        lines.append(f"Assemblage de terrains voisins accepté (écart ≤ {gap} m)")
    return lines


def _required_values(brief: Brief) -> dict:
    lo, hi = brief.min_area_ha, brief.max_area_ha
    if lo is not None and hi is not None:
        area = f"{fmt_number(lo, 2)} à {fmt_number(hi, 2)} ha"
    elif lo is not None:
        area = f"≥ {fmt_number(lo, 2)} ha"
    else:
        area = f"≤ {fmt_number(hi, 2)} ha" if hi is not None else ""
    return {
        "area": area, "price": brief.max_price_eur_m2, "timing": brief.available_by,
        "zoning": list(brief.accepted_zones or ()), "turnkey": True,
        "brownfield": "friche exigée" if brief.brownfield == "required" else "friches exclues",
        "height": brief.building_height_m, "icpe": brief.icpe,
        "forbidden_constraints": list(brief.forbidden_constraints or ()),
        "housing": brief.min_housing_distance_m, "power": brief.power_mw,
        "water": brief.water_m3_day, "gas": True, "fiber": True, "rail_siding": True,
        "motorway": brief.motorway_max_km, "rail_freight": brief.rail_freight_max_km,
        "port": brief.port_max_km,
    }


def _places(result: MatchResult, positions: np.ndarray) -> list[str]:
    inv = result.inventory
    site_ids = inv.plots["site_id"].to_numpy(dtype=object)[positions]
    sites = inv.sites.set_index("site_id")
    names = sites["name"] if "name" in sites else pd.Series(dtype=object)
    insee = sites["commune_insee"] if "commune_insee" in sites else pd.Series(dtype=object)
    communes = {}
    if inv.communes is not None and {"insee", "name"} <= set(inv.communes.columns):
        communes = dict(zip(inv.communes["insee"], inv.communes["name"], strict=True))
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


def _figures(result: MatchResult, pos: int) -> list[tuple[str, str]]:
    plots = result.inventory.plots
    row = plots.iloc[pos]
    figs = [("Surface nette", f"{fmt_number(result.net_area_ha[pos], 2)} ha")]
    price = row.get("price_eur_m2")
    figs.append(("Prix", "—" if price is None or price != price
                 else f"{fmt_number(price, 2)} €/m²"))
    power = row.get("power_mw")
    if power is not None and power == power:
        figs.append(("Puissance", f"{fmt_number(power, 1)} MW"))
    avail = row.get("available_from")
    if avail is not None and not pd.isna(avail):
        figs.append(("Disponible", pd.Timestamp(avail).strftime("%d/%m/%Y")))
    geo = result.inventory.geometry
    if "motorway_interchange" in geo.distance_m:
        km = geo.distance_m["motorway_interchange"][pos] / 1000.0
        figs.append(("Échangeur", f"{fmt_number(km, 1)} km"))
    return figs


def _assembly_rows(result: MatchResult, *, top: int) -> list[ReportPlot]:
    """The best candidate assemblies of neighbouring plots, as report rows."""
    from foncier.analysis.assembly import find_assemblies

    found = find_assemblies(result).head(top)
    rows = []
    for a in found.itertuples(index=False):
        members = str(a.assembly).split("|")
        first = result.position(members[0])
        place = _places(result, np.array([first]))[0]
        rows.append(ReportPlot(
            rank=0, plot_id=str(a.plot_id), site_id=str(a.site_id or ""),
            place=f"{place} — assemblage de {len(members)} terrains voisins",
            status=str(a.status), status_label=STATUS_LABELS[str(a.status)],
            score=float(a.score),
            figures=[("Surface nette", f"{fmt_number(a.net_area_ha, 2)} ha (somme)"),
                     ("Terrains regroupés", str(len(members)))],
            reasons=[r for r in str(a.reasons).split(" ; ") if r], geometry=a.geometry))
    return rows


def _ranked(rows: list[ReportPlot], *, top: int) -> list[ReportPlot]:
    """Rows ranked as results are: status, then score (best first), then id."""
    return sorted(rows, key=lambda r: (STATUS_CODES[r.status], -r.score, r.plot_id))[:top]


def _extent(geoms: np.ndarray, *, pad: float = 0.15, minimum: float = 1500.0
            ) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    w, h = max(x1 - x0, minimum), max(y1 - y0, minimum)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w, h = w * (1 + 2 * pad), h * (1 + 2 * pad)
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _inside(frame, box) -> np.ndarray:
    if frame is None or not len(frame):
        return np.zeros(0, dtype=np.int64)
    tree = shapely.STRtree(frame.geometry.to_numpy())
    return np.sort(tree.query(box))


def report_content(result: MatchResult, *, top: int = 10,
                   today: dt.date | None = None) -> InvestorReport:
    """The content of the one-page investor report for a match.

    Parameters
    ----------
    result : MatchResult
    top : int, default 10
        How many of the best-ranked plots to present: the compatible plots and those to check;
        incompatible ones only when there are none of those (to show the investor why).
    today : date, optional
        The report's date (today by default).

    Returns
    -------
    InvestorReport
    """
    candidates = result.order[result.status_code[result.order] < 2]
    best = (candidates if len(candidates) else result.order)[:top]
    rows = _plot_rows(result, best)
    if result.brief.allow_assembly and len(candidates):
        rows = _ranked(rows + _assembly_rows(result, top=top), top=top)
    rows = [dataclasses.replace(r, rank=k) for k, r in enumerate(rows, start=1)]
    shown = np.array([r.geometry for r in rows], dtype=object)
    extent = (_extent(shown) if len(shown)
              else tuple(shapely.total_bounds(result.inventory.plots.geometry.to_numpy())))
    source = result.inventory.source or "inventaire en mémoire"
    source = source if "://" in source else Path(source).name
    return InvestorReport(
        title=result.brief.name, date=today or dt.date.today(), inventory=source,
        brief_lines=brief_summary(result.brief), counts=result.counts,
        n_plots=len(result.status), plots=rows, extent=extent,
        layers=_map_layers(result, shapely.box(*extent)))


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
        rows.append(ReportPlot(
            rank=0, plot_id=str(plots["plot_id"].iloc[pos]),
            site_id="" if site is None or site != site else str(site), place=place,
            status=status, status_label=STATUS_LABELS[status], score=float(result.score[pos]),
            figures=_figures(result, pos), reasons=[r for r in why.split(" ; ") if r],
            geometry=geoms[pos]))
    return rows


def _map_layers(result: MatchResult, box) -> dict[str, list]:
    """What the map draws inside ``box``: communes, sites, every plot with its status, and the
    infrastructure points as ``(kind, name, point)``."""
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
