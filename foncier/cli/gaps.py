"""``foncier gaps``: the inventory keeper's to-do list (the missing data behind « à vérifier »).

For one or more briefs against one inventory, :func:`foncier.analysis.gaps.gaps` counts per plot
attribute (overall and per activity zone) the unknown verdicts it causes and how many
(plot, brief) verdicts filling it alone would decide. The command prints the overall ranking and
writes the whole table with ``--out``: CSV with the codes as headers (``scope``, ``site_id``,
``attribute``, ``label``, ``unknown``, ``decided``, ``plots``), XLSX with French headers and a
« Paramètres » sheet (the audit record).

Examples
--------
>>> import foncier
>>> from foncier.analysis.gaps import gaps
>>> g = gaps(foncier.open_inventory(), [foncier.Brief(name="a", power_mw=5)])
>>> format_gaps(g, limit=3).splitlines()[0].startswith("Données manquantes")
True
"""

from __future__ import annotations

import argparse
from pathlib import Path

from foncier.cli.options import EXIT_OK, add_inventory, open_inventory

__all__ = ["register", "format_gaps", "GAPS_FORMATS"]

GAPS_FORMATS = (".csv", ".xlsx")


def format_gaps(frame, *, limit: int | None = 10) -> str:
    """The overall rows of a gaps table as text, most decisive first."""
    overall = frame[frame["scope"] == "overall"]
    if not len(overall):
        return "Données manquantes : aucune, chaque verdict est tranché."
    lines = ["Données manquantes à compléter en priorité (ensemble de l'inventaire) :"]
    width = max(len(x) for x in overall["label"])
    lines.append(f"  {'donnée'.ljust(width)}  {'tranchés':>8}  {'inconnus':>8}  {'terrains':>8}")
    shown = overall if limit is None else overall.head(limit)
    for r in shown.itertuples(index=False):
        lines.append(f"  {r.label.ljust(width)}  {r.decided:>8}  {r.unknown:>8}  {r.plots:>8}")
    lines.append("  (tranchés : verdicts « à vérifier » que cette seule donnée trancherait ; "
                 "inconnus : verdicts (terrain, projet) qu'elle laisse inconnus)")
    return "\n".join(lines)


def _check_out(out: str) -> Path:
    from foncier.errors import OutputError

    path = Path(out)
    if path.suffix.lower() not in GAPS_FORMATS:
        raise OutputError(f"{path}: format de sortie inconnu « {path.suffix or '(aucun)'} » pour "
                          "les données manquantes : choisissez .csv ou .xlsx.")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{path}: dossier introuvable : {parent}. Créez-le ou choisissez un "
                          "autre chemin.")
    return path


def _write(frame, path: Path, record) -> Path:
    """The gaps table as CSV (the codes as headers) or as a workbook: French headers, columns
    as wide as their texts, the header row frozen, then the « Paramètres » sheet that the
    match and batch workbooks have (:func:`foncier.io.results.audit_sheet`)."""
    from foncier.analysis.gaps import gaps_in_french
    from foncier.io.atomic import atomic_write

    if path.suffix.lower() == ".csv":
        with atomic_write(path) as tmp:
            frame.to_csv(tmp, index=False, encoding="utf-8")
        return path
    from foncier.io.results import audit_sheet
    from foncier.io.xlsx import Sheet, fit_widths, write_xlsx

    shown = gaps_in_french(frame)
    sheet = Sheet(GAPS_SHEET, shown, widths=fit_widths(shown), freeze_cols=3)
    return write_xlsx(path, [sheet, audit_sheet(record)])


#: The gaps workbook's first sheet.
GAPS_SHEET = "Données manquantes"


def _gaps(args: argparse.Namespace) -> int:
    from foncier.analysis.audit import audit_record, write_audit
    from foncier.analysis.batch import read_briefs
    from foncier.analysis.gaps import gaps
    from foncier.wording import counted

    path = _check_out(args.out) if args.out else None
    sources = [*(args.project or []), *(args.briefs or [])]
    if not sources:
        from foncier.errors import BriefError, Problem

        raise BriefError([Problem("--project", None, "au moins un cahier des charges est "
                                  "attendu : --project FICHIER.toml ou --briefs DOSSIER.")])
    briefs = read_briefs(sources)
    inventory = open_inventory(args.inventory)
    frame = gaps(inventory, briefs)
    print(f"{counted(len(briefs), 'projet')} × "
          f"{counted(len(inventory.attributes('plots')), 'terrain')}")
    print(format_gaps(frame, limit=None if args.limit == 0 else args.limit))
    if path or args.audit:
        record = audit_record(inventory, briefs)
    if path:
        print(f"\nTableau complet ({len(frame)} lignes, par zone et en tout) écrit dans "
              f"{_write(frame, path, record)}")
    if args.audit:
        print(f"Traçabilité écrite dans {write_audit(record, args.audit)}")
    return EXIT_OK


def register(subparsers) -> None:
    """Add the ``gaps`` sub-command."""
    p = subparsers.add_parser(
        "gaps", help="données manquantes à compléter en priorité pour trancher les « à vérifier »",
        description="Compte, par donnée des terrains et par zone, les verdicts qu'elle laisse "
                    "inconnus et ceux que sa seule saisie trancherait, pour un ou plusieurs "
                    "projets.")
    p.add_argument("--project", action="append", metavar="BRIEF.toml",
                   help="cahier des charges (TOML) ; répétez l'option pour plusieurs projets")
    p.add_argument("--briefs", nargs="+", metavar="BRIEF",
                   help="cahiers des charges (.toml) ou dossiers qui en contiennent")
    add_inventory(p)
    p.add_argument("--out", metavar="FICHIER", help="écrire le tableau complet (.csv ou .xlsx)")
    p.add_argument("--audit", metavar="FICHIER.toml", help="écrire la traçabilité en TOML")
    p.add_argument("--limit", type=int, default=10, metavar="N",
                   help="lignes affichées (0 : toutes ; 10 par défaut)")
    p.set_defaults(handler=_gaps)
