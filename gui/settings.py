"""What the app remembers between sessions: recent files, last folders, window layout.

Everything goes through one :class:`AppSettings` over a ``QSettings`` in INI format (user scope,
organization ``foncier``, application ``foncier-gui``). Tests point the INI path elsewhere with
:func:`use_settings_dir` so they never touch the user's settings.

Examples
--------
>>> import tempfile
>>> use_settings_dir(tempfile.mkdtemp())
>>> s = AppSettings()
>>> s.add_recent("briefs", "/tmp/a.toml"); s.add_recent("briefs", "/tmp/b.toml")
>>> s.recent("briefs")
['/tmp/b.toml', '/tmp/a.toml']
>>> s.add_recent("briefs", "/tmp/a.toml"); s.recent("briefs")     # moved to the top, once
['/tmp/a.toml', '/tmp/b.toml']
>>> s.set_folder("export", "/tmp"); s.folder("export")
'/tmp'
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

__all__ = ["AppSettings", "use_settings_dir", "MAX_RECENT", "ORGANIZATION", "APPLICATION"]

ORGANIZATION = "foncier"
APPLICATION = "foncier-gui"
#: How many recent inventories and briefs the File menu lists.
MAX_RECENT = 8


def use_settings_dir(path) -> None:
    """Keep the settings in ``path`` (tests: a temporary folder)."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(path))


class AppSettings:
    """Recent files (``inventories``, ``briefs``), last folders per purpose, window layout."""

    def __init__(self, settings: QSettings | None = None):
        self.qsettings = settings or QSettings(QSettings.Format.IniFormat,
                                               QSettings.Scope.UserScope, ORGANIZATION,
                                               APPLICATION)

    # -- recent files --------------------------------------------------------------------------
    def recent(self, kind: str) -> list[str]:
        """The recent files of a kind, newest first."""
        value = self.qsettings.value(f"recent/{kind}", [])
        if isinstance(value, str):          # QSettings gives a lone string for a 1-item list
            value = [value]
        return [str(v) for v in (value or []) if v]

    def add_recent(self, kind: str, path) -> None:
        """Put a file on top of its recent list (kept to :data:`MAX_RECENT`)."""
        path = str(Path(path).resolve()) if "://" not in str(path) else str(path)
        items = [path] + [p for p in self.recent(kind) if p != path]
        self.qsettings.setValue(f"recent/{kind}", items[:MAX_RECENT])
        self.qsettings.sync()

    def remove_recent(self, kind: str, path: str) -> None:
        self.qsettings.setValue(f"recent/{kind}", [p for p in self.recent(kind) if p != path])

    # -- folders -------------------------------------------------------------------------------
    def folder(self, purpose: str) -> str:
        """The last folder used for a purpose (``inventory``, ``brief``, ``export``), else the
        last folder of any purpose, else the home folder."""
        for key in (f"folders/{purpose}", "folders/last"):
            value = self.qsettings.value(key, "")
            if value and os.path.isdir(str(value)):
                return str(value)
        return str(Path.home())

    def set_folder(self, purpose: str, path) -> None:
        folder = str(path if os.path.isdir(str(path)) else os.path.dirname(str(path)))
        self.qsettings.setValue(f"folders/{purpose}", folder)
        self.qsettings.setValue("folders/last", folder)

    # -- window layout -------------------------------------------------------------------------
    def value(self, key: str):
        return self.qsettings.value(key)

    def set_value(self, key: str, value) -> None:
        self.qsettings.setValue(key, value)
