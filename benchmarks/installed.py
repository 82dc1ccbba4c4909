"""Compile foncier's modules to bytecode before timing whole processes, as an install does.

``pip install`` writes the bytecode of every module it installs, and so did the peers'
(geopandas, pandas, shapely). An editable install run where ``PYTHONDONTWRITEBYTECODE`` is set
(this machine sets it) compiles foncier's modules again in every process, about 0.1 s that a
user's installed foncier does not pay. The timed children then read the compiled files.
"""

from __future__ import annotations

import compileall
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def compile_bytecode() -> None:
    """Write the bytecode of the ``foncier`` and ``gui`` packages (``__pycache__``, ignored by
    git), the way ``pip install`` does."""
    for package in ("foncier", "gui"):
        compileall.compile_dir(ROOT / package, quiet=1)
