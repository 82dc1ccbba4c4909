"""Time to start works: when could a project break ground on each plot?

The ``start`` criterion (asked by ``land.start_works_by``) compares the brief's date with each
plot's **earliest start of works**::

    earliest start = max(day of the match, available_from) + procedure time on that plot

The procedure time is the sum, in months, of the steps the project needs on that plot, in this
order:

1. a four-season wildlife survey, when the project needs an environmental authorisation (its ICPE
   regime is ``autorisation`` or Seveso) and the plot is not clé en main;
2. the ICPE procedure of the project's regime (``regulatory.icpe``; none when it is absent or
   ``none``); a Seveso establishment goes through the environmental authorisation;
3. an archaeological diagnostic, when the plot overlaps an ``archaeology`` constraint (by more than
   the 1 m² tolerance) and is not clé en main;
4. the building permit.

A clé en main plot (``turnkey`` true) skips the steps such sites have done in advance: the
archaeological diagnostic and the wildlife survey (the national "sites industriels clés en main"
are offered with these studies done and the procedures anticipated). Its instruction times are
kept: they are legal deadlines that start with the project's own files. A plot whose ``turnkey``
is null is treated as not clé en main (the longer, prudent estimate).

Months are calendar months (1 March + 8 months = 1 November; the 31st of a month + 1 month is the
last day of the next one); a fraction of a month counts 30.44 days per month.

Default durations (months), which a brief's ``[delays]`` table overrides key by key:

=================  ======  ========================================================================
key                months  source
=================  ======  ========================================================================
declaration        0       ICPE déclaration: no instruction time, the proof of filing is issued
                           when the file is lodged (code de l'environnement, art. R.512-47 et
                           suivants)
enregistrement     5       ICPE enregistrement: the prefect rules within five months of the
                           complete file, extendable by two (code de l'environnement,
                           art. R.512-46-18)
autorisation       17      autorisation environnementale (code de l'environnement, art. L.181-1
                           et R.181-1 et suivants): order of magnitude, the published average of
                           about 17 months for 2023; the law n° 2023-973 of 23 October 2023
                           « industrie verte » aims at 9 months (set ``delays.autorisation = 9``
                           to plan with it). Seveso establishments follow this procedure
building_permit    3       permis de construire: three-month instruction deadline (code de
                           l'urbanisme, art. R.423-23 c)
archaeology        4       order of magnitude: the regional prefect prescribes a diagnostic within
                           one month of the complete file, two with an impact assessment (code du
                           patrimoine, art. R.523-19), then the diagnostic and its report
wildlife_survey    12      order of magnitude: an impact assessment's wildlife inventory covers a
                           whole biological cycle (four seasons; contents of the assessment: code
                           de l'environnement, art. R.122-5)
=================  ======  ========================================================================

Examples
--------
>>> import datetime as dt
>>> from foncier import Brief
>>> delays_for(Brief(name="t", delays={"autorisation": 9}))["autorisation"]
9.0
>>> d = np.array(["2026-03-01", "2026-01-31"], dtype="datetime64[D]")
>>> add_months(d, np.array([8.0, 1.0])).astype(str).tolist()
['2026-11-01', '2026-02-28']
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from foncier.core.brief import DELAY_KEYS, Brief
from foncier.core.geometry import OVERLAP_TOLERANCE_M2, PlotGeometry
from foncier.wording import fmt_date, fmt_number

__all__ = ["DelayStep", "DELAY_TABLE", "DEFAULT_DELAYS", "delays_for", "add_months", "StartPlan",
           "start_plan", "start_reason", "procedure_keys"]


class DelayStep(NamedTuple):
    """One procedure step: its ``[delays]`` key, default months, French label and source."""

    key: str
    months: float
    label: str
    source: str


#: The default durations and their sources (the module's table).
DELAY_TABLE: tuple[DelayStep, ...] = (
    DelayStep("declaration", 0.0, "déclaration ICPE",
              "code de l'environnement, art. R.512-47 et suivants (pas de délai d'instruction)"),
    DelayStep("enregistrement", 5.0, "enregistrement ICPE",
              "code de l'environnement, art. R.512-46-18 (5 mois, prorogeables de 2)"),
    DelayStep("autorisation", 17.0, "autorisation environnementale",
              "code de l'environnement, art. L.181-1 et R.181-1 et suivants ; ordre de grandeur : "
              "durée moyenne publiée d'environ 17 mois en 2023, objectif de 9 mois de la loi "
              "n° 2023-973 du 23 octobre 2023 (industrie verte)"),
    DelayStep("building_permit", 3.0, "permis",
              "code de l'urbanisme, art. R.423-23 c (délai d'instruction de 3 mois)"),
    DelayStep("archaeology", 4.0, "diagnostic archéologique",
              "code du patrimoine, art. R.523-19 (prescription sous 1 ou 2 mois) ; ordre de "
              "grandeur pour le diagnostic et son rapport"),
    DelayStep("wildlife_survey", 12.0, "inventaire faune-flore sur 4 saisons",
              "ordre de grandeur : cycle biologique complet de l'étude d'impact (code de "
              "l'environnement, art. R.122-5)"),
)
assert tuple(s.key for s in DELAY_TABLE) == DELAY_KEYS
DEFAULT_DELAYS: dict[str, float] = {s.key: s.months for s in DELAY_TABLE}
_LABELS = {s.key: s.label for s in DELAY_TABLE}
#: The ICPE step of each project regime (None: no ICPE procedure).
_ICPE_STEP = {None: None, "none": None, "declaration": "declaration",
              "enregistrement": "enregistrement", "autorisation": "autorisation",
              "seveso_seuil_bas": "autorisation", "seveso_seuil_haut": "autorisation"}
_DAYS_PER_MONTH = 365.25 / 12


def delays_for(brief: Brief) -> dict[str, float]:
    """The durations (months) a brief plans with: the defaults, then its ``[delays]`` table.

    Examples
    --------
    >>> from foncier import Brief
    >>> delays_for(Brief(name="t"))["building_permit"]
    3.0
    """
    return {**DEFAULT_DELAYS, **brief.delay_map}


def procedure_keys(brief: Brief) -> tuple[str, ...]:
    """The steps every plot needs for the brief's project, before the plot-dependent ones.

    Examples
    --------
    >>> from foncier import Brief
    >>> procedure_keys(Brief(name="t", icpe="seveso_seuil_bas"))
    ('wildlife_survey', 'autorisation')
    """
    icpe = _ICPE_STEP[brief.icpe]
    steps: list[str] = []
    if icpe == "autorisation":
        steps.append("wildlife_survey")
    if icpe is not None:
        steps.append(icpe)
    return tuple(steps)


def add_months(dates: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Dates plus a number of months each: calendar months, then a fraction as days.

    Parameters
    ----------
    dates : ndarray of datetime64[D]
        NaT stays NaT.
    months : ndarray of float
        Non-negative; a fraction counts 30.44 days per month.

    Returns
    -------
    ndarray of datetime64[D]

    Examples
    --------
    >>> d = np.array(["2026-03-01"], dtype="datetime64[D]")
    >>> add_months(d, np.array([1.5])).astype(str).tolist()
    ['2026-04-16']
    """
    dates = np.asarray(dates, dtype="datetime64[D]")
    months = np.broadcast_to(np.asarray(months, dtype=np.float64), dates.shape)
    nat = np.isnat(dates)
    safe = np.where(nat, np.datetime64("2000-01-01", "D"), dates)
    whole = np.floor(months + 1e-9).astype(np.int64)
    extra = np.rint((months - whole) * _DAYS_PER_MONTH).astype(np.int64)
    month = safe.astype("datetime64[M]")
    day = (safe - month.astype("datetime64[D]")).astype(np.int64)
    target = month + whole
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64)
    out = target.astype("datetime64[D]") + np.minimum(day, length - 1) + extra
    out[nat] = np.datetime64("NaT")
    return out


