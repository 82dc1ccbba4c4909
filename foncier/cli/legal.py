"""Commands of the legal inventory (art. L318-8-2): imports, vacancy, edits, consultation, adoption.

``foncier import-owners INVENTAIRE FICHIER``, ``foncier import-occupants INVENTAIRE SIRENE``,
``foncier vacancy INVENTAIRE --year AAAA``, ``foncier edit INVENTAIRE --plot ID col=valeur...``,
``foncier consultation start|letters|record|status INVENTAIRE ...``,
``foncier adopt INVENTAIRE --date AAAA-MM-JJ``.

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser(); register(parser.add_subparsers())
>>> parser.parse_args(["consultation", "status", "inv.gpkg"]).action
'status'
"""

from __future__ import annotations

import argparse
import datetime as dt

from foncier.errors import LegalError, Problem

__all__ = ["register"]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date AAAA-MM-JJ attendue (reçu : {text})") from None


def _inventory(p: argparse.ArgumentParser) -> None:
    p.add_argument("inventory", metavar="INVENTAIRE", help="GeoPackage ou URL postgresql://")


def register(sub) -> None:
    """Add the legal-inventory commands to the ``foncier`` dispatcher."""
    p = sub.add_parser("import-owners", help="importer les propriétaires (fichier foncier de "
                       "l'EPCI, CSV ou XLSX)")
    _inventory(p)
    p.add_argument("file", metavar="FICHIER")
    p.set_defaults(handler=_import_owners)
    p = sub.add_parser("import-occupants", help="importer les occupants (extrait SIRENE)")
    _inventory(p)
    p.add_argument("file", metavar="FICHIER")
    p.set_defaults(handler=_import_occupants)
    p = sub.add_parser("vacancy", help="taux de vacance légal (art. L318-8-2) de chaque zone")
    _inventory(p)
    p.add_argument("--year", type=int, default=dt.date.today().year,
                   help="année d'imposition (défaut : l'année en cours)")
    p.set_defaults(handler=_vacancy)
    p = sub.add_parser("edit", help="modifier un terrain ou une zone (historisé)")
    _inventory(p)
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--plot", metavar="ID")
    who.add_argument("--site", metavar="ID")
    p.add_argument("changes", nargs="+", metavar="COLONNE=VALEUR")
    p.add_argument("--user", help="nom inscrit dans l'historique (défaut : l'utilisateur)")
    p.set_defaults(handler=_edit)
    p = sub.add_parser("consultation", help="consultation de trente jours des propriétaires "
                       "et occupants")
    p.add_argument("action", choices=("start", "letters", "record", "status"))
    _inventory(p)
    p.add_argument("--date", type=_date, help="date (début, lettres, réponse ; AAAA-MM-JJ)")
    p.add_argument("--out", metavar="DOSSIER", help="dossier des lettres")
    p.add_argument("--profile", metavar="PROFIL.toml", help="profil du territoire")
    p.add_argument("--recipient", metavar="ID", help="destinataire de la réponse")
    p.add_argument("--correction", help="correction apportée après la réponse")
    p.set_defaults(handler=_consultation)
    p = sub.add_parser("adopt", help="arrêter l'inventaire (instantané et documents par zone)")
    _inventory(p)
    p.add_argument("--date", type=_date, required=True, help="date d'adoption (AAAA-MM-JJ)")
    p.add_argument("--out", metavar="DOSSIER", help="dossier de l'instantané et des documents")
    p.add_argument("--profile", metavar="PROFIL.toml", help="profil du territoire")
    p.set_defaults(handler=_adopt)


def _plots(inventory: str):
    from foncier.core.inventory import open_inventory

    return open_inventory(inventory).plots


def _import_owners(args) -> int:
    from foncier.legal.owners import import_owners
    from foncier.legal.store import store_table

    owners = import_owners(args.file, _plots(args.inventory))
    store_table(args.inventory, "owners", owners)
    print(f"{len(owners)} propriétaire(s) enregistré(s) dans {args.inventory}")
    return 0


