"""The "Tableau de bord" page: the contract, its neighbourhood and what the file holds."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import ObjectiveLevel
from qpvdesk.core.services.info import (
    ContractSummary,
    DatabaseInfo,
    contract_summary,
    database_info,
)
from qpvdesk.core.storage import migrate
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.formatting import date_time, number

PLURAL_LEVELS = {
    ObjectiveLevel.PRIORITY: "Priorités",
    ObjectiveLevel.STRATEGIC: "Objectifs stratégiques",
    ObjectiveLevel.OPERATIONAL: "Objectifs opérationnels",
    ObjectiveLevel.ITEM: "Pistes d'action",
}


def _heading_font(label: QLabel, scale: float) -> None:
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)


class DashboardPage(QWidget):
    """Figures of the open file, refreshed after every change."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.title_label = QLabel()
        self.title_label.setWordWrap(True)
        _heading_font(self.title_label, 1.6)
        self.subtitle_label = QLabel()
        self.neighbourhood_label = QLabel()
        self.neighbourhood_label.setWordWrap(True)

        self.framework_box, self.framework_form = self._box(self.tr("Cadre stratégique"))
        self.programme_box, self.programme_form = self._box(self.tr("Programmation"))
        self.governance_box, self.governance_form = self._box(self.tr("Instances"))
        self.file_box, self.file_form = self._box(self.tr("Fichier de données"))

        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(16)
        grid.addWidget(self.framework_box, 0, 0)
        grid.addWidget(self.programme_box, 0, 1)
        grid.addWidget(self.governance_box, 1, 0)
        grid.addWidget(self.file_box, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

        content = QWidget()
        content.setMaximumWidth(1000)
        layout = QVBoxLayout(content)
        layout.addWidget(self.title_label)
        layout.addWidget(self.subtitle_label)
        layout.addWidget(self.neighbourhood_label)
        layout.addSpacing(16)
        layout.addLayout(grid)
        layout.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        scroll.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        context.changed.connect(lambda _changes: self.refresh())
        self.refresh()

    def _box(self, title: str) -> tuple[QGroupBox, QFormLayout]:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        return box, form

    @staticmethod
    def _fill(form: QFormLayout, rows: list[tuple[str, str]]) -> None:
        while form.rowCount():
            form.removeRow(0)
        for label, value in rows:
            value_label = QLabel(value)
            value_label.setWordWrap(True)
            value_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label, value_label)

    def refresh(self) -> None:
        database = self._context.database
        last_backup = database.last_backup()

        def load(session: Session) -> tuple[ContractSummary | None, DatabaseInfo]:
            return (contract_summary(session),
                    database_info(session, migrate.head_revision(), last_backup))

        summary, info = self._context.read(load)
        self._show_contract(summary)
        self._fill(self.framework_form, [
            (self.tr(PLURAL_LEVELS[level]), number(info.objectives.get(level.value, 0)))
            for level in ObjectiveLevel
        ])
        dossiers = [(self.tr("Dossiers {year}").format(year=year), number(count))
                    for year, count in info.dossiers.items()]
        self._fill(self.programme_form, [
            (self.tr("Structures"), number(info.organisations)),
            *(dossiers or [(self.tr("Dossiers"), self.tr("aucun pour l'instant"))]),
        ])
        self._fill(self.governance_form, [(self.tr("Séances"), number(info.meetings))])
        file_rows = [
            (self.tr("Fichier"), str(database.origin)),
            (self.tr("Dernière sauvegarde"),
             date_time(last_backup, self.tr("aucune pour l'instant"))),
            (self.tr("Version du schéma"), info.schema_version),
        ]
        if database.read_only:
            file_rows.append((self.tr("Accès"), self.tr("lecture seule")))
        self._fill(self.file_form, file_rows)

    def _show_contract(self, summary: ContractSummary | None) -> None:
        if summary is None:
            self.title_label.setText(self.tr("Aucun contrat de ville dans cette base"))
            self.subtitle_label.setText(self.tr("Base vide : importez ou saisissez un contrat."))
            self.neighbourhood_label.clear()
            return
        self.title_label.setText(summary.name)
        self.subtitle_label.setText(
            self.tr("{town} — contrat {start}–{end}")
            .format(town=summary.town, start=summary.start_year, end=summary.end_year)
        )
        parts = []
        for name, code, population in summary.neighbourhoods:
            text = f"{name} ({code})"
            if population is not None:
                text += self.tr(", {n} habitants").format(n=number(population))
            parts.append(text)
        if not parts:
            self.neighbourhood_label.setText(self.tr("Aucun quartier prioritaire renseigné."))
        elif len(parts) == 1:
            self.neighbourhood_label.setText(self.tr("Quartier prioritaire : {q}")
                                             .format(q=parts[0]))
        else:
            self.neighbourhood_label.setText(self.tr("Quartiers prioritaires : {q}")
                                             .format(q=" ; ".join(parts)))
