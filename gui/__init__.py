"""The foncier desktop app (PySide6). The library ``foncier`` never imports this package.

PySide6-Essentials 6.12.0 is excluded in ``pyproject.toml``: on Python 3.11 it drops a reference to
``None`` on every void call (``QWidget.update``...) and CPython aborts after some thousands of them.
"""
