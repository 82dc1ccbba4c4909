"""Personal data stays where it belongs: private owners never reach a published output.

Owners who are private persons (``owners.kind = person``) are personal data. They live only in
the inventory's ``owners`` table, which no :class:`~foncier.core.inventory.Inventory` carries:
``open_inventory`` reads the layers of the data contract only, so investor reports, batch
outputs, CNIG exports and ``match --out`` files never see them. Only the consultation letters
and the adopted inventory's documents (:mod:`foncier.legal.documents`) name owners.
:func:`public_columns` drops, as a second lock, any owner column that a user's extra layer
columns might carry into a published table.

Examples
--------
>>> import pandas as pd
>>> list(public_columns(pd.DataFrame({"plot_id": ["P1"], "owner_name": ["J. Exemple"]})))
['plot_id']
"""

from __future__ import annotations

import pandas as pd

__all__ = ["PERSONAL_COLUMNS", "public_columns", "private_names"]

#: Column names that hold owners' identities, never written to a published output.
PERSONAL_COLUMNS = ("owner_id", "owner_name", "owner_kind", "owner_address", "owners",
                    "proprietaire", "propriétaire")


def public_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without the columns of :data:`PERSONAL_COLUMNS` (any case)."""
    drop = [c for c in frame.columns if str(c).lower() in PERSONAL_COLUMNS]
    return frame.drop(columns=drop) if drop else frame


def private_names(owners: pd.DataFrame) -> list[str]:
    """The names of the owners who are private persons (``kind = person``)."""
    return sorted(set(owners.loc[owners["kind"] == "person", "name"].dropna()))
