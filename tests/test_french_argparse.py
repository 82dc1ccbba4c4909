"""The command line speaks French: usage line, sections, help flag and usage errors, for the
main command, its sub-commands and the app's command, with argparse's exit code 2."""

from __future__ import annotations

import pytest

from foncier.cli import build_parser, main
from foncier.french_argparse import FrenchParser, french_message


@pytest.mark.parametrize("argv", [["--help"], ["match", "--help"], ["cache", "--help"]])
def test_help_is_french(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(argv)
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("utilisation : foncier")
    assert "-h, --help" in text and "afficher cette aide et quitter" in text
    assert "options :\n" in text
    for english in ("usage:", "show this help", "positional arguments", "options:"):
        assert english not in text


@pytest.mark.parametrize(("argv", "expected"), [
    (["match"], "foncier match : erreur : argument obligatoire manquant : --project."),
    (["match", "--project", "b.toml", "--limit", "x"],
     "foncier match : erreur : argument --limit : valeur invalide 'x' (un nombre entier est "
     "attendu)."),
    (["frob"], "foncier : erreur : argument COMMANDE : choix invalide 'frob' (possibles : "),
    (["match", "--project", "b.toml", "--vite"], "foncier : erreur : argument inconnu : --vite."),
    (["cache"], "foncier cache : erreur : argument obligatoire manquant : ACTION."),
    (["match", "--project"],
     "foncier match : erreur : argument --project : une valeur est attendue."),
])
def test_usage_errors_are_french_with_code_2(argv, expected, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("utilisation : foncier")
    assert err[-1].startswith(expected)


def test_the_apps_command_speaks_french_too(capsys):
    from foncier_gui.app import build_parser as app_parser

    with pytest.raises(SystemExit):
        app_parser().parse_args(["--help"])
    assert capsys.readouterr().out.startswith("utilisation : foncier-gui")


def test_unknown_messages_are_kept_and_sub_parsers_share_the_class():
    assert french_message("something else") == "something else"
    sub = FrenchParser(prog="x").add_subparsers().add_parser("y")
    assert isinstance(sub, FrenchParser)
