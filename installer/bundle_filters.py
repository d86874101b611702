"""Which of Qt's files the bundle keeps (used by qpvdesk.spec).

PyInstaller's Qt hooks collect every plugin, every translation and the libraries they
pull in. A widgets window needs far less: its platform plugins, a few image formats for
icons, the input contexts that compose accented letters, the desktop portal theme, and the
French and English translations. Paths are matched in the bundle's layout on Linux
(``PySide6/Qt/plugins/...``) and Windows (``PySide6/plugins/...``) alike.
"""

from __future__ import annotations

import sys
from pathlib import PurePosixPath

#: Plugin folders a widgets application on a desktop never loads.
DROPPED_PLUGIN_FOLDERS = frozenset({
    "egldeviceintegrations",  # full-screen embedded displays (eglfs)
    "generic",                # evdev / tuio input on embedded systems
    "networkinformation",     # QtNetwork, not used
    "tls",                    # QtNetwork, not used
    "sqldrivers",             # the application talks to SQLite through Python
    "qmltooling", "designer", "multimedia", "position", "sensors", "webview",
})

#: Platform plugins kept: desktops (X11, Wayland, Windows, macOS) and the screenless one
#: that `qpvdesk selftest` uses.
KEPT_PLATFORMS = frozenset({
    "qxcb", "qwayland", "qwayland-egl", "qwayland-generic", "qoffscreen", "qminimal",
    "qwindows", "qdirect2d", "qcocoa",
})

#: The GTK theme plugin drags in GTK's own stack (cairo, pango, gio…), which then clashes
#: with the desktop's; the XDG portal theme gives native file dialogs without it.
DROPPED_THEMES = frozenset({"qgtk3"})

#: Image formats kept (PNG is built into QtGui): the icon and the desktop themes' icons.
KEPT_IMAGE_FORMATS = frozenset({"qico", "qsvg", "qjpeg", "qgif"})

#: Qt libraries a widgets application does not link; the substrings of their file names.
DROPPED_LIBRARIES = (
    "Qt6EglFS", "Qt6EglFs", "Qt6Network", "Qt6Pdf", "Qt6Qml", "Qt6Quick", "Qt6VirtualKeyboard",
    "Qt6Designer", "Qt6Multimedia", "Qt6Sql", "Qt6Test", "QtNetwork.", "opengl32sw",
)

KEPT_LANGUAGES = ("_fr.qm", "_en.qm")


def _plugin(dest: str) -> tuple[str, str] | None:
    """(folder, plugin name without prefix and suffix) of a Qt plugin, else None."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if "plugins" not in parts or len(parts) < parts.index("plugins") + 3:
        return None
    index = parts.index("plugins")
    folder, filename = parts[index + 1], parts[-1]
    stem = filename.split(".")[0]
    return folder, stem.removeprefix("lib")


def keep_binary(dest: str) -> bool:
    """Whether the bundle keeps the library or plugin installed at *dest*."""
    if any(name in dest for name in DROPPED_LIBRARIES):
        return False
    plugin = _plugin(dest)
    if plugin is None:
        return True
    folder, name = plugin
    if folder in DROPPED_PLUGIN_FOLDERS:
        return False
    if folder == "platforms":
        return name in KEPT_PLATFORMS
    if folder == "platformthemes":
        return name not in DROPPED_THEMES
    if folder == "imageformats":
        return name in KEPT_IMAGE_FORMATS
    return True


def keep_data(dest: str) -> bool:
    """Whether the bundle keeps the data file at *dest* (Qt translations: French, English)."""
    path = PurePosixPath(dest.replace("\\", "/"))
    if "translations" in path.parts and path.suffix == ".qm":
        return path.name.endswith(KEPT_LANGUAGES)
    return True


def prune(binaries: list[tuple[str, str, str]], datas: list[tuple[str, str, str]]
          ) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """The Analysis' binaries and datas without the dropped Qt files and what only they needed.

    PyInstaller resolves the libraries that every plugin links before this filter runs: on
    Linux, a system library at the top of the bundle is kept only while a kept binary still
    links it (libpython is always kept: the launcher loads it). Links to dropped libraries
    (PyInstaller's top-level symlinks to Qt's libraries) go with them.
    """
    kept = [entry for entry in binaries if keep_binary(entry[0])]
    if sys.platform.startswith("linux"):
        kept = _linked_only(kept)
    present = {_posix(dest) for dest, _source, _kind in kept}
    kept_datas = [
        (dest, target, kind) for dest, target, kind in datas
        if keep_data(dest)
        and (kind != "SYMLINK" or _posix(target) in present)
    ]
    return kept, kept_datas


def _posix(dest: str) -> str:
    return dest.replace("\\", "/")


def _linked_only(binaries: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    from PyInstaller.depend.bindepend import get_imports

    top_level = {dest: entry for entry in binaries
                 if "/" not in _posix(dest := entry[0]) and not dest.startswith("libpython")}
    needed: set[str] = set()
    pending = [entry for dest, entry in
               ((entry[0], entry) for entry in binaries) if dest not in top_level]
    while pending:
        _dest, source, _kind = pending.pop()
        for name, _path in get_imports(source):
            library = PurePosixPath(name).name
            if library in top_level and library not in needed:
                needed.add(library)
                pending.append(top_level[library])
    return [entry for entry in binaries if entry[0] not in top_level or entry[0] in needed]
