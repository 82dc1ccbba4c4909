"""The investor brief: what a project needs, read from TOML or given as keyword arguments.

Every key is optional but ``name``; an absent key means the criterion is not asked. A brief is
checked when it is built: unknown keys, values of the wrong type, non-finite or out-of-range
numbers, unknown enumeration values and ``min_area_ha > max_area_ha`` are all collected and
reported at once in a :class:`~foncier.errors.BriefError` naming each key, its value (shortened
when long) and what was expected. Any TOML document gives a :class:`Brief` or a ``BriefError``.

Examples
--------
>>> brief_from_dict({"name": "Hub", "land": {"min_area_ha": 5}}).min_area_ha
5.0
>>> brief_from_dict({"name": "Hub", "weights": {"price": float("inf")}})
Traceback (most recent call last):
...
foncier.errors.BriefError: weights.price: inf n'est pas un nombre fini : un poids de 0 à ....
>>> brief_from_dict({"name": "Hub", "access": {"port_max_km": 5000}})
Traceback (most recent call last):
...
foncier.errors.BriefError: access.port_max_km: 5000 dépasse le maximum admis (1 000 km) : ...
>>> b = brief_from_dict({"name": "Usine", "land": {"start_works_by": "2028-01-31"},
...                      "delays": {"building_permit": 4}})
>>> b.start_works_by, b.delay_map
(datetime.date(2028, 1, 31), {'building_permit': 4.0})
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foncier.core.schema import CONSTRAINT_KINDS, CONSTRAINT_LEVELS, ICPE_REGIMES
from foncier.errors import BriefError, Problem
from foncier.io.reasons import file_reason
from foncier.wording import fmt_number, toml_error

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
#: The longest procedure duration a ``[delays]`` entry may give, in months (10 years).
MAX_DELAY_MONTHS = 120

#: Number keys -> (largest value that still means something, its unit). A larger value is a typo
#: (or ``1e308``) that would only break the score; it is refused.
_NUMBERS: dict[str, tuple[float, str]] = {
    "min_area_ha": (100_000.0, "ha"), "max_area_ha": (100_000.0, "ha"),
    "max_price_eur_m2": (100_000.0, "€/m²"), "building_height_m": (1_000.0, "m"),
    "assembly_max_gap_m": (10_000.0, "m"), "min_housing_distance_m": (100_000.0, "m"),
    "power_mw": (100_000.0, "MW"), "water_m3_day": (10_000_000.0, "m³/j"),
    "motorway_max_km": (1_000.0, "km"), "rail_freight_max_km": (1_000.0, "km"),
    "port_max_km": (1_000.0, "km"),
}
#: Largest weight of a ``[weights]`` entry.
MAX_WEIGHT = 1000.0
#: Longest value echoed in a message (longer ones are cut with « … »).
SHOWN_CHARS = 60
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
        lo, hi = self.min_area_ha, self.max_area_ha
        if isinstance(lo, float) and isinstance(hi, float) and lo > hi:
            problems.append(Problem("land.min_area_ha", None, f"{_fmt(lo)} est "
                                    f"supérieur à land.max_area_ha = {_fmt(hi)} : "
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


def _show(value: Any, depth: int = 0) -> str:
    """A value as echoed in messages: TOML-like, shallow, never longer than about 60 characters.

    Deeply nested arrays are shown to three levels, huge integers by their number of digits, and
    the text is cut with « … ».
    """
    if isinstance(value, bool):
        text = str(value)
    elif isinstance(value, int):
        if value.bit_length() > 190:  # about 57 digits; str() of a huge int may even raise
            digits = int(value.bit_length() * math.log10(2)) + 1
            sign = "négatif " if value < 0 else ""
            text = f"un entier {sign}d'environ {digits} chiffres"
        else:
            text = str(value)
    elif isinstance(value, float):
        text = (str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value))
    elif isinstance(value, str):
        text = value if depth == 0 else '"' + value[:SHOWN_CHARS] + '"'
    elif isinstance(value, dt.date | dt.time):
        text = value.isoformat()
    elif isinstance(value, list | tuple | dict):
        text = _show_container(value, depth)
    else:
        text = repr(value)
    text = _cut(text)
    return f"« {text} »" if isinstance(value, str) and depth == 0 else text


def _cut(text: str) -> str:
    """``text`` cut to :data:`SHOWN_CHARS` characters, ending with « … » when cut."""
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…"


def _show_container(value: list | tuple | dict, depth: int) -> str:
    """An array ``[...]`` or a table ``{k = v}`` for :func:`_show`, cut once long enough."""
    is_table = isinstance(value, dict)
    open_, close = ("{", "}") if is_table else ("[", "]")
    if depth >= 3:
        return f"{open_}…{close}" if value else f"{open_}{close}"
    parts: list[str] = []
    size = 0
    for item in (value.items() if is_table else value):
        part = (f"{_show(item[0], 1)} = {_show(item[1], depth + 1)}" if is_table
                else _show(item, depth + 1))
        parts.append(part)
        size += len(part) + 2
        if size > SHOWN_CHARS:
            parts.append("…")
            break
    return open_ + ", ".join(parts) + close


def _fmt(value: Any) -> str:
    return _show(value)


def _key(name: str) -> str:
    section = _KEY_SECTION.get(name)
    return f"{section}.{name}" if section else name


def _check_value(name: str, value: Any, problems: list[Problem]) -> Any:
    """Check one field of a brief: its value fixed (``5`` -> ``5.0``), or as given when refused.

    Each refusal appends a :class:`Problem` naming the key, the value and what is expected.
    """
    if name == "name":
        return _check_name(value, problems)
    if value is None:
        return None
    key = _key(name)
    if name in _NUMBERS:
        return _check_number(key, value, problems, *_NUMBERS[name])
    if name in _BOOLS:
        return _check_bool(key, value, problems)
    if name in _SELECTORS:
        return _check_selectors(key, value, problems)
    check = {"available_by": _check_date, "start_works_by": _check_date,
             "delays": _check_delays, "accepted_zones": _check_zones,
             "brownfield": _check_brownfield, "icpe": _check_icpe,
             "weights": _check_weights}.get(name)
    return check(key, value, problems) if check else value


def _check_delays(key: str, value: Any, problems: list[Problem]) -> Any:
    """The ``[delays]`` table: known procedures, each a finite number of months from 0 to 120."""
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        problems.append(Problem("delays", None, f"{_fmt(value)} : une table de durées est "
                                "attendue."))
        return value
    out = []
    expected = f"une durée en mois de 0 à {MAX_DELAY_MONTHS} est attendue."
    for item in items:
        if not (isinstance(item, tuple | list) and len(item) == 2):
            problems.append(Problem("delays", None, f"{_fmt(item)} : paire clé = durée en mois "
                                    "attendue."))
            continue
        k, months = item
        where = f"delays.{_cut(k)}" if isinstance(k, str) else f"delays.{_show(k)}"
        if not isinstance(k, str) or k not in DELAY_KEYS:
            problems.append(Problem(where, None, "durée de procédure inconnue (admises : "
                                    f"{', '.join(DELAY_KEYS)})."))
        elif isinstance(months, bool) or not isinstance(months, int | float):
            problems.append(Problem(where, None,
                                    f"{_fmt(months)} n'est pas un nombre : {expected}"))
        elif isinstance(months, float) and not math.isfinite(months):
            problems.append(Problem(where, None, f"{_fmt(months)} n'est pas un nombre fini : "
                                    f"{expected}"))
        elif months < 0:
            problems.append(Problem(where, None, f"{_fmt(months)} est négatif : {expected}"))
        elif months > MAX_DELAY_MONTHS:
            problems.append(Problem(where, None, f"{_fmt(months)} dépasse le maximum admis : "
                                    f"{expected}"))
        else:
            out.append((k, float(months)))
    return tuple(out)


def _check_name(value: Any, problems: list[Problem]) -> Any:
    """The project's name: a non-empty text."""
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem("name", None, f"{_fmt(value)} : un nom de projet (texte non "
                                "vide) est attendu."))
    return value


