"""Sub-commands for analysts: ``foncier batch`` (many briefs, many inventories) and
``foncier report`` (the one-page investor report as HTML or PDF).

Registered on the ``foncier`` command by :func:`register`. The PDF report is drawn by the desktop
app; this module reaches it only through :func:`foncier.cli.app.write_report_pdf`.

Examples
--------
>>> import io
>>> bar = TerminalProgress(io.StringIO())
>>> bar.start("Écriture")
>>> bar(2, 2, "Synthèse")
>>> bar.stream.getvalue().startswith("Écriture : 2/2 en ")
True
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from foncier.cli.options import (
    add_command,
    add_inventory,
    add_out,
    add_project,
    keep_until_exit,
)

__all__ = ["register", "TerminalProgress"]


class TerminalProgress:
    """A plain-text progress bar on a stream (stderr by default).

    On a terminal the bar is redrawn in place (at most ten times a second); elsewhere (a log
    file, a pipe) only each phase's final line is written.
    """

    def __init__(self, stream: TextIO | None = None, *, width: int = 30):
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.phase = ""
        self._start = time.perf_counter()
        self._last = 0.0

    def start(self, phase: str) -> None:
        self.phase = phase
        self._start = time.perf_counter()
        self._last = 0.0

    def __call__(self, done: int, total: int, what: str = "") -> None:
        now = time.perf_counter()
        final = done >= total
        if self.tty and (final or now - self._last >= 0.1):
            self._last = now
            filled = int(self.width * done / max(total, 1))
            bar = "#" * filled + "." * (self.width - filled)
            label = what if len(what) <= 40 else what[:39] + "…"
            self.stream.write(f"\r{self.phase} [{bar}] {done}/{total} {label}".ljust(100)[:100])
            self.stream.flush()
        if final:
            elapsed = f"{now - self._start:.1f}".replace(".", ",")
            line = f"{self.phase} : {done}/{total} en {elapsed} s"
            self.stream.write(("\r" + line.ljust(100) if self.tty else line) + "\n")
            self.stream.flush()


def _open_inventories(sources: list[str] | None):
    from foncier.core.inventory import open_inventory
    from foncier.errors import InventoryError

    if not sources:
        return [open_inventory()]
    out, problems = [], []
    for src in sources:
        try:
            out.append(open_inventory(src))
        except InventoryError as exc:
            problems.append(str(exc))
    if problems:
        raise InventoryError("\n".join(problems))
    return out


def _check_target(out: str) -> Path:
    from foncier.errors import OutputError

    path = Path(out)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{path}: dossier introuvable : {parent}. Créez-le ou choisissez un "
                          "autre chemin.")
    from foncier.io.atomic import atomic_path

    atomic_path(path)               # a read-only folder is said now, not after the whole run
    return path


def _batch(args: argparse.Namespace) -> int:
    from foncier.analysis.batch import (
        check_batch_suffix,
        read_briefs,
        run_batch,
        run_batch_to_file,
        write_batch,
    )
    from foncier.cli.options import check_out
    from foncier.wording import counted

    check_out(args.out, args.inventory or [], args.briefs)
    path = _check_target(args.out)
    suffix = check_batch_suffix(path)
    if args.max_rows < 0:
        from foncier.errors import OutputError

        raise OutputError(f"--max-rows {args.max_rows} : un nombre positif (ou 0 pour tout) est "
                          "attendu.")
    briefs = read_briefs(args.briefs)
    inventories = _open_inventories(args.inventory)
    bar = TerminalProgress()
    n_plots = sum(len(inv.attributes("plots")) for inv in inventories)
    size = f"{counted(len(briefs), 'projet')} × {counted(n_plots, 'terrain')}"
    if suffix == ".xlsx":       # each brief's sheets written while the next brief is matched
        bar.start(f"Correspondance et écriture de {path.name} ({size})")
        batch = run_batch_to_file(inventories, briefs, path, max_rows=args.max_rows,
                                  progress=bar)
        written = path
    else:
        bar.start(f"Correspondance ({size})")
        batch = run_batch(inventories, briefs, max_rows=args.max_rows, progress=bar)
        bar.start(f"Écriture de {path.name}")
        written = write_batch(batch, path, progress=bar)
    for o in batch.outcomes:
        c = o.counts
        extra = f", {counted(o.n_assemblies, 'assemblage')}" if o.brief.allow_assembly else ""
        print(f"{o.brief.name} : {counted(c['match'], 'compatible')}, "
              f"{counted(c['to_check'], 'à vérifier')}, "
              f"{counted(c['no_match'], 'incompatible')}{extra}")
    print(f"\n{counted(len(batch.outcomes), 'projet')} × {counted(n_plots, 'terrain')} écrits "
          f"dans {written}")
    keep_until_exit(batch, inventories)
    return 0


def _report(args: argparse.Namespace) -> int:
    from foncier.cli.options import check_out
    from foncier.core.brief import read_brief
    from foncier.core.inventory import open_inventory
    from foncier.core.matching import match
    from foncier.errors import OutputError
    from foncier.report.html import write_report_html

    check_out(args.out, args.inventory, args.project)
    path = _check_target(args.out)
    suffix = path.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise OutputError(f"{path}: format de rapport inconnu « {path.suffix or '(aucun)'} » : "
                          "choisissez .pdf ou .html.")
    if args.top < 1:
        raise OutputError(f"--top {args.top} : au moins 1 terrain est attendu.")
    if args.sheets < 0:
        raise OutputError(f"--sheets {args.sheets} : un nombre positif (ou 0) est attendu.")
    from foncier.report.profile import read_profile

    profile = read_profile(args.profile) if args.profile else None
    brief = read_brief(args.project)
    result = match(open_inventory(args.inventory), brief)
    options = {"top": args.top, "sheets": args.sheets, "profile": profile}
    if suffix == ".pdf":
        from foncier.cli.app import write_report_pdf  # the app's Qt renderer, loaded lazily

        written = write_report_pdf(result, path, **options)
    else:
        written = write_report_html(result, path, **options)
    print(f"Rapport « {brief.name} » écrit dans {written}")
    return 0


def register(subparsers) -> None:
    """Add ``batch`` and ``report`` to the ``foncier`` command's sub-parsers."""
    p = add_command(
        subparsers, "batch", _batch,
        help="confronter plusieurs cahiers des charges à un ou plusieurs inventaires",
        description="Classe les terrains de chaque inventaire pour chaque projet et écrit un "
                    "classeur Excel (.xlsx : synthèse, une feuille par projet, matrice terrains x "
                    "projets) ou un GeoPackage (.gpkg : une couche par projet, stylée pour "
                    "QGIS).")
    p.add_argument("--inventory", action="append", metavar="INVENTAIRE",
                   help="GeoPackage ou URL postgresql:// ; répétez l'option pour plusieurs "
                        "inventaires (par défaut : l'exemple normand)")
    p.add_argument("--briefs", nargs="+", required=True, metavar="BRIEF",
                   help="cahiers des charges (.toml) ou dossiers qui en contiennent")
    add_out(p, required=True, help="fichier .xlsx ou .gpkg")
    p.add_argument("--max-rows", type=int, default=2000, metavar="N",
                   help="lignes par projet dans sa feuille et sa couche (2000 par défaut ; 0 : "
                        "tous les terrains) ; la matrice garde toujours tous les terrains")

    p = add_command(subparsers, "report", _report,
                    help="écrire le rapport d'une page pour l'investisseur (PDF ou HTML)")
    add_project(p)
    add_inventory(p)
    add_out(p, required=True, metavar="RAPPORT", help="fichier .pdf ou .html")
    p.add_argument("--top", type=int, default=10, metavar="N",
                   help="nombre de terrains présentés (10 par défaut)")
    p.add_argument("--sheets", type=int, default=5, metavar="N",
                   help="nombre de fiches détaillées, une par terrain proposé (5 par défaut)")
    p.add_argument("--profile", metavar="PROFIL.toml",
                   help="profil du territoire (organisme, contact, logo) montré sur chaque page")
