"""Domain errors and warnings of foncier.

Every error a user can cause (a bad brief, a bad inventory, a bad output path) is one of these;
the command line prints its message and exits with a non-zero code, without a traceback.

Examples
--------
>>> err = InventoryError([Problem("plots", "P1", "surface négative."),
...                       Problem("plots", "P2", "identifiant vide.")], source="inv.gpkg")
>>> print(err)
inv.gpkg: 2 problèmes :
  - plots[P1]: surface négative.
  - plots[P2]: identifiant vide.
>>> len(err.problems), isinstance(err, FoncierError)
(2, True)
>>> print(InventoryError("fichier introuvable."))
fichier introuvable.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FoncierError",
    "LegalError",
    "EditConflictError",
    "FoncierWarning",
    "BriefError",
    "InventoryError",
    "ProfileError",
    "Problem",
    "GeometryRepairWarning",
    "ReprojectionWarning",
    "CacheWarning",
    "OutputError",
    "StandardsError",
    "CnigError",
    "FricheError",
    "LayerError",
]


class FoncierError(Exception):
    """Base class of every error foncier raises on purpose."""


class FoncierWarning(UserWarning):
    """Base class of foncier's warnings (tests turn them into errors unless asserted)."""


class GeometryRepairWarning(FoncierWarning):
    """An invalid geometry was repaired with ``make_valid`` while opening an inventory."""


class ReprojectionWarning(FoncierWarning):
    """A layer in another CRS was reprojected to Lambert-93 (EPSG:2154)."""


class CacheWarning(FoncierWarning):
    """The on-disk cache could not be used (an unreadable entry, an unwritable folder).

    The work is done again without it: results never depend on the cache.
    """


@dataclass(frozen=True)
class Problem:
    """One problem found in an inventory or a brief.

    Attributes
    ----------
    where : str
        The layer (``plots``), the brief key (``land.min_area_ha``) or the file.
    row : str or None
        The row's id (a ``plot_id``...) or ``None`` when the problem is about the whole layer.
    message : str
        What is wrong and how to fix it.
    severity : str
        ``"error"`` or ``"warning"``.
    """

    where: str
    row: str | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        loc = self.where if self.row is None else f"{self.where}[{self.row}]"
        tag = " (avertissement)" if self.severity == "warning" else ""
        if not loc:  # a problem about nothing in particular: the message alone, no empty location
            return f"Avertissement : {self.message}" if tag else self.message
        return f"{loc}{tag}: {self.message}"


class _ProblemsError(FoncierError, ValueError):
    """An error that carries every problem found, reported at once."""

    def __init__(self, problems: list[Problem] | str, *, source: str | None = None):
        alone = isinstance(problems, str)
        if alone:
            problems = [Problem(source or "", None, problems)]
        self.problems = list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        if len(self.problems) == 1:
            # A message given alone is located by its source once (its problem's place).
            text = str(self.problems[0]) if alone else head + str(self.problems[0])
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            text = f"{head}{len(self.problems)} problèmes :\n{lines}"
        super().__init__(text)


class BriefError(_ProblemsError):
    """An investor brief is invalid: every problem names its key, the value and what is expected."""


class InventoryError(_ProblemsError):
    """An inventory cannot be used: every problem names its layer, row and how to fix it."""


class ProfileError(_ProblemsError):
    """A territory profile (the report's sender) is invalid: every problem names its key."""


class OutputError(FoncierError, ValueError):
    """An output file cannot be written (unknown format, missing folder...)."""


class StandardsError(InventoryError):
    """A file of a national standard or a public layer cannot be used.

    Built from a bare message with no ``source``, its text is the message alone (no empty
    location in front of it).
    """

    def __init__(self, problems: list[Problem] | str, *, source: str | None = None):
        super().__init__(problems, source=source)
        if isinstance(problems, str) and source is None:
            self.args = (problems,)


class CnigError(StandardsError):
    """A CNIG Sites Économiques file cannot be read or written: problems name table, row, field."""


class FricheError(StandardsError):
    """A CNIG Friches file cannot be read: every problem names its line and field."""


class LayerError(StandardsError):
    """A layer file cannot be added: the message says which file, column or row, and the fix."""


class LegalError(_ProblemsError):
    """A legal-inventory table (owners, occupants, consultation) or edit is invalid: every
    problem names its table, row and column and how to fix it."""


class EditConflictError(FoncierError):
    """Someone else saved the same row since it was read: the edit is refused, nothing changed.

    Attributes
    ----------
    current : dict
        The row's values as the other person saved them (column -> value).
    """

    def __init__(self, message: str, current: dict):
        super().__init__(message)
        self.current = dict(current)
