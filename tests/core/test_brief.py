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
    with pytest.raises(BriefError, match=r"TOML invalide : valeur illisible \(un nombre, true, "
                                         r"false, une date ou un texte entre guillemets : "
                                         r"\"…\"\), ligne 2, colonne 15\.$"):
        read_brief(write(tmp_path, 'name = "x"\nmin_area_ha = = 3\n'))
    with pytest.raises(BriefError, match=r"« land » est déclaré deux fois, ligne 4, colonne 6\."):
        read_brief(write(tmp_path, 'name = "x"\n[land]\nmin_area_ha = 3\n[land]\n'))


def test_missing_file_is_a_brief_error(tmp_path):
    with pytest.raises(BriefError, match=r"fichier introuvable"):
        read_brief(tmp_path / "absent.toml")


def test_a_folder_given_as_brief_is_said_so_in_french(tmp_path):
    (tmp_path / "projet.toml").mkdir()
    with pytest.raises(BriefError, match=r"projet\.toml: lecture impossible \(c'est un dossier\)"):
        read_brief(tmp_path / "projet.toml")


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


# --- Bad input: any TOML document gives a Brief or a BriefError --------------------------------

@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        # A wrong type beside the other bound (was TypeError comparing "5" with 40.0).
        ('name = "x"\n[land]\nmin_area_ha = "5"\nmax_area_ha = 40\n',
         r"land\.min_area_ha: « 5 » n'est pas un nombre : un nombre est attendu"),
        # An integer too large for a float (was OverflowError); its 401 digits are not echoed.
        ('name = "x"\n[land]\nmin_area_ha = 1' + "0" * 400 + "\n",
         r"land\.min_area_ha: un entier d'environ 401 chiffres dépasse le maximum admis "
         r"\(100\u202f000 ha\)"),
        ('name = "x"\n[land]\nmax_area_ha = -1' + "0" * 400 + "\n",
         r"land\.max_area_ha: un entier négatif d'environ 401 chiffres est négatif"),
        ('name = "x"\n[land]\nmin_area_ha = 1' + "0" * 5000 + "\n",
         r"brief\.toml: TOML invalide : valeur illisible \(un nombre entier de plus de 4300"),
        ('name = "x"\nz = ' + "[" * 100_000 + "]" * 100_000 + "\n",
         r"brief\.toml: TOML invalide : tableaux ou tables imbriqués trop profondément"),
        ('name = "x"\n[access]\nport_max_km = inf\n',
         r"access\.port_max_km: inf n'est pas un nombre fini : un nombre de 0 à 1\u202f000 km"),
        ('name = "x"\n[access]\nport_max_km = nan\n', r"access\.port_max_km: nan n'est pas un "
                                                      r"nombre fini"),
        ('name = "x"\n[land]\nmax_price_eur_m2 = 1e308\n',
         r"land\.max_price_eur_m2: 1e\+308 dépasse le maximum admis \(100\u202f000 €/m²\) : "
         r"vérifiez l'unité"),
        ('name = "x"\n[weights]\nprice = inf\n',
         r"weights\.price: inf n'est pas un nombre fini : un poids de 0 à 1\u202f000 est attendu"),
        ('name = "x"\n[weights]\nprice = 1e308\n',
         r"weights\.price: 1e\+308 dépasse le maximum admis : un poids de 0 à 1\u202f000"),
        ('name = "x"\n[weights]\nprice = "lourd"\n',
         r"weights\.price: « lourd » n'est pas un nombre : un poids"),
        ('name = "x"\n[[land]]\nmin_area_ha = 1\n',
         r"land: \[\{\"min_area_ha\" = 1\}\] : une table \[land\] est attendue"),
        ('name = "x"\n[land]\navailable_by = 07:30:00\n',
         r"land\.available_by: 07:30:00 : une date AAAA-MM-JJ est attendue"),
    ],
)
def test_hostile_values_are_brief_errors(tmp_path, text, pattern):
    with pytest.raises(BriefError, match=pattern):
        read_brief(write(tmp_path, text))


def test_path_is_written_once(tmp_path):
    path = write(tmp_path, 'name = "x"\nmin_area_ha = = 3\n')
    with pytest.raises(BriefError, match=r"^\S*brief\.toml: TOML invalide") as info:
        read_brief(path)
    assert str(info.value).count("brief.toml") == 1
    assert info.value.source == str(path)
    with pytest.raises(BriefError, match=r"absent\.toml: fichier introuvable") as info:
        read_brief(tmp_path / "absent.toml")
    assert str(info.value).count("absent.toml") == 1


def test_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + FULL.encode("utf-8"))
    assert read_brief(path) == read_brief(write(tmp_path, FULL))