@dataclass(frozen=True)
class StartPlan:
    """Every plot's earliest start of works for one brief.

    Attributes
    ----------
    ready : ndarray of datetime64[D]
        ``max(on, available_from)`` (NaT when available_from is unknown).
    start : ndarray of datetime64[D]
        The earliest start of works (NaT when unknown).
    months : ndarray of float
        Procedure months per plot.
    archaeology : ndarray of bool
        The plot needs an archaeological diagnostic.
    turnkey : ndarray of bool
        The plot is clé en main (skips the survey and the diagnostic).
    delays : dict of str to float
        The durations used (months).
    steps : tuple of str
        The project's steps before the plot-dependent ones (:func:`procedure_keys`).
    on : date
        The day of the match.
    """

    ready: np.ndarray
    start: np.ndarray
    months: np.ndarray
    archaeology: np.ndarray
    turnkey: np.ndarray
    delays: dict[str, float]
    steps: tuple[str, ...]
    on: dt.date

    def steps_of(self, i: int) -> list[tuple[str, float]]:
        """The (key, months) steps of plot ``i``, in order."""
        out = [(k, self.delays[k]) for k in self.steps
               if not (k == "wildlife_survey" and self.turnkey[i])]
        if self.archaeology[i] and not self.turnkey[i]:
            out.append(("archaeology", self.delays["archaeology"]))
        out.append(("building_permit", self.delays["building_permit"]))
        return out


