"""``foncier gui [INVENTAIRE]``: open the desktop app (Qt is imported only when it runs)."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def _gui(args: argparse.Namespace) -> int:
    from foncier_gui.app import run  # PySide6 is imported here only, never by the library

    return run(args.inventory, args.project)


def register(subparsers) -> None:
    """Add the ``gui`` sub-command."""
    p = subparsers.add_parser("gui", help="ouvrir l'application de bureau (carte et résultats)")
    p.add_argument("inventory", nargs="?", metavar="INVENTAIRE",
                   help="GeoPackage ou URL postgresql:// (par défaut : l'exemple normand)")
    p.add_argument("--project", metavar="BRIEF.toml", help="cahier des charges à ouvrir")
    p.set_defaults(handler=_gui)