def _check_number(key: str, value: Any, problems: list[Problem], top: float, unit: str) -> Any:
    """A quantity: a finite number from 0 to ``top`` (a whole number is accepted)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(Problem(key, None, f"{_fmt(value)} n'est pas un nombre : un nombre "
                                "est attendu (par exemple 12 ou 12.5)."))
        return value
    limit = f"{fmt_number(top, 0)} {unit}"
    try:
        number = float(value)
    except OverflowError:
        number = math.inf if value > 0 else -math.inf
    if math.isnan(number) or (math.isinf(number) and isinstance(value, float)):
        problems.append(Problem(key, None, f"{_fmt(value)} n'est pas un nombre fini : un nombre "
                                f"de 0 à {limit} est attendu."))
        return value
    if number < 0:
        problems.append(Problem(key, None, f"{_fmt(value)} est négatif : une quantité "
                                "positive est attendue."))
        return value
    if number > top:
        problems.append(Problem(key, None, f"{_fmt(value)} dépasse le maximum admis ({limit}) : "
                                "vérifiez l'unité et le nombre de zéros."))
        return value
    return number


def _check_bool(key: str, value: Any, problems: list[Problem]) -> Any:
    """A yes/no key: TOML ``true`` or ``false``."""
    if not isinstance(value, bool):
        problems.append(Problem(key, None, f"{_fmt(value)} : true ou false attendu."))
    return value


def _check_date(key: str, value: Any, problems: list[Problem]) -> Any:
    """A date: a TOML date (a date-time keeps its day) or an ISO text ``AAAA-MM-JJ``."""
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


def _check_zones(key: str, value: Any, problems: list[Problem]) -> Any:
    """Accepted PLU zones: a non-empty list of non-empty texts (kept stripped)."""
    if (not isinstance(value, list | tuple) or not value
            or not all(isinstance(z, str) and z.strip() for z in value)):
        problems.append(Problem(key, None, f"{_fmt(value)} : une liste non vide de zones "
                                "PLU est attendue (par exemple [\"UX\", \"1AUX\"])."))
        return value
    return tuple(z.strip() for z in value)


def _check_brownfield(key: str, value: Any, problems: list[Problem]) -> Any:
    """The brownfield policy: one of :data:`BROWNFIELD_CHOICES`."""
    if not isinstance(value, str) or value not in BROWNFIELD_CHOICES:
        problems.append(Problem(key, None, f"{_fmt(value)} n'est pas une valeur admise "
                                f"({', '.join(BROWNFIELD_CHOICES)})."))
    return value


def _check_icpe(key: str, value: Any, problems: list[Problem]) -> Any:
    """The project's ICPE regime: one of :data:`~foncier.core.schema.ICPE_REGIMES`."""
    if not isinstance(value, str) or value not in ICPE_REGIMES:
        problems.append(Problem(key, None, f"{_fmt(value)} n'est pas un régime ICPE admis "
                                f"({', '.join(ICPE_REGIMES)})."))
    return value


