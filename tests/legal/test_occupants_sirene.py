"""The SIRENE import keeps what the CNIG ETABLISSEMENT requires: legal category, creation date,
activity label, headcount band (code, label, year); every bad value by line and column."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely

from foncier.core.schema import HEADCOUNT_BANDS, LEGAL_TABLES
from foncier.errors import LegalError
from foncier.legal.occupants import check_sirene, import_sirene

ACME, BETA, OTHER = "73282932000074", "44306184100005", "73282932000090"
HEADER = ("siret;denominationUniteLegale;categorieJuridiqueUniteLegale;"
          "activitePrincipaleEtablissement;activity_label;etatAdministratifEtablissement;"
          "dateCreationEtablissement;trancheEffectifsEtablissement;anneeEffectifsEtablissement;"
          "caractereEmployeurEtablissement;plot_id\n")


@pytest.fixture
def plots():
    return gpd.GeoDataFrame({"plot_id": ["P1", "P2"]},
                            geometry=[shapely.box(0, 0, 100, 100), shapely.box(200, 0, 300, 100)],
                            crs="EPSG:2154")


def _row(**values):
    base = {"siret": ACME, "denominationUniteLegale": "ACME", "plot_id": "P1",
            "etatAdministratifEtablissement": "A"}
    return {**base, **values}


def test_every_sirene_column_is_kept(tmp_path, plots):
    (tmp_path / "s.csv").write_text(
        HEADER + f"{ACME};ACME;5710;25.62B;Usinage;A;2015-06-04;03;2022;O;P1\n"
        f"{BETA};BETA;5499;52.10B;Entreposage et stockage non frigorifique;A;2019-01-31;;;N;P2\n",
        encoding="utf-8")
    occ, notes = import_sirene(tmp_path / "s.csv", plots)
    assert notes == []
    assert list(occ.columns) == list(LEGAL_TABLES["occupants"])
    acme, beta = occ.to_dict("records")
    assert {k: acme[k] for k in ("etab_nat_juridique", "etab_creation_date",
                                  "etab_activite_code", "etab_activite_libelle",
                                  "etab_effectif_code", "etab_effectif_libelle",
                                  "etab_effectif_annee")} == {
        "etab_nat_juridique": "5710", "etab_creation_date": dt.date(2015, 6, 4),
        "etab_activite_code": "25.62B", "etab_activite_libelle": "Usinage",
        "etab_effectif_code": "03", "etab_effectif_libelle": "6 à 9 salariés",
        "etab_effectif_annee": "2022"}
    # no band but non-employer (caractereEmployeurEtablissement = N): NN
    assert [beta["etab_effectif_code"], beta["etab_effectif_libelle"],
            beta["etab_effectif_annee"]] == ["NN", "Unité non employeuse", None]


@pytest.mark.parametrize(("code", "stored", "label"), [
    ("NN", "NN", "Unité non employeuse"), ("00", "00", "0 salarié"),
    ("01", "01", "1 ou 2 salariés"), ("02", "02", "3 à 5 salariés"),
    ("3", "03", "6 à 9 salariés"), ("11", "11", "10 à 19 salariés"),
    ("12", "12", "20 à 49 salariés"), ("21", "21", "50 à 99 salariés"),
    ("22", "22", "100 à 199 salariés"), ("31", "31", "200 à 249 salariés"),
    ("32", "32", "250 à 499 salariés"), ("41", "41", "500 à 999 salariés"),
    ("42", "42", "1\u202f000 à 1\u202f999 salariés"),
    ("51", "51", "2\u202f000 à 4\u202f999 salariés"),
    ("52", "52", "5\u202f000 à 9\u202f999 salariés"),
    ("53", "53", "10\u202f000 salariés et plus"), ("nn", "NN", "Unité non employeuse"),
])
def test_band_codes_map_to_the_insee_labels(plots, code, stored, label):
    occ, problems = check_sirene(pd.DataFrame([_row(trancheEffectifsEtablissement=code)]),
                                 plots)
    assert problems == []
    assert occ.loc[0, ["etab_effectif_code", "etab_effectif_libelle"]].tolist() == [stored,
                                                                                    label]


def test_the_band_table_is_insee_s():
    assert list(HEADCOUNT_BANDS) == ["NN", "00", "01", "02", "03", "11", "12", "21", "22", "31",
                                     "32", "41", "42", "51", "52", "53"]


def test_no_band_and_an_employer_or_unknown_stays_empty(plots):
    rows = pd.DataFrame([_row(caractereEmployeurEtablissement="O"), _row(siret=BETA)])
    occ, problems = check_sirene(rows, plots)
    assert problems == []
    assert occ["etab_effectif_code"].tolist() == [None, None]
    assert occ["etab_effectif_libelle"].tolist() == [None, None]


def test_english_and_cnig_column_names_are_read_too(plots):
    occ, problems = check_sirene(pd.DataFrame([_row(
        legal_category="5710", creation_date="04/06/2015", activity_label="Usinage",
        headcount_band="11", headcount_year="2023")]), plots)
    assert problems == []
    assert occ.loc[0, ["etab_nat_juridique", "etab_creation_date", "etab_activite_libelle",
                       "etab_effectif_code", "etab_effectif_annee"]].tolist() == [
        "5710", dt.date(2015, 6, 4), "Usinage", "11", "2023"]
    occ, _ = check_sirene(pd.DataFrame([_row(etab_activite_libelle="Usinage",
                                             etab_effectif_code="12")]), plots)
    assert occ.loc[0, ["etab_activite_libelle", "etab_effectif_libelle"]].tolist() == [
        "Usinage", "20 à 49 salariés"]


def test_bad_values_are_reported_by_line_and_column_all_at_once(tmp_path, plots):
    (tmp_path / "s.csv").write_text(
        HEADER + f"{ACME};ACME;57;25.62B;;A;2015-02-30;07;22;O;P1\n"
        f"{BETA};BETA;5710;52.10B;;A;juin 2019;;2022;X;P2\n"
        f"{OTHER};FERMÉ;xx;;;F;n'importe;99;;;P2\n",              # closed: left out, unchecked
        encoding="utf-8")
    with pytest.raises(LegalError, match=(
            r"(?s)6 problèmes.*occupants\[ligne 2\]: categorieJuridiqueUniteLegale = « 57 » "
            r"n'est pas une catégorie juridique de l'INSEE \(4 chiffres.*"
            r"occupants\[ligne 2\]: dateCreationEtablissement = « 2015-02-30 » n'est pas une "
            r"date \(AAAA-MM-JJ\) : corrigez-la\..*"
            r"occupants\[ligne 2\]: anneeEffectifsEtablissement = « 22 » n'est pas une année.*"
            r"occupants\[ligne 2\]: trancheEffectifsEtablissement = « 07 » n'est pas une tranche "
            r"d'effectif de l'INSEE \(NN, 00, 01, 02, 03, 11,.*53\) : corrigez-la\..*"
            r"occupants\[ligne 3\]: dateCreationEtablissement = « juin 2019 » n'est pas une "
            r"date.*occupants\[ligne 3\]: caractereEmployeurEtablissement = « X » : O "
            r"\(employeur\) ou N \(non employeur\) attendu")) as caught:
        import_sirene(tmp_path / "s.csv", plots)
    assert "ligne 4" not in str(caught.value)


def test_xlsx_dates_and_numbers_are_read(tmp_path, plots):
    book = openpyxl.Workbook()
    book.active.append(["siret", "denominationUniteLegale", "etatAdministratifEtablissement",
                        "dateCreationEtablissement", "trancheEffectifsEtablissement",
                        "anneeEffectifsEtablissement", "categorieJuridiqueUniteLegale",
                        "plot_id"])
    book.active.append([ACME, "ACME", "A", dt.datetime(2015, 6, 4), 3, 2022, 5710, "P1"])
    book.save(tmp_path / "s.xlsx")
    occ, _ = import_sirene(tmp_path / "s.xlsx", plots)
    assert occ.loc[0, ["etab_creation_date", "etab_effectif_code", "etab_effectif_annee",
                       "etab_nat_juridique"]].tolist() == [dt.date(2015, 6, 4), "03", "2022",
                                                           "5710"]
