"""``foncier cache info`` (where the cache is, how big) and ``foncier cache clear``.

Registered on the ``foncier`` command by :func:`register`. The cache folder is
``FONCIER_CACHE_DIR`` when set, else the user's cache folder (:mod:`foncier.io.cache`).

Examples
--------
>>> import os, tempfile
>>> from foncier.cli.main import main
>>> os.environ["FONCIER_CACHE_DIR"] = tempfile.mkdtemp()
>>> main(["cache", "info"])                            # doctest: +ELLIPSIS
Cache : ...
  0 entrée, 0 octet (plafond : 2...Go ; les entrées les moins récemment utilisées partent d'abord)
0
>>> main(["cache", "clear"])
Cache vidé : 0 octet libéré.
0
"""

from __future__ import annotations

import argparse

from foncier.cli.options import EXIT_OK

__all__ = ["register"]


def _size(n: int) -> str:
    """A size in French: ``0 octet``, ``512 octets``, ``3,4 Mo``, ``2 Go``."""
    from foncier.wording import fmt_number

    if n < 2:
        return f"{n} octet"
    if n < 1000:
        return f"{n} octets"
    for unit, scale in (("Go", 1000**3), ("Mo", 1000**2), ("ko", 1000)):
        if n >= scale:
            return f"{fmt_number(n / scale, 1)}\u00a0{unit}"
    return f"{n} octets"  # pragma: no cover


def _info(args: argparse.Namespace) -> int:
    from foncier.io.cache import cache_info

    info = cache_info()
    entries = f"{info.entries} entrée" + ("s" if info.entries > 1 else "")
    print(f"Cache : {info.path}")
    print(f"  {entries}, {_size(info.size_bytes)} (plafond : {_size(info.max_bytes)} ; les "
          "entrées les moins récemment utilisées partent d'abord)")
    return EXIT_OK


def _clear(args: argparse.Namespace) -> int:
    from foncier.io.cache import clear_cache

    freed = clear_cache()
    print(f"Cache vidé : {_size(freed)} libéré" + ("s." if freed > 1 else "."))
    return EXIT_OK


def register(subparsers) -> None:
    """Add the ``cache`` sub-command (``info``, ``clear``)."""
    p = subparsers.add_parser("cache", help="où est le cache, quelle taille ; le vider")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("info", help="dossier, nombre d'entrées et taille du cache").set_defaults(
        handler=_info)
    sub.add_parser("clear", help="supprimer toutes les entrées du cache").set_defaults(
        handler=_clear)
