"""Why a file could not be read or written, said in French.

The system, Python's TOML parser and its UTF-8 decoder say it in English; the messages of
foncier name the cause in French (:func:`os_reason`, :func:`file_reason`), the file and what to
do being the caller's.
"""

from __future__ import annotations

import errno

__all__ = ["os_reason", "file_reason"]


#: The system's errors that reads and writes meet most, in French (the system says them in English).
_OS_REASONS = {
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.ENOTDIR: "un élément du chemin est un fichier, pas un dossier",
    errno.EISDIR: "c'est un dossier",
    errno.EACCES: "accès refusé",
    errno.EPERM: "opération non permise",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.ENOSPC: "disque plein",
    errno.EDQUOT: "quota de disque dépassé",
    errno.ENAMETOOLONG: "nom de fichier trop long",
    errno.EIO: "erreur d'entrée-sortie du disque",
}


def os_reason(exc: BaseException) -> str:
    """Why a system call failed, in French for the usual errors, else as the system says it.

    Examples
    --------
    >>> os_reason(NotADirectoryError(errno.ENOTDIR, "Not a directory", "/f/x"))
    'un élément du chemin est un fichier, pas un dossier'
    >>> os_reason(OSError(errno.EBUSY, "Device or resource busy"))
    'Device or resource busy'
    """
    if isinstance(exc, OSError) and exc.errno is not None:
        return _OS_REASONS.get(exc.errno) or exc.strerror or errno.errorcode.get(
            exc.errno, str(exc.errno))
    return str(exc)


def file_reason(exc: BaseException) -> str:
    """Why a file could not be read: a TOML error with its place
    (:func:`foncier.wording.toml_error`), text that is not UTF-8 with the byte's position, a
    system error (:func:`os_reason`), else the error's own text.

    Examples
    --------
    >>> file_reason(UnicodeDecodeError("utf-8", bytes([99, 97, 102, 233]), 3, 4, "invalid"))
    "le fichier n'est pas en UTF-8 (octet invalide en position 3)"
    >>> file_reason(PermissionError(errno.EACCES, "Permission denied"))
    'accès refusé'
    """
    import tomllib

    if isinstance(exc, tomllib.TOMLDecodeError):
        from foncier.wording import toml_error

        return toml_error(exc)
    if isinstance(exc, UnicodeDecodeError):
        return f"le fichier n'est pas en UTF-8 (octet invalide en position {exc.start})"
    return os_reason(exc)
