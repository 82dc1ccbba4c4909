"""The inventory's data contract: layers, columns, types and enumerations.

The enumerations are those of the CNIG "Sites Économiques" standard v2024-10 (which keeps several of
them beside ``constraints`` in its Table Schemas) and foncier's own extensions.

Examples
--------
>>> REQUIRED_LAYERS
('sites', 'plots', 'constraints', 'infrastructure')
>>> LAYERS["plots"]["plot_id"], LAYERS["plots"]["price_eur_m2"]     # (type, required)
(('text', True), ('real', False))
>>> ID_COLUMNS["infrastructure"], GEOMETRY_TYPES["infrastructure"]
('infra_id', 'point')
>>> "en vente" in ENUMS[("plots", "sales_stage")]
True
"""

from __future__ import annotations

__all__ = [
    "CRS",
    "LAYERS",
    "REQUIRED_LAYERS",
    "ID_COLUMNS",
    "SALES_STAGES",
    "OCCUPANCIES",
    "SERVICING_STAGES",
    "LAND_CONTROLS",
    "SITE_VOCATIONS",
    "ICPE_REGIMES",
    "CONSTRAINT_KINDS",
    "CONSTRAINT_LEVELS",
    "INFRA_KINDS",
    "ENUMS",
]

#: Every layer is stored in RGF93 / Lambert-93.
CRS = "EPSG:2154"

SALES_STAGES = (
    "non commercialisé",
    "non commercialisable",
    "en vente",
    "en vente avec contraintes",
    "vendu, commercialisation achevée",
    "réservé par option de réservation",
    "réservé par une délibération de l'EPCI",
    "inconnu",
    "autre",
    "sans objet",
)
OCCUPANCIES = (
    "inoccupé",
    "occupation transitoire",
    "occupé",
    "vacant",
    "friche",
    "inconnu",
    "autre",
    "sans objet",
)
SERVICING_STAGES = (
    "non aménageable",
    "non aménagé, non viabilisé",
    "viabilisation en cours",
    "viabilisé non aménagé",
    "viabilisé et aménagé",
    "inconnu",
    "autre",
    "sans objet",
)
LAND_CONTROLS = (
    "personne physique",
    "Etat",
    "région",
    "département",
    "structure intercommunale",
    "commune",
    "autre collectivité territoriale",
    "organisme de logement social",
    "établissement public foncier",
    "SEM ou SPLA",
    "aménageur",
    "investisseur professionnel",
    "établissement de santé et structure sociale",
    "établissement de tourisme et structure de loisir sportive ou cultuelle",
    "établissement industriel et commercial",
    "organisation de gestion foncière et immobilière",
    "établissement d'enseignement d'étude et de recherche",
    "inconnu",
    "autre",
    "sans objet",
)
SITE_VOCATIONS = (
    "industrielle",
    "commerciale",
    "tertiaire",
    "artisanale",
    "touristique",
    "portuaire",
    "aéroportuaire, aéronautique",
    "entrepôts, logistique",
    "logistique agricole",
    "mixte",
    "inconnu",
    "autre",
    "sans objet",
)
#: ICPE regimes, from the least to the most demanding.
ICPE_REGIMES = (
    "none",
    "declaration",
    "enregistrement",
    "autorisation",
    "seveso_seuil_bas",
    "seveso_seuil_haut",
)
CONSTRAINT_KINDS = (
    "flood",
    "pprt",
    "seveso",
    "natura2000",
    "znieff1",
    "znieff2",
    "wetland",
    "monument",
    "littoral",
    "archaeology",
    "housing",
    "other",
)
#: Zone rules of a flood (PPRI) or technological (PPRT) risk plan.
CONSTRAINT_LEVELS = ("interdiction", "prescriptions")
INFRA_KINDS = ("motorway_interchange", "rail_freight", "port", "airport", "substation")

