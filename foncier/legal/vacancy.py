"""The zone's legal vacancy rate (code de l'urbanisme, art. L318-8-2), beside the CNIG one.

For a tax year *Y*, the reference date is 1 January *Y* and the limit two years before it
(1 January *Y − 2*). A land unit (plot) is **legally vacant** when both hold:

1. no activity liable to the cotisation foncière des entreprises (CFE) has used it for at least
   two years: ``cfe_activity_until`` (the last day such an activity used it) is before the limit
   (at the latest 31 December *Y − 3*), or is null, meaning no CFE-liable activity is known on
   the unit (never used);
2. it has stayed unoccupied over the same period: ``unoccupied_since`` (first day of the current
   unoccupied period) is known and at the latest the limit (1 January *Y − 2*).

A unit whose ``unoccupied_since`` is null cannot be shown unoccupied: it is not vacant, and it is
counted apart as *unknown* when its ``occupancy`` does not say ``occupé`` either. The rate is the
vacant units ÷ all the units of the zone × 100.

The CNIG ``site_taux_vacance`` (:func:`cnig_vacancy_rate`) is simpler: the plots whose
``occupancy`` is ``vacant`` or ``friche`` ÷ all the plots × 100, with no condition of duration.

Examples
--------
>>> import pandas as pd
>>> plots = pd.DataFrame({"plot_id": ["A", "B", "C"], "site_id": "Z1",
...     "cfe_activity_until": [None, "2023-12-31", "2024-01-01"],
...     "unoccupied_since": ["2020-05-01", "2024-01-01", "2024-01-02"],
...     "occupancy": ["vacant", "vacant", "vacant"]})
>>> rate = legal_vacancy(plots, 2026)["Z1"]
>>> rate.vacant_ids, rate.rate_pct, rate.limit.isoformat()
(['A', 'B'], 66.7, '2024-01-01')
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from foncier.core.missing import is_missing

__all__ = ["VacancyRate", "legal_vacancy", "cnig_vacancy_rate", "is_legally_vacant"]

#: The CNIG occupancies counted as vacant by ``site_taux_vacance``.
CNIG_VACANT = ("vacant", "friche")


@dataclass(frozen=True)
class VacancyRate:
    """A zone's legal vacancy for a tax year.

    Attributes
    ----------
    site_id : str
    tax_year : int
    limit : datetime.date
        1 January of ``tax_year − 2``: vacant units have been so since this date at least.
    units : int
        Land units (plots) of the zone.
    vacant_ids, unknown_ids : list of str
        The legally vacant units; those whose occupation is not known (not counted vacant).
    rate_pct : float or None
        Vacant ÷ units × 100, rounded to 0.1 (None for a zone without units).
    """

    site_id: str
    tax_year: int
    limit: dt.date
    units: int
    vacant_ids: list[str] = field(default_factory=list)
    unknown_ids: list[str] = field(default_factory=list)
    rate_pct: float | None = None


def _date(value) -> dt.date | None:
    if is_missing(value):
        return None
    return pd.Timestamp(value).date()


def is_legally_vacant(cfe_activity_until, unoccupied_since, tax_year: int) -> bool:
    """Whether a unit is legally vacant for ``tax_year`` (rule of the module docstring).

    Examples
    --------
    >>> is_legally_vacant(None, "2024-01-01", 2026), is_legally_vacant(None, "2024-01-02", 2026)
    (True, False)
    """
    limit = dt.date(tax_year - 2, 1, 1)
    until, since = _date(cfe_activity_until), _date(unoccupied_since)
    return (until is None or until < limit) and since is not None and since <= limit


def legal_vacancy(plots: pd.DataFrame, tax_year: int) -> dict[str, VacancyRate]:
    """Site id -> its :class:`VacancyRate` for ``tax_year`` (plots without site are left out)."""
    limit = dt.date(tax_year - 2, 1, 1)
    out = {}
    frame = plots[plots["site_id"].notna()] if "site_id" in plots else plots.iloc[0:0]
    for site_id, group in frame.groupby("site_id", sort=True):
        vacant, unknown = [], []
        for rec in group.to_dict("records"):
            pid = str(rec["plot_id"])
            if is_legally_vacant(rec.get("cfe_activity_until"), rec.get("unoccupied_since"),
                                 tax_year):
                vacant.append(pid)
            elif is_missing(rec.get("unoccupied_since")) and rec.get("occupancy") != "occupé":
                unknown.append(pid)
        n = len(group)
        out[str(site_id)] = VacancyRate(str(site_id), tax_year, limit, n, vacant, unknown,
                                        round(len(vacant) / n * 100, 1) if n else None)
    return out


def cnig_vacancy_rate(plots: pd.DataFrame) -> dict[str, float]:
    """Site id -> the CNIG ``site_taux_vacance`` (``vacant`` or ``friche`` ÷ plots × 100).

    Examples
    --------
    >>> cnig_vacancy_rate(pd.DataFrame({"site_id": ["Z", "Z"], "occupancy": ["vacant", None]}))
    {'Z': 50.0}
    """
    frame = plots[plots["site_id"].notna()]
    vacant = frame["occupancy"].isin(CNIG_VACANT)
    return {str(k): round(float(v) * 100, 1) for k, v in vacant.groupby(frame["site_id"]).mean()
            .items()}
