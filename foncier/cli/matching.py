"""``foncier match``: rank an inventory's plots for one investor brief, as a table on screen.

Registered on the ``foncier`` command by :func:`register`; :func:`format_ranking` is the text
table it prints, followed by :func:`format_near_misses` (« Presque compatibles ») and
:func:`format_funnel`; ``--stability`` adds :func:`format_stability`. ``--out`` files carry the
audit record (:mod:`foncier.analysis.audit`); ``--audit FICHIER.toml`` writes it on its own (for a
CSV).

Examples
--------
>>> import foncier
>>> res = foncier.match(foncier.open_inventory(), foncier.Brief(name="Entrepôt", min_area_ha=3))
>>> text = format_ranking(res, limit=2, width=100)
>>> text.splitlines()[0].startswith("Projet « Entrepôt » — ")
True
>>> text.splitlines()[2].split()[:3], text.splitlines()[-1].startswith("… ")
(['rang', 'terrain', 'zone'], True)
>>> format_funnel(res).splitlines()[0].startswith("Entonnoir")
True
"""

from __future__ import annotations

import argparse
import shutil

from foncier.cli.options import (
    EXIT_OK,
    add_inventory,
    add_out,
    add_project,
    check_out,
    keep_until_exit,
    loading_modules,
    open_inventory,
)

__all__ = ["register", "format_ranking", "format_near_misses", "format_funnel",
           "format_stability"]


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def _rows(rows) -> list[tuple[str, ...]]:
    """One tuple of cells per row: rank, plot, zone, status, score, net area, first reason."""
    from foncier.core.missing import is_missing
    from foncier.wording import STATUS_LABELS, fmt_fixed

    body = []
    reasons = rows["reasons"].to_numpy(dtype=object)
    for r, rea in zip(rows.itertuples(index=False), reasons, strict=True):
        parts = [p for p in str(rea).split(" ; ") if p]
        first = parts[0] if parts else "—"
        if len(parts) > 1:
            first += f" (+{len(parts) - 1})"
        zone = "hors zone" if is_missing(r.site_id) or not str(r.site_id) else str(r.site_id)
        body.append((str(r.rank), str(r.plot_id), zone, STATUS_LABELS[r.status],
                     fmt_fixed(r.score, 1), f"{fmt_fixed(r.net_area_ha, 2)}\u00a0ha", first))
    return body


def _headline(result, table) -> str:
    from foncier.wording import counted, heading

    counts = result.counts
    head = (f"{heading(result.brief.name)} — {counted(len(result.status), 'terrain')} : "
            f"{counted(counts['match'], 'compatible')}, "
            f"{counted(counts['to_check'], 'à vérifier')}, "
            f"{counted(counts['no_match'], 'incompatible')}")
    if "assembly" in table.columns:
        assemblies = int((table["assembly"] != "").sum())
        head += f" ; {counted(assemblies, 'assemblage')} de terrains voisins"
    return head


def format_ranking(result, *, table=None, limit: int | None = 20, width: int | None = None
                   ) -> str:
    """The ranked table as text: rank, plot, zone, status, score, net area, first reason.

    Parameters
    ----------
    result : MatchResult
    table : DataFrame, optional
        Defaults to the rows shown, built alone (pass the table with assemblies to show them).
    limit : int or None, default 20
        Rows shown (None: all).
    width : int, optional
        Line width; defaults to the terminal's. The reason column is cut to fit.
    """
    from foncier.wording import fmt_number

    width = width or shutil.get_terminal_size((120, 24)).columns
    if table is None:      # without assemblies, only the rows shown are built
        table = result.table if limit is None else result.head(limit, geometry=False)
    total = len(result.status) if "assembly" not in table.columns else len(table)
    body = _rows(table if limit is None else table.head(limit))
    header = ("rang", "terrain", "zone", "statut", "score", "surf. nette", "motif")
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

    lines = [_headline(result, table), "", line(header), line(["-" * w for w in widths])]
    lines += [line(b) for b in body]
    if limit is not None and total > limit:
        rest = total - limit
        others = "autres terrains" if rest > 1 else "autre terrain"
        lines.append(f"… {fmt_number(rest, 0)} {others} (--limit N, ou --out FICHIER pour le "
                     "tableau complet)")
    return "\n".join(lines)



def format_near_misses(result, *, limit: int | None = 10) -> str:
    """« Presque compatibles » : the near misses, each with its single relaxation in French."""
    from foncier.analysis.decision import near_misses
    from foncier.wording import counted, fmt_number

    nm = near_misses(result)
    if not len(nm):
        return "Presque compatibles : aucun terrain n'échoue sur un seul critère."
    verb = "n'échouent" if len(nm) > 1 else "n'échoue"
    lines = [f"Presque compatibles ({counted(len(nm), 'terrain')} {verb} que sur un critère) :"]
    shown = nm if limit is None else nm.head(limit)
    for r in shown.itertuples(index=False):
        lines.append(f"  {fmt_number(r.rank, 0):>5}  {r.plot_id}  "
                     f"(score {fmt_number(r.score, 1)}) : "
                     f"{r.sentence}")
    if limit is not None and len(nm) > limit:
        rest = len(nm) - limit
        lines.append(f"  … {fmt_number(rest, 0)} {'autres' if rest > 1 else 'autre'}")
    return "\n".join(lines)


