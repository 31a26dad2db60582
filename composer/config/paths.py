"""Relative paths made absolute the way compose-go does it (its `paths` package).

`~` is expanded (and the result cleaned); an absolute path stays exactly as written,
trailing slash included; a relative one is joined to the base directory and cleaned.
Bind sources, secret/config files and a local bind volume's device also keep a Windows
absolute path (`C:\\data`, `\\\\server\\share`) as written, on any host.
"""

from __future__ import annotations

import os
import posixpath


def go_clean(path: str) -> str:
    """Go's path.Clean: normpath, except that a leading `//` becomes `/` too."""
    cleaned = posixpath.normpath(path)
    return cleaned[1:] if cleaned.startswith("//") else cleaned


def expand_user(path: str, home: str) -> str:
    return go_clean(home + "/" + path[1:]) if path.startswith("~") else path


def is_windows_absolute(path: str) -> bool:
    if path[:2] in ("\\\\", "//"):
        return True
    return len(path) >= 3 and path[0].isalpha() and path[1] == ":" and path[2] in "\\/"


def absolute(path: str, base_dir: str | os.PathLike, home: str, keep_windows: bool = False) -> str:
    """compose-go's absPath (keep_windows=False) and maybeUnixPath (keep_windows=True)."""
    path = expand_user(path, home)
    if not path or path.startswith("/") or (keep_windows and is_windows_absolute(path)):
        return path
    return go_clean(os.path.join(base_dir, path))
