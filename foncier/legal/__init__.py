"""The legal inventory of activity zones (code de l'urbanisme, art. L318-8-2).

Owners (:mod:`~foncier.legal.owners`), occupants (:mod:`~foncier.legal.occupants`), the legal
vacancy rate (:mod:`~foncier.legal.vacancy`), in-place edits with their history
(:mod:`~foncier.legal.edit`), the thirty-day consultation (:mod:`~foncier.legal.consultation`),
the adopted inventory (:mod:`~foncier.legal.adoption`, :mod:`~foncier.legal.documents`) and the
rule that keeps private owners out of every published output (:mod:`~foncier.legal.privacy`).
The legal tables live in the inventory's store beside its layers (:mod:`~foncier.legal.store`).

Examples
--------
>>> from foncier.legal.vacancy import is_legally_vacant
>>> is_legally_vacant(None, "2023-06-01", 2026)
True
"""
