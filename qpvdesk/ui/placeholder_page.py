"""The page of a section not built yet: it says so plainly, and what it will hold."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from qpvdesk.ui.sections import Section


class PlaceholderPage(QWidget):
    """"Cette section arrive dans une prochaine version : …"."""

    def __init__(self, section: Section, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel(section.title)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        self.message_label = QLabel(
            self.tr("Cette section arrive dans une prochaine version : elle rassemblera {what}")
            .format(what=section.summary)
        )
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.setMaximumWidth(720)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addSpacing(12)
        layout.addWidget(self.message_label)
        layout.addStretch(1)
