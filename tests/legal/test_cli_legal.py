"""The legal commands end to end (imports, vacancy, edit, consultation, adoption); errors."""

from __future__ import annotations

from legal_helpers import stored_inventory

from foncier.cli.main import main


def test_legal_commands_end_to_end(tmp_path, capsys):
    inv = str(stored_inventory(tmp_path / "inv.gpkg"))
    (tmp_path / "o.csv").write_text("plot_id;name;kind\nP1;Jeanne Exemple;person\n",
                                    encoding="utf-8")
    (tmp_path / "s.csv").write_text("siret;denominationUniteLegale;"
                                    "etatAdministratifEtablissement;plot_id\n"
                                    "73282932000074;ATELIER;A;P3\n", encoding="utf-8")
    (tmp_path / "lettres").mkdir()
    assert main(["import-owners", inv, str(tmp_path / "o.csv")]) == 0
    assert main(["import-occupants", inv, str(tmp_path / "s.csv")]) == 0
    assert main(["vacancy", inv, "--year", "2026"]) == 0
    assert "Z1 : taux de vacance légal 50.0 %" in capsys.readouterr().out
    assert main(["edit", inv, "--plot", "P1", "price_eur_m2=30", "--user", "Alice"]) == 0
    assert "price_eur_m2 : 20.0 -> 30.0" in capsys.readouterr().out
    assert main(["consultation", "start", inv, "--date", "2026-03-02"]) == 0
    assert "du 2026-03-02 au 2026-04-01 : 2 destinataire(s)" in capsys.readouterr().out
    assert main(["consultation", "letters", inv, "--out", str(tmp_path / "lettres")]) == 0
    assert main(["consultation", "record", inv, "--recipient", "O1", "--date",
                 "2026-03-05"]) == 0
    assert main(["consultation", "status", inv, "--date", "2026-04-05"]) == 0
    assert "réponse reçue : 1" in capsys.readouterr().out
    assert main(["adopt", inv, "--date", "2026-06-01"]) == 0
    assert "prochaine mise à jour au plus tard le 2032-06-01" in capsys.readouterr().out


def test_legal_errors_are_french_without_traceback(tmp_path, capsys):
    inv = str(stored_inventory(tmp_path / "inv.gpkg"))
    assert main(["edit", inv, "--plot", "P1", "price_eur_m2=gratuit"]) == 1
    assert "price_eur_m2 = « gratuit » n'est pas un nombre" in capsys.readouterr().err
    assert main(["consultation", "letters", inv, "--out", str(tmp_path)]) == 1
    assert "aucune consultation ouverte" in capsys.readouterr().err
