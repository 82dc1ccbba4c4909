"""``python -m foncier.cli``: the same as the ``foncier`` command."""

from foncier.cli.main import run

run()