def _import_occupants(args) -> int:
    from foncier.legal.occupants import import_sirene
    from foncier.legal.store import store_table

    occupants, notes = import_sirene(args.file, _plots(args.inventory))
    for note in notes:
        print(note)
    store_table(args.inventory, "occupants", occupants)
    print(f"{len(occupants)} occupant(s) enregistré(s) dans {args.inventory}")
    return 0


def _vacancy(args) -> int:
    from foncier.legal.vacancy import cnig_vacancy_rate, legal_vacancy

    plots = _plots(args.inventory)
    cnig = cnig_vacancy_rate(plots)
    for sid, rate in legal_vacancy(plots, args.year).items():
        print(f"{sid} : taux de vacance légal {rate.rate_pct} % ({len(rate.vacant_ids)} sur "
              f"{rate.units}, vacants depuis le {rate.limit.isoformat()} au moins ; "
              f"{len(rate.unknown_ids)} non renseigné(s)) ; site_taux_vacance CNIG "
              f"{cnig.get(sid)} %")
    return 0


def _edit(args) -> int:
    from foncier.legal.edit import edit_plot, edit_site

    changes, bad = {}, []
    for item in args.changes:
        col, sep, value = item.partition("=")
        if not sep:
            bad.append(Problem("edit", None, f"« {item} » : écrivez COLONNE=VALEUR."))
        changes[col] = value if value != "" else None
    if bad:
        raise LegalError(bad)
    edit = edit_plot if args.plot else edit_site
    result = edit(args.inventory, args.plot or args.site, changes, user=args.user)
    for warning in result.warnings:
        print(warning)
    for col, old, new in result.changes:
        print(f"{col} : {old} -> {new}")
    print(f"{len(result.changes)} valeur(s) modifiée(s)")
    return 0


def _profile(args):
    if not args.profile:
        return None
    from foncier.report.profile import read_profile

    return read_profile(args.profile)


def _need(args, *names) -> None:
    missing = [n for n in names if getattr(args, n) is None]
    if missing:
        raise LegalError([Problem("consultation", None, f"{n}= manquant pour « {args.action} ».")
                          for n in missing])


def _consultation(args) -> int:
    from foncier.legal import consultation as c

    if args.action == "start":
        _need(args, "date")
        start, end, n = c.start_consultation(args.inventory, args.date)
        print(f"Consultation ouverte du {start.isoformat()} au {end.isoformat()} : "
              f"{n} destinataire(s)")
    elif args.action == "letters":
        _need(args, "out")
        from foncier.cli.app import write_legal_pdf

        paths = c.write_letters(args.inventory, args.out, profile=_profile(args),
                                letter_date=args.date, pdf=write_legal_pdf)
        n = sum(p.suffix == ".html" for p in paths)
        print(f"{n} lettre(s) écrite(s) dans {args.out} (HTML et PDF)")
    elif args.action == "record":
        _need(args, "recipient", "date")
        row = c.record_answer(args.inventory, args.recipient, args.date,
                              correction=args.correction)
        print(f"{row['recipient_name']} : {row['status']}")
    else:
        print("\n".join(c.consultation_status(args.inventory, today=args.date).lines()))
    return 0


def _adopt(args) -> int:
    from foncier.cli.app import write_legal_pdf
    from foncier.legal.adoption import adopt

    adoption = adopt(args.inventory, args.date, out_dir=args.out, profile=_profile(args),
                     pdf=write_legal_pdf)
    print(f"Inventaire adopté le {adoption.adopted_on.isoformat()} : instantané "
          f"{adoption.snapshot} (empreinte {adoption.fingerprint[:16]}…), "
          f"{len(adoption.documents)} document(s) ; prochaine mise à jour au plus tard le "
          f"{adoption.next_update_due.isoformat()}")
    return 0
