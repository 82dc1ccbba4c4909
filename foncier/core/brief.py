"""The investor brief: what a project needs, read from TOML or given as keyword arguments.

Every key is optional but ``name``; an absent key means the criterion is not asked. A brief is
checked when it is built: unknown keys, values of the wrong type, negative quantities, unknown
enumeration values and ``min_area_ha > max_area_ha`` are all collected and reported at once in a
:class:`~foncier.errors.BriefError` naming each key, its value and what was expected.

Examples
--------
>>> b = brief_from_dict({"name": "Usine", "land": {"start_works_by": "2028-01-31"},
...                      "delays": {"building_permit": 4}})
>>> b.start_works_by, b.delay_map
(datetime.date(2028, 1, 31), {'building_permit': 4.0})
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foncier.core.schema import CONSTRAINT_KINDS, CONSTRAINT_LEVELS, ICPE_REGIMES
from foncier.errors import BriefError, Problem

__all__ = ["Brief", "read_brief", "brief_from_dict", "brief_to_dict", "brief_to_toml",
           "write_brief", "SECTIONS", "WEIGHT_KEYS", "DELAY_KEYS"]

#: Section -> keys, in the order of DESIGN.md.
SECTIONS: dict[str, tuple[str, ...]] = {
    "land": ("min_area_ha", "max_area_ha", "max_price_eur_m2", "available_by", "accepted_zones",
             "turnkey", "brownfield", "building_height_m", "allow_assembly",
             "assembly_max_gap_m", "start_works_by"),
    "regulatory": ("icpe", "forbidden_constraints", "excluded_constraints",
                   "min_housing_distance_m"),
    "utilities": ("power_mw", "water_m3_day", "gas", "fiber"),
    "access": ("motorway_max_km", "rail_siding", "rail_freight_max_km", "port_max_km"),
}
#: Score components the ``[weights]`` table may weight.
WEIGHT_KEYS = ("area", "price", "timing", "power", "water", "motorway", "rail_freight", "port")
BROWNFIELD_CHOICES = ("accepted", "required", "excluded")
#: Procedure durations the ``[delays]`` table may override, in months (see foncier.core.delays).
DELAY_KEYS = ("declaration", "enregistrement", "autorisation", "building_permit", "archaeology",
              "wildlife_survey")

_NUMBERS = {"min_area_ha", "max_area_ha", "max_price_eur_m2", "building_height_m",
            "assembly_max_gap_m", "min_housing_distance_m", "power_mw", "water_m3_day",
            "motorway_max_km", "rail_freight_max_km", "port_max_km"}
_BOOLS = {"turnkey", "gas", "fiber", "rail_siding", "allow_assembly"}
_SELECTORS = {"forbidden_constraints", "excluded_constraints"}
_KEY_SECTION = {k: s for s, keys in SECTIONS.items() for k in keys}


@dataclass(frozen=True)
class Brief:
    """An investor's requirements.

    Build one from keyword arguments (checked at once) or read one with :func:`read_brief`.

    Examples
    --------
    >>> b = Brief(name="Atelier", min_area_ha=1, max_price_eur_m2=25, fiber=True)
    >>> b.min_area_ha
    1.0
    >>> Brief(name="x", min_area_ha=-2)
    Traceback (most recent call last):
    ...
    foncier.errors.BriefError: land.min_area_ha: -2 est négatif : ...
    """

    name: str
    # [land]
    min_area_ha: float | None = None
    max_area_ha: float | None = None
    max_price_eur_m2: float | None = None
    available_by: dt.date | None = None
    accepted_zones: tuple[str, ...] | None = None
    turnkey: bool | None = None
    brownfield: str | None = None
    building_height_m: float | None = None
    allow_assembly: bool | None = None
    assembly_max_gap_m: float | None = None
    # [regulatory]
    icpe: str | None = None
    forbidden_constraints: tuple[str, ...] | None = None
    excluded_constraints: tuple[str, ...] | None = None
    min_housing_distance_m: float | None = None
    # [utilities]
    power_mw: float | None = None
    water_m3_day: float | None = None
    gas: bool | None = None
    fiber: bool | None = None
    # [access]
    motorway_max_km: float | None = None
    rail_siding: bool | None = None
    rail_freight_max_km: float | None = None
    port_max_km: float | None = None
    # [weights]
    weights: tuple[tuple[str, float], ...] = ()
    # [land] start_works_by and [delays] (foncier.core.delays): the ``start`` criterion
    start_works_by: dt.date | None = None
    delays: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            fixed = _check_value(f.name, value, problems)
            if fixed is not value:
                object.__setattr__(self, f.name, fixed)
        if (self.min_area_ha is not None and self.max_area_ha is not None
                and self.min_area_ha > self.max_area_ha):
            problems.append(Problem("land.min_area_ha", None, f"{_fmt(self.min_area_ha)} est "
                                    f"supérieur à land.max_area_ha = {_fmt(self.max_area_ha)} : "
                                    "le minimum doit être inférieur ou égal au maximum."))
        if problems:
            raise BriefError(problems)

    @property
    def delay_map(self) -> dict[str, float]:
        """The ``[delays]`` table as a dict (months)."""
        return dict(self.delays)

    @property
    def weight_map(self) -> dict[str, float]:
        """The ``[weights]`` table as a dict."""
        return dict(self.weights)

    def replace(self, **changes: Any) -> Brief:
        """A copy with some keys changed (checked again)."""
        return dataclasses.replace(self, **changes)


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return f"« {value} »"
    return str(value)


def _key(name: str) -> str:
    section = _KEY_SECTION.get(name)
    return f"{section}.{name}" if section else name


def _check_value(name: str, value: Any, problems: list[Problem]) -> Any:
    key = _key(name)
    if name == "name":
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem("name", None, f"{_fmt(value)} : un nom de projet (texte non "
                                    "vide) est attendu."))
        return value
    if value is None:
        return None
    if name in _NUMBERS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(Problem(key, None, f"{_fmt(value)} n'est pas un nombre : un nombre "
                                    "est attendu (par exemple 12 ou 12.5)."))
            return value
        if value != value or value in (float("inf"), float("-inf")):
            problems.append(Problem(key, None, f"{value} : un nombre fini est attendu."))
            return value
        if value < 0:
            problems.append(Problem(key, None, f"{_fmt(value)} est négatif : une quantité "
                                    "positive est attendue."))
        return float(value)
    if name in _BOOLS:
        if not isinstance(value, bool):
            problems.append(Problem(key, None, f"{_fmt(value)} : true ou false attendu."))
        return value
    if name == "delays":
        return _check_delays(value, problems)
    if name in ("available_by", "start_works_by"):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        problems.append(Problem(key, None, f"{_fmt(value)} : une date AAAA-MM-JJ est attendue "
                                "(par exemple 2027-06-30)."))
        return value
    if name == "accepted_zones":
        if (not isinstance(value, list | tuple) or not value
                or not all(isinstance(z, str) and z.strip() for z in value)):
            problems.append(Problem(key, None, f"{_fmt(value)} : une liste non vide de zones "
                                    "PLU est attendue (par exemple [\"UX\", \"1AUX\"])."))
            return value
        return tuple(z.strip() for z in value)
    if name == "brownfield":
        if value not in BROWNFIELD_CHOICES:
            problems.append(Problem(key, None, f"{_fmt(value)} n'est pas une valeur admise "
                                    f"({', '.join(BROWNFIELD_CHOICES)})."))
        return value
    if name == "icpe":
        if value not in ICPE_REGIMES:
            problems.append(Problem(key, None, f"{_fmt(value)} n'est pas un régime ICPE admis "
                                    f"({', '.join(ICPE_REGIMES)})."))
        return value
    if name in _SELECTORS:
        if not isinstance(value, list | tuple) or not all(isinstance(s, str) for s in value):
            problems.append(Problem(key, None, f"{_fmt(value)} : une liste de sélecteurs "
                                    "« nature » ou « nature:niveau » est attendue (par exemple "
                                    "[\"seveso\", \"flood:interdiction\"])."))
            return value
        for sel in value:
            kind, sep, level = sel.partition(":")
            if kind not in CONSTRAINT_KINDS:
                problems.append(Problem(key, None, f"« {sel} » : nature de contrainte inconnue "
                                        f"« {kind} » (admises : {', '.join(CONSTRAINT_KINDS)})."))
            elif sep and not level:
                problems.append(Problem(key, None, f"« {sel} » : niveau vide après « : »."))
            elif sep and kind in ("flood", "pprt") and level not in CONSTRAINT_LEVELS:
                problems.append(Problem(key, None, f"« {sel} » : niveau inconnu « {level} » "
                                        f"(admis : {', '.join(CONSTRAINT_LEVELS)})."))
        return tuple(value)
    if name == "weights":
        items = value.items() if isinstance(value, dict) else value
        out = []
        try:
            items = list(items)
        except TypeError:
            problems.append(Problem("weights", None, f"{_fmt(value)} : une table de poids est "
                                    "attendue."))
            return ()
        for item in items:
            if not (isinstance(item, tuple | list) and len(item) == 2):
                problems.append(Problem("weights", None, f"{_fmt(item)} : paire clé = poids "
                                        "attendue."))
                continue
            k, w = item
            if k not in WEIGHT_KEYS:
                problems.append(Problem(f"weights.{k}", None, f"clé de pondération inconnue "
                                        f"(admises : {', '.join(WEIGHT_KEYS)})."))
            elif isinstance(w, bool) or not isinstance(w, int | float):
                problems.append(Problem(f"weights.{k}", None, f"{_fmt(w)} n'est pas un nombre : "
                                        "un poids positif ou nul est attendu."))
            elif w < 0 or w != w:
                problems.append(Problem(f"weights.{k}", None, f"{_fmt(w)} est négatif : un poids "
                                        "positif ou nul est attendu."))
            else:
                out.append((k, float(w)))
        return tuple(out)
    return value


def _check_delays(value: Any, problems: list[Problem]) -> tuple[tuple[str, float], ...]:
    """The ``[delays]`` table: known keys, non-negative finite numbers of months."""
    try:
        items = list(value.items() if isinstance(value, dict) else value)
    except TypeError:
        problems.append(Problem("delays", None, f"{_fmt(value)} : une table de durées est "
                                "attendue."))
        return ()
    out = []
    for item in items:
        if not (isinstance(item, tuple | list) and len(item) == 2):
            problems.append(Problem("delays", None, f"{_fmt(item)} : paire clé = durée en mois "
                                    "attendue."))
            continue
        k, months = item
        if k not in DELAY_KEYS:
            problems.append(Problem(f"delays.{k}", None, "durée de procédure inconnue (admises : "
                                    f"{', '.join(DELAY_KEYS)})."))
        elif isinstance(months, bool) or not isinstance(months, int | float):
            problems.append(Problem(f"delays.{k}", None, f"{_fmt(months)} n'est pas un nombre : "
                                    "une durée en mois positive ou nulle est attendue."))
        elif months != months or months in (float("inf"), float("-inf")):
            problems.append(Problem(f"delays.{k}", None, f"{months} : une durée finie en mois "
                                    "est attendue."))
        elif months < 0:
            problems.append(Problem(f"delays.{k}", None, f"{_fmt(months)} est négatif : une "
                                    "durée en mois positive ou nulle est attendue."))
        else:
            out.append((k, float(months)))
    return tuple(out)


def brief_from_dict(data: dict[str, Any]) -> Brief:
    """Build a brief from the nested mapping of its TOML form.

    Examples
    --------
    >>> b = brief_from_dict({"name": "Hub", "access": {"motorway_max_km": 5}})
    >>> b.motorway_max_km
    5.0
    """
    problems: list[Problem] = []
    kwargs: dict[str, Any] = {}
    if not isinstance(data, dict):
        raise BriefError("une table TOML est attendue.")
    for top, value in data.items():
        if top == "name":
            kwargs["name"] = value
        elif top == "weights":
            if not isinstance(value, dict):
                problems.append(Problem("weights", None, f"{_fmt(value)} : une table [weights] "
                                        "est attendue."))
            else:
                kwargs["weights"] = value
        elif top == "delays":
            if not isinstance(value, dict):
                problems.append(Problem("delays", None, f"{_fmt(value)} : une table [delays] "
                                        "est attendue."))
            else:
                kwargs["delays"] = value
        elif top in SECTIONS:
            if not isinstance(value, dict):
                problems.append(Problem(top, None, f"une table [{top}] est attendue."))
                continue
            for key, v in value.items():
                if key in SECTIONS[top]:
                    kwargs[key] = v
                else:
                    hint = _KEY_SECTION.get(key)
                    where = f" (cette clé va dans [{hint}])" if hint else ""
                    problems.append(Problem(f"{top}.{key}", None, f"clé inconnue{where} ; clés "
                                            f"admises dans [{top}] : {', '.join(SECTIONS[top])}."))
        else:
            hint = _KEY_SECTION.get(top)
            where = f" : elle va dans la section [{hint}]" if hint else ""
            problems.append(Problem(top, None, f"clé ou section inconnue{where} (sections "
                                    f"admises : name, {', '.join(SECTIONS)}, weights, delays)."))
    if "name" not in kwargs:
        problems.append(Problem("name", None, "clé obligatoire absente : ajoutez "
                                "name = \"Nom du projet\"."))
    try:
        brief = Brief(**{"name": "?", **kwargs})
    except BriefError as exc:
        problems.extend(p for p in exc.problems if not (p.where == "name"
                                                          and "name" not in kwargs))
        raise BriefError(problems) from None
    if problems:
        raise BriefError(problems)
    return brief


def read_brief(path: str | os.PathLike) -> Brief:
    """Read an investor brief from a TOML file.

    Raises
    ------
    BriefError
        When the file is missing, is not valid TOML, or holds invalid keys or values; the message
        names the file and every problem.

    Examples
    --------
    >>> from foncier.io.sample import sample_brief_paths
    >>> read_brief(sample_brief_paths()[0]).name != ""
    True
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise BriefError(f"fichier introuvable : {path}.", source=str(path)) from None
    except UnicodeDecodeError:
        raise BriefError("le fichier n'est pas en UTF-8 : réenregistrez-le en UTF-8.",
                         source=str(path)) from None
    except OSError as exc:
        raise BriefError(f"lecture impossible ({exc.strerror}).", source=str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BriefError(f"TOML invalide : {exc}.", source=str(path)) from None
    try:
        return brief_from_dict(data)
    except BriefError as exc:
        raise BriefError(exc.problems, source=str(path)) from None


def brief_to_dict(brief: Brief) -> dict[str, Any]:
    """The nested TOML form of a brief (absent keys left out)."""
    out: dict[str, Any] = {"name": brief.name}
    for section, keys in SECTIONS.items():
        table = {}
        for k in keys:
            v = getattr(brief, k)
            if v is None:
                continue
            table[k] = list(v) if isinstance(v, tuple) else v
        if table:
            out[section] = table
    if brief.weights:
        out["weights"] = dict(brief.weights)
    if brief.delays:
        out["delays"] = dict(brief.delays)
    return out


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    s = str(v).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{s}"'


def brief_to_toml(brief: Brief) -> str:
    """A brief as TOML text; :func:`read_brief` reads it back identically.

    Examples
    --------
    >>> b = Brief(name="Hub", min_area_ha=5, gas=True)
    >>> print(brief_to_toml(b))
    name = "Hub"
    <BLANKLINE>
    [land]
    min_area_ha = 5.0
    <BLANKLINE>
    [utilities]
    gas = true
    <BLANKLINE>
    """
    data = brief_to_dict(brief)
    lines = [f"name = {_toml_value(data.pop('name'))}", ""]
    for section, table in data.items():
        lines.append(f"[{section}]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in table.items())
        lines.append("")
    return "\n".join(lines)


def write_brief(brief: Brief, path: str | os.PathLike) -> None:
    """Write a brief as TOML, atomically."""
    from foncier.io.store import atomic_write

    with atomic_write(path) as tmp:
        tmp.write_text(brief_to_toml(brief), encoding="utf-8")
