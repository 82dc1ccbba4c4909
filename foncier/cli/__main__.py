"""``python -m foncier.cli``: the same as the ``foncier`` command."""

from foncier.cli.main import run

if __name__ == "__main__":     # not when a spawned worker process imports it again
    run()
