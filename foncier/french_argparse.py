"""The command line's parser in French: usage line, section titles, help flag and usage errors.

:mod:`argparse` writes its own words in English (``usage:``, ``options:``, ``show this help
message and exit``, ``error: the following arguments are required``) and Python ships no
translation of them. :class:`FrenchParser` writes them in French; its sub-commands' parsers are
made of the same class. A usage error still ends the process with code 2, as argparse does, after
the usage line.

Examples
--------
>>> import contextlib, io
>>> parser = FrenchParser(prog="foncier demo")
>>> _ = parser.add_argument("--limit", type=int, required=True)
>>> print(parser.format_usage().strip())
utilisation : foncier demo [-h] --limit LIMIT
>>> err = io.StringIO()
>>> with contextlib.redirect_stderr(err):
...     try:
...         parser.parse_args(["--limit", "x"])
...     except SystemExit as exc:
...         print(exc.code)
2
>>> print(err.getvalue().splitlines()[-1])
foncier demo : erreur : argument --limit : valeur invalide 'x' (un nombre entier est attendu).
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

__all__ = ["FrenchParser", "FrenchHelpFormatter", "french_message"]

HELP = "afficher cette aide et quitter"


class FrenchHelpFormatter(argparse.HelpFormatter):
    """argparse's help layout, with a French usage prefix and a space before the colon of
    each section's title (« options : »)."""

    def add_usage(self, usage, actions, groups, prefix=None) -> None:
        super().add_usage(usage, actions, groups,
                          prefix="utilisation : " if prefix is None else prefix)

    def start_section(self, heading) -> None:
        super().start_section(f"{heading} " if heading else heading)


class FrenchParser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose own words are French.

    The sections are « arguments » and « options », ``-h`` / ``--help`` says « afficher cette
    aide et quitter », and usage errors read ``PROG : erreur : MESSAGE`` with argparse's
    message in French (:func:`french_message`).
    """

    def __init__(self, *args, add_help: bool = True, **kwargs) -> None:
        kwargs.setdefault("formatter_class", FrenchHelpFormatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        if add_help:
            prefix = "-" if "-" in self.prefix_chars else self.prefix_chars[0]
            self.add_argument(prefix + "h", prefix * 2 + "help", action="help",
                              default=argparse.SUPPRESS, help=HELP)

    def error(self, message: str) -> NoReturn:
        """Print the usage and the French message on stderr, then exit with code 2."""
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {french_message(message)}\n")


def _plural(items: str, one: str, many: str) -> str:
    return (many if "," in items or " " in items.strip() else one) + " : " + items


#: argparse's inner messages (after ``argument X: ``), English pattern -> French.
_INNER = [
    (r"invalid int value: (.+)", r"valeur invalide \1 (un nombre entier est attendu)"),
    (r"invalid float value: (.+)", r"valeur invalide \1 (un nombre est attendu)"),
    (r"invalid \S+ value: (.+)", r"valeur invalide \1"),
    (r"invalid choice: (.+?) \(choose from (.+)\)", r"choix invalide \1 (possibles : \2)"),
    (r"expected one argument", "une valeur est attendue"),
    (r"expected at least one argument", "au moins une valeur est attendue"),
    (r"expected at most one argument", "une valeur au plus est attendue"),
    (r"expected (\d+) arguments?", r"\1 valeurs sont attendues"),
    (r"ignored explicit argument (.+)", r"valeur inattendue \1"),
    (r"not allowed with argument (.+)", r"incompatible avec l'argument \1"),
]


def french_message(message: str) -> str:
    """One of argparse's usage error messages in French, with a final full stop (a message
    argparse did not write, or one this module does not know, is kept as it is).

    Examples
    --------
    >>> french_message("the following arguments are required: --project")
    'argument obligatoire manquant : --project.'
    >>> french_message("argument COMMANDE: invalid choice: 'frob' (choose from 'match', 'batch')")
    "argument COMMANDE : choix invalide 'frob' (possibles : 'match', 'batch')."
    >>> french_message("unrecognized arguments: --vite x")
    'arguments inconnus : --vite x.'
    """
    m = re.fullmatch(r"argument (.+?): (.+)", message, flags=re.S)
    if m:
        return f"argument {m[1]} : {_inner(m[2])}"
    m = re.fullmatch(r"the following arguments are required: (.+)", message, flags=re.S)
    if m:
        return _plural(m[1], "argument obligatoire manquant",
                       "arguments obligatoires manquants") + "."
    m = re.fullmatch(r"unrecognized arguments: (.+)", message, flags=re.S)
    if m:
        return _plural(m[1], "argument inconnu", "arguments inconnus") + "."
    m = re.fullmatch(r"ambiguous option: (.+?) could match (.+)", message, flags=re.S)
    if m:
        return f"option ambiguë : {m[1]} peut désigner {m[2]}."
    m = re.fullmatch(r"one of the arguments (.+) is required", message, flags=re.S)
    if m:
        return f"un des arguments {m[1]} est obligatoire."
    return message


def _inner(message: str) -> str:
    for pattern, french in _INNER:
        found = re.fullmatch(pattern, message, flags=re.S)
        if found:
            return found.expand(french) + "."
    return message