def test_not_utf8_names_the_fix(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "Hermès"\n'.encode("latin-1"))
    with pytest.raises(BriefError, match=r"latin1\.toml: le fichier n'est pas en UTF-8 \(octet "
                                         r"invalide en position 12\) : réenregistrez-le"):
        read_brief(path)


def test_huge_values_are_cut_in_messages(tmp_path):
    long = "y" * 5000
    zones = ", ".join(["1"] * 999)
    text = f'name = "x"\n[land]\nbrownfield = "{long}"\naccepted_zones = [{zones}]\n'
    with pytest.raises(BriefError, match=r"2 problèmes") as info:
        read_brief(write(tmp_path, text))
    message = str(info.value)
    assert "land.brownfield: « " + "y" * 59 + "… » n'est pas une valeur admise" in message
    assert "land.accepted_zones: [1, 1, 1" in message and "1… : une liste non vide" in message
    assert len(message) < 600


def test_every_problem_is_collected_with_key_value_and_expectation(tmp_path):
    text = ('name = 3\n[land]\nmin_area_ha = "5"\nmax_area_ha = inf\n[weights]\nprice = -1\n'
            'port = 1e9\n')
    with pytest.raises(BriefError, match=r"5 problèmes") as info:
        read_brief(write(tmp_path, text))
    assert [p.where for p in info.value.problems] == [
        "name", "land.min_area_ha", "land.max_area_ha", "weights.price", "weights.port"]
    assert str(info.value).count("brief.toml") == 1


def test_score_stays_finite_with_the_largest_weights(tiny_inventory):
    from foncier import match

    brief = Brief(name="x", min_area_ha=1, motorway_max_km=10,
                  weights={k: 1000 for k in ("area", "price", "timing", "motorway")})
    scores = match(tiny_inventory, brief).table["score"].to_numpy()
    assert ((scores >= 0) & (scores <= 100)).all() and scores.max() > 0


# --- Property-based: generated briefs ----------------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from foncier.core.brief import SECTIONS, WEIGHT_KEYS  # noqa: E402

_SCALARS = st.one_of(
    st.booleans(), st.integers(), st.integers(min_value=-10**500, max_value=10**500),
    st.floats(), st.floats(min_value=0, max_value=2000), st.text(max_size=30),
    st.sampled_from(["UX", "seveso", "flood:interdiction", "flood:", "accepted", "required",
                     "enregistrement", "2027-06-30", "", " "]),
    st.dates(), st.datetimes(), st.times(),
)
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
_ALL_KEYS = [k for keys in SECTIONS.values() for k in keys]
_KEYS = st.sampled_from(_ALL_KEYS) | st.text(max_size=10)


def _table(keys):
    return st.dictionaries(keys, _VALUES, max_size=6)


_DOCUMENTS = st.fixed_dictionaries(
    {},
    optional={"name": st.text(max_size=20) | _VALUES,
              **{s: _table(st.sampled_from(SECTIONS[s]) | _KEYS) | _VALUES for s in SECTIONS},
              "weights": st.dictionaries(st.sampled_from(WEIGHT_KEYS) | st.text(max_size=6),
                                         _VALUES | st.floats(min_value=-1, max_value=2000),
                                         max_size=4) | _VALUES},
) | st.dictionaries(st.text(max_size=10), _VALUES, max_size=4)


def _brief_or_error(load):
    """Run ``load``: a Brief (which writes and reads back identically) or a BriefError."""
    try:
        brief = load()
    except BriefError as exc:
        assert exc.problems and all(p.message for p in exc.problems)
        assert len(str(exc)) < 300 * len(exc.problems) + 200
        return None
    assert isinstance(brief, Brief)
    assert brief_from_dict(__import__("tomllib").loads(brief_to_toml(brief))) == brief
    return brief


@given(_DOCUMENTS)
def test_any_toml_mapping_gives_a_brief_or_a_brief_error(data):
    _brief_or_error(lambda: brief_from_dict(data))


@given(st.fixed_dictionaries({"name": st.text(min_size=1, max_size=10).filter(str.strip)},
                             optional={k: st.floats(min_value=0, max_value=1000)
                                       | st.integers(min_value=0, max_value=1000)
                                       for k in SECTIONS["access"] if k != "rail_siding"}))
def test_valid_generated_briefs_are_accepted(kwargs):
    assert _brief_or_error(lambda: Brief(**kwargs)) is not None


def _sample_bytes():
    from foncier.io.sample import sample_brief_paths

    return [p.read_bytes() for p in sample_brief_paths()]


_MUTATION = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, 2000), st.integers(1, 40)),
    st.tuples(st.just("duplicate"), st.integers(0, 2000), st.integers(1, 80)),
    st.tuples(st.just("insert"), st.integers(0, 2000), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("insert"), st.integers(0, 2000), st.sampled_from(
        [b"[", b"]", b"{", b"}", b"=", b'"', b"'", b"\n", b"inf", b"nan", b"1e308", b"-",
         b"9" * 400, b"\xef\xbb\xbf", b"\n[land]\n", b"\n[weights]\nprice = ", b"\x00"])),
    st.tuples(st.just("nest"), st.integers(0, 2000), st.sampled_from([10, 500, 100_000])),
)


def _mutate(data: bytes, mutations) -> bytes:
    b = bytearray(data)
    for op, at, arg in mutations:
        at = min(at, len(b))
        if op == "delete":
            del b[at:at + arg]
        elif op == "duplicate":
            b[at:at] = b[at:at + arg]
        elif op == "insert":
            b[at:at] = arg
        else:
            b[at:at] = b"\nx = " + b"[" * arg + b"]" * (arg // 2) + b"\n"
    return bytes(b)


@given(st.integers(0, 4), st.lists(_MUTATION, min_size=1, max_size=4))
def test_mutated_sample_briefs_give_a_brief_or_a_brief_error(tmp_path_factory, which, mutations):
    path = tmp_path_factory.getbasetemp() / "mutated.toml"
    path.write_bytes(_mutate(_sample_bytes()[which], mutations))
    _brief_or_error(lambda: read_brief(path))
