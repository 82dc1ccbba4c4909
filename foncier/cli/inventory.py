"""``foncier validate`` (check an inventory) and ``foncier sample`` (where the examples are).

Registered on the ``foncier`` command by :func:`register`.

Examples
--------
>>> from foncier.cli.main import main
>>> main(["sample"])                                   # doctest: +ELLIPSIS
Inventaire d'exemple : ...normandie.gpkg
Cahiers des charges d'exemple :
...
Essayez : foncier match --project ...
0
"""

from __future__ import annotations

import argparse
import sys

from foncier.cli.options import EXIT_ERROR, EXIT_OK, add_inventory

__all__ = ["register"]


def _validate(args: argparse.Namespace) -> int:
    from foncier.core.inventory import validate_inventory

    problems = validate_inventory(args.inventory)
    for p in problems:
        if p.severity != "info" or args.verbose:
            print(str(p))
    errors = sum(p.severity == "error" for p in problems)
    warnings = sum(p.severity == "warning" for p in problems)
    if errors or warnings:
        print(f"\n{args.inventory} : {errors} erreur(s), {warnings} avertissement(s).",
              file=sys.stderr)
        return EXIT_ERROR
    print(f"{args.inventory} : inventaire valide.")
    return EXIT_OK


def _sample(args: argparse.Namespace) -> int:
    from foncier.core.brief import read_brief
    from foncier.io.sample import sample_brief_paths, sample_inventory_path

    briefs = sample_brief_paths()
    print(f"Inventaire d'exemple : {sample_inventory_path()}")
    print("Cahiers des charges d'exemple :")
    for p in briefs:
        print(f"  {p}  — {read_brief(p).name}")
    print(f"\nEssayez : foncier match --project {briefs[0] if briefs else 'BRIEF.toml'}")
    return EXIT_OK


def register(subparsers) -> None:
    """Add the ``validate`` and ``sample`` sub-commands."""
    p = subparsers.add_parser("validate", help="vérifier un inventaire")
    add_inventory(p, positional=True, optional=False)
    p.add_argument("--verbose", action="store_true", help="afficher aussi les informations")
    p.set_defaults(handler=_validate)

    p = subparsers.add_parser("sample", help="afficher les chemins de l'inventaire et des "
                                             "cahiers des charges d'exemple")
    p.set_defaults(handler=_sample)
