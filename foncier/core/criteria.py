"""The verdict rules of DESIGN.md, one vectorized function per criterion.

Each function takes the inventory's plots (and its precomputed
:class:`~foncier.core.geometry.PlotGeometry`) and the brief, and returns a :class:`Criterion`: an
outcome code per plot (``PASS``, ``FAIL`` or ``UNKNOWN``), the measured value per plot, the
required value, and a way to write the French reason of any plot. Outcomes are computed over whole
columns; reasons are written only for the plots that need them (a table's fails and unknowns, or
one plot's explanation).

Examples
--------
>>> import foncier
>>> inv = foncier.open_inventory()
>>> brief = foncier.Brief(name="Usine", min_area_ha=2, fiber=True)
>>> asked_criteria(brief)
['availability', 'area', 'fiber']
>>> done = evaluate(inv.plots, inv.geometry, brief, net_area_ha(inv.geometry, brief))
>>> area = done["area"]
>>> first_fail = int((area.outcome == FAIL).nonzero()[0][0])
>>> area.reasons([first_fail])[0]                          # doctest: +ELLIPSIS
'Surface nette ... ha < 2 ha demandés.'
>>> from foncier import Brief
>>> asked_criteria(Brief(name="t", max_price_eur_m2=30, start_works_by="2028-01-01"))
['availability', 'price', 'start']
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from foncier.core.brief import Brief
from foncier.core.geometry import OVERLAP_TOLERANCE_M2, PlotGeometry
from foncier.core.missing import is_missing, missing_mask
from foncier.core.schema import ICPE_REGIMES
from foncier.errors import FoncierWarning
from foncier.wording import ICPE_LABELS, constraint_label, fmt_date, fmt_number, fmt_numbers

__all__ = ["PASS", "FAIL", "UNKNOWN", "OUTCOMES", "Criterion", "CRITERIA", "evaluate",
           "fmt_number"]

PASS, FAIL, UNKNOWN = 0, 1, 2     # _outcome relies on PASS 0 and FAIL 1

#: Equal-to-limit values pass: areas and distances computed from geometries carry float noise
#: (a 1.5 ha net area may come out as 1.4999999999), so limits are compared with these margins.
AREA_EPS_HA = 1e-9
DISTANCE_EPS_M = 1e-6
OUTCOMES = np.array(["pass", "fail", "unknown"], dtype=object)

#: Every criterion, in the order of DESIGN.md's verdict table (the result table's column order).
CRITERIA = ("availability", "area", "price", "timing", "start", "zoning", "turnkey", "brownfield",
            "height",
            "icpe", "forbidden_constraints", "housing", "power", "water", "gas", "fiber",
            "rail_siding", "motorway", "rail_freight", "port")

LABELS = {
    "availability": "Disponibilité", "area": "Surface", "price": "Prix", "timing": "Délai",
    "start": "Début des travaux",
    "zoning": "Zonage PLU", "turnkey": "Clé en main", "brownfield": "Friche",
    "height": "Hauteur", "icpe": "Régime ICPE", "forbidden_constraints": "Contraintes interdites",
    "housing": "Distance aux habitations", "power": "Puissance électrique", "water": "Eau",
    "gas": "Gaz", "fiber": "Fibre optique", "rail_siding": "Embranchement ferré",
    "motorway": "Échangeur autoroutier", "rail_freight": "Gare fret", "port": "Port",
}

SALES_PASS = ("en vente", "en vente avec contraintes")
SALES_FAIL = ("vendu, commercialisation achevée", "réservé par option de réservation",
              "réservé par une délibération de l'EPCI", "non commercialisable")
OCCUPANCY_PASS = ("inoccupé", "vacant", "friche", "occupation transitoire")
OCCUPANCY_FAIL = ("occupé",)
ICPE_RANK = {r: i for i, r in enumerate(ICPE_REGIMES)}
INFRA_LABELS = {"motorway": ("motorway_interchange", "échangeur autoroutier"),
                "rail_freight": ("rail_freight", "gare de fret"),
                "port": ("port", "port")}


@dataclass
class Criterion:
    """One criterion's verdicts over every plot.

    Attributes
    ----------
    name : str
        The criterion's name (a result-table column).
    outcome : ndarray of int8
        ``PASS`` (0), ``FAIL`` (1) or ``UNKNOWN`` (2) per plot.
    measured : ndarray
        The plot's measured value (float, text or None when unknown).
    required : object
        What the brief asks.
    write_reason : callable
        ``write_reason(position, outcome) -> str``: the French one-line reason for one plot.
    reason_key : callable, optional
        ``reason_key(positions) -> ndarray``: numbers per plot (one column or several) such
        that plots with equal keys and outcomes have the same reason. Made for the plots asked
        only, a block of rows at a time: a whole inventory's keys are never held (at 1,000,000
        plots they took 200 MB for a brief with every key).
    write_reasons : callable, optional
        ``write_reasons(positions, outcomes) -> ndarray of str``: the same reasons for many
        plots at once, without a Python call per plot (criteria whose reasons carry a number per
        plot, met by most of a large inventory's plots).
    """

    name: str
    outcome: np.ndarray
    measured: np.ndarray
    required: Any
    write_reason: Callable[[int, int], str]
    reason_key: Callable[[np.ndarray], np.ndarray] | None = None
    write_reasons: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None

    def reasons(self, positions: np.ndarray) -> np.ndarray:
        """French reasons of the plots at ``positions`` (an object array of str).

        When the criterion has a ``reason_key`` (numbers per plot such that plots with equal keys
        and outcomes have the same reason), each distinct reason is written once and spread.
        """
        texts, inverse = self.distinct_reasons(positions)
        return texts[inverse]

    def distinct_reasons(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The distinct reasons of the plots at ``positions`` and, per plot, its reason's index:
        ``texts[inverse]`` are the plots' reasons (see :meth:`reasons`)."""
        positions = np.asarray(positions, dtype=np.int64)
        codes = self.outcome[positions]
        if self.reason_key is None or len(positions) < 64:
            return self._written(positions, codes), np.arange(len(positions))
        group = codes.astype(np.int64)
        key = np.asarray(self.reason_key(positions))
        for column in key.reshape(len(positions), -1).T:
            sub, uniques = pd.factorize(column)          # hash-based; NaN gets -1
            group = pd.factorize(group * (len(uniques) + 1) + (sub + 1))[0]
        inverse, first = _first_of_groups(group)
        return self._written(positions[first], codes[first]), inverse

    def _written(self, positions: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """The reasons of the plots at ``positions`` whose outcomes are ``codes``."""
        if self.write_reasons is not None and len(positions) >= 64:
            return self.write_reasons(positions, codes)
        return np.array([self.write_reason(int(p), int(c)) for p, c in
                         zip(positions, codes, strict=True)], dtype=object)


def _first_of_groups(group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For dense group numbers (``pd.factorize``'s, numbered in order of first appearance):
    the numbers themselves and each group's first position, without sorting."""
    first = np.full(int(group.max()) + 1 if len(group) else 0, len(group), dtype=np.int64)
    np.minimum.at(first, group, np.arange(len(group)))
    return group, first


def _outcome(passed: np.ndarray, unknown: np.ndarray) -> np.ndarray:
    # FAIL is 1 and PASS 0: a plot that does not pass, as one byte, in one pass.
    out = np.logical_not(np.asarray(passed, dtype=bool)).view(np.int8)
    out[np.asarray(unknown, dtype=bool)] = UNKNOWN
    return out


def _values(plots: pd.DataFrame, col: str) -> np.ndarray:
    """A text column as an object array with None for missing values (never NaN)."""
    values = plots[col].to_numpy(dtype=object, copy=True)
    values[pd.isna(values)] = None
    return values


def _float(plots: pd.DataFrame, col: str) -> np.ndarray:
    """A numeric column as float64; a value that is not a finite number is unknown (NaN).

    Validated inventories hold float64 already; another column (plots edited after opening) is
    converted, never reading text as 0, with a :class:`~foncier.errors.FoncierWarning`.
    """
    series = plots[col]
    if pd.api.types.is_float_dtype(series.dtype) or pd.api.types.is_integer_dtype(series.dtype):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
    else:
        values = pd.to_numeric(series.astype(object), errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan)
        _warn_unread(plots, col, np.isnan(values) & ~missing_mask(series), "un nombre")
    infinite = np.isinf(values)
    if infinite.any():
        _warn_unread(plots, col, infinite, "un nombre fini")
        values = np.where(infinite, np.nan, values)
    return values


def _as_boolean(plots: pd.DataFrame, col: str) -> pd.Series:
    """A boolean column as pandas ``boolean``; a value that is not a boolean is unknown (NA).

    Only booleans, 0 and 1 are read (never ``"maybe"`` as False); others are warned about.
    """
    series = plots[col]
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("boolean")
    raw = series.to_numpy(dtype=object)
    ok = np.array([is_missing(v) or isinstance(v, bool | np.bool_)
                   or (isinstance(v, int | float | np.integer | np.floating) and v in (0, 1))
                   for v in raw], dtype=bool)
    _warn_unread(plots, col, ~ok, "un booléen")
    values = [None if not good or is_missing(v) else bool(v) for v, good in zip(raw, ok,
                                                                                 strict=True)]
    return pd.Series(pd.array(values, dtype="boolean"), index=series.index)


def _warn_unread(plots: pd.DataFrame, col: str, bad: np.ndarray, what: str) -> None:
    """Warn that the values of ``col`` at ``bad`` are not ``what`` and are read as unknown."""
    if not bad.any():
        return
    ids = plots["plot_id"].to_numpy(dtype=object) if "plot_id" in plots.columns else None
    raw = plots[col].to_numpy(dtype=object)
    shown = ", ".join(f"{ids[i] if ids is not None else i + 1} : « {str(raw[i])[:40]} »"
                      for i in np.flatnonzero(bad)[:5])
    more = " ..." if bad.sum() > 5 else ""
    warnings.warn(f"plots: {int(bad.sum())} valeur(s) de {col} ne sont pas {what} et sont lues "
                  f"comme inconnues ({shown}{more}) : corrigez-les dans l'inventaire.",
                  FoncierWarning, stacklevel=4)


def _codes(plots, geo: PlotGeometry, col: str) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of a text column (codes, -1 for null; unique values), cached."""
    return geo.cached(("codes", col), lambda: pd.factorize(plots[col].to_numpy(dtype=object)))


def _availability(plots, geo, brief) -> Criterion:
    return geo.cached("availability", lambda: _availability_of(plots))


def _normal(value: object) -> str:
    """An enumeration value compared leniently: case, spaces and typographic apostrophes."""
    return " ".join(str(value).replace("\u2019", "'").lower().split())


def _in(codes: np.ndarray, uniques: np.ndarray, values: tuple[str, ...]) -> np.ndarray:
    """Membership on a factorized column: tests the few unique values only (null: False)."""
    wanted = {_normal(v) for v in values}
    hits = [_normal(u) in wanted for u in uniques]
    return np.append(np.array(hits, dtype=bool), False)[codes]


def _availability_of(plots) -> Criterion:
    sales = _values(plots, "sales_stage")
    occ = _values(plots, "occupancy")
    sc, su = pd.factorize(sales)
    oc, ou = pd.factorize(occ)
    s_pass, s_fail = _in(sc, su, SALES_PASS), _in(sc, su, SALES_FAIL)
    o_pass, o_fail = _in(oc, ou, OCCUPANCY_PASS), _in(oc, ou, OCCUPANCY_FAIL)
    fail = s_fail | o_fail
    passed = s_pass & o_pass
    unknown = ~fail & ~passed
    # "sales / occupancy" for each of the few distinct pairs, then spread to the plots.
    s_text = np.append(su.astype(object), "inconnu")  # code -1 (null) picks "inconnu"
    o_text = np.append(ou.astype(object), "inconnu")
    width = len(ou) + 1
    pair = (sc + 1) * width + (oc + 1)
    inverse, pairs = pd.factorize(pair)     # hashing: 5 ms for a million pairs, a sort 27-45
    labels = np.array([f"{s_text[p // width - 1]} / {o_text[p % width - 1]}" for p in pairs],
                      dtype=object)
    measured = labels[inverse]

    def reason(i: int, code: int) -> str:
        s, o = sales[i], occ[i]
        if code == PASS:
            return f"Disponible : « {s} », « {o} »."
        if code == FAIL:
            parts = []
            if s_fail[i]:
                parts.append(f"stade de commercialisation « {s} »")
            if o_fail[i]:
                parts.append(f"terrain « {o} »")
            return "Non disponible : " + " et ".join(parts) + "."
        parts = []
        if not s_pass[i]:
            parts.append("stade de commercialisation " + (f"« {s} »" if s else "non renseigné"))
        if not o_pass[i]:
            parts.append("occupation " + (f"« {o} »" if o else "non renseignée"))
        return "Disponibilité à vérifier : " + " ; ".join(parts) + "."

    return Criterion("availability", _outcome(passed, unknown), measured,
                     "en vente, inoccupé", reason, lambda p: pair[p])


def _area(plots, geo, brief, net_ha: np.ndarray) -> Criterion:
    lo, hi = brief.min_area_ha, brief.max_area_ha
    passed = np.ones(len(net_ha), dtype=bool)
    if lo is not None:
        passed &= net_ha >= lo - AREA_EPS_HA
    if hi is not None:
        passed &= net_ha <= hi + AREA_EPS_HA
    gross = plots["area_ha"].to_numpy()
    if lo is not None and hi is not None:
        required = f"{fmt_number(lo, 2)} à {fmt_number(hi, 2)} ha"
    elif lo is not None:
        required = f"≥ {fmt_number(lo, 2)} ha"
    else:
        required = f"≤ {fmt_number(hi, 2)} ha"
    excluded = bool(brief.excluded_constraints)
    lo_text = None if lo is None else fmt_number(lo, 2)     # formatted once, not per reason
    hi_text = None if hi is None else fmt_number(hi, 2)

    def reason(i: int, code: int) -> str:
        net = net_ha[i]
        what = f"Surface nette {fmt_number(net, 2)} ha"
        if excluded and gross[i] - net > 1e-6:
            what += f" (brute {fmt_number(gross[i], 2)} ha, moins les contraintes exclues)"
        if code == PASS:
            return f"{what}, conforme à la demande ({required})."
        if lo is not None and net < lo:
            return f"{what} < {lo_text} ha demandés."
        return f"{what} > {hi_text} ha maximum."

    def reasons(positions: np.ndarray, codes: np.ndarray) -> np.ndarray:
        net = net_ha[positions]
        what = "Surface nette " + fmt_numbers(net, 2) + " ha"
        if excluded:
            less = gross[positions] - net > 1e-6
            what[less] += (" (brute " + fmt_numbers(gross[positions][less], 2)
                           + " ha, moins les contraintes exclues)")
        below = np.zeros(len(net), bool) if lo is None else net < lo
        return np.where(codes == PASS, what + f", conforme à la demande ({required}).",
                        np.where(below, what + f" < {lo_text} ha demandés.",
                                 what + f" > {hi_text} ha maximum."))

    # Plots of equal rounded areas can still differ in whether the gross area is said, and on
    # which side of the range a fail falls: both are in the key.
    said = excluded & (gross - net_ha > 1e-6)
    below = np.zeros(len(net_ha), bool) if lo is None else net_ha < lo
    def key(p: np.ndarray) -> np.ndarray:
        return np.column_stack([np.round(net_ha[p], 2), np.round(gross[p], 2), said[p],
                                below[p]])

    return Criterion("area", _outcome(passed, np.zeros(len(net_ha), bool)), net_ha, required,
                     reason, key, reasons)


def _threshold(name: str, values: np.ndarray, required: float, *, higher_is_better: bool,
               label: str, unit: str, missing: str, decimals: int = 1) -> Criterion:
    unknown = np.isnan(values)
    with np.errstate(invalid="ignore"):
        passed = values >= required if higher_is_better else values <= required
    sign_fail = "<" if higher_is_better else ">"
    sign_pass = "≥" if higher_is_better else "≤"
    wanted = "demandés" if higher_is_better else "maximum"
    required_text = fmt_number(required, decimals)

    def reason(i: int, code: int) -> str:
        if code == UNKNOWN:
            return missing
        v = f"{label} {fmt_number(values[i], decimals)} {unit}"
        sign = sign_pass if code == PASS else sign_fail
        return f"{v} {sign} {required_text} {unit} {wanted}."

    return Criterion(name, _outcome(passed, unknown), values, required, reason,
                     lambda p: np.round(values[p], decimals))


def _timing(plots, geo, brief) -> Criterion:
    avail = plots["available_from"].to_numpy(dtype="datetime64[s]")
    limit = np.datetime64(brief.available_by, "s")
    unknown = np.isnat(avail)
    passed = avail <= limit

    limit_text = fmt_date(brief.available_by)

    def reason(i: int, code: int) -> str:
        if code == UNKNOWN:
            return "Date de disponibilité non renseignée."
        when = "avant" if code == PASS else "après"
        return f"Disponible le {fmt_date(avail[i])}, {when} le {limit_text} demandé."

    def key(p: np.ndarray) -> np.ndarray:
        return np.where(unknown[p], np.nan, avail[p].astype("datetime64[D]").astype(np.int64))

    return Criterion("timing", _outcome(passed, unknown), avail, brief.available_by, reason, key)


def _start(plots, geo, brief, on: dt.date | None) -> Criterion:
    """Earliest start of works (foncier.core.delays) <= ``land.start_works_by``."""
    from foncier.core.delays import start_plan, start_reason

    plan = start_plan(plots, geo, brief, on=on)
    limit = np.datetime64(brief.start_works_by, "D")
    unknown = np.isnat(plan.start)
    passed = plan.start <= limit

    def reason(i: int, code: int) -> str:
        text = start_reason(plan, i)
        if code == UNKNOWN:
            return text + "."
        text = text[0].upper() + text[1:]
        when = "avant" if code == PASS else "après"
        return f"{text}, {when} le {fmt_date(brief.start_works_by)} demandé."

    def key(p: np.ndarray) -> np.ndarray:
        start = np.where(unknown[p], np.nan, plan.start[p].astype(np.int64).astype(np.float64))
        return np.column_stack([start, plan.ready[p].astype(np.int64), plan.months[p],
                                plan.turnkey[p] & plan.archaeology[p]]).astype(np.float64)

    return Criterion("start", _outcome(passed, unknown), plan.start, brief.start_works_by,
                     reason, key)


def _zoning(plots, geo, brief) -> Criterion:
    codes, uniques = _codes(plots, geo, "plu_zone")
    unknown = codes < 0
    accepted = tuple(z.upper() for z in brief.accepted_zones)
    ok = [str(u).strip().upper().startswith(accepted) for u in uniques] + [False]
    passed = np.array(ok, dtype=bool)[codes]
    raw = geo.cached(("values", "plu_zone"), lambda: _values(plots, "plu_zone"))
    shown = ", ".join(brief.accepted_zones)

    def reason(i: int, code: int) -> str:
        if code == UNKNOWN:
            return "Zone PLU non renseignée."
        if code == PASS:
            return f"Zone PLU « {raw[i]} » acceptée ({shown})."
        return f"Zone PLU « {raw[i]} » hors des zones acceptées ({shown})."

    return Criterion("zoning", _outcome(passed, unknown), raw, list(brief.accepted_zones), reason,
                     lambda p: codes[p])


def _flag(name: str, plots: pd.DataFrame, col: str, *, want: bool, yes: str, no: str,
          missing: str) -> Criterion:
    flags = _as_boolean(plots, col)
    value, unknown = flags.fillna(False).to_numpy(dtype=bool), flags.isna().to_numpy()
    passed = value == want
    measured = flags.to_numpy(dtype=object, na_value=None)

    def reason(i: int, code: int) -> str:
        if code == UNKNOWN:
            return missing
        return yes if value[i] else no

    return Criterion(name, _outcome(passed, unknown), measured, want, reason,
                     lambda p: np.where(unknown[p], -1.0, value[p].astype(np.float64)))


def _icpe(plots, geo, brief) -> Criterion:
    raw = geo.cached(("values", "icpe_max"), lambda: _values(plots, "icpe_max"))
    codes, uniques = _codes(plots, geo, "icpe_max")
    # Each distinct value ranked once (a regime not in ICPE_RANK, or none: -1), then spread.
    rank = geo.cached("icpe_rank", lambda: np.array(
        [ICPE_RANK.get(u, -1) if isinstance(u, str) else -1 for u in uniques] + [-1],
        dtype=np.int64)[codes])
    need = ICPE_RANK[brief.icpe]
    unknown = rank < 0
    passed = rank >= need
    want = ICPE_LABELS[brief.icpe]

    def reason(i: int, code: int) -> str:
        if code == UNKNOWN:
            if raw[i] is None:
                return "Régime ICPE admis par le règlement de zone non renseigné."
            return f"Régime ICPE admis « {raw[i]} » non reconnu."
        have = ICPE_LABELS[raw[i]]
        if code == PASS:
            return f"Régime ICPE admis « {have} », compatible avec « {want} »."
        return f"Régime ICPE admis « {have} », inférieur au régime du projet « {want} »."

    return Criterion("icpe", _outcome(passed, unknown), raw, brief.icpe, reason,
                     lambda p: codes[p])


def _forbidden(plots, geo: PlotGeometry, brief) -> Criterion:
    selectors = list(brief.forbidden_constraints)
    geo.ensure_overlaps(geo.groups_for(selectors))      # every group named, measured at once
    per_sel = {s: geo.max_overlap_for(geo.groups_for([s])) for s in selectors}
    labels = {s: constraint_label(s) for s in selectors}
    worst = np.zeros(len(plots))
    for arr in per_sel.values():
        np.maximum(worst, arr, out=worst)
    passed = worst <= OVERLAP_TOLERANCE_M2

    def reason(i: int, code: int) -> str:
        if code == PASS:
            return f"Aucune contrainte interdite ({', '.join(labels.values())})."
        hits = [f"{labels[s]} ({fmt_number(a[i], 0)} m²)" for s, a in per_sel.items()
                if a[i] > OVERLAP_TOLERANCE_M2]
        return "Touche une contrainte interdite : " + ", ".join(hits) + "."

    def reasons(positions: np.ndarray, codes: np.ndarray) -> np.ndarray:
        hits = np.full(len(positions), "", dtype=object)
        for s, a in per_sel.items():
            area = a[positions]
            hit = area > OVERLAP_TOLERANCE_M2
            piece = labels[s] + " (" + fmt_numbers(area[hit], 0) + " m²)"
            before = hits[hit]
            hits[hit] = np.where(before == "", piece, before + ", " + piece)
        none = f"Aucune contrainte interdite ({', '.join(labels.values())})."
        return np.where(codes == PASS, none, "Touche une contrainte interdite : " + hits + ".")

    def key(p: np.ndarray) -> np.ndarray:
        return np.column_stack([np.round(a[p]) for a in per_sel.values()])

    return Criterion("forbidden_constraints", _outcome(passed, np.zeros(len(plots), bool)),
                     worst, selectors, reason, key, reasons)


def _housing(plots, geo: PlotGeometry, brief) -> Criterion:
    req = brief.min_housing_distance_m
    n = len(plots)
    if geo.housing_m is None:
        return Criterion("housing", np.full(n, UNKNOWN, np.int8), np.full(n, np.nan), req,
                         lambda i, c: "Aucune zone d'habitat dans l'inventaire : distance aux "
                                      "habitations inconnue.")
    d = geo.housing_m
    passed = d >= req - DISTANCE_EPS_M
    req_text = fmt_number(req, 0)

    def reason(i: int, code: int) -> str:
        sign = "≥" if code == PASS else "<"
        return f"Habitations à {fmt_number(d[i], 0)} m à vol d'oiseau {sign} {req_text} m demandés."

    return Criterion("housing", _outcome(passed, np.zeros(n, bool)), d, req, reason,
                     lambda p: np.round(d[p]))


def _access(name: str, plots, geo: PlotGeometry, max_km: float) -> Criterion:
    kind, label = INFRA_LABELS[name]
    n = len(plots)
    if kind not in geo.distance_m:
        return Criterion(name, np.full(n, UNKNOWN, np.int8), np.full(n, np.nan), max_km,
                         lambda i, c: f"Aucun {label} dans l'inventaire : distance inconnue.")
    km = geo.distance_m[kind] / 1000.0
    passed = geo.distance_m[kind] <= max_km * 1000.0 + DISTANCE_EPS_M
    what, max_text = label.capitalize(), fmt_number(max_km, 1)

    def reason(i: int, code: int) -> str:
        sign = "≤" if code == PASS else ">"
        return (f"{what} le plus proche à {fmt_number(km[i], 1)} km à vol "
                f"d'oiseau {sign} {max_text} km maximum.")

    return Criterion(name, _outcome(passed, np.zeros(n, bool)), km, max_km, reason,
                     lambda p: np.round(km[p], 1))


#: Appended to the reason of a value that a plot holds from its zone (``from_zone`` column).
ZONE_NOTE = " (valeur de la zone)"


def _from_zone(plots: pd.DataFrame, col: str) -> np.ndarray:
    """Per plot, whether ``col`` holds its zone's value (listed in the ``|``-joined
    ``from_zone`` column that the CNIG import writes)."""
    if "from_zone" not in plots.columns:
        return np.zeros(len(plots), bool)
    return np.array([isinstance(v, str) and col in v.split("|")
                     for v in plots["from_zone"].to_numpy(dtype=object)], dtype=bool)


def _zone_marked(c: Criterion, flags: np.ndarray) -> Criterion:
    """``c`` whose known reasons say « (valeur de la zone) » for the plots at ``flags``."""
    if not flags.any():
        return c
    write = c.write_reason

    def reason(i: int, code: int) -> str:
        text = write(i, code)
        if not flags[i] or code == UNKNOWN:
            return text
        return text[:-1] + ZONE_NOTE + "." if text.endswith(".") else text + ZONE_NOTE

    inner = c.reason_key

    def key(p: np.ndarray) -> np.ndarray:
        return np.column_stack([np.asarray(inner(p), dtype=np.float64).reshape(len(p), -1),
                                flags[p]])

    return replace(c, write_reason=reason, reason_key=None if inner is None else key,
                   write_reasons=None)


def _zone_access(name: str, plots, max_km: float) -> Criterion | None:
    """The access criterion from the zone's declared road distance (``<name>_km`` column, km),
    used only when the inventory holds no infrastructure of that kind."""
    col = f"{name}_km"
    if col not in plots.columns:
        return None
    km = _float(plots, col)
    unknown = np.isnan(km)
    with np.errstate(invalid="ignore"):
        passed = km <= max_km + DISTANCE_EPS_M / 1000.0
    label = INFRA_LABELS[name][1]

    def reason(i: int, code: int) -> str:
        if code == UNKNOWN:
            return f"Aucun {label} dans l'inventaire : distance inconnue."
        sign = "≤" if code == PASS else ">"
        return (f"{label.capitalize()} le plus proche à {fmt_number(km[i], 1)} km par la route"
                f"{ZONE_NOTE} {sign} {fmt_number(max_km, 1)} km maximum.")

    return Criterion(name, _outcome(passed, unknown), km, max_km, reason,
                     lambda p: np.round(km[p], 1))


def asked_criteria(brief: Brief) -> list[str]:
    """Names of the criteria a brief asks, in table order (availability is always asked)."""
    asked = {
        "availability": True,
        "area": brief.min_area_ha is not None or brief.max_area_ha is not None,
        "price": brief.max_price_eur_m2 is not None,
        "timing": brief.available_by is not None,
        "start": brief.start_works_by is not None,
        "zoning": bool(brief.accepted_zones),
        "turnkey": brief.turnkey is True,
        "brownfield": brief.brownfield in ("required", "excluded"),
        "height": brief.building_height_m is not None,
        "icpe": brief.icpe is not None,
        "forbidden_constraints": bool(brief.forbidden_constraints),
        "housing": brief.min_housing_distance_m is not None,
        "power": brief.power_mw is not None,
        "water": brief.water_m3_day is not None,
        "gas": brief.gas is True,
        "fiber": brief.fiber is True,
        "rail_siding": brief.rail_siding is True,
        "motorway": brief.motorway_max_km is not None,
        "rail_freight": brief.rail_freight_max_km is not None,
        "port": brief.port_max_km is not None,
    }
    return [c for c in CRITERIA if asked[c]]


def net_area_ha(geo: PlotGeometry, brief: Brief) -> np.ndarray:
    """Plot area minus its overlap with the union of the brief's excluded constraints, in ha."""
    if brief.excluded_constraints:
        cut = geo.excluded_area(geo.groups_for(list(brief.excluded_constraints)))
        return (geo.area_m2 - cut) / 10_000.0
    return geo.area_m2 / 10_000.0


def evaluate(plots: pd.DataFrame, geo: PlotGeometry, brief: Brief,
             net_ha: np.ndarray, *, on: dt.date | None = None) -> dict[str, Criterion]:
    """Every criterion the brief asks, evaluated over every plot.

    ``on`` is the day of the match, from which the ``start`` criterion counts (today by default).
    """
    out: dict[str, Criterion] = {}
    for name in asked_criteria(brief):
        if name == "availability":
            c = _availability(plots, geo, brief)
        elif name == "area":
            c = _area(plots, geo, brief, net_ha)
        elif name == "price":
            c = _threshold("price", _float(plots, "price_eur_m2"), brief.max_price_eur_m2,
                           higher_is_better=False, label="Prix", unit="€/m²",
                           missing="Prix non renseigné.", decimals=2)
        elif name == "timing":
            c = _timing(plots, geo, brief)
        elif name == "start":
            c = _start(plots, geo, brief, on)
        elif name == "zoning":
            c = _zoning(plots, geo, brief)
        elif name == "turnkey":
            c = _flag("turnkey", plots, "turnkey", want=True, yes="Terrain clé en main.",
                      no="Terrain non clé en main (clé en main demandé).",
                      missing="Statut « clé en main » non renseigné.")
        elif name == "brownfield":
            required = brief.brownfield == "required"
            c = _flag("brownfield", plots, "brownfield", want=required,
                      yes="Friche (friches " + ("exigées)." if required else "exclues)."),
                      no="Pas une friche (" + ("friche exigée)." if required
                                               else "friches exclues)."),
                      missing="Statut de friche non renseigné.")
        elif name == "height":
            c = _threshold("height", _float(plots, "max_height_m"), brief.building_height_m,
                           higher_is_better=True, label="Hauteur autorisée", unit="m",
                           missing="Hauteur maximale autorisée non renseignée.")
        elif name == "icpe":
            c = _icpe(plots, geo, brief)
        elif name == "forbidden_constraints":
            c = _forbidden(plots, geo, brief)
        elif name == "housing":
            c = _housing(plots, geo, brief)
        elif name == "power":
            c = _threshold("power", _float(plots, "power_mw"), brief.power_mw,
                           higher_is_better=True, label="Puissance disponible", unit="MW",
                           missing="Puissance électrique disponible non renseignée.")
        elif name == "water":
            c = _threshold("water", _float(plots, "water_m3_day"), brief.water_m3_day,
                           higher_is_better=True, label="Eau disponible", unit="m³/j",
                           missing="Capacité en eau non renseignée.", decimals=0)
        elif name == "gas":
            c = _flag("gas", plots, "gas", want=True, yes="Desserte gaz.",
                      no="Pas de desserte gaz.", missing="Desserte gaz non renseignée.")
        elif name == "fiber":
            c = _flag("fiber", plots, "fiber", want=True, yes="Fibre optique.",
                      no="Pas de fibre optique.", missing="Desserte en fibre non renseignée.")
        elif name == "rail_siding":
            c = _flag("rail_siding", plots, "rail_siding", want=True,
                      yes="Embranchement ferré.", no="Pas d'embranchement ferré.",
                      missing="Embranchement ferré non renseigné.")
        else:
            max_km = getattr(brief, f"{name}_max_km")
            zone = (_zone_access(name, plots, max_km)
                    if INFRA_LABELS[name][0] not in geo.distance_m else None)
            c = zone if zone is not None else _access(name, plots, geo, max_km)
        if name in ("gas", "fiber", "rail_siding", "power"):
            c = _zone_marked(c, _from_zone(plots, {"power": "power_mw"}.get(name, name)))
        out[name] = c
    return out


def today() -> dt.date:
    """Today's date (a function so that callers can pass a fixed date instead)."""
    return dt.date.today()
