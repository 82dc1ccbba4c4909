"""Owners and occupants imports, the legal vacancy rate, consultation, adoption."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from legal_helpers import stored_inventory

from foncier.core.inventory import open_inventory
from foncier.errors import LegalError
from foncier.legal.adoption import adopt, next_update_due
from foncier.legal.consultation import (
    consultation_status,
    record_answer,
    start_consultation,
    write_letters,
)
from foncier.legal.edit import edit_plot
from foncier.legal.occupants import import_sirene
from foncier.legal.owners import import_owners, valid_siret
from foncier.legal.store import read_table, store_table
from foncier.legal.vacancy import cnig_vacancy_rate, legal_vacancy

OWNERS_CSV = ("plot_id;cadastral_ref;name;kind;siren;address;share\n"
              "P1;;Jeanne Exemple;personne physique;;1 rue des Lilas, 50000 Saint-Lô;\n"
              ";50147000ZK0102;Communauté d'agglomération;personne publique;;;100 %\n"
              "P3;;SARL Atelier;société;732829320;;0,5\n")
SIRENE_CSV = ("siret;denominationUniteLegale;activitePrincipaleEtablissement;"
              "etatAdministratifEtablissement;coordonneeLambertAbscisseEtablissement;"
              "coordonneeLambertOrdonneeEtablissement\n"
              "73282932000074;ATELIER;25.62A;A;450;50\n"
              "73282932000082;FERMÉ;25.62A;F;450;50\n"
              "73282932000090;AILLEURS;25.62A;A;99999;50\n")


@pytest.fixture
def inv(tmp_path):
    return stored_inventory(tmp_path / "inv.gpkg")


@pytest.fixture
def filled(inv, tmp_path):
    plots = open_inventory(inv).plots
    (tmp_path / "owners.csv").write_text(OWNERS_CSV, encoding="utf-8")
    (tmp_path / "sirene.csv").write_text(SIRENE_CSV, encoding="utf-8")
    store_table(inv, "owners", import_owners(tmp_path / "owners.csv", plots))
    occupants, notes = import_sirene(tmp_path / "sirene.csv", plots)
    assert [str(n) for n in notes] == ["occupants[ligne 4] (avertissement): l'établissement "
                                       "73282932000090 est hors de tout terrain : donnez son "
                                       "plot_id ou vérifiez ses coordonnées."]
    store_table(inv, "occupants", occupants)
    return inv


def test_legal_vacancy_on_both_sides_of_the_two_year_limit(inv):
    plots = open_inventory(inv).plots
    rate = legal_vacancy(plots, 2026)["Z1"]
    assert rate.vacant_ids == ["P1", "P2"]          # P3: activity until 2024-01-01, free since 02
    assert rate.unknown_ids == ["P4"] and rate.units == 4 and rate.rate_pct == 50.0
    assert legal_vacancy(plots, 2025)["Z1"].vacant_ids == ["P1"]
    assert cnig_vacancy_rate(plots) == {"Z1": 50.0}


def test_owners_import_reads_kinds_refs_and_shares(filled):
    owners = read_table(filled, "owners")
    assert owners[["owner_id", "plot_id", "kind", "share"]].values.tolist() == [
        ["O1", "P1", "person", None], ["O2", "P2", "public", 1.0], ["O3", "P3", "company", 0.5]]


def test_owners_import_reports_every_problem_by_row_and_column(inv, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("plot_id,name,kind,siren,share\nP9,X,société,123456789,2\n,,chat,,\n",
                   encoding="utf-8")
    with pytest.raises(LegalError, match=r"(?s)6 problèmes.*owners\[ligne 2\]: plot_id = « P9 » "
                       r"est inconnu.*siren = « 123456789 » n'est pas un SIREN valide.*share = "
                       r"« 2 » n'est pas une part.*owners\[ligne 3\]: plot_id manquant.*name "
                       r"manquant.*kind = « chat »"):
        import_owners(bad, open_inventory(inv).plots)


def test_sirene_import_drops_closed_and_assigns_plots(filled):
    occ = read_table(filled, "occupants")
    assert occ[["siret", "siren", "terr_id", "etab_activite_code"]].values.tolist() == [
        ["73282932000074", "732829320", "P3", "25.62A"], ["73282932000090", "732829320", None,
                                                           "25.62A"]]
    assert valid_siret("35600000000048") and not valid_siret("73282932000075")


def test_sirene_import_refuses_bad_siret_from_xlsx(inv, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["siret", "denominationUniteLegale", "etatAdministratifEtablissement"])
    book.active.append(["1234", "X", "A"])
    book.save(tmp_path / "s.xlsx")
    with pytest.raises(LegalError, match=r"occupants\[ligne 2\]: siret = « 1234 » n'est pas un "
                       "SIRET valide"):
        import_sirene(tmp_path / "s.xlsx", open_inventory(inv).plots)


def test_consultation_cycle(filled, tmp_path):
    start, end, n = start_consultation(filled, dt.date(2026, 3, 2))
    assert (end, n) == (dt.date(2026, 4, 1), 5)
    with pytest.raises(LegalError, match="une consultation est déjà ouverte"):
        start_consultation(filled, dt.date(2026, 3, 3))
    (tmp_path / "lettres").mkdir()
    paths = write_letters(filled, tmp_path / "lettres")
    assert len(paths) == 5
    jeanne = (tmp_path / "lettres" / "owner_O1.html").read_text(encoding="utf-8")
    assert "Jeanne Exemple" in jeanne and "P1" in jeanne and "1er avril 2026" in jeanne
    assert "trente jours" in jeanne and "P2" not in jeanne
    record_answer(filled, "O1", dt.date(2026, 3, 10), correction="adresse corrigée")
    with pytest.raises(LegalError, match=r"consultation\[O9\]: destinataire inconnu"):
        record_answer(filled, "O9", dt.date(2026, 3, 10))
    status = consultation_status(filled, today=dt.date(2026, 4, 2))
    assert status.counts == {"corrigé": 1, "sans réponse": 4}
    assert consultation_status(filled, today=dt.date(2026, 3, 2)).days_left == 30


def test_adopted_snapshot_and_documents_unchanged_by_later_edits(filled, tmp_path):
    adoption = adopt(filled, dt.date(2026, 6, 1))
    assert adoption.next_update_due == dt.date(2032, 6, 1) == next_update_due(filled)
    html = next(p for p in adoption.documents if p.suffix == ".html")
    before = {p: p.read_bytes() for p in adoption.documents}
    snap = adoption.snapshot.read_bytes()
    text = html.read_text(encoding="utf-8")
    assert "Jeanne Exemple" in text and "50\u00a0%" in text and "1er juin 2026" in text
    assert "73282932000074" in text and "1er juin 2032" in text
    edit_plot(filled, "P1", {"price_eur_m2": 99, "unoccupied_since": None})
    assert adoption.snapshot.read_bytes() == snap
    assert {p: p.read_bytes() for p in adoption.documents} == before
    snap_plots = open_inventory(adoption.snapshot).plots.set_index("plot_id")
    assert snap_plots.loc["P1", "price_eur_m2"] == 20.0
    sheet = openpyxl.load_workbook(html.with_suffix(".xlsx"))["État parcellaire"]
    assert [c.value for c in sheet[1]] == ["Unité foncière", "Références cadastrales",
                                           "Surface (ha)", "Propriétaire(s)"]
    with pytest.raises(LegalError, match="un inventaire adopté ne se remplace pas"):
        adopt(filled, dt.date(2026, 6, 1))
    assert next_update_due(stored_inventory(tmp_path / "autre.gpkg")) is None