#: Column -> (type, required). Types: text, real, bool, date.
LAYERS: dict[str, dict[str, tuple[str, bool]]] = {
    "sites": {
        "site_id": ("text", True),
        "name": ("text", False),
        "epci_siren": ("text", False),
        "epci_name": ("text", False),
        "commune_insee": ("text", False),
        "vocation": ("text", False),
    },
    "plots": {
        "plot_id": ("text", True),
        "site_id": ("text", False),
        "cadastral_refs": ("text", False),
        "sales_stage": ("text", False),
        "occupancy": ("text", False),
        "servicing_stage": ("text", False),
        "land_control": ("text", False),
        "turnkey": ("bool", False),
        "price_eur_m2": ("real", False),
        "available_from": ("date", False),
        "plu_zone": ("text", False),
        "icpe_max": ("text", False),
        "power_mw": ("real", False),
        "water_m3_day": ("real", False),
        "gas": ("bool", False),
        "fiber": ("bool", False),
        "rail_siding": ("bool", False),
        "brownfield": ("bool", False),
        "max_height_m": ("real", False),
        "declared_area_ha": ("real", False),
    },
    "constraints": {
        "constraint_id": ("text", True),
        "kind": ("text", True),
        "level": ("text", False),
        "name": ("text", False),
        "source": ("text", False),
    },
    "infrastructure": {
        "infra_id": ("text", True),
        "kind": ("text", True),
        "name": ("text", False),
        "capacity_mw": ("real", False),
    },
    "communes": {
        "insee": ("text", True),
        "name": ("text", False),
        "epci_siren": ("text", False),
    },
}
REQUIRED_LAYERS = ("sites", "plots", "constraints", "infrastructure")
ID_COLUMNS = {
    "sites": "site_id",
    "plots": "plot_id",
    "constraints": "constraint_id",
    "infrastructure": "infra_id",
    "communes": "insee",
}
#: Geometry family each layer must hold.
GEOMETRY_TYPES = {
    "sites": "polygon",
    "plots": "polygon",
    "constraints": "polygon",
    "infrastructure": "point",
    "communes": "polygon",
}
#: (layer, column) -> allowed values.
ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("sites", "vocation"): SITE_VOCATIONS,
    ("plots", "sales_stage"): SALES_STAGES,
    ("plots", "occupancy"): OCCUPANCIES,
    ("plots", "servicing_stage"): SERVICING_STAGES,
    ("plots", "land_control"): LAND_CONTROLS,
    ("plots", "icpe_max"): ICPE_REGIMES,
    ("constraints", "kind"): CONSTRAINT_KINDS,
    ("infrastructure", "kind"): INFRA_KINDS,
}

