"""The application icon: shown on every window, and shipped in the sizes Windows asks for."""

from __future__ import annotations

import struct

from PySide6.QtCore import QSize
from pytestqt.qtbot import QtBot

from qpvdesk.paths import resource
from qpvdesk.ui.app import application_icon


def test_the_window_icon_is_the_qpvdesk_icon(qtbot: QtBot) -> None:
    icon = application_icon()
    assert not icon.isNull()
    assert QSize(256, 256) in icon.availableSizes()
    # Not a blank square: the tile is drawn in the icon's blue.
    image = icon.pixmap(256, 256).toImage()
    assert image.pixelColor(128, 20).blue() > 150


def test_the_windows_icon_holds_every_size_from_16_to_256_pixels() -> None:
    data = resource("icons", "qpvdesk.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)
    # Each directory entry starts with the width and height (0 stands for 256).
    sizes = {data[6 + 16 * i] or 256 for i in range(count)}
    assert {16, 32, 48, 256} <= sizes
