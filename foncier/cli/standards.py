"""Sub-commands for the national standards and public layers.

``foncier import-cnig``, ``export-cnig``, ``validate-cnig``, ``import-friches``, ``add-layer``,
``import-sheet`` and ``sheet-template``
(registered on the ``foncier`` command by :func:`register`). Every inventory argument accepts a
GeoPackage path or a ``postgresql://`` URL.

The library's messages name its parameters (« le paramètre `repair=True` »); every message these
commands print names the command-line option instead (:func:`as_flags`).

Examples
--------
>>> as_flags("relancez avec le paramètre `repair=True`.")
"relancez avec l'option --repair."
>>> as_flags("déclarez-le (paramètre `crs`, par exemple « EPSG:2154 »)")
'déclarez-le (option --crs, par exemple « EPSG:2154 »)'
>>> as_flags("le paramètre `crs='EPSG:2154'`")
"l'option --crs EPSG:2154"
"""

from __future__ import annotations

import argparse
import functools
import re
import sys

from foncier.cli.options import add_command, add_out
from foncier.errors import FoncierError

__all__ = ["register", "as_flags", "FLAGS"]

#: Library parameter -> the option of these commands that sets it.
FLAGS = {"repair": "--repair", "force": "--force", "crs": "--crs", "csv_dir": "--csv",
         "gpkg": "--gpkg", "kind": "--kind", "mapping": "--mapping", "layer": "--layer",
         "level": "--level", "level_field": "--level-field", "id_field": "--id-field",
         "name_field": "--name-field", "capacity_field": "--capacity-field",
         "zone_field": "--zone-field", "source": "--from", "target": "--into",
         "cadastre": "--cadastre"}
_PARAM = re.compile(r"(le )?paramètre `(\w+)(?:=([^`]*))?`")


def as_flags(text: str) -> str:
    """``text`` with every library parameter hint rewritten as the command-line option."""
    def option(m: re.Match) -> str:
        flag = FLAGS.get(m[2])
        if flag is None:
            return m[0]
        value = (m[3] or "").strip("'\"")
        said = flag if value in ("", "True") else f"{flag} {value}"
        return ("l'option " if m[1] else "option ") + said

    return _PARAM.sub(option, text)


def _speaks_flags(handler):
    """Run a command; a FoncierError's message names the options, not the parameters."""
    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except FoncierError as exc:
            if exc.args and isinstance(exc.args[0], str):
                exc.args = (as_flags(exc.args[0]), *exc.args[1:])
            raise
    return run

INVENTORY_HELP = "GeoPackage ou URL postgresql://"


def _shown(target) -> str:
    """A target for messages: a URL loses its password."""
    from foncier.io.postgis import safe_url

    return safe_url(str(target))


def _print_problems(problems, *, limit: int = 50) -> None:
    shown = [p for p in problems if p.severity != "info"]
    for p in shown[:limit]:
        print(f"  {as_flags(str(p))}", file=sys.stderr)
    if len(shown) > limit:
        print(f"  … et {len(shown) - limit} autres.", file=sys.stderr)


def _print_deviations(problems, *, despite: str) -> None:
    """The deviations from the standard of a command that went ahead anyway, on stderr."""
    if problems:
        print(f"{len(problems)} écart(s) au standard {despite} :", file=sys.stderr)
        _print_problems(problems)


def _import_cnig(args: argparse.Namespace) -> int:
    from foncier.standards.cnig import import_cnig

    inv, problems = import_cnig(args.sources, args.out, repair=args.repair,
                                cadastre=args.cadastre)
    print(f"{len(inv.sites)} zone(s) et {len(inv.plots)} terrain(s) importés dans "
          f"{_shown(args.out)}.")
    _print_deviations(problems, despite="(import effectué quand même)")
    return 0


def _export_cnig(args: argparse.Namespace) -> int:
    from foncier.standards.cnig import export_cnig

    problems = export_cnig(args.inventory, csv_dir=args.csv, gpkg=args.gpkg, force=args.force)
    where = " et ".join(str(p) for p in (args.csv, args.gpkg) if p)
    print(f"Inventaire exporté au standard CNIG Sites Économiques : {where}.")
    _print_deviations(problems, despite="écrits quand même (--force)")
    return 0


