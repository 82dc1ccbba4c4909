"""Owners of the land units: checked, imported from the EPCI's land files, stored in ``owners``.

Each row ties an owner to one plot (an owner of several plots has a row per plot, with the same
``owner_id``). ``kind`` is ``public`` (a public body), ``company`` (a company, with its 9-digit
SIREN, checked with the Luhn key) or ``person`` (a private person: personal data, see
:mod:`foncier.legal.privacy`).

Columns read by :func:`import_owners` (CSV with ``;`` or ``,``, or XLSX, first sheet; names in any
case): ``owner_id`` (optional: numbered ``O1``, ``O2``... by name when missing), ``plot_id`` or
``cadastral_ref`` (a reference found in the plots' ``cadastral_refs``), ``name``, ``kind``
(``public`` / ``company`` / ``person``, or in French « personne publique », « personne morale »,
« société », « entreprise », « personne physique », « particulier »), ``siren``, ``address``,
``share`` (the owned fraction, 0 to 1; ``50 %`` is read as 0.5).

Examples
--------
>>> luhn_ok("732829320"), luhn_ok("732829321"), valid_siren("73282932")
(True, False, False)
>>> import pandas as pd
>>> rows = pd.DataFrame([{"plot_id": "P1", "name": "SARL Exemple", "kind": "société",
...                       "siren": "732829321"}])
>>> _, problems = check_owners(rows, {"P1"})
>>> print(problems[0].where, problems[0].row, problems[0].message[:47])
owners ligne 2 siren = « 732829321 » n'est pas un SIREN valide
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from foncier.core.missing import is_missing
from foncier.core.schema import LEGAL_TABLES, OWNER_KINDS
from foncier.errors import LegalError, Problem
from foncier.io.reasons import os_reason

__all__ = ["luhn_ok", "valid_siren", "valid_siret", "check_owners", "import_owners",
           "read_rows", "KIND_WORDS"]

#: Words of the land files read as each owner kind (lower case, without accents folded).
KIND_WORDS = {
    "public": "public", "personne publique": "public", "collectivité": "public",
    "etat": "public", "état": "public", "commune": "public", "epci": "public",
    "company": "company", "personne morale": "company", "société": "company",
    "societe": "company", "entreprise": "company",
    "person": "person", "personne physique": "person", "particulier": "person",
}
#: La Poste's SIREN: its establishments' SIRET follow a different key (digit sum % 5).
_LA_POSTE = "356000000"


def luhn_ok(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check (SIREN, SIRET)."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def valid_siren(value: str) -> bool:
    """A SIREN: 9 digits passing the Luhn check."""
    return len(value) == 9 and luhn_ok(value)


def valid_siret(value: str) -> bool:
    """A SIRET: 14 digits passing the Luhn check (La Poste's: digit sum multiple of 5)."""
    if len(value) != 14 or not value.isdigit():
        return False
    if value.startswith(_LA_POSTE):
        return luhn_ok(value) or sum(int(c) for c in value) % 5 == 0
    return luhn_ok(value)


def _digits(value) -> str | None:
    if is_missing(value):
        return None
    text = str(value).strip()
    if re.fullmatch(r"\d+\.0", text):
        text = text[:-2]
    return re.sub(r"[\s.]", "", text) or None


def read_rows(path: str | os.PathLike, table: str) -> pd.DataFrame:
    """The rows of a CSV (``;`` or ``,``) or XLSX file, every cell as text, names lower-cased.

    Raises
    ------
    LegalError
        When the file is missing or is neither CSV nor XLSX.
    """
    path = Path(path)
    if not path.exists():
        raise LegalError(f"fichier introuvable : {path}. Vérifiez le chemin.", source=table)
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, sep=None, engine="python", dtype=str,
                                keep_default_na=False, encoding="utf-8-sig")
        elif suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=str, keep_default_na=False)
        else:
            raise LegalError(f"{path} : format non reconnu (« {suffix} ») ; donnez un fichier "
                             ".csv ou .xlsx.", source=table)
    except (ValueError, OSError) as exc:
        raise LegalError(f"{path} : fichier illisible ({os_reason(exc)}).", source=table) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.replace({"": None})


def _col(frame: pd.DataFrame, *names: str) -> pd.Series:
    lower = {c.lower(): c for c in frame.columns}
    for name in names:
        if name.lower() in lower:
            return frame[lower[name.lower()]]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _share(value) -> float | None | str:
    if is_missing(value):
        return None
    text = str(value).strip().replace(",", ".").replace("\u00a0", "").replace(" ", "")
    pct = text.endswith("%")
    try:
        number = float(text.rstrip("%"))
    except ValueError:
        return "bad"
    return number / 100 if pct else number


