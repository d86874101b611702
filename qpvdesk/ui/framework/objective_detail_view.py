"""The detail panel of the "Cadre stratégique" page: one objective, its full text, what uses it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.services.framework import ObjectiveRow


def _normalised(text: str | None) -> str:
    return " ".join((text or "").split())


class ObjectiveDetailView(QWidget):
    """Level, code, editable texts and usage of the selected objective (layout and dirty state)."""

    #: Whether the texts differ from the stored ones.
    dirty_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loaded: tuple[str, str, str] | None = None
        self._dirty = False
        self._editable = True

        self.level_label = QLabel()
        level_font = QFont(self.level_label.font())
        level_font.setBold(True)
        level_font.setPointSizeF(level_font.pointSizeF() * 1.15)
        self.level_label.setFont(level_font)
        self.code_label = QLabel()
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.title_edit = QPlainTextEdit()
        self.title_edit.setObjectName("objectiveTitle")
        self.title_edit.setTabChangesFocus(True)
        self.title_edit.setPlaceholderText(self.tr("L'intitulé tel qu'il figure au contrat"))
        lines = self.title_edit.fontMetrics().lineSpacing()
        self.title_edit.setFixedHeight(lines * 6 + 14)
        self.short_title_edit = QLineEdit()
        self.short_title_edit.setPlaceholderText(self.tr("Facultatif : pour les tableaux et les "
                                                         "relevés"))
        self.description_edit = QPlainTextEdit()
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setPlaceholderText(self.tr("Facultatif"))
        self.description_edit.setMinimumHeight(lines * 4 + 14)
        self.usage_label = QLabel()
        self.usage_label.setWordWrap(True)
        self.usage_label.setSizePolicy(QSizePolicy.Policy.Preferred,
                                       QSizePolicy.Policy.Minimum)

        self.revert_button = QPushButton(self.tr("Annuler les modifications"))
        self.save_button = QPushButton(self.tr("Enregistrer"))
        self.save_button.setDefault(True)
        self.save_button.setShortcut("Ctrl+S")
        self.save_button.setToolTip(self.tr("Enregistrer les modifications (Ctrl+S)"))

        self.empty_label = QLabel(self.tr("Sélectionnez un élément du cadre stratégique pour "
                                          "en voir le détail."))
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        header = QHBoxLayout()
        header.addWidget(self.level_label)
        header.addStretch(1)
        header.addWidget(self.code_label)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        self.content = QWidget()
        content_layout = QVBoxLayout(self.content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addLayout(header)
        for caption, field, stretch in (
            (self.tr("Intitulé"), self.title_edit, 0),
            (self.tr("Intitulé court"), self.short_title_edit, 0),
            (self.tr("Description"), self.description_edit, 1),
        ):
            label = QLabel(caption)
            label.setBuddy(field)
            content_layout.addSpacing(4)
            content_layout.addWidget(label)
            content_layout.addWidget(field, stretch)
        content_layout.addLayout(buttons)
        usage_caption = QLabel(self.tr("Utilisé par"))
        content_layout.addSpacing(8)
        content_layout.addWidget(usage_caption)
        content_layout.addWidget(self.usage_label)

        layout = QVBoxLayout(self)
        layout.addWidget(self.content, 1)
        layout.addWidget(self.empty_label, 1)

        for edit in (self.title_edit, self.description_edit):
            edit.textChanged.connect(self._update_dirty)
        self.short_title_edit.textChanged.connect(self._update_dirty)
        self.show_nothing()

    # ------------------------------------------------------------------ filling

    def show_row(self, row: ObjectiveRow, usage: str) -> None:
        """Show *row* with its stored texts (any unsaved edit is dropped)."""
        self._loaded = None
        self.level_label.setText(row.level.label)
        self.code_label.setText(row.code)
        self.title_edit.setPlainText(row.title)
        self.short_title_edit.setText(row.short_title or "")
        self.description_edit.setPlainText(row.description or "")
        self.usage_label.setText(usage or self.tr("rien pour l'instant"))
        self._loaded = self.values()
        self.content.setVisible(True)
        self.empty_label.setVisible(False)
        self._apply_editable()
        self._update_dirty()

    def show_nothing(self) -> None:
        self._loaded = None
        self.content.setVisible(False)
        self.empty_label.setVisible(True)
        self._update_dirty()

    def set_editable(self, editable: bool) -> None:
        self._editable = editable
        self._apply_editable()

    def _apply_editable(self) -> None:
        for edit in (self.title_edit, self.description_edit):
            edit.setReadOnly(not self._editable)
        self.short_title_edit.setReadOnly(not self._editable)
        self.revert_button.setVisible(self._editable)
        self.save_button.setVisible(self._editable)

    # ------------------------------------------------------------------ reading

    def values(self) -> tuple[str, str, str]:
        """Title, short title and description as typed (whitespace normalised)."""
        return (
            _normalised(self.title_edit.toPlainText()),
            _normalised(self.short_title_edit.text()),
            self.description_edit.toPlainText().strip(),
        )

    def is_dirty(self) -> bool:
        return self._dirty

    def _update_dirty(self) -> None:
        dirty = self._loaded is not None and self.values() != self._loaded
        self.save_button.setEnabled(dirty)
        self.revert_button.setEnabled(dirty)
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)
