"""The command line's only door to the desktop app (``foncier_gui``, hence Qt).

``foncier gui [INVENTAIRE]`` opens the app; :func:`write_report_pdf` draws the investor report as
a PDF with the app's renderer (``foncier report --out x.pdf``); :func:`write_legal_pdf` writes
the consultation letters and the adopted zone inventories as PDF (``foncier consultation
letters``, ``foncier adopt``). Both import ``foncier_gui`` only
when they run: no other module of ``foncier`` imports it, and importing this one loads no Qt.

Examples
--------
>>> import subprocess, sys
>>> code = ("import sys, foncier.cli.app; "
...         "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'foncier_gui'))))")
>>> subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.split()
['[]']
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path

__all__ = ["register", "write_report_pdf", "write_legal_pdf"]


def write_report_pdf(result, path: str | os.PathLike, *, top: int = 10, sheets: int = 5,
                     profile=None, today: dt.date | None = None) -> Path:
    """Write the one-page investor report as a PDF, drawn by the desktop app (Qt, offscreen).

    Parameters
    ----------
    result : MatchResult
    path : path
        The PDF to write (atomically).
    top : int, default 10
        How many of the best-ranked plots to show.
    sheets : int, default 5
        How many site sheets follow the summary.
    profile : TerritoryProfile, optional
        Who sends the report.
    today : date, optional
        The report's date (today by default).

    Returns
    -------
    Path
        The file written.
    """
    from foncier_gui.pdf import write_investor_pdf  # Qt is loaded here only, never by the library

    return write_investor_pdf(result, path, top=top, sheets=sheets, profile=profile,
                              today=today)


def write_legal_pdf(content: dict, path: str | os.PathLike, *, profile=None) -> Path:
    """Write a legal document (consultation letter, adopted zone inventory) as an A4 PDF.

    Parameters
    ----------
    content : dict
        The document as :mod:`foncier.legal.documents` builds it.
    path : path
        The PDF to write (atomically).
    profile : TerritoryProfile, optional
        The sender, on every page and as the PDF's author.

    Returns
    -------
    Path
        The file written.
    """
    from foncier_gui.legal_pdf import write_legal_pdf as write  # Qt is loaded here only

    return write(content, path, profile=profile)


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
