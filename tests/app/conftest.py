"""App tests keep their settings (recent files, folders, window layout) in a temporary folder:
never the user's."""

from __future__ import annotations

import pytest
from foncier_gui.settings import use_settings_dir


@pytest.fixture(autouse=True)
def app_settings_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("settings")
    use_settings_dir(path)
    return path

