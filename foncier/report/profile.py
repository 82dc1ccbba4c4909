"""The territory's profile: who sends the investor report (organisation, contact, logo).

A small TOML file, read by :func:`read_profile` into a :class:`TerritoryProfile`; every page of the
report shows it. Keys (all text; ``organisation`` required)::

    territory = "Normandie (exemple)"     # the territory's name, shown as the inventory's source
    organisation = "Service développement économique"
    contact = "Accueil des investisseurs"
    phone = "02 00 00 00 00"
    email = "contact@example.org"
    website = "https://example.org"
    logo = "logo.png"                      # PNG or JPEG, relative to the TOML file

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "profil.toml"
>>> _ = path.write_text('organisation = "Agence"\\nphone = 12\\n', encoding="utf-8")
>>> try:
...     read_profile(path)
... except ProfileError as exc:
...     print(exc.problems[0])
phone: un texte est attendu (reçu : 12).
>>> _ = path.write_text('organisation = "Agence"\\n', encoding="utf-8")
>>> read_profile(path).organisation
'Agence'
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from foncier.errors import Problem, ProfileError
from foncier.io.reasons import file_reason

__all__ = ["TerritoryProfile", "read_profile", "PROFILE_KEYS"]

#: The keys of a profile file and what each one is, in French (for error messages).
PROFILE_KEYS = {
    "territory": "nom du territoire", "organisation": "organisme",
    "contact": "personne à contacter",
    "phone": "téléphone", "email": "adresse électronique", "website": "site internet",
    "logo": "image du logo (PNG ou JPEG)",
}
_LOGO_SUFFIXES = (".png", ".jpg", ".jpeg")


@dataclass(frozen=True)
class TerritoryProfile:
    """Who sends the report. Every attribute is text ("" when not given) but ``logo``.

    Attributes
    ----------
    organisation, territory, contact, phone, email, website : str
    logo : Path or None
        The logo image (PNG or JPEG), an existing file.
    """

    organisation: str
    territory: str = ""
    contact: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    logo: Path | None = None

    def contact_lines(self) -> list[str]:
        """The contact block, a line per given value (organisation first).

        Examples
        --------
        >>> TerritoryProfile("Agence", phone="02 00 00 00 00").contact_lines()
        ['Agence', 'Tél.\\xa0: 02 00 00 00 00']
        """
        lines = [self.organisation]
        if self.contact:
            lines.append(self.contact)
        if self.phone:
            lines.append(f"Tél.\u00a0: {self.phone}")
        lines += [x for x in (self.email, self.website) if x]
        return lines


def read_profile(path: str | os.PathLike) -> TerritoryProfile:
    """Read and check a territory profile (TOML); every problem is reported at once.

    Raises
    ------
    ProfileError
        Unreadable file, unknown key, a value that is not text, a missing ``organisation``, an
        e-mail without ``@``, a logo that does not exist or is not PNG/JPEG; each problem names
        its key.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ProfileError([Problem("", None, "fichier introuvable. Donnez le chemin d'un "
                                    "profil de territoire (.toml).")], source=str(path)) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError([Problem("", None, f"TOML illisible ({file_reason(exc)}).")],
                           source=str(path)) from None
    problems: list[Problem] = []
    for key in data:
        if key not in PROFILE_KEYS:
            problems.append(Problem(key[:60], None, "clé inconnue ; clés possibles : "
                                    + ", ".join(PROFILE_KEYS) + "."))
    values = {}
    for key in PROFILE_KEYS:
        value = data.get(key, "")
        if not isinstance(value, str):
            problems.append(Problem(key, None, f"un texte est attendu (reçu : {value!r:.60})."))
            continue
        values[key] = value.strip()
    if "organisation" in values and not values["organisation"]:
        problems.append(Problem("organisation", None, "le nom de l'organisme est obligatoire "
                                "(par exemple « Service développement économique »)."))
    if values.get("email") and "@" not in values["email"]:
        problems.append(Problem("email", None, f"adresse électronique sans « @ » : "
                                f"{values['email']!r:.60}."))
    logo = None
    if values.get("logo"):
        logo = (path.parent / values["logo"]).resolve()
        if logo.suffix.lower() not in _LOGO_SUFFIXES:
            problems.append(Problem("logo", None, f"{values['logo']} : une image PNG ou JPEG "
                                    "est attendue."))
        elif not logo.is_file():
            problems.append(Problem("logo", None, f"image introuvable : {logo} (chemin relatif "
                                    "au fichier du profil)."))
    if problems:
        raise ProfileError(problems, source=str(path))
    values.pop("logo", None)
    return TerritoryProfile(logo=logo, **values)

