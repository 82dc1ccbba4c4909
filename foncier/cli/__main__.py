"""``python -m foncier.cli``: the same as the ``foncier`` command."""

from foncier.cli.main import run

if __name__ == "__main__":     # run as a program only, not when imported
    run()
