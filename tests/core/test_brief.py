"""Investor briefs: reading TOML, keyword arguments, every refusal, and the round trip."""

from __future__ import annotations

import datetime as dt

import pytest

from foncier import Brief, BriefError, read_brief, write_brief
from foncier.core.brief import brief_from_dict, brief_to_toml

FULL = """
name = "Projet Atlas - batteries"
[land]
min_area_ha = 10.0
max_area_ha = 40.0
max_price_eur_m2 = 35.0
available_by = 2027-06-30
accepted_zones = ["UX", "1AUX"]
turnkey = true
brownfield = "accepted"
building_height_m = 18.0
[regulatory]
icpe = "enregistrement"
forbidden_constraints = ["seveso", "flood:interdiction"]
excluded_constraints = ["flood", "wetland"]
min_housing_distance_m = 200.0
[utilities]
power_mw = 12.0
water_m3_day = 300.0
gas = true
fiber = true
[access]
motorway_max_km = 10.0
rail_siding = true
rail_freight_max_km = 25.0
port_max_km = 60.0
[weights]
price = 1.0
motorway = 2.0
"""


def write(tmp_path, text, name="brief.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_design_example_reads_every_key(tmp_path):
    b = read_brief(write(tmp_path, FULL))
    assert b.name == "Projet Atlas - batteries"
    assert (b.min_area_ha, b.max_area_ha, b.max_price_eur_m2) == (10.0, 40.0, 35.0)
    assert b.available_by == dt.date(2027, 6, 30)
    assert b.accepted_zones == ("UX", "1AUX")
    assert b.turnkey is True and b.brownfield == "accepted"
    assert b.icpe == "enregistrement"
    assert b.forbidden_constraints == ("seveso", "flood:interdiction")
    assert b.excluded_constraints == ("flood", "wetland")
    assert (b.power_mw, b.water_m3_day, b.gas, b.fiber) == (12.0, 300.0, True, True)
    assert (b.motorway_max_km, b.rail_siding, b.rail_freight_max_km, b.port_max_km) == (
        10.0, True, 25.0, 60.0)
    assert b.weight_map == {"price": 1.0, "motorway": 2.0}


def test_whole_number_accepted_where_a_number_is_expected(tmp_path):
    b = read_brief(write(tmp_path, 'name = "x"\n[land]\nmin_area_ha = 5\n'))
    assert b.min_area_ha == 5.0 and isinstance(b.min_area_ha, float)


def test_only_name_is_required(tmp_path):
    b = read_brief(write(tmp_path, 'name = "Projet minimal"\n'))
    assert b.min_area_ha is None and b.icpe is None


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ('name = "x"\n[land]\nsurface = 3\n', r"land\.surface: clé inconnue"),
        ('name = "x"\n[land]\npower_mw = 3\n', r"land\.power_mw: clé inconnue \(cette clé va "
                                               r"dans \[utilities\]\)"),
        ('name = "x"\n[terrain]\nmin_area_ha = 3\n', r"terrain: clé ou section inconnue"),
        ('name = "x"\n[land]\nmin_area_ha = "dix"\n', r"land\.min_area_ha: « dix » n'est pas un "
                                                      r"nombre"),
        ('name = "x"\n[land]\nmin_area_ha = -2\n', r"land\.min_area_ha: -2 est négatif"),
        ('name = "x"\n[land]\nmin_area_ha = 20\nmax_area_ha = 10\n',
         r"land\.min_area_ha: 20 est supérieur à land\.max_area_ha = 10"),
        ('name = "x"\n[regulatory]\nicpe = "seveso"\n',
         r"regulatory\.icpe: « seveso » n'est pas un régime ICPE admis"),
        ('name = "x"\n[land]\nbrownfield = "maybe"\n',
         r"land\.brownfield: « maybe » n'est pas une valeur admise \(accepted, required, "
         r"excluded\)"),
        ('name = "x"\n[regulatory]\nforbidden_constraints = ["volcano"]\n',
         r"regulatory\.forbidden_constraints: « volcano » : nature de contrainte inconnue"),
        ('name = "x"\n[regulatory]\nexcluded_constraints = ["flood:forte"]\n',
         r"regulatory\.excluded_constraints: « flood:forte » : niveau inconnu « forte »"),
        ('name = "x"\n[utilities]\ngas = "oui"\n', r"utilities\.gas: « oui » : true ou false"),
        ('name = "x"\n[land]\navailable_by = "bientôt"\n',
         r"land\.available_by: « bientôt » : une date AAAA-MM-JJ est attendue"),
        ('name = "x"\n[land]\naccepted_zones = "UX"\n',
         r"land\.accepted_zones: « UX » : une liste non vide"),
        ('name = "x"\n[weights]\nbeauty = 2\n', r"weights\.beauty: clé de pondération inconnue"),
        ('name = "x"\n[weights]\nprice = -1\n', r"weights\.price: -1 est négatif"),
        ('[land]\nmin_area_ha = 3\n', r"name: clé obligatoire absente"),
        ('name = ""\n', r"name: «  » : un nom de projet"),
    ],
)
def test_bad_brief_names_key_value_and_expectation(tmp_path, text, pattern):
    path = write(tmp_path, text)
    with pytest.raises(BriefError, match=pattern) as info:
        read_brief(path)
    assert str(path) in str(info.value)