def _validate_cnig(args: argparse.Namespace) -> int:
    from foncier.standards.cnig import validate_cnig

    problems = validate_cnig(args.sources, repair=args.repair)
    errors = [p for p in problems if p.severity == "error"]
    for p in problems:
        print(as_flags(str(p)))
    if errors:
        print(f"\n{len(errors)} violation(s) du standard CNIG Sites Économiques.",
              file=sys.stderr)
        return 1
    print("Conforme au standard CNIG Sites Économiques (schémas et listes de valeurs).")
    return 0


def _import_friches(args: argparse.Namespace) -> int:
    from foncier.standards.friches import import_friches

    added, replaced, problems = import_friches(args.file, args.into)
    print(f"{added} friche(s) ajoutée(s), {replaced} mise(s) à jour dans {_shown(args.into)}.")
    if problems:
        print(f"{len(problems)} remarque(s) :", file=sys.stderr)
        _print_problems(problems)
    return 0


def _add_layer(args: argparse.Namespace) -> int:
    from foncier.standards.public_layers import add_layer

    report = add_layer(args.inventory, kind=args.kind, source=args.source,
                       mapping=args.mapping, layer=args.layer, crs=args.crs,
                       id_field=args.id_field, name_field=args.name_field, level=args.level,
                       level_field=args.level_field, capacity_field=args.capacity_field,
                       zone_field=args.zone_field)
    report.target = _shown(report.target)
    print(report)
    return 0


def _import_sheet(args: argparse.Namespace) -> int:
    from foncier.standards.spreadsheet import import_sheet

    inv, notes = import_sheet(args.file, args.out, mapping=args.mapping,
                              cadastre=args.cadastre)
    print(f"{len(inv.plots)} terrain(s) et {len(inv.sites)} zone(s) importés dans "
          f"{_shown(args.out)}.")
    if [n for n in notes if n.severity != "info"]:
        print("Remarques :", file=sys.stderr)
        _print_problems(notes)
    return 0


def _sheet_template(args: argparse.Namespace) -> int:
    from foncier.standards.spreadsheet import write_template

    path = write_template(args.out)
    print(f"Modèle de classeur écrit : {path} (feuille « Terrains » à remplir, « Lisez-moi » "
          "pour le contenu des colonnes).")
    return 0


MAPPING_CHOICES = ("auto", "ppr", "cnig-ppr", "covadis-ppr", "natura2000", "znieff", "gpu",
                   "bdtopo-batiment", "bdtopo-infra", "osm-infra", "none")
CADASTRE_HELP = ("fichier des parcelles d'Etalab (cadastre-<département>-parcelles.json.gz) "
                 "pour placer les terrains d'après leurs références cadastrales")


def _command(subparsers, name: str, handler, **texts) -> argparse.ArgumentParser:
    """Add the sub-command ``name``; its errors name the options (:func:`_speaks_flags`)."""
    return add_command(subparsers, name, _speaks_flags(handler), **texts)


def _add_sources(p: argparse.ArgumentParser) -> None:
    p.add_argument("sources", nargs="+", metavar="SOURCE",
                   help="GeoPackage, fichiers CSV ou dossier de CSV")


def _add_repair(p: argparse.ArgumentParser) -> None:
    p.add_argument("--repair", action="store_true",
                   help="réparer une valeur coupée par un « ; » non protégé")