def format_funnel(result) -> str:
    """The funnel: per asked criterion, the plots it fails and those it alone eliminates."""
    from foncier.analysis.decision import funnel
    from foncier.wording import fmt_number

    f = funnel(result)
    lines = ["Entonnoir (terrains écartés par critère, du plus sélectif au moins sélectif) :"]
    width = max([len(x) for x in f["label"]] + [7])
    lines.append(f"  {'critère'.ljust(width)}  {'échecs':>7}  {'seul échec':>10}  "
                 f"{'inconnus':>8}")
    for r in f.itertuples(index=False):
        lines.append(f"  {r.label.ljust(width)}  {fmt_number(r.fails, 0):>7}  "
                     f"{fmt_number(r.only_fail, 0):>10}  {fmt_number(r.unknown, 0):>8}")
    return "\n".join(lines)


def format_stability(result, *, top: int = 10) -> str:
    """Weight stability of the best plots, in French (the first three's, then each plot's)."""
    from foncier.analysis.stability import stability_sentence, weight_stability

    st = weight_stability(result, top=top)
    if not len(st):
        return "Stabilité du classement : aucun poids en jeu ou aucun terrain classé."
    lines = ["Stabilité du classement (les autres poids fixés) :", "  Trio de tête :"]
    first = st.drop_duplicates("weight")
    for r in first.itertuples(index=False):
        lines.append("    " + stability_sentence(r.weight, r.top3_low, r.top3_high,
                                                   current=r.current))
    for plot_id, rows in st.groupby("plot_id", sort=False):
        lines.append(f"  {plot_id} (rang {int(rows['rank'].iloc[0])}) :")
        lines += ["    " + stability_sentence(r.weight, r.low, r.high, current=r.current)
                  for r in rows.itertuples(index=False)]
    return "\n".join(lines)


def _match(args: argparse.Namespace) -> int:
    from pathlib import Path

    from foncier.io.threads import prefer_arrow_pool

    prefer_arrow_pool()         # before anything loads Arrow
    with loading_modules():
        from foncier.core.brief import read_brief
        from foncier.core.matching import match
        from foncier.io.results import check_suffix, write_results, write_table

    check_out(args.out, args.inventory, args.project)
    brief = read_brief(args.project)
    suffix = check_suffix(Path(args.out)) if args.out else None
    result = match(open_inventory(args.inventory), brief)
    limit = None if args.limit == 0 else args.limit
    # The whole table only when written or assembled; a CSV without assemblies is written a
    # block of rows at a time (write_results) and needs none.
    streamed = suffix == ".csv" and not brief.allow_assembly
    table = None
    if (args.out and not streamed) or brief.allow_assembly:
        table = result.table
    if brief.allow_assembly:
        from foncier.analysis.assembly import assemble

        table = assemble(result)
    print(format_ranking(result, table=table, limit=limit))
    print("\n" + format_near_misses(result))
    print("\n" + format_funnel(result))
    if args.stability:
        print("\n" + format_stability(result))
    record = None
    if args.out or args.audit:
        from foncier.analysis.audit import audit_record, write_audit

        record = audit_record(result)
    if args.out:
        if streamed:
            path, rows = write_results(result, args.out), len(result.status)
        else:
            path, rows = write_table(table, args.out, audit=record), len(table)
        print(f"\nTableau complet ({rows} lignes) écrit dans {path}")
    if args.audit:
        print(f"Traçabilité (version, inventaire, projet, poids) écrite dans "
              f"{write_audit(record, args.audit)}")
    keep_until_exit(result, table)
    return EXIT_OK


def register(subparsers) -> None:
    """Add the ``match`` sub-command."""
    p = subparsers.add_parser("match", help="classer les terrains d'un inventaire pour un projet")
    add_project(p)
    add_inventory(p)
    add_out(p, help="écrire le tableau complet (.csv, .xlsx, .gpkg ou .geojson)")
    p.add_argument("--limit", type=int, default=20, metavar="N",
                   help="nombre de terrains affichés (0 : tous ; 20 par défaut)")
    p.add_argument("--stability", action="store_true",
                   help="afficher la stabilité du classement des meilleurs terrains quand un "
                        "poids varie")
    p.add_argument("--audit", metavar="FICHIER.toml",
                   help="écrire la traçabilité (version de foncier, date, inventaire et son "
                        "empreinte, cahier des charges, poids) dans un fichier TOML, p. ex. à "
                        "côté d'un CSV")
    p.set_defaults(handler=_match)