def _check_selectors(key: str, value: Any, problems: list[Problem]) -> Any:
    """Constraint selectors: a list of ``kind`` or ``kind:level`` texts, each kind known."""
    if not isinstance(value, list | tuple) or not all(isinstance(s, str) for s in value):
        problems.append(Problem(key, None, f"{_fmt(value)} : une liste de sélecteurs "
                                "« nature » ou « nature:niveau » est attendue (par exemple "
                                "[\"seveso\", \"flood:interdiction\"])."))
        return value
    for sel in value:
        kind, sep, level = sel.partition(":")
        if kind not in CONSTRAINT_KINDS:
            problems.append(Problem(key, None, f"{_fmt(sel)} : nature de contrainte inconnue "
                                    f"{_fmt(kind)} (admises : {', '.join(CONSTRAINT_KINDS)})."))
        elif sep and not level:
            problems.append(Problem(key, None, f"{_fmt(sel)} : niveau vide après « : »."))
        elif sep and kind in ("flood", "pprt") and level not in CONSTRAINT_LEVELS:
            problems.append(Problem(key, None, f"{_fmt(sel)} : niveau inconnu {_fmt(level)} "
                                    f"(admis : {', '.join(CONSTRAINT_LEVELS)})."))
    return tuple(value)


def _weight_items(value: Any, problems: list[Problem]) -> list | None:
    """The ``(key, weight)`` pairs of a weights table (a dict or pairs), or None if it is not."""
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, list | tuple):
        return list(value)
    problems.append(Problem("weights", None, f"{_fmt(value)} : une table de poids est "
                            "attendue."))
    return None