def test_every_problem_is_reported_at_once(tmp_path):
    text = ('name = "x"\n[land]\nmin_area_ha = -1\nmax_price_eur_m2 = "cher"\n'
            '[access]\nport_max_km = -3\nunknown = 1\n')
    with pytest.raises(BriefError, match=r"4 problèmes") as info:
        read_brief(write(tmp_path, text))
    wheres = {p.where for p in info.value.problems}
    assert wheres == {"land.min_area_ha", "land.max_price_eur_m2", "access.port_max_km",
                      "access.unknown"}


def test_invalid_toml_is_refused_with_position(tmp_path):
    with pytest.raises(BriefError, match=r"TOML invalide : .*line 2"):
        read_brief(write(tmp_path, 'name = "x"\nmin_area_ha = = 3\n'))


def test_missing_file_is_a_brief_error(tmp_path):
    with pytest.raises(BriefError, match=r"fichier introuvable"):
        read_brief(tmp_path / "absent.toml")


def test_keyword_arguments_are_checked_too():
    with pytest.raises(BriefError, match=r"access\.motorway_max_km: -1 est négatif"):
        Brief(name="x", motorway_max_km=-1)
    with pytest.raises(BriefError, match=r"utilities\.power_mw: True n'est pas un nombre"):
        Brief(name="x", power_mw=True)


def test_keyword_brief_equals_toml_brief(tmp_path):
    from_toml = read_brief(write(tmp_path, FULL))
    from_kwargs = Brief(
        name="Projet Atlas - batteries", min_area_ha=10, max_area_ha=40, max_price_eur_m2=35,
        available_by=dt.date(2027, 6, 30), accepted_zones=["UX", "1AUX"], turnkey=True,
        brownfield="accepted", building_height_m=18, icpe="enregistrement",
        forbidden_constraints=["seveso", "flood:interdiction"],
        excluded_constraints=["flood", "wetland"], min_housing_distance_m=200, power_mw=12,
        water_m3_day=300, gas=True, fiber=True, motorway_max_km=10, rail_siding=True,
        rail_freight_max_km=25, port_max_km=60, weights={"price": 1, "motorway": 2})
    assert from_kwargs == from_toml


def test_toml_round_trip_is_identical(tmp_path):
    original = read_brief(write(tmp_path, FULL))
    out = tmp_path / "saved.toml"
    write_brief(original, out)
    assert read_brief(out) == original
    assert brief_from_dict(__import__("tomllib").loads(brief_to_toml(original))) == original


def test_write_brief_into_missing_folder_fails_cleanly(tmp_path):
    from foncier import OutputError

    with pytest.raises(OutputError, match=r"dossier introuvable"):
        write_brief(Brief(name="x"), tmp_path / "nope" / "b.toml")
    assert not (tmp_path / "nope").exists()
