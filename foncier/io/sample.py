"""The bundled sample: an inventory of four Normandy territories and a few investor briefs.

The files live in the repository's ``sample_data/`` folder, installed as ``foncier.sample_data``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["sample_inventory_path", "sample_brief_paths", "sample_dir"]


def sample_dir() -> Path:
    """The folder of the bundled sample data (installed package data, or a source checkout's)."""
    try:
        return Path(str(resources.files("foncier.sample_data")))
    except ModuleNotFoundError:  # running from a source tree that shadows the installed package
        return Path(__file__).resolve().parents[2] / "sample_data"


def sample_inventory_path() -> Path:
    """Path of the sample GeoPackage (Coutances, Bayeux, Caux-Austreberthe, Dieppe).

    Examples
    --------
    >>> sample_inventory_path().name
    'normandie.gpkg'
    """
    return sample_dir() / "normandie.gpkg"


def sample_brief_paths() -> list[Path]:
    """Paths of the sample investor briefs (TOML), sorted by name.

    Examples
    --------
    >>> len(sample_brief_paths()) >= 5
    True
    """
    return sorted((sample_dir() / "briefs").glob("*.toml"))
