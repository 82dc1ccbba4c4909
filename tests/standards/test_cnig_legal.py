"""The CNIG export follows the legal inventory: update dates from the edits, occupants as
ETABLISSEMENT rows (a full SIRENE extract exports clean), private owners left out."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from builders import make_layers
from legal_helpers import plots_rows

from foncier.core.inventory import open_inventory, write_inventory
from foncier.errors import FoncierWarning
from foncier.legal.edit import edit_plot, edit_site
from foncier.legal.occupants import import_sirene
from foncier.legal.store import store_table, transaction
from foncier.standards.cnig import CnigError, export_cnig, import_cnig
from foncier.standards.cnig.convert import OCCUPANT_GEOCODING, OCCUPANT_SOURCE
from foncier.standards.cnig.read import read_cnig_csv

EXPORT_DAY = dt.date(2026, 12, 24)
ACME, BETA, GAMMA = "73282932000074", "44306184100005", "55208131766001"


X0, Y0 = 400_000, 6_900_000                    # in Lambert-93 over France (import checks)


def _moved(geom):
    return shapely.transform(geom, lambda xy: xy + (X0, Y0))


@pytest.fixture
def inv(tmp_path):
    rows = [{**r, "geometry": _moved(r["geometry"])} for r in plots_rows()]
    layers = make_layers(rows, sites=[{
        "site_id": "Z1", "name": "ZAE test", "epci_siren": "200066744",
        "epci_name": "Saint-Lô Agglo", "commune_insee": "50502", "cnig_pole_id": "PO1",
        "vocation": "mixte",
        "geometry": _moved(shapely.box(-10_000, -10_000, 10_000, 10_000))}])
    layers["communes"] = gpd.GeoDataFrame(
        {"insee": ["50147", "50502"], "name": ["Condé-sur-Vire", "Saint-Lô"]},
        geometry=[_moved(shapely.box(-1_000, -1_000, 300, 1_000)),
                  _moved(shapely.box(300, -1_000, 2_000, 1_000))],
        crs="EPSG:2154")
    path = tmp_path / "inv.gpkg"
    write_inventory(layers, path)
    return path


def _csv(folder, table):
    return read_cnig_csv(folder / f"{table}.csv")[1].set_index(
        "terr_id" if table == "terrain-eco" else "site_id" if table == "site-eco" else "SIRET")


def test_actu_dates_are_the_edit_dates_not_today(inv, tmp_path):
    edit_plot(inv, "P1", {"price_eur_m2": 35}, user="Alice", today=dt.date(2026, 3, 2))
    edit_site(inv, "Z1", {"vocation": "industrielle"}, user="Bob", today=dt.date(2026, 1, 5))
    export_cnig(inv, csv_dir=tmp_path / "csv", today=EXPORT_DAY)
    terr = _csv(tmp_path / "csv", "terrain-eco")
    assert terr.loc["P1", "terr_actu_date"] == "2026-03-02"
    assert terr.loc["P1", "terr_identif_date"] == "2026-03-02"   # never after the update
    assert terr.loc["P2", "terr_actu_date"] == "2026-12-24"      # untouched: nothing known
    assert terr.loc["P2", "terr_identif_date"] == "2026-12-24"
    site = _csv(tmp_path / "csv", "site-eco")
    assert site.loc["Z1", "site_actu_date"] == "2026-01-05"


def test_history_is_the_fallback_when_updated_on_is_empty(inv, tmp_path):
    edit_plot(inv, "P2", {"price_eur_m2": 35}, user="Alice", today=dt.date(2026, 3, 2))
    edit_plot(inv, "P2", {"price_eur_m2": 36}, user="Alice", today=dt.date(2026, 3, 2))
    with transaction(inv) as db:               # another tool rewrote the plot without the date
        db.execute("UPDATE plots SET updated_on = NULL")
        db.execute("UPDATE history SET changed_at = '2025-06-0' || fid || 'T09:00:00Z'")
    export_cnig(inv, csv_dir=tmp_path / "csv", today=EXPORT_DAY)
    terr = _csv(tmp_path / "csv", "terrain-eco")
    assert terr.loc["P2", ["terr_identif_date", "terr_actu_date"]].tolist() == [
        "2025-06-01", "2025-06-02"]
    assert terr.loc["P1", "terr_actu_date"] == "2026-12-24"


def _occupants():
    rows = [
        {"siret": ACME, "siren": ACME[:9], "terr_id": "P1", "etab_nom": "ACME",
         "etab_activite_code": "25.62B", "etab_adresse": "1 rue de l'Usine 50000 Saint-Lô",
         "etab_actif": "oui"},
        {"siret": ACME, "siren": ACME[:9], "terr_id": "P2", "etab_nom": "ACME",
         "etab_activite_code": "25.62B", "etab_actif": "oui"},
        {"siret": BETA, "siren": BETA[:9], "terr_id": "P3", "etab_nom": "BETA LOGISTIQUE",
         "etab_activite_code": "52.10B", "etab_actif": "oui"},
        {"siret": GAMMA, "siren": GAMMA[:9], "terr_id": None, "etab_nom": "HORS ZONE",
         "etab_actif": "oui"},
    ]
    return pd.DataFrame(rows)


def test_occupants_become_etablissement_rows(inv, tmp_path):
    store_table(inv, "occupants", _occupants())
    with pytest.raises(CnigError, match=r"(?s)etablissement\.etab_creation_date.*champ "
                       r"obligatoire vide.*rien n'a été écrit"):
        export_cnig(inv, csv_dir=tmp_path / "refused", today=EXPORT_DAY)
    assert not (tmp_path / "refused").exists()
    problems = export_cnig(inv, csv_dir=tmp_path / "csv", gpkg=tmp_path / "c.gpkg",
                           force=True, today=EXPORT_DAY)
    missing = {p.where for p in problems if p.where.startswith("etablissement")}
    assert missing == {f"etablissement.{f}" for f in (
        "etab_nat_juridique", "etab_creation_date", "etab_activite_libelle",
        "etab_effectif_code", "etab_effectif_libelle", "etab_effectif_annee")}
    etab = _csv(tmp_path / "csv", "etablissement")
    assert etab.index.tolist() == [ACME, BETA]               # GAMMA: on no terrain, left out
    acme = etab.loc[ACME]
    assert acme[["SIREN", "terr_id", "etab_nom", "etab_raison_sociale", "etab_activite_code",
                 "etab_adresse", "etab_actif"]].tolist() == [
        "732829320", "P1|P2", "ACME", "ACME", "25.62B", "1 rue de l'Usine 50000 Saint-Lô", "oui"]
    assert acme[["epci_nom", "epci_siren", "comm_insee", "comm_nom"]].tolist() == [
        "Saint-Lô Agglo", "200066744", "50147", "Condé-sur-Vire"]
    assert etab.loc[BETA, ["comm_insee", "comm_nom"]].tolist() == ["50502", "Saint-Lô"]
    assert acme[["etab_identif_date", "etab_actu_date", "etab_source_info",
                 "geocodage_qualite"]].tolist() == ["2026-12-24", "2026-12-24", OCCUPANT_SOURCE,
                                                    OCCUPANT_GEOCODING]
    layer = pyogrio.read_dataframe(tmp_path / "c.gpkg", layer="etablissement")
    acme_geom = layer.set_index("siret").geometry[ACME]
    assert acme_geom.geom_type == "MultiPoint" and len(acme_geom.geoms) == 2
    plots = gpd.read_file(inv, layer="plots").set_index("plot_id")
    assert [plots.geometry[p].contains(pt) for p, pt in zip(("P1", "P2"), acme_geom.geoms,
                                                              strict=True)] == [True, True]


def test_etablissement_round_trip_through_import_cnig(inv, tmp_path):
    store_table(inv, "occupants", _occupants())
    export_cnig(inv, gpkg=tmp_path / "c.gpkg", force=True, today=EXPORT_DAY)
    back, _ = import_cnig([tmp_path / "c.gpkg"], tmp_path / "back.gpkg")
    layer = pyogrio.read_dataframe(tmp_path / "back.gpkg", layer="cnig_etablissement")
    assert layer[["siret", "terr_id", "etab_nom", "comm_insee"]].values.tolist() == [
        [ACME, "P1|P2", "ACME", "50147"], [BETA, "P3", "BETA LOGISTIQUE", "50502"]]
    export_cnig(tmp_path / "back.gpkg", csv_dir=tmp_path / "again", force=True,
                today=dt.date(2027, 1, 1))
    again = _csv(tmp_path / "again", "etablissement")
    assert again.index.tolist() == [ACME, BETA]
    assert again.loc[ACME, ["terr_id", "etab_actu_date"]].tolist() == ["P1|P2", "2026-12-24"]


def test_an_occupant_updates_its_imported_row_and_keeps_its_other_fields(inv, tmp_path):
    store_table(inv, "occupants", _occupants())
    export_cnig(inv, gpkg=tmp_path / "c.gpkg", force=True, today=EXPORT_DAY)
    import_cnig([tmp_path / "c.gpkg"], tmp_path / "back.gpkg")
    with transaction(tmp_path / "back.gpkg") as db:
        db.execute("UPDATE cnig_etablissement SET etab_nat_juridique = '5710'")
    occ = _occupants()
    occ.loc[occ["siret"] == BETA, "etab_nom"] = "BETA TRANSPORTS"
    store_table(tmp_path / "back.gpkg", "occupants", occ)
    export_cnig(tmp_path / "back.gpkg", csv_dir=tmp_path / "csv", force=True, today=EXPORT_DAY)
    etab = _csv(tmp_path / "csv", "etablissement")
    assert etab.loc[BETA, ["etab_nom", "etab_nat_juridique"]].tolist() == [
        "BETA TRANSPORTS", "5710"]


def test_an_establishment_named_like_a_private_owner_is_left_out(inv, tmp_path):
    occ = pd.concat([_occupants(), pd.DataFrame([{
        "siret": GAMMA, "siren": GAMMA[:9], "terr_id": "P4", "etab_nom": "jeanne  EXEMPLE",
        "etab_actif": "oui"}])], ignore_index=True)
    store_table(inv, "occupants", occ[occ["terr_id"].notna()])
    store_table(inv, "owners", pd.DataFrame([{"owner_id": "O1", "plot_id": "P4",
                                              "name": "Jeanne Exemple", "kind": "person"}]))
    with pytest.warns(FoncierWarning, match=r"1 établissement\(s\) au nom d'un propriétaire "
                      rf"personne physique laissé\(s\) hors de l'export CNIG.*{GAMMA}"):
        export_cnig(inv, csv_dir=tmp_path / "csv", force=True, today=EXPORT_DAY)
    text = (tmp_path / "csv" / "etablissement.csv").read_text(encoding="utf-8")
    assert "ACME" in text and "exemple" not in text.lower() and GAMMA not in text


SIRENE_HEADER = ("siret;denominationUniteLegale;categorieJuridiqueUniteLegale;"
                 "activitePrincipaleEtablissement;etatAdministratifEtablissement;"
                 "dateCreationEtablissement;trancheEffectifsEtablissement;"
                 "anneeEffectifsEtablissement;caractereEmployeurEtablissement;plot_id")
SIRENE_ROWS = (f"{ACME};ACME;5710;25.62B;A;2015-06-04;03;2022;O;P1",
               f"{ACME};ACME;5710;25.62B;A;2015-06-04;03;2022;O;P2",
               f"{BETA};BETA LOGISTIQUE;5499;52.10B;A;2019-01-31;NN;2023;N;P3")
LABELS = ("Décolletage", "Décolletage", "Entreposage et stockage non frigorifique")


def _sirene(tmp_path, inv, labels=LABELS):
    header = SIRENE_HEADER + (";activity_label" if labels else "")
    rows = [r + (f";{label}" if labels else "")
            for r, label in zip(SIRENE_ROWS, labels or SIRENE_ROWS, strict=True)]
    (tmp_path / "sirene.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    occupants, notes = import_sirene(tmp_path / "sirene.csv", open_inventory(inv).plots)
    assert notes == []
    store_table(inv, "occupants", occupants)


def test_a_full_sirene_extract_with_labels_exports_clean(inv, tmp_path):
    _sirene(tmp_path, inv)
    assert export_cnig(inv, csv_dir=tmp_path / "csv", gpkg=tmp_path / "c.gpkg",
                       today=EXPORT_DAY) == []                                    # no force
    etab = _csv(tmp_path / "csv", "etablissement")
    fields = ["etab_nat_juridique", "etab_creation_date", "etab_activite_code",
              "etab_activite_libelle", "etab_effectif_code", "etab_effectif_libelle",
              "etab_effectif_annee"]
    assert etab.loc[ACME, fields].tolist() == ["5710", "2015-06-04", "25.62B", "Décolletage",
                                               "03", "6 à 9 salariés", "2022"]
    assert etab.loc[BETA, fields].tolist() == [
        "5499", "2019-01-31", "52.10B", "Entreposage et stockage non frigorifique", "NN",
        "Unité non employeuse", "2023"]
    assert etab.loc[ACME, "terr_id"] == "P1|P2"
    # round trip: import-cnig keeps them in cnig_etablissement, the next export is clean again
    gpkg = pyogrio.read_dataframe(tmp_path / "c.gpkg", layer="etablissement")
    assert gpkg.set_index("siret").loc[ACME, fields].tolist() == etab.loc[ACME, fields].tolist()
    # (through the CSV files: the GeoPackage holds an empty pole_eco, which the zone's pole_id
    # PO1 would then have to be in)
    import_cnig(sorted((tmp_path / "csv").glob("*.csv")), tmp_path / "back.gpkg")
    layer = pyogrio.read_dataframe(tmp_path / "back.gpkg", layer="cnig_etablissement")
    assert layer.set_index("siret").loc[ACME, fields].tolist() == [
        "5710", "2015-06-04", "25.62B", "Décolletage", "03", "6 à 9 salariés", "2022"]
    assert export_cnig(tmp_path / "back.gpkg", csv_dir=tmp_path / "again",
                       today=dt.date(2027, 1, 1)) == []
    again = _csv(tmp_path / "again", "etablissement")
    assert again.loc[BETA, fields].tolist() == etab.loc[BETA, fields].tolist()


def test_a_missing_activity_label_says_whose_and_how_to_fill_it(inv, tmp_path):
    _sirene(tmp_path, inv, labels=None)
    with pytest.raises(CnigError, match=(
            r"(?s)etablissement\.etab_activite_libelle\[ligne 1\]: champ obligatoire vide pour "
            rf"l'établissement SIRET {ACME} : libellé de l'activité principale \(code NAF "
            r"25\.62B\) : la base SIRENE ne donne que le code.*colonne activity_label \(ou "
            r"libelleActivitePrincipaleEtablissement, etab_activite_libelle\) dans le fichier "
            r"des occupants \(extrait SIRENE, CSV ou XLSX\) et réimportez-le.*"
            rf"etablissement\.etab_activite_libelle\[ligne 2\]: .*SIRET {BETA} .*52\.10B"
            r".*rien n'a été écrit")) as caught:
        export_cnig(inv, csv_dir=tmp_path / "refused", today=EXPORT_DAY)
    assert {p.where for p in caught.value.problems} == {
        "etablissement.etab_activite_libelle", "export"}
    assert not (tmp_path / "refused").exists()


def test_a_band_label_is_derived_from_an_edited_code(inv, tmp_path):
    occ = _occupants()
    occ["etab_effectif_code"] = ["12", "12", "3", None]
    store_table(inv, "occupants", occ)
    export_cnig(inv, csv_dir=tmp_path / "csv", force=True, today=EXPORT_DAY)
    etab = _csv(tmp_path / "csv", "etablissement")
    assert etab["etab_effectif_libelle"].tolist() == ["20 à 49 salariés", "6 à 9 salariés"]