def start_plan(plots: pd.DataFrame, geo: PlotGeometry, brief: Brief, *,
               on: dt.date | None = None) -> StartPlan:
    """Every plot's earliest start of works (see the module's docstring).

    Parameters
    ----------
    plots : DataFrame
        The inventory's plots.
    geo : PlotGeometry
        Its precomputed geometry (the overlap with ``archaeology`` constraints).
    brief : Brief
        The project's ICPE regime and ``[delays]``.
    on : date, optional
        The day of the match (today by default).

    Returns
    -------
    StartPlan

    Examples
    --------
    >>> import foncier
    >>> inv = foncier.open_inventory()
    >>> plan = start_plan(inv.plots, inv.geometry, foncier.Brief(name="t", icpe="enregistrement"),
    ...                   on=dt.date(2026, 1, 1))
    >>> bool((plan.start[~np.isnat(plan.start)] >= np.datetime64("2026-09-01")).all())
    True
    """
    on = on or dt.date.today()
    delays = delays_for(brief)
    steps = procedure_keys(brief)
    avail = plots["available_from"].to_numpy(dtype="datetime64[D]")
    ready = np.where(np.isnat(avail), avail, np.maximum(avail, np.datetime64(on, "D")))
    turnkey = plots["turnkey"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    arch = geo.max_overlap_for(geo.groups_for(["archaeology"])) > OVERLAP_TOLERANCE_M2
    months = np.full(len(plots), delays["building_permit"]
                     + sum(delays[k] for k in steps if k != "wildlife_survey"))
    if "wildlife_survey" in steps:
        months += np.where(turnkey, 0.0, delays["wildlife_survey"])
    months += np.where(arch & ~turnkey, delays["archaeology"], 0.0)
    # Few distinct (date, months) pairs: add the months once per pair, then spread.
    mcode, muniq = pd.factorize(months)
    key = np.where(np.isnat(ready), -1, ready.astype(np.int64) * len(muniq) + mcode)
    kcode, kuniq = pd.factorize(key)
    first = np.zeros(len(kuniq), dtype=np.int64)
    first[kcode[::-1]] = np.arange(len(kcode))[::-1]
    start = add_months(ready[first], months[first])[kcode]
    return StartPlan(ready=ready, start=start, months=months,
                     archaeology=arch, turnkey=turnkey, delays=delays, steps=steps, on=on)


def start_reason(plan: StartPlan, i: int) -> str:
    """The breakdown of plot ``i``'s earliest start, in French (without a final verdict).

    Examples
    --------
    >>> import foncier
    >>> inv = foncier.open_inventory()
    >>> plan = start_plan(inv.plots, inv.geometry, foncier.Brief(name="t", icpe="enregistrement"),
    ...                   on=dt.date(2026, 1, 1))
    >>> i = int(np.flatnonzero(~np.isnat(plan.start) & ~plan.archaeology)[0])
    >>> start_reason(plan, i).count("+")
    2
    """
    if np.isnat(plan.ready[i]):
        return "Date de disponibilité non renseignée : début des travaux inconnu"
    parts = [f"disponible le {fmt_date(plan.ready[i])}"]
    parts += [f"{_LABELS[k]} ~{fmt_number(m, 1)} mois" for k, m in plan.steps_of(i) if m > 0]
    text = " + ".join(parts) + f" : travaux vers le {fmt_date(plan.start[i])}"
    if plan.turnkey[i] and (plan.archaeology[i] or "wildlife_survey" in plan.steps):
        text += " (clé en main : études préalables déjà faites)"
    return text
