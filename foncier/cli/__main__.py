"""``python -m foncier.cli``: the same as the ``foncier`` command."""

import sys

from foncier.cli.main import main

sys.exit(main())
