"""The ``foncier`` command line.

``foncier match``, ``foncier validate``, ``foncier sample`` and the commands of the other modules.
User errors (a bad brief, a bad inventory, an unwritable output) print a French message on stderr
and exit with code 1, without a traceback; usage errors exit with code 2.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import sys
from collections.abc import Callable, Sequence

from foncier import __version__
from foncier.errors import FoncierError

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def _command(name: str):
    def deco(fn):
        _COMMANDS[name] = fn
        return fn
    return deco


def _err(message: str) -> None:
    print(f"foncier : erreur : {message}", file=sys.stderr)


def _inventory(arg):
    from foncier.core.inventory import open_inventory

    return open_inventory(arg)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def format_ranking(result, *, table=None, limit: int | None = 20, width: int | None = None
                   ) -> str:
    """The ranked table as text: rank, plot, zone, status, score, net area, first reason.

    ``table`` defaults to ``result.table`` (pass the table with assemblies to show them).
    """
    from foncier.wording import STATUS_LABELS, fmt_number

    width = width or shutil.get_terminal_size((120, 24)).columns
    table = result.table if table is None else table
    rows = table if limit is None else table.head(limit)
    reasons = rows["reasons"].to_numpy(dtype=object)
    header = ("rang", "terrain", "zone", "statut", "score", "surf. nette", "motif")
    body = []
    for r, rea in zip(rows.itertuples(index=False), reasons, strict=True):
        parts = [p for p in str(rea).split(" ; ") if p]
        first = parts[0] if parts else "—"
        if len(parts) > 1:
            first += f" (+{len(parts) - 1})"
        body.append((str(r.rank), str(r.plot_id), str(r.site_id or "—"),
                     STATUS_LABELS[r.status], fmt_number(r.score, 1),
                     f"{fmt_number(r.net_area_ha, 2)} ha", first))
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h)
              for i, h in enumerate(header)]
    fixed = sum(widths[:-1]) + 2 * (len(header) - 1)
    widths[-1] = max(20, min(widths[-1], width - fixed))
    right = {0, 4, 5}

    def line(cells):
        out = []
        for i, (cell, w) in enumerate(zip(cells, widths, strict=True)):
            cell = _shorten(cell, w)
            out.append(cell.rjust(w) if i in right else cell.ljust(w))
        return "  ".join(out).rstrip()

    counts = result.counts
    def n(count: int, word: str) -> str:
        return f"{count} {word}" + ("s" if count > 1 and not word.startswith("à") else "")

    head = (f"Projet « {result.brief.name} » — {n(len(result.status), 'terrain')} : "
            f"{n(counts['match'], 'compatible')}, {n(counts['to_check'], 'à vérifier')}, "
            f"{n(counts['no_match'], 'incompatible')}")
    if "assembly" in table.columns:
        assemblies = int((table["assembly"] != "").sum())
        head += f" ; {n(assemblies, 'assemblage')} de terrains voisins"
    lines = [head, "", line(header), line(["-" * w for w in widths])]
    lines += [line(b) for b in body]
    if limit is not None and len(table) > limit:
        lines.append(f"… {len(table) - limit} autres terrains (--limit N, ou --out FICHIER "
                     "pour le tableau complet)")
    return "\n".join(lines)


@_command("match")
def _match(args: argparse.Namespace) -> int:
    from foncier.core.brief import read_brief
    from foncier.core.matching import match
    from foncier.io.results import check_suffix, write_table

    brief = read_brief(args.project)
    if args.out:
        from pathlib import Path

        check_suffix(Path(args.out))
    inv = _inventory(args.inventory)
    result = match(inv, brief)
    table = result.table
    if brief.allow_assembly:
        from foncier.analysis.assembly import assemble

        table = assemble(result)
    print(format_ranking(result, table=table, limit=None if args.limit == 0 else args.limit))
    if args.out:
        path = write_table(table, args.out)
        print(f"\nTableau complet ({len(table)} lignes) écrit dans {path}")
    return EXIT_OK


@_command("validate")
def _validate(args: argparse.Namespace) -> int:
    from foncier.core.inventory import validate_inventory

    problems = validate_inventory(args.inventory)
    shown = [p for p in problems if p.severity != "info" or args.verbose]
    for p in shown:
        print(str(p))
    errors = sum(p.severity == "error" for p in problems)
    warnings = sum(p.severity == "warning" for p in problems)
    if errors or warnings:
        print(f"\n{args.inventory} : {errors} erreur(s), {warnings} avertissement(s).",
              file=sys.stderr)
        return EXIT_ERROR
    print(f"{args.inventory} : inventaire valide.")
    return EXIT_OK


@_command("sample")
def _sample(args: argparse.Namespace) -> int:
    from foncier.core.brief import read_brief
    from foncier.io.sample import sample_brief_paths, sample_inventory_path

    print(f"Inventaire d'exemple : {sample_inventory_path()}")
    print("Cahiers des charges d'exemple :")
    for p in sample_brief_paths():
        print(f"  {p}  — {read_brief(p).name}")
    first = sample_brief_paths()[0] if sample_brief_paths() else "BRIEF.toml"
    print(f"\nEssayez : foncier match --project {first}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``foncier`` command."""
    parser = argparse.ArgumentParser(
        prog="foncier",
        description="Inventaire de terrains d'activité et recherche de terrains pour un "
                    "investisseur industriel.")
    parser.add_argument("--version", action="version", version=f"foncier {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE")

    p = sub.add_parser("match", help="classer les terrains d'un inventaire pour un projet")
    p.add_argument("--project", required=True, metavar="BRIEF.toml",
                   help="cahier des charges de l'investisseur (TOML)")
    p.add_argument("--inventory", metavar="INVENTAIRE",
                   help="GeoPackage ou URL postgresql:// (par défaut : l'exemple normand)")
    p.add_argument("--out", metavar="FICHIER",
                   help="écrire le tableau complet (.csv, .xlsx, .gpkg ou .geojson)")
    p.add_argument("--limit", type=int, default=20, metavar="N",
                   help="nombre de terrains affichés (0 : tous ; 20 par défaut)")

    p = sub.add_parser("validate", help="vérifier un inventaire")
    p.add_argument("inventory", metavar="INVENTAIRE", help="GeoPackage ou URL postgresql://")
    p.add_argument("--verbose", action="store_true", help="afficher aussi les informations")

    sub.add_parser("sample", help="afficher les chemins de l'inventaire et des cahiers "
                                  "des charges d'exemple")
    for module in _EXTENSION_MODULES:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        mod.register(sub)
    return parser


#: Modules that add sub-commands: each has ``register(subparsers)``, and each parser it adds sets
#: ``handler`` (a function of the parsed arguments returning an exit code) with ``set_defaults``.
_EXTENSION_MODULES = ("foncier.cli.batch", "foncier.cli.standards", "foncier.cli.app")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    handler = _COMMANDS.get(args.command) or getattr(args, "handler", None)
    try:
        return handler(args)
    except FoncierError as exc:
        _err(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        _err("interrompu ; aucun fichier partiel n'a été laissé.")
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
