"""What every ``foncier`` sub-command shares: exit codes, the common options, error printing.

The common options (``--inventory``, ``--project``, ``--out``) are added by the functions below so
that every command spells and explains them the same way. The library speaks of its own parameter
names in its messages (``crs=``, ``force=True``); :func:`to_flags` rewrites them into the flags of
the command that ran, so that a user reads ``--crs``, not ``crs=``.

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser(prog="foncier demo")
>>> add_inventory(parser)
>>> add_out(parser, help="fichier .csv")
>>> parser.add_argument("--force", action="store_true")  # doctest: +ELLIPSIS
_StoreTrueAction(...)
>>> parser.parse_args(["--out", "r.csv"]).inventory is None     # None: the bundled sample
True
>>> flags = flag_names(parser)
>>> flags["out"], flags["force"]
('--out', '--force')
>>> to_flags("r.txt : format inconnu ; relancez avec force=True ou out=r.csv.", flags)
'r.txt : format inconnu ; relancez avec --force ou --out r.csv.'
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
import warnings

__all__ = ["EXIT_OK", "EXIT_ERROR", "EXIT_USAGE", "INVENTORY_HELP", "add_command", "add_inventory",
           "add_project", "add_out", "open_inventory", "print_error", "flag_names", "to_flags",
           "check_out", "keep_until_exit", "loading_modules"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
#: Exit code after Ctrl-C (128 + SIGINT), as shells do.
EXIT_INTERRUPTED = 130

INVENTORY_HELP = "GeoPackage ou URL postgresql:// (par défaut : l'exemple normand)"


def add_command(subparsers, name: str, handler, *, help: str,
                description: str | None = None) -> argparse.ArgumentParser:
    """Add the sub-command ``name``, run by ``handler(args) -> int``, and return its parser.

    Parameters
    ----------
    subparsers
        What ``ArgumentParser.add_subparsers`` returned.
    name : str
        The sub-command, as typed (``import-cnig``).
    handler : callable
        Called with the parsed arguments; returns the exit code.
    help, description : str
        The one-line help of the command list, and the longer text of the command's own help.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="foncier")
    >>> p = add_command(parser.add_subparsers(), "demo", lambda args: 0, help="démonstration")
    >>> parser.parse_args(["demo"]).handler(None)
    0
    """
    parser = subparsers.add_parser(name, help=help, description=description)
    parser.set_defaults(handler=handler)
    return parser


def add_inventory(parser: argparse.ArgumentParser, *, positional: bool = False,
                  optional: bool = True) -> None:
    """Add the inventory to read: ``--inventory INVENTAIRE``, or a positional ``INVENTAIRE``.

    Parameters
    ----------
    parser : ArgumentParser
    positional : bool, default False
        A positional argument (``foncier validate INVENTAIRE``) rather than an option.
    optional : bool, default True
        Whether it may be left out (then the command uses the bundled sample).
    """
    if positional:
        parser.add_argument("inventory", nargs="?" if optional else None, metavar="INVENTAIRE",
                            help=INVENTORY_HELP if optional
                            else "GeoPackage ou URL postgresql://")
    else:
        parser.add_argument("--inventory", metavar="INVENTAIRE", required=not optional,
                            help=INVENTORY_HELP)


def add_project(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """Add ``--project BRIEF.toml``, the investor's brief."""
    parser.add_argument("--project", required=required, metavar="BRIEF.toml",
                        help="cahier des charges de l'investisseur (TOML)")


def add_out(parser: argparse.ArgumentParser, *, required: bool = False,
            help: str = "fichier à écrire", metavar: str = "FICHIER") -> None:
    """Add ``--out FICHIER``, where the command writes its result."""
    parser.add_argument("--out", required=required, metavar=metavar, help=help)


def check_out(out: str | None, *inputs, flag: str = "--out"):
    """The output path of ``flag`` checked: not empty, and none of the command's inputs.

    Returns None when the option was not given, else the path (a ``postgresql://`` URL is
    returned as it is). Raises :class:`~foncier.errors.OutputError` for an empty value or an
    output that is one of ``inputs`` (the same file, hard links included).

    Examples
    --------
    >>> check_out(None, "inv.gpkg") is None, check_out("r.csv", "inv.gpkg").name
    (True, 'r.csv')
    >>> from foncier.errors import OutputError
    >>> for bad in ("", "inv.gpkg"):
    ...     try:
    ...         check_out(bad, "inv.gpkg", None)
    ...     except OutputError as exc:
    ...         print(str(exc)[:59])
    --out vide : donnez le nom du fichier à écrire.
    inv.gpkg : la sortie (--out) est aussi un des fichiers lus
    """
    from pathlib import Path

    from foncier.errors import OutputError
    from foncier.io.atomic import check_not_input

    if out is None:
        return None
    if str(out).strip() == "":
        raise OutputError(f"{flag} vide : donnez le nom du fichier à écrire.")
    flat = []
    for item in inputs:
        flat.extend(item if isinstance(item, list | tuple) else [item])
    check_not_input(out, flat, what=f"la sortie ({flag})")
    return out if str(out).startswith(("postgresql://", "postgres://")) else Path(out)