def check_owners(frame: pd.DataFrame, plot_ids: Iterable[str], *,
                 cadastral: dict[str, str] | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Owner rows checked and normalized to the ``owners`` table; every problem by row and column.

    Parameters
    ----------
    frame : DataFrame
        Rows with the columns of the module docstring (any case).
    plot_ids : iterable of str
        The inventory's plot ids (an owner of an unknown plot is an error).
    cadastral : dict, optional
        Cadastral reference -> plot id, for rows giving ``cadastral_ref`` instead of ``plot_id``.

    Returns
    -------
    owners : DataFrame
        The valid rows, with the columns of ``LEGAL_TABLES["owners"]``.
    problems : list of Problem
        ``where`` is ``owners``, ``row`` the file's line (``ligne 2`` is the first data row).
    """
    plots, cadastral = set(plot_ids), cadastral or {}
    problems: list[Problem] = []
    out = []
    ids = _col(frame, "owner_id")
    for pos in range(len(frame)):
        line = f"ligne {pos + 2}"
        before = len(problems)

        def bad(column, value, why, line=line):
            problems.append(Problem("owners", line, f"{column} = « {value} » {why}"))

        rec = {"owner_id": None if is_missing(ids.iloc[pos]) else str(ids.iloc[pos]).strip()}
        plot = _col(frame, "plot_id").iloc[pos]
        ref = _col(frame, "cadastral_ref").iloc[pos]
        if is_missing(plot) and not is_missing(ref):
            plot = cadastral.get(str(ref).strip())
            if plot is None:
                bad("cadastral_ref", ref, "ne correspond à aucun terrain (cadastral_refs des "
                    "plots) : corrigez la référence ou donnez plot_id.")
        if is_missing(plot):
            if is_missing(ref):
                problems.append(Problem("owners", line, "plot_id manquant : donnez le terrain "
                                        "(plot_id) ou sa référence cadastrale (cadastral_ref)."))
        elif str(plot).strip() not in plots:
            bad("plot_id", plot, "est inconnu dans la couche plots : corrigez-le.")
        rec["plot_id"] = None if is_missing(plot) else str(plot).strip()
        name = _col(frame, "name").iloc[pos]
        if is_missing(name) or not str(name).strip():
            problems.append(Problem("owners", line, "name manquant : donnez le nom du "
                                    "propriétaire."))
        rec["name"] = None if is_missing(name) else str(name).strip()
        kind = _col(frame, "kind").iloc[pos]
        rec["kind"] = KIND_WORDS.get(str(kind).strip().lower()) if not is_missing(kind) else None
        if rec["kind"] is None:
            bad("kind", kind, f"n'est pas un type de propriétaire ({', '.join(OWNER_KINDS)}, ou "
                "« personne publique », « personne morale », « personne physique ») : corrigez-le.")
        siren = _digits(_col(frame, "siren").iloc[pos])
        if rec["kind"] == "company" and siren is None:
            problems.append(Problem("owners", line, "siren manquant : une entreprise "
                                    "(kind = company) a un SIREN de 9 chiffres."))
        elif siren is not None and not valid_siren(siren):
            bad("siren", siren, "n'est pas un SIREN valide (9 chiffres, clé de Luhn) : "
                "corrigez-le.")
        rec["siren"] = siren
        address = _col(frame, "address").iloc[pos]
        rec["address"] = None if is_missing(address) else str(address).strip()
        share = _share(_col(frame, "share").iloc[pos])
        if share == "bad" or (share is not None and not 0 < share <= 1):
            bad("share", _col(frame, "share").iloc[pos], "n'est pas une part entre 0 et 1 (ou "
                "entre 0 et 100 %) : corrigez-la ou videz-la.")
            share = None
        rec["share"] = share
        if len(problems) == before:
            out.append(rec)
    owners = pd.DataFrame(out, columns=list(LEGAL_TABLES["owners"]), dtype=object)
    _number_owners(owners)
    return owners, problems


def _number_owners(owners: pd.DataFrame) -> None:
    """Rows without ``owner_id`` get ``O1``, ``O2``... (one per distinct name), in place."""
    missing = owners["owner_id"].isna()
    if not missing.any():
        return
    taken = set(owners["owner_id"].dropna())
    by_name: dict[str, str] = {}
    n = 0
    for idx in owners.index[missing]:
        name = owners.at[idx, "name"]
        if name not in by_name:
            n += 1
            while f"O{n}" in taken:
                n += 1
            by_name[name] = f"O{n}"
        owners.at[idx, "owner_id"] = by_name[name]


def import_owners(path: str | os.PathLike, plots: pd.DataFrame) -> pd.DataFrame:
    """Owners read from an EPCI land file (CSV/XLSX) and checked against the inventory's plots.

    Raises
    ------
    LegalError
        With every problem, each naming the file's line and the column.
    """
    frame = read_rows(path, "owners")
    cadastral = {}
    for pid, refs in zip(plots["plot_id"], plots.get("cadastral_refs", [None] * len(plots)),
                         strict=True):
        for ref in re.split(r"[;,\s]+", str(refs or "")):
            if ref:
                cadastral[ref] = str(pid)
    owners, problems = check_owners(frame, plots["plot_id"].astype(str), cadastral=cadastral)
    if problems:
        raise LegalError(problems, source=str(path))
    return owners