def _add_cadastre(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cadastre", metavar="PARCELLES.json.gz", help=CADASTRE_HELP)


def _add_inventory_out(p: argparse.ArgumentParser) -> None:
    add_out(p, required=True, metavar="INVENTAIRE", help=INVENTORY_HELP)


def _register_sheets(subparsers) -> None:
    p = _command(
        subparsers, "import-sheet", _import_sheet,
        help="importer un inventaire tenu dans un tableur (XLSX ou CSV)",
        description="Lit un classeur ou un CSV, une ligne par terrain, en-têtes en français "
                    "(ceux du modèle de « foncier sheet-template », ou une correspondance "
                    "TOML), et écrit un inventaire foncier. Chaque problème est signalé avec "
                    "sa ligne et sa colonne.")
    p.add_argument("file", metavar="FICHIER", help="classeur .xlsx ou fichier .csv")
    _add_inventory_out(p)
    p.add_argument("--mapping", metavar="CORRESPONDANCE.toml",
                   help="en-têtes -> colonnes, en plus de la correspondance du modèle")
    _add_cadastre(p)

    p = _command(
        subparsers, "sheet-template", _sheet_template,
        help="écrire le modèle de classeur à remplir par un EPCI",
        description="Écrit un classeur .xlsx : feuille « Terrains » (en-têtes figés, listes "
                    "déroulantes des valeurs admises), feuille « Lisez-moi ».")
    p.add_argument("out", metavar="FICHIER.xlsx", help="classeur à écrire")


def _register_cnig(subparsers) -> None:
    p = _command(
        subparsers, "import-cnig", _import_cnig,
        help="importer un inventaire au standard CNIG Sites Économiques",
        description="Lit un GeoPackage (couches du modèle officiel) ou des CSV site-eco, "
                    "terrain-eco (et pole-eco, etablissement) et écrit un inventaire foncier.")
    _add_sources(p)
    _add_inventory_out(p)
    _add_repair(p)
    _add_cadastre(p)

    p = _command(
        subparsers, "export-cnig", _export_cnig,
        help="exporter un inventaire au standard CNIG Sites Économiques",
        description="Écrit des CSV conformes aux schémas (--csv DOSSIER) et/ou un GeoPackage "
                    "au modèle officiel (--gpkg FICHIER.gpkg).")
    p.add_argument("inventory", metavar="INVENTAIRE", help=INVENTORY_HELP)
    p.add_argument("--csv", metavar="DOSSIER", help="dossier des CSV site-eco, terrain-eco...")
    p.add_argument("--gpkg", metavar="FICHIER.gpkg", help="GeoPackage au modèle officiel")
    p.add_argument("--force", action="store_true",
                   help="écrire même si des champs ne respectent pas le standard")

    p = _command(
        subparsers, "validate-cnig", _validate_cnig,
        help="vérifier des fichiers au standard CNIG Sites Économiques",
        description="Liste chaque violation des schémas (y compris les listes de valeurs) "
                    "avec sa table, sa ligne et son champ.")
    _add_sources(p)
    _add_repair(p)


def register(subparsers) -> None:
    """Add the standards' sub-commands to the ``foncier`` parser."""
    _register_cnig(subparsers)
    p = _command(
        subparsers, "import-friches", _import_friches,
        help="ajouter des friches (standard CNIG Friches) comme terrains",
        description="Ajoute les friches d'un CSV CNIG Friches (export Cartofriches) à un "
                    "inventaire, comme terrains en friche, en gardant leurs identifiants.")
    p.add_argument("file", metavar="FICHIER.csv", help="CSV au standard CNIG Friches")
    p.add_argument("--into", required=True, metavar="INVENTAIRE", help=INVENTORY_HELP)

    p = _command(
        subparsers, "add-layer", _add_layer,
        help="ajouter une couche publique (contraintes, infrastructures, PLU)",
        description="Charge un fichier vectoriel (GeoPackage, Shapefile, GeoJSON ; tout CRS, "
                    "reprojeté en Lambert-93) dans les contraintes ou les infrastructures, ou "
                    "écrit la zone du PLU sur les terrains (--kind plu).")
    p.add_argument("inventory", metavar="INVENTAIRE", help=INVENTORY_HELP)
    p.add_argument("--kind", required=True, metavar="TYPE",
                   help="flood, pprt, natura2000, znieff1, znieff2, wetland..., une "
                        "infrastructure (substation, port...) ou plu")
    p.add_argument("--from", required=True, dest="source", metavar="FICHIER",
                   help="fichier vectoriel")
    p.add_argument("--mapping", default="auto",
                   choices=MAPPING_CHOICES,
                   help="correspondance des champs (auto : d'après les colonnes)")
    p.add_argument("--layer", help="couche à lire dans un fichier à plusieurs couches")
    p.add_argument("--crs", metavar="EPSG:XXXX",
                   help="CRS du fichier quand il n'en déclare pas")
    p.add_argument("--id-field", metavar="COLONNE", help="colonne des identifiants")
    p.add_argument("--name-field", metavar="COLONNE", help="colonne des noms")
    p.add_argument("--level", help="niveau de toutes les zones (interdiction, prescriptions)")
    p.add_argument("--level-field", metavar="COLONNE", help="colonne des niveaux")
    p.add_argument("--capacity-field", metavar="COLONNE",
                   help="colonne de la puissance en MW (postes électriques)")
    p.add_argument("--zone-field", metavar="COLONNE",
                   help="colonne de la zone du PLU (défaut : libelle)")
    _register_sheets(subparsers)
