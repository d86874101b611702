""""Fusionner avec…": choose the organisation whose file is merged into the current one."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.services.partners import OrganisationRow
from qpvdesk.ui.partners.organisation_table_model import (
    COLUMN_DOCUMENTS,
    COLUMN_NAME,
    OrganisationTableModel,
)

#: (parent, organisation kept, candidates, suggested ids) → id of the one merged into it.
OrganisationChooser = Callable[[QWidget, OrganisationRow, Sequence[OrganisationRow],
                                Sequence[int]], int | None]


class MergeDialog(QDialog):
    """A searchable list of the other organisations; duplicates of the kept one come first."""

    def __init__(self, keep: OrganisationRow, candidates: Sequence[OrganisationRow],
                 suggested: Sequence[int] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Fusionner avec…"))
        self.resize(760, 520)
        intro = QLabel(self.tr(
            "Choisissez la fiche à fusionner dans « {name} ». Ses dossiers, actions, lignes "
            "budgétaires, contacts, sièges en instance et documents passeront sur « {name} », "
            "puis elle sera supprimée. Vous verrez le détail avant de confirmer."
        ).format(name=keep.display_name))
        first = [row for row in candidates if row.id in suggested]
        rest = [row for row in candidates if row.id not in suggested]
        if first:
            intro.setText(intro.text() + " " + self.tr(
                "En tête de liste : les fiches qui ressemblent à celle-ci (même nom, SIRET ou "
                "RNA)."))
        intro.setWordWrap(True)
        self.search_edit = QLineEdit()
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText(self.tr("Rechercher : nom, sigle, SIRET, RNA"))
        self.model = OrganisationTableModel(self)
        self.model.set_all_rows(first + rest)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMN_NAME, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnHidden(COLUMN_DOCUMENTS, True)
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(self.tr("Fusionner…"),
                                                QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.tr("Annuler"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        self.search_edit.textChanged.connect(lambda text: self.model.set_filter(text, None))
        self.table.selectionModel().currentRowChanged.connect(self._update)
        self.table.doubleClicked.connect(lambda _index: self.accept())
        if self.model.rowCount():
            self.table.selectRow(0)
        self._update()
        self.search_edit.setFocus()

    def chosen_id(self) -> int | None:
        return self.model.id_at(self.table.currentIndex())

    def _update(self, *_args: QModelIndex) -> None:
        self.ok_button.setEnabled(self.chosen_id() is not None)


def choose_organisation_to_merge(parent: QWidget, keep: OrganisationRow,
                                 candidates: Sequence[OrganisationRow],
                                 suggested: Sequence[int] = ()) -> int | None:
    """The default chooser: the dialog, modal."""
    dialog = MergeDialog(keep, candidates, suggested, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.chosen_id()