# --- Legal inventory of activity zones (code de l'urbanisme, art. L318-8-2) -------------------
# Plots and sites gain the facts the legal vacancy needs and an update date; the legal tables
# (owners, occupants, consultation, history, adoptions) have no geometry and live beside the
# layers in the same store (see foncier.legal). They are never part of an ``Inventory``: only
# foncier.legal reads them, which keeps private owners out of every published output.
#: Optional columns of the legal inventory, outside ``LAYERS`` so that an inventory without them
#: validates as before (foncier.legal checks them).
LEGAL_COLUMNS: dict[str, dict[str, tuple[str, bool]]] = {"plots": {
    #: Last day a CFE-liable activity used the unit; null = no such activity known (never used).
    "cfe_activity_until": ("date", False),
    #: First day of the current unoccupied period; null = occupied or not known.
    "unoccupied_since": ("date", False),
    #: Date of the last change of the plot's attributes (the CNIG ``terr_actu_date``).
    "updated_on": ("date", False),
}, "sites": {
    #: Date of the last change of the zone's attributes (the CNIG ``site_actu_date``).
    "updated_on": ("date", False),
}}
#: Owner kinds: a public body, a company (with its SIREN), a private person (personal data).
OWNER_KINDS = ("public", "company", "person")
#: Recipients of the consultation and the states of their letter.
RECIPIENT_KINDS = ("owner", "occupant")
CONSULTATION_STATUSES = ("à envoyer", "envoyé", "réponse reçue", "corrigé", "sans réponse")
#: INSEE headcount bands (``trancheEffectifsEtablissement`` of SIRENE, the CNIG
#: ``etab_effectif_code``) -> their label (the CNIG ``etab_effectif_libelle``).
HEADCOUNT_BANDS = {
    "NN": "Unité non employeuse", "00": "0 salarié", "01": "1 ou 2 salariés",
    "02": "3 à 5 salariés", "03": "6 à 9 salariés", "11": "10 à 19 salariés",
    "12": "20 à 49 salariés", "21": "50 à 99 salariés", "22": "100 à 199 salariés",
    "31": "200 à 249 salariés", "32": "250 à 499 salariés", "41": "500 à 999 salariés",
    "42": "1\u202f000 à 1\u202f999 salariés", "51": "2\u202f000 à 4\u202f999 salariés",
    "52": "5\u202f000 à 9\u202f999 salariés", "53": "10\u202f000 salariés et plus",
}
#: Table -> column -> (type, required). Types as in LAYERS, plus ``int``.
LEGAL_TABLES: dict[str, dict[str, tuple[str, bool]]] = {
    "owners": {
        "owner_id": ("text", True),
        "plot_id": ("text", True),
        "name": ("text", True),
        "kind": ("text", True),
        "siren": ("text", False),
        "address": ("text", False),
        "share": ("real", False),
    },
    #: The CNIG ETABLISSEMENT table's columns (lower case), ``terr_id`` being the plot.
    "occupants": {
        "siret": ("text", True),
        "siren": ("text", True),
        "terr_id": ("text", False),
        "etab_nom": ("text", True),
        "etab_activite_code": ("text", False),
        "etab_adresse": ("text", False),
        "etab_actif": ("text", False),
        #: INSEE legal category (level III, 4 digits), SIRENE ``categorieJuridiqueUniteLegale``.
        "etab_nat_juridique": ("text", False),
        #: SIRENE ``dateCreationEtablissement``.
        "etab_creation_date": ("date", False),
        #: Label of the NAF code (SIRENE gives none: the import's ``activity_label`` column).
        "etab_activite_libelle": ("text", False),
        #: A ``HEADCOUNT_BANDS`` code (SIRENE ``trancheEffectifsEtablissement``) and its label.
        "etab_effectif_code": ("text", False),
        "etab_effectif_libelle": ("text", False),
        #: Year of the band, ``AAAA`` (SIRENE ``anneeEffectifsEtablissement``).
        "etab_effectif_annee": ("text", False),
    },
    "consultation": {
        "recipient_id": ("text", True),
        "recipient_kind": ("text", True),
        "recipient_name": ("text", True),
        "plot_ids": ("text", True),
        "letter_date": ("date", False),
        "answer_date": ("date", False),
        "correction": ("text", False),
        "status": ("text", True),
    },
    "consultation_period": {
        "start_date": ("date", True),
        "end_date": ("date", True),
    },
    "history": {
        "layer": ("text", True),
        "row_id": ("text", True),
        "column_name": ("text", True),
        "old_value": ("text", False),
        "new_value": ("text", False),
        "changed_at": ("text", True),
        "changed_by": ("text", True),
    },
    "adoptions": {
        "adopted_on": ("date", True),
        "snapshot": ("text", True),
        "fingerprint": ("text", True),
        "next_update_due": ("date", True),
    },
}
ENUMS.update({
    ("owners", "kind"): OWNER_KINDS,
    ("consultation", "recipient_kind"): RECIPIENT_KINDS,
    ("consultation", "status"): CONSULTATION_STATUSES,
})
__all__ += ["OWNER_KINDS", "HEADCOUNT_BANDS", "RECIPIENT_KINDS", "CONSULTATION_STATUSES",
            "LEGAL_TABLES", "LEGAL_COLUMNS"]
