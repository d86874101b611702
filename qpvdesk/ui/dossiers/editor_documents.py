"""The "Pièces" tab of the dossier editor: the dossier's files (kept inside the database with
their size and checksum), and the holder's standing documents that have expired."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.services.documents import DOSSIER_KINDS, DocumentRow
from qpvdesk.ui.dossiers.editor_widgets import (
    ERROR_COLOUR,
    OK_COLOUR,
    MessagePanel,
    date_text,
)

KIND, NAME, SIZE, ADDED, CHECKSUM = range(5)
_ID_ROLE = Qt.ItemDataRole.UserRole


class DocumentTree(QTreeWidget):
    """The dossier's files; Delete removes the selected one."""

    delete_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Delete:
            self.delete_pressed.emit()
            return
        super().keyPressEvent(event)


class DocumentsTab(QWidget):
    """Add, open and delete the dossier's files; the holder's expired papers in red."""

    add_requested = Signal(str)  # the kind chosen for the files to add
    open_requested = Signal(int)
    delete_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: tuple[DocumentRow, ...] = ()
        self.unsaved_label = QLabel(self.tr("Enregistrez d'abord le dossier : ses pièces "
                                            "s'ajoutent ensuite ici."))
        self.unsaved_label.setWordWrap(True)
        self.expired_panel = MessagePanel()
        self.expired_panel.setObjectName("expiredDocuments")
        self.holder_ok_label = QLabel()
        self.holder_ok_label.setStyleSheet(f"color: {OK_COLOUR};")
        self.holder_ok_label.setWordWrap(True)
        self.tree = DocumentTree()
        self.tree.setObjectName("documentTree")
        self.tree.setColumnCount(5)
        self.tree.setHeaderLabels([self.tr("Type"), self.tr("Fichier"), self.tr("Taille"),
                                   self.tr("Ajouté le"), self.tr("Empreinte SHA-256")])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        metrics = self.fontMetrics()
        for column, sample in ((KIND, "Compte rendu financier (CERFA 15059)"),
                               (SIZE, "000,0 Mo"), (ADDED, "00/00/0000"),
                               (CHECKSUM, "0123456789ab…")):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.tree.setColumnWidth(column, metrics.horizontalAdvance(sample) + 24)
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("documentKind")
        for kind in DOSSIER_KINDS:
            self.kind_combo.addItem(kind.label, kind.value)
        kind_label = QLabel(self.tr("&Type de la pièce :"))
        kind_label.setBuddy(self.kind_combo)
        self.add_button = QPushButton(self.tr("&Ajouter des fichiers…"))
        self.open_button = QPushButton(self.tr("&Ouvrir"))
        self.open_button.setToolTip(self.tr("Ouvrir avec l'application habituelle du système"))
        self.delete_button = QPushButton(self.tr("&Supprimer"))
        buttons = QHBoxLayout()
        buttons.addWidget(kind_label)
        buttons.addWidget(self.kind_combo)
        buttons.addWidget(self.add_button)
        buttons.addSpacing(18)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        note = QLabel(self.tr("Les fichiers sont copiés dans le fichier de données (taille et "
                              "empreinte vérifiées) : l'original peut être déplacé ou supprimé."))
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.expired_panel)
        layout.addWidget(self.holder_ok_label)
        layout.addWidget(self.unsaved_label)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        layout.addWidget(note)

        self.add_button.clicked.connect(
            lambda: self.add_requested.emit(str(self.kind_combo.currentData())))
        self.open_button.clicked.connect(self._open_current)
        self.delete_button.clicked.connect(self._delete_current)
        self.tree.itemActivated.connect(lambda *_: self._open_current())
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.tree.delete_pressed.connect(self._delete_current)
        self._editable = True
        self._saved = False
        self.show_nothing()

    def show_nothing(self) -> None:
        self._saved = False
        self.rows = ()
        self.tree.clear()
        self.tree.setEnabled(False)
        self.unsaved_label.show()
        self.expired_panel.show_messages([])
        self.holder_ok_label.hide()
        self._update_buttons()

    def show_documents(self, rows: Sequence[DocumentRow], expired: Sequence[DocumentRow],
                       holder_name: str) -> None:
        self._saved = True
        self.unsaved_label.hide()
        self.tree.setEnabled(True)
        keep = self.current_id()
        self.rows = tuple(rows)
        self.tree.clear()
        restore = None
        for row in rows:
            item = QTreeWidgetItem([row.kind_label, row.filename, row.size_label,
                                    date_text(row.added_at.astimezone().date()),
                                    row.sha256[:12] + "…"])
            item.setData(KIND, _ID_ROLE, row.id)
            item.setToolTip(NAME, row.filename)
            item.setToolTip(CHECKSUM, row.sha256)
            item.setTextAlignment(SIZE, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if row.needs_attention:
                for column in range(5):
                    item.setForeground(column, QBrush(QColor(ERROR_COLOUR)))
            self.tree.addTopLevelItem(item)
            if row.id == keep:
                restore = item
        if restore is not None:
            self.tree.setCurrentItem(restore)
        elif self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        if expired:
            lines = [(ERROR_COLOUR, self.tr(
                "Pièces de « {holder} » arrivées à échéance, à redemander :").format(
                    holder=holder_name))]
            for row in expired:
                lines.append((ERROR_COLOUR, self.tr("• {kind} ({file}) — valable jusqu'au "
                                                    "{until}").format(
                    kind=row.kind_label, file=row.filename, until=date_text(row.valid_until))))
            self.expired_panel.show_messages(lines, tone="error")
            self.holder_ok_label.hide()
        else:
            self.expired_panel.show_messages([])
            self.holder_ok_label.setText(self.tr(
                "Aucune pièce de « {holder} » n'est arrivée à échéance (statuts, RIB, "
                "assurance… se gèrent sur sa fiche Partenaires).").format(holder=holder_name))
            self.holder_ok_label.show()
        self._update_buttons()

    def current_id(self) -> int | None:
        item = self.tree.currentItem()
        return None if item is None else int(item.data(KIND, _ID_ROLE))

    def select(self, document_id: int) -> None:
        for index in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(index)
            if item.data(KIND, _ID_ROLE) == document_id:
                self.tree.setCurrentItem(item)

    def set_editable(self, editable: bool) -> None:
        self._editable = editable
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.current_id() is not None
        self.add_button.setEnabled(self._saved and self._editable)
        self.kind_combo.setEnabled(self._saved and self._editable)
        self.open_button.setEnabled(self._saved and has)
        self.delete_button.setEnabled(self._saved and has and self._editable)

    def _open_current(self) -> None:
        current = self.current_id()
        if current is not None:
            self.open_requested.emit(current)

    def _delete_current(self) -> None:
        current = self.current_id()
        if current is not None and self._editable:
            self.delete_requested.emit(current)