def _check_weight(k: Any, w: Any, problems: list[Problem]) -> float | None:
    """One weight: a known component and a finite number from 0 to :data:`MAX_WEIGHT`."""
    where = f"weights.{_cut(k)}" if isinstance(k, str) else f"weights.{_show(k)}"
    expected = f"un poids de 0 à {fmt_number(MAX_WEIGHT, 0)} est attendu."
    if not isinstance(k, str) or k not in WEIGHT_KEYS:
        problems.append(Problem(where, None, f"clé de pondération inconnue "
                                f"(admises : {', '.join(WEIGHT_KEYS)})."))
    elif isinstance(w, bool) or not isinstance(w, int | float):
        problems.append(Problem(where, None, f"{_fmt(w)} n'est pas un nombre : {expected}"))
    elif isinstance(w, float) and not math.isfinite(w):
        problems.append(Problem(where, None, f"{_fmt(w)} n'est pas un nombre fini : {expected}"))
    elif w < 0:
        problems.append(Problem(where, None, f"{_fmt(w)} est négatif : {expected}"))
    elif w > MAX_WEIGHT:
        problems.append(Problem(where, None, f"{_fmt(w)} dépasse le maximum admis : {expected}"))
    else:
        return float(w)
    return None


def _check_weights(key: str, value: Any, problems: list[Problem]) -> tuple:
    """The ``[weights]`` table: known components, each with a finite weight from 0 to 1000."""
    items = _weight_items(value, problems)
    if items is None:
        return ()
    out = []
    for item in items:
        if not (isinstance(item, tuple | list) and len(item) == 2):
            problems.append(Problem("weights", None, f"{_fmt(item)} : paire clé = poids "
                                    "attendue."))
            continue
        w = _check_weight(item[0], item[1], problems)
        if w is not None:
            out.append((item[0], w))
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
                problems.append(Problem(top, None, f"{_fmt(value)} : une table [{top}] est "
                                        "attendue."))
                continue
            for key, v in value.items():
                if key in SECTIONS[top]:
                    kwargs[key] = v
                else:
                    hint = _KEY_SECTION.get(key)
                    where = f" (cette clé va dans [{hint}])" if hint else ""
                    problems.append(Problem(f"{top}.{_cut(key)}", None, f"clé inconnue{where} ; "
                                            f"clés admises dans [{top}] : "
                                            f"{', '.join(SECTIONS[top])}."))
        else:
            hint = _KEY_SECTION.get(top)
            where = f" : elle va dans la section [{hint}]" if hint else ""
            problems.append(Problem(_cut(top), None, f"clé ou section inconnue{where} (sections "
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

    The file is UTF-8 (a leading byte-order mark, as some Windows editors write, is ignored).

    Raises
    ------
    BriefError
        When the file is missing, is not valid TOML, or holds invalid keys or values; the message
        names the file once, then every problem.

    Examples
    --------
    >>> from foncier.io.sample import sample_brief_paths
    >>> read_brief(sample_brief_paths()[0]).name != ""
    True
    """
    path = Path(path)
    data = _parse_toml(_read_text(path), path)
    try:
        return brief_from_dict(data)
    except BriefError as exc:
        raise BriefError(exc.problems, source=str(path)) from None


def _file_error(path: Path, message: str) -> BriefError:
    """An error about the whole file: the path is written once, and kept as ``source``."""
    err = BriefError([Problem(str(path), None, message)])
    err.source = str(path)
    return err


def _read_text(path: Path) -> str:
    """The file's text, decoded from UTF-8 without its byte-order mark if it has one."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _file_error(path, "fichier introuvable : vérifiez le chemin.") from None
    except OSError as exc:
        raise _file_error(path, f"lecture impossible ({file_reason(exc)}).") from None
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise _file_error(path, f"{file_reason(exc)} : réenregistrez-le en UTF-8.") from None


def _parse_toml(text: str, path: Path) -> dict[str, Any]:
    """The TOML document as a dict; any failure of the parser becomes a :class:`BriefError`."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _file_error(path, f"TOML invalide : {toml_error(exc)}.") from None
    except RecursionError:
        raise _file_error(path, "TOML invalide : tableaux ou tables imbriqués trop "
                          "profondément ; un cahier des charges n'imbrique que des listes "
                          "simples.") from None
    except ValueError:  # an integer of more than 4300 digits (Python's int limit)
        raise _file_error(path, "TOML invalide : valeur illisible (un nombre entier de plus "
                          "de 4300 chiffres ?) : corrigez-la.") from None


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
    return _toml_string(str(v))


def _toml_string(s: str) -> str:
    """A TOML basic string: backslash, quote and every control character escaped."""
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


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
