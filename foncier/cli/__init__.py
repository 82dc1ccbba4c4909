"""The ``foncier`` command line: one dispatcher, shared options, one module per command family."""

from foncier.cli.main import build_parser, main, run

__all__ = ["build_parser", "main", "run"]
