"""The preview of a programmation import: what would be created, updated or left aside, and
the row errors; « Importer » is offered only when no row is wrong.

The « Colonnes » tab is the mapping step: every heading of the header row found, with the
field the core took it for (those it did not recognise in orange), in a combo box the user
corrects; « Réanalyser » runs the preview again with those choices (an `ImportOptions`
whose ``mapping`` holds them, as ``--map`` does on the command line) and the import then
uses the same options."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.errors import UserFacingError
from qpvdesk.core.exchange.column_mapping import Field, MappingOverrides, normalise
from qpvdesk.core.exchange.programmation_import import ImportOptions

ERROR_HEADINGS = ("Feuille", "Ligne", "Colonne", "Valeur", "Motif")
MAPPING_HEADINGS = ("Colonne", "Intitulé du classeur", "Champ", "Reconnaissance")
IGNORE_LABEL = "— ignorer —"
#: The background of a heading the core did not recognise.
UNRECOGNISED = QColor(255, 196, 128)
#: More lines than this are summarised (the counts say the rest).
SHOWN_LINES = 2000
#: The columns of the mapping table.
LETTER, HEADING, FIELD, HOW = range(4)

Reanalyse = Callable[[ImportOptions], Any]


def _field_choices() -> list[Field]:
    """The fields offered in a combo, « — ignorer — » first."""
    return [Field.IGNORED, *(f for f in Field if f is not Field.IGNORED)]


class ImportDialog(QDialog):
    """Shows an `ImportPreview`; accepted means « import it » with `options`.

    *reanalyse* (options → preview) runs the preview again after the user corrected the
    mapping; without it the « Colonnes » tab only shows what was recognised.
    """

    save_errors_requested = Signal()
    reanalysed = Signal()

    def __init__(self, preview: Any, parent: QWidget | None = None, *,
                 reanalyse: Reanalyse | None = None,
                 options: ImportOptions | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        self.options = options or ImportOptions()
        self._reanalyse = reanalyse
        #: The user's choices: heading (or column letter) → field.
        self.choices: dict[str, Field] = dict(self.options.mapping.by_heading)
        self.pending = False
        self.setWindowTitle(self.tr("Importer « {name} »").format(name=preview.file.name))
        self.resize(900, 600)
        layout = QVBoxLayout(self)

        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)

        # --- the preview
        overview = QWidget()
        overview_layout = QVBoxLayout(overview)
        self.counts_label = QLabel()
        self.counts_label.setWordWrap(True)
        overview_layout.addWidget(self.counts_label)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        overview_layout.addWidget(self.status_label)

        self.errors_table = QTableWidget(0, len(ERROR_HEADINGS))
        self.errors_table.setHorizontalHeaderLabels([self.tr(h) for h in ERROR_HEADINGS])
        self.errors_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.errors_table.verticalHeader().hide()
        header = self.errors_table.horizontalHeader()
        header.setSectionResizeMode(len(ERROR_HEADINGS) - 1, QHeaderView.ResizeMode.Stretch)
        overview_layout.addWidget(self.errors_table, 1)
        self.lines_list = QListWidget()
        overview_layout.addWidget(self.lines_list, 1)
        self.tabs.addTab(overview, self.tr("Aperçu"))

        # --- the mapping step
        mapping = QWidget()
        mapping_layout = QVBoxLayout(mapping)
        self.mapping_label = QLabel()
        self.mapping_label.setWordWrap(True)
        mapping_layout.addWidget(self.mapping_label)
        self.mapping_table = QTableWidget(0, len(MAPPING_HEADINGS))
        self.mapping_table.setHorizontalHeaderLabels([self.tr(h) for h in MAPPING_HEADINGS])
        self.mapping_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.mapping_table.verticalHeader().hide()
        self.mapping_table.horizontalHeader().setSectionResizeMode(
            HEADING, QHeaderView.ResizeMode.Stretch)
        mapping_layout.addWidget(self.mapping_table, 1)
        row = QHBoxLayout()
        self.mapping_status = QLabel()
        self.mapping_status.setWordWrap(True)
        row.addWidget(self.mapping_status, 1)
        self.reanalyse_button = QPushButton(self.tr("Réanalyser"))
        self.reanalyse_button.clicked.connect(self.reanalyse)
        self.reanalyse_button.setVisible(reanalyse is not None)
        row.addWidget(self.reanalyse_button)
        mapping_layout.addLayout(row)
        self.tabs.addTab(mapping, self.tr("Colonnes"))

        buttons = QDialogButtonBox()
        self.import_button = QPushButton(self.tr("Importer"))
        self.save_errors_button = QPushButton(self.tr("Enregistrer la liste des erreurs…"))
        self.cancel_button = QPushButton(self.tr("Annuler"))
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.save_errors_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.import_button.clicked.connect(self.accept)
        self.cancel_button.clicked.connect(self.reject)
        self.save_errors_button.clicked.connect(self.save_errors_requested)
        layout.addWidget(buttons)

        self.show_preview(preview)
        if preview.header is not None and preview.header.unrecognised and preview.errors:
            self.tabs.setCurrentIndex(1)  # a column the core did not know may be the cause

    # ------------------------------------------------------------------ the preview

    def show_preview(self, preview: Any) -> None:
        """Fill every part of the dialog from *preview* (first shown, or reanalysed)."""
        self.preview = preview
        self.pending = False
        c = preview.counts
        self.counts_label.setText(self.tr(
            "Feuille « {sheet} », {rows} lignes lues.\n"
            "Dossiers : {created} à créer, {updated} à mettre à jour, {unchanged} inchangés, "
            "{skipped} laissés de côté.\n"
            "Financements : {f_created} à créer, {f_updated} à mettre à jour ; versements à "
            "créer : {payments} ; structures à créer : {organisations}.").format(
                sheet=preview.sheet, rows=c.rows, created=c.dossiers_created,
                updated=c.dossiers_updated, unchanged=c.dossiers_unchanged,
                skipped=self.skipped_count(), f_created=c.fundings_created,
                f_updated=c.fundings_updated, payments=c.payments_created,
                organisations=c.organisations_created))

        self.errors_table.setRowCount(len(preview.errors))
        for row, error in enumerate(preview.errors):
            values = (error.sheet, str(error.row) if error.row else "", error.column,
                      error.value, error.reason)
            for column, value in enumerate(values):
                self.errors_table.setItem(row, column, QTableWidgetItem(value))

        self.lines_list.clear()
        for line in preview.lines[:SHOWN_LINES]:
            self.lines_list.addItem(line.describe())
        if len(preview.lines) > SHOWN_LINES:
            self.lines_list.addItem(self.tr("… et {count} autres.")
                                    .format(count=len(preview.lines) - SHOWN_LINES))
        for note in preview.notes:
            self.lines_list.addItem(self.tr("Note : {note}").format(note=note))
        self.errors_table.setVisible(bool(preview.errors))
        self.lines_list.setVisible(not preview.errors)

        self._fill_mapping(preview.header)
        self._update_state()

    def _update_state(self) -> None:
        preview = self.preview
        count = len(preview.errors)
        if self.pending:
            self.status_label.setText(self.tr(
                "Les colonnes ont été modifiées : cliquez sur « Réanalyser » (onglet "
                "« Colonnes ») pour mettre l'aperçu à jour avant d'importer."))
        elif count:
            self.status_label.setText(self.tr(
                "{count} erreur(s) : rien ne sera importé tant que le classeur n'est pas "
                "corrigé. Enregistrez la liste des erreurs pour la transmettre ou la corriger, "
                "ou corrigez la lecture des colonnes (onglet « Colonnes »)."
            ).format(count=count))
        elif not preview.changes_anything:
            self.status_label.setText(self.tr(
                "Rien à changer : la base contient déjà tout ce que dit le classeur."))
        else:
            self.status_label.setText(self.tr(
                "Aucune erreur. L'import enregistre tout d'un coup, après une sauvegarde de la "
                "base ; il ne s'annule pas avec Ctrl+Z."))
        self.import_button.setEnabled(not count and preview.changes_anything
                                      and not self.pending)
        self.save_errors_button.setEnabled(bool(count))
        self.save_errors_button.setVisible(bool(count))
        self.reanalyse_button.setEnabled(self.pending)
        self.mapping_status.setText(self.tr(
            "Choix modifiés, pas encore pris en compte.") if self.pending else "")
        (self.cancel_button if count or self.pending else self.import_button).setDefault(True)

    def skipped_count(self) -> int:
        from qpvdesk.core.exchange.programmation_import import Outcome

        return sum(1 for line in self.preview.lines if line.outcome is Outcome.SKIPPED)

    # ------------------------------------------------------------------ the mapping step

    def _fill_mapping(self, header: Any) -> None:
        table = self.mapping_table
        table.setRowCount(0)
        if header is None:
            self.mapping_label.setText(self.tr(
                "Aucune ligne d'intitulés reconnue dans la feuille « {sheet} »."
            ).format(sheet=self.preview.sheet))
            return
        unknown = len(header.unrecognised)
        text = self.tr("Intitulés trouvés ligne {row} de la feuille « {sheet} ».").format(
            row=header.row, sheet=self.preview.sheet)
        if unknown:
            text += " " + self.tr(
                "{count} colonne(s) non reconnue(s), en orange : choisissez ce qu'elles "
                "contiennent, puis « Réanalyser ».").format(count=unknown)
        self.mapping_label.setText(text)
        fields = _field_choices()
        table.setRowCount(len(header.columns))
        for row, column in enumerate(header.columns):
            recognised = column.field is not None
            how = column.how + (f", financeur « {column.funder} »" if column.funder else "")
            items = {LETTER: column.letter, HEADING: column.heading, HOW: how}
            for position, value in items.items():
                item = QTableWidgetItem(value)
                if not recognised:
                    item.setBackground(QBrush(UNRECOGNISED))
                    item.setToolTip(self.tr("Colonne non reconnue : elle sera ignorée."))
                table.setItem(row, position, item)
            combo = QComboBox()
            for choice in fields:
                combo.addItem(self.tr(IGNORE_LABEL) if choice is Field.IGNORED
                              else choice.label, choice)
            combo.setCurrentIndex(fields.index(column.field or Field.IGNORED))
            if not recognised:
                combo.setStyleSheet(f"QComboBox {{ background: {UNRECOGNISED.name()}; }}")
            combo.currentIndexChanged.connect(
                lambda _index, c=column, box=combo: self._chosen(c, box))
            table.setCellWidget(row, FIELD, combo)
        table.resizeColumnToContents(LETTER)
        table.resizeColumnToContents(FIELD)

    def field_combo(self, heading: str) -> QComboBox:
        """The combo of the column headed *heading* (tests, and finding one by name)."""
        for row in range(self.mapping_table.rowCount()):
            item = self.mapping_table.item(row, HEADING)
            if item is not None and item.text() == heading:
                widget = self.mapping_table.cellWidget(row, FIELD)
                assert isinstance(widget, QComboBox)
                return widget
        raise KeyError(heading)

    def _key_of(self, column: Any) -> str:
        """The heading, or the column's letter when two columns share the heading."""
        header = self.preview.header
        same = [c for c in header.columns if normalise(c.heading) == normalise(column.heading)]
        return column.letter if len(same) > 1 or not normalise(column.heading) else column.heading

    def _chosen(self, column: Any, combo: QComboBox) -> None:
        field = combo.currentData()
        if not isinstance(field, Field):
            return
        self.choices[self._key_of(column)] = field
        self.pending = True
        self._update_state()

    def mapping(self) -> MappingOverrides:
        """The user's choices as the core reads them (what ``--map`` would give)."""
        return MappingOverrides(tuple(self.choices.items()))

    def reanalyse(self) -> None:
        """Run the preview again with the user's choices; the import will use them too."""
        if self._reanalyse is None:
            return
        options = dataclasses.replace(self.options, mapping=self.mapping())
        if options.sheet is None and self.preview.header is not None:
            options = dataclasses.replace(options, sheet=self.preview.sheet)
        try:
            preview = self._reanalyse(options)
        except UserFacingError as error:
            self.mapping_status.setText(error.message)
            return
        self.options = options
        self.show_preview(preview)
        self.tabs.setCurrentIndex(0)
        self.reanalysed.emit()
