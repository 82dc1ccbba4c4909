"""Why a file could not be read or written, in French: the system's usual errors, text that is
not UTF-8, a TOML error with its place; anything else as it says itself."""

from __future__ import annotations

import errno
import tomllib

import pytest

from foncier.io.reasons import file_reason, os_reason


@pytest.mark.parametrize(("exc", "expected"), [
    (FileNotFoundError(errno.ENOENT, "No such file or directory"),
     "fichier ou dossier introuvable"),
    (NotADirectoryError(errno.ENOTDIR, "Not a directory"),
     "un élément du chemin est un fichier, pas un dossier"),
    (IsADirectoryError(errno.EISDIR, "Is a directory"), "c'est un dossier"),
    (PermissionError(errno.EACCES, "Permission denied"), "accès refusé"),
    (OSError(errno.ENOSPC, "No space left on device"), "disque plein"),
    (OSError(errno.EBUSY, "Device or resource busy"), "Device or resource busy"),
    (ValueError("autre chose"), "autre chose"),
])
def test_system_errors_are_french_when_usual(exc, expected):
    assert os_reason(exc) == expected == file_reason(exc)


def test_a_file_that_is_not_utf8_or_not_toml_is_said_with_its_place(tmp_path):
    with pytest.raises(UnicodeDecodeError) as bad_text:
        b"caf\xe9".decode("utf-8")
    assert file_reason(bad_text.value) == \
        "le fichier n'est pas en UTF-8 (octet invalide en position 3)"
    with pytest.raises(tomllib.TOMLDecodeError) as bad_toml:
        tomllib.loads("[land]\nmin_area_ha = 3\n[land]")
    assert file_reason(bad_toml.value) == "« land » est déclaré deux fois, ligne 3, colonne 6"
