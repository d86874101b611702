"""Draw the application icon: resources/icons/qpvdesk.svg, .png (256 px) and .ico.

Run after changing the drawing: `.venv/bin/pip install -e '.[icons]'` then
`.venv/bin/python installer/make_icon.py`. The icon is a neighbourhood of three buildings
on a blue tile; every size is painted from the same vector drawing (QPainter), and the
Windows .ico holds the sizes Windows asks for (16 to 256 px), packed by Pillow.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QLinearGradient, QPainter
from PySide6.QtSvg import QSvgGenerator

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
UNIT = 256.0  # the drawing's own coordinates

TILE_TOP, TILE_BOTTOM = QColor("#2E75B6"), QColor("#1B4F7A")
BUILDING, WINDOW, GROUND, SUN = (QColor("#FFFFFF"), QColor("#2E75B6"), QColor("#7CC47F"),
                                 QColor("#F4B942"))
# (left, top, width) of each building, bottoms on the ground line.
BUILDINGS = ((44.0, 98.0, 52.0), (104.0, 60.0, 56.0), (168.0, 120.0, 46.0))
GROUND_Y = 200.0


def paint(painter: QPainter, size: float) -> None:
    """The icon in a *size* × *size* square."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / UNIT, size / UNIT)
    painter.setPen(Qt.PenStyle.NoPen)
    gradient = QLinearGradient(0, 0, 0, UNIT)
    gradient.setColorAt(0, TILE_TOP)
    gradient.setColorAt(1, TILE_BOTTOM)
    painter.setBrush(gradient)
    painter.drawRoundedRect(QRectF(8, 8, 240, 240), 44, 44)
    painter.setBrush(SUN)
    painter.drawEllipse(QRectF(176, 40, 44, 44))
    for left, top, width in BUILDINGS:
        painter.setBrush(BUILDING)
        painter.drawRoundedRect(QRectF(left, top, width, GROUND_Y - top), 6, 6)
        painter.setBrush(WINDOW)
        step = 22.0
        row = top + 14
        while row + 12 <= GROUND_Y - 22:
            for column in (left + 10, left + width - 22):
                painter.drawRect(QRectF(column, row, 12, 12))
            row += step
    painter.setBrush(GROUND)
    painter.drawRoundedRect(QRectF(28, GROUND_Y, 200, 14), 7, 7)


def render_png(size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    paint(painter, size)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def write_svg(path: Path) -> None:
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(256, 256))
    generator.setViewBox(QRectF(0, 0, 256, 256))
    generator.setTitle("qpvdesk")
    painter = QPainter(generator)
    paint(painter, 256)
    painter.end()


def main() -> int:
    _app = QGuiApplication(sys.argv)
    ICONS.mkdir(parents=True, exist_ok=True)
    write_svg(ICONS / "qpvdesk.svg")
    (ICONS / "qpvdesk.png").write_bytes(render_png(256))
    images = [Image.open(io.BytesIO(render_png(size))) for size in ICO_SIZES]
    largest = images[-1]
    largest.save(ICONS / "qpvdesk.ico", format="ICO",
                 sizes=[(size, size) for size in ICO_SIZES], append_images=images[:-1])
    print(f"Icône écrite dans {ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