#: Set by :func:`foncier.cli.main.run`, whose process ends with ``os._exit`` after the command.
ENDING_AT_ONCE = False
_KEPT: list = []


def keep_until_exit(*objects) -> None:
    """Keep a command's large results alive until its process ends at once.

    Freeing the objects of a 1,000,000-plot match one by one takes 1.4 s when the command's
    function returns; a process that then ends with ``os._exit`` (:func:`foncier.cli.main.run`)
    need not free them. When the command runs from :func:`~foncier.cli.main.main` (tests,
    scripts), nothing is kept.
    """
    if ENDING_AT_ONCE:
        _KEPT.extend(objects)


def open_inventory(arg: str | None):
    """Open the inventory an ``INVENTAIRE`` argument names (None: the bundled sample)."""
    from foncier.core.inventory import open_inventory as open_

    return open_(arg)


def print_error(message: str) -> None:
    """Print a user error on stderr, the way every command does."""
    print(f"foncier : erreur : {message}", file=sys.stderr)


def print_warning(message: str) -> None:
    """Print a warning on stderr, the way every command does (no file, no line of code)."""
    print(f"foncier : avertissement : {message}", file=sys.stderr)


@contextlib.contextmanager
def plain_warnings(flags: dict[str, str] | None = None):
    """Within the block, foncier's warnings print as one French line each, without Python's
    file and line; other warnings keep Python's own display.

    Examples
    --------
    >>> import warnings, contextlib, io
    >>> from foncier.errors import FoncierWarning
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err), plain_warnings():
    ...     warnings.warn("géométrie réparée.", FoncierWarning)
    >>> print(err.getvalue().strip())
    foncier : avertissement : géométrie réparée.
    """
    from foncier.errors import FoncierWarning

    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, FoncierWarning):
            print_warning(to_flags(str(message), flags or {}))
        else:
            shown(message, category, filename, lineno, file, line)

    with warnings.catch_warnings():
        warnings.simplefilter("default", FoncierWarning)
        warnings.showwarning = show
        try:
            yield
        finally:
            warnings.showwarning = shown


def flag_names(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Each argument's destination (the library's parameter name) -> how the user types it.

    Options map to their long flag (``--out``); positionals to their metavar (``INVENTAIRE``).
    """
    out = {}
    for action in parser._actions:  # argparse has no public listing of a parser's arguments
        if action.dest in (argparse.SUPPRESS, "help"):
            continue
        if action.option_strings:
            longs = [o for o in action.option_strings if o.startswith("--")]
            out[action.dest] = (longs or action.option_strings)[0]
        else:
            out[action.dest] = action.metavar if isinstance(action.metavar, str) \
                else action.dest.upper()
    return out


QUOTES = "\"'"
_PARAMETER = re.compile(r"(?<![\w.-])(?P<name>[a-z_][a-z0-9_]*)=(?P<value>[^\s,;)»]*)")


def to_flags(message: str, flags: dict[str, str]) -> str:
    """Rewrite the library's ``name=value`` mentions of the command's arguments as its flags.

    ``name=True`` becomes the bare flag, ``name=False`` "sans" the flag, ``name=value`` becomes
    ``flag value``; names the command has no argument for are left as they are.

    Examples
    --------
    >>> to_flags("déjà présent : force=False ; crs='EPSG:4326' ; sep=;", {"force": "--force",
    ...                                                                 "crs": "--crs"})
    'déjà présent : sans --force ; --crs EPSG:4326 ; sep=;'
    """
    def one(m: re.Match) -> str:
        flag = flags.get(m["name"])
        if flag is None:
            return m[0]
        value = m["value"].rstrip(".`")
        tail = m["value"][len(value):]
        if value in ("", "True"):
            return flag + tail
        if value == "False":
            return f"sans {flag}{tail}"
        return f"{flag} {value.strip(QUOTES)}{tail}"

    return _PARAMETER.sub(one, message)


@contextlib.contextmanager
def loading_modules():
    """Load a command's modules with the cyclic garbage collector paused; in a process that
    ends as soon as its command is done (:data:`ENDING_AT_ONCE`), freeze them after.

    Importing pandas, NumPy and Arrow makes some 200,000 objects that live as long as the
    process, and each full collection while they load scans them all again: the imports of
    ``foncier match`` took 0.295 s with the collector paused, 0.33 s without (medians of 6).
    Frozen (:func:`gc.freeze`), they are skipped by the collections that follow: the warm
    command 0.825 s against 0.86 s paused only (medians of 16). A command run from
    :func:`~foncier.cli.main.main` (tests, scripts) freezes nothing, as a freeze lasts as long
    as the process. The collector is as it was after the block.

    Examples
    --------
    >>> import gc
    >>> with loading_modules():
    ...     import json
    >>> gc.isenabled()
    True
    """
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if ENDING_AT_ONCE:
            gc.freeze()
        if enabled:
            gc.enable()
