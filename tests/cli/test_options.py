"""The dispatcher's protocol and the shared options: every command registered by a module of its
family, every parsed command carrying its flags, library parameter names rewritten as flags."""

from __future__ import annotations

import argparse

import pytest

from foncier.cli import build_parser
from foncier.cli.main import COMMAND_MODULES
from foncier.cli.options import add_inventory, add_out, add_project, flag_names, to_flags


def test_each_command_comes_from_its_family_module():
    parser = build_parser()
    modules = {
        name: parser.parse_args([name, *extra]).handler.__module__
        for name, extra in [("match", ["--project", "b.toml"]), ("validate", ["inv.gpkg"]),
                            ("sample", [])]
    }
    assert modules == {"match": "foncier.cli.matching", "validate": "foncier.cli.inventory",
                       "sample": "foncier.cli.inventory"}
    assert COMMAND_MODULES[:2] == ("foncier.cli.matching", "foncier.cli.inventory")


def test_parsed_commands_carry_their_flags():
    args = build_parser().parse_args(["match", "--project", "b.toml", "--out", "r.csv"])
    assert args.flags == {"project": "--project", "inventory": "--inventory", "out": "--out",
                          "limit": "--limit", "stability": "--stability", "audit": "--audit",
                          "schema": "--schema", "no_cache": "--no-cache"}
    args = build_parser().parse_args(["validate", "inv.gpkg", "--verbose"])
    assert args.flags == {"inventory": "INVENTAIRE", "verbose": "--verbose", "schema": "--schema",
                          "no_cache": "--no-cache"}


def test_shared_options_spell_the_same_everywhere():
    parser = argparse.ArgumentParser()
    add_project(parser, required=False)
    add_inventory(parser)
    add_out(parser, required=True, metavar="RAPPORT")
    args = parser.parse_args(["--out", "r.pdf"])
    assert (args.project, args.inventory, args.out) == (None, None, "r.pdf")
    with pytest.raises(SystemExit):
        parser.parse_args([])                                    # --out is required here
    positional = argparse.ArgumentParser()
    add_inventory(positional, positional=True)
    assert positional.parse_args([]).inventory is None          # optional: the sample
    assert positional.parse_args(["x.gpkg"]).inventory == "x.gpkg"


@pytest.mark.parametrize(("message", "expected"), [
    ("couche déjà présente : relancez avec force=True.",
     "couche déjà présente : relancez avec --force."),
    ("aucun CRS : indiquez crs=EPSG:2154, ou out='r.gpkg'.",
     "aucun CRS : indiquez --crs EPSG:2154, ou --out r.gpkg."),
    ("écrit force=False ; fichier inventory=x.gpkg",
     "écrit sans --force ; fichier INVENTAIRE x.gpkg"),
    # Names the command has no argument for, and words that merely contain one, stay as they are.
    ("sep=; et max_force=3 et --out=x", "sep=; et max_force=3 et --out=x"),
])
def test_library_parameters_become_flags(message, expected):
    flags = {"force": "--force", "crs": "--crs", "out": "--out", "inventory": "INVENTAIRE"}
    assert to_flags(message, flags) == expected


def test_flag_names_prefers_the_long_option():
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", "--max-rows", type=int)
    parser.add_argument("--from", dest="source")
    parser.add_argument("target", metavar="CIBLE")
    assert flag_names(parser) == {"max_rows": "--max-rows", "source": "--from",
                                  "target": "CIBLE"}


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.parametrize("ending_at_once", [True, False])
def test_modules_load_with_the_collector_paused_and_frozen_only_before_an_exit(
        monkeypatch, enabled, ending_at_once):
    import gc

    from foncier.cli import options

    monkeypatch.setattr(options, "ENDING_AT_ONCE", ending_at_once)
    (gc.enable if enabled else gc.disable)()
    frozen = gc.get_freeze_count()
    try:
        seen = []
        with options.loading_modules():
            seen.append(gc.isenabled())
            kept = [[] for _ in range(10)]        # objects made while loading
        assert seen == [False]
        assert gc.isenabled() is enabled          # the collector as it was
        if ending_at_once:                        # frozen: later collections skip them
            assert gc.get_freeze_count() >= frozen + len(kept)
        else:                                     # a script's process: nothing frozen for good
            assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
        gc.enable()
