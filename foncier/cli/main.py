"""The ``foncier`` command line: the one dispatcher.

Every sub-command lives in a module of its family (``foncier.cli.matching``: ``match``;
``foncier.cli.inventory``: ``validate``, ``sample``; ``foncier.cli.batch``, ``.standards``,
``.app``), which adds it with ``register(subparsers)``; each parser it adds sets ``handler`` (a
function of the parsed arguments returning an exit code) with ``set_defaults``. The options the
commands share are in :mod:`foncier.cli.options`.

User errors (a bad brief, a bad inventory, an unwritable output) print a French message on stderr
and exit with code 1, without a traceback; the library's parameter names in that message are
written as the command's flags. Usage errors exit with code 2.

Examples
--------
>>> args = build_parser().parse_args(["match", "--project", "b.toml"])
>>> args.handler.__module__, args.flags["project"], args.limit
('foncier.cli.matching', '--project', 20)
>>> main(["match", "--project", "nowhere.toml"])  # the French message goes to stderr
1
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from foncier.cli.options import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    flag_names,
    plain_warnings,
    print_error,
    to_flags,
)
from foncier.errors import FoncierError
from foncier.french_argparse import FrenchParser

__all__ = ["main", "build_parser", "COMMAND_MODULES"]

#: Modules that add sub-commands, in the order of ``foncier --help``; each has
#: ``register(subparsers)``. A module missing from the installation is skipped.
COMMAND_MODULES = ("foncier.cli.matching", "foncier.cli.inventory", "foncier.cli.batch",
                   "foncier.cli.standards", "foncier.cli.gaps", "foncier.cli.legal",
                   "foncier.cli.cache", "foncier.cli.app")
#: Set to ``1`` by ``--no-cache`` (or by the user) to bypass the on-disk cache.
NO_CACHE_ENV = "FONCIER_NO_CACHE"


class _Version(argparse.Action):
    """``--version``: the installed version, looked up only when asked (reading the package's
    metadata costs a command 0.03 s)."""

    def __call__(self, parser, namespace, values, option_string=None):
        from foncier import __version__

        print(f"foncier {__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``foncier`` command, with every registered sub-command."""
    parser = FrenchParser(
        prog="foncier",
        description="Inventaire de terrains d'activité et recherche de terrains pour un "
                    "investisseur industriel.")
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="afficher la version de foncier et quitter")
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE")
    for module in COMMAND_MODULES:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        mod.register(sub)
    for command in sub.choices.values():
        if _store_args(command):
            command.set_defaults(store_args=_store_args(command))
            command.add_argument("--schema", metavar="SCHÉMA",
                                 help="schéma de la base PostGIS qui porte l'inventaire (par "
                                      "défaut : le premier du search_path de l'URL, sinon public)")
        if "inventory" in _store_args(command):
            command.add_argument("--no-cache", action="store_true",
                                 help="ne pas lire ni remplir le cache de l'inventaire "
                                      "(voir « foncier cache info ») ; comme "
                                      "FONCIER_NO_CACHE=1")
        command.set_defaults(flags=flag_names(command))
    return parser


def _store_args(parser: argparse.ArgumentParser) -> list[str]:
    """The arguments of a command that name an inventory (a GeoPackage or a database URL)."""
    return [a.dest for a in parser._actions
            if a.dest in ("inventory", "out", "into") and a.metavar == "INVENTAIRE"]


def _apply_schema(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """``--schema`` goes into every ``postgresql://`` URL of the command's inventories."""
    from foncier.io.postgis import with_schema

    found = False
    for dest in args.store_args:
        value = getattr(args, dest)
        values = value if isinstance(value, list) else [value]
        urls = [with_schema(v, args.schema) if isinstance(v, str)
                and v.startswith(("postgresql://", "postgres://")) else v for v in values]
        found = found or urls != values
        setattr(args, dest, urls if isinstance(value, list) else urls[0])
    if not found:
        parser.error("--schema ne vaut que pour un inventaire en base PostGIS "
                     "(URL postgresql://...)")


@contextlib.contextmanager
def _no_cache(active: bool):
    """``--no-cache``: ``FONCIER_NO_CACHE=1`` while the command runs (what ``open_inventory``
    consults when it is not told ``cache=``), restored afterwards."""
    if not active:
        yield
        return
    before = os.environ.get(NO_CACHE_ENV)
    os.environ[NO_CACHE_ENV] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(NO_CACHE_ENV, None)
        else:
            os.environ[NO_CACHE_ENV] = before


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)  # usage errors exit here with code 2, as argparse does
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    if getattr(args, "schema", None):
        _apply_schema(parser, args)
    try:
        with _no_cache(getattr(args, "no_cache", False)), plain_warnings(args.flags):
            try:
                return args.handler(args)
            finally:
                _wait_for_cache_writes()
    except FoncierError as exc:
        print_error(to_flags(str(exc), args.flags))
        return EXIT_ERROR
    except KeyboardInterrupt:
        print_error("interrompu ; aucun fichier partiel n'a été laissé.")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK


def _wait_for_cache_writes() -> None:
    """Wait for the cache entries the command gave the cache's writer thread, so that the
    warnings of their writes (an unwritable cache folder) print as the command's own French
    lines, not as Python's warnings at the interpreter's exit."""
    cache = sys.modules.get("foncier.io.cache")
    if cache is not None:
        cache.wait_for_writes()


def run() -> NoReturn:
    """The ``foncier`` command: :func:`main`, then the process ends at once.

    An interpreter frees its objects one by one when it shuts down: 0.3 s after matching
    100,000 plots, seconds after 1,000,000, when the command's outputs are long written and
    closed (the commands hand their largest results to
    :func:`~foncier.cli.options.keep_until_exit`). So once :func:`main` has returned, the exit
    handlers run (the cache's writer thread is waited for, logs are flushed), the standard
    streams are flushed, and the process ends with :func:`os._exit`. With Qt loaded (the app,
    a PDF) the interpreter ends the usual way.
    """
    from foncier.cli import options

    options.ENDING_AT_ONCE = True
    code = main()
    if any(name.startswith("PySide6") for name in sys.modules):
        sys.exit(code)
    try:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):   # a closed pipe or stream: nothing left to say
        pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
