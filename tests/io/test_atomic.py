"""Atomic writes (foncier.io.atomic): whole or nothing, no temporary file left."""

from __future__ import annotations

import doctest

import pytest

import foncier.io.atomic
import foncier.io.store
from foncier.errors import OutputError
from foncier.io.atomic import atomic_path, atomic_write


def test_a_finished_write_replaces_the_target(tmp_path):
    out = tmp_path / "fiche.html"
    out.write_text("ancienne", encoding="utf-8")
    with atomic_write(out) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".html" and tmp != out
        tmp.write_text("nouvelle", encoding="utf-8")
        assert out.read_text(encoding="utf-8") == "ancienne"     # not replaced before the end
    assert out.read_text(encoding="utf-8") == "nouvelle"
    assert list(tmp_path.iterdir()) == [out]


def test_an_error_keeps_the_previous_file_and_leaves_no_temporary(tmp_path):
    out = tmp_path / "lot.xlsx"
    out.write_bytes(b"avant")
    with pytest.raises(ValueError, match="en cours"):
        with atomic_write(out) as tmp:
            tmp.write_bytes(b"moitie")
            raise ValueError("erreur en cours d'écriture")
    assert out.read_bytes() == b"avant"
    assert list(tmp_path.iterdir()) == [out]


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(OutputError, match=r"dossier introuvable : .*absent\. Créez-le"):
        atomic_path(tmp_path / "absent" / "lot.gpkg")


def test_a_folder_as_target_is_refused(tmp_path):
    target = tmp_path / "dossier"
    target.mkdir()
    (target / "occupé").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match=r"dossier : c'est un dossier ; donnez un nom de "
                                          r"fichier\.$"):
        with atomic_write(target) as tmp:
            tmp.write_text("x", encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dossier"]


def test_the_store_still_exports_them():
    assert foncier.io.store.atomic_write is atomic_write
    assert foncier.io.store.atomic_path is atomic_path


@pytest.mark.parametrize("module", [foncier.io.atomic, foncier.io.store])
def test_examples_run(module):
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0
