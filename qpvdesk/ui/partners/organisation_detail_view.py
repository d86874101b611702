"""The right-hand side of the Partenaires page: one organisation's header and its four tabs.

"Fiche" (the editable form), "Historique" (every dossier and grant, every year and
funder), "Contacts" and "Documents". Layout and display only; `PartnersScreen`
gives them their behaviour.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.documents import DocumentRow
from qpvdesk.core.services.partners import (
    ContactRow,
    OrganisationDossierRow,
    OrganisationFundingRow,
    YearTotals,
)
from qpvdesk.ui.formatting import date_time
from qpvdesk.ui.partners.column_model import RIGHT, Column, ColumnTableModel
from qpvdesk.ui.partners.fields import FieldMessage, format_date
from qpvdesk.ui.partners.organisation_form import OrganisationForm

TAB_FORM, TAB_HISTORY, TAB_CONTACTS, TAB_DOCUMENTS = range(4)


def _tr(text: str) -> str:
    return QCoreApplication.translate("OrganisationDetailView", text)


def money(value: Money | None) -> str:
    return "" if value is None else value.format()


def _cents(value: Money | None) -> int:
    return -1 if value is None else value.cents


def make_table(name: str) -> QTableView:
    """A read-only, row-selecting table with sortable headers."""
    table = QTableView()
    table.setObjectName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setSortingEnabled(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    table.horizontalHeader().setHighlightSections(False)
    return table


def fit_columns(table: QTableView, stretch: int) -> None:
    """Columns sized to their content, *stretch* taking what is left."""
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _button_row(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return row


# ---------------------------------------------------------------------- models' columns


def year_columns() -> list[Column[YearTotals]]:
    return [
        Column(_tr("Année"), lambda r: str(r.year), sort_key=lambda r: r.year),
        Column(_tr("Demandé"), lambda r: money(r.requested), sort_key=lambda r: r.requested.cents,
               align=RIGHT),
        Column(_tr("Proposé"), lambda r: money(r.proposed), sort_key=lambda r: r.proposed.cents,
               align=RIGHT),
        Column(_tr("Accordé"), lambda r: money(r.granted), sort_key=lambda r: r.granted.cents,
               align=RIGHT),
        Column(_tr("Versé"), lambda r: money(r.paid), sort_key=lambda r: r.paid.cents,
               align=RIGHT),
    ]


def dossier_columns() -> list[Column[OrganisationDossierRow]]:
    return [
        Column(_tr("Année"), lambda r: str(r.year), sort_key=lambda r: r.year),
        Column(_tr("Référence"), lambda r: r.reference),
        Column(_tr("Action"), lambda r: r.action_title, tooltip=lambda r: r.action_title),
        Column(_tr("État"), lambda r: r.state_label),
        Column(_tr("Demandé"), lambda r: money(r.requested),
               sort_key=lambda r: _cents(r.requested), align=RIGHT),
        Column(_tr("Proposé"), lambda r: money(r.proposed),
               sort_key=lambda r: _cents(r.proposed), align=RIGHT),
        Column(_tr("Accordé"), lambda r: money(r.granted),
               sort_key=lambda r: _cents(r.granted), align=RIGHT),
    ]


def funding_columns() -> list[Column[OrganisationFundingRow]]:
    return [
        Column(_tr("Année"), lambda r: str(r.year), sort_key=lambda r: r.year),
        Column(_tr("Dossier"), lambda r: r.dossier_reference or _tr("droit commun"),
               sort_key=lambda r: r.dossier_reference or ""),
        Column(_tr("Action"), lambda r: r.action_title, tooltip=lambda r: r.action_title),
        Column(_tr("Financeur"), lambda r: r.funder_name, tooltip=lambda r: r.funder_name),
        Column(_tr("Ligne budgétaire"), lambda r: r.budget_line_name,
               tooltip=lambda r: f"{r.budget_line_name} ({r.nature_label})"),
        Column(_tr("Demandé"), lambda r: money(r.requested),
               sort_key=lambda r: _cents(r.requested), align=RIGHT),
        Column(_tr("Accordé"), lambda r: money(r.granted),
               sort_key=lambda r: _cents(r.granted), align=RIGHT,
               tooltip=lambda r: _tr("Décision du financeur : {decision}").format(
                   decision=r.funder_decision) if r.funder_decision else None),
        Column(_tr("Versé"), lambda r: money(r.paid) if r.paid else "",
               sort_key=lambda r: r.paid.cents, align=RIGHT),
    ]


def contact_columns() -> list[Column[ContactRow]]:
    return [
        Column(_tr("Nom"), lambda r: r.full_name,
               sort_key=lambda r: (r.last_name.casefold(), (r.first_name or "").casefold())),
        Column(_tr("Fonction"), lambda r: r.function or "", tooltip=lambda r: r.function),
        Column(_tr("Courriel"), lambda r: r.email or ""),
        Column(_tr("Téléphone"), lambda r: r.phone or ""),
        Column(_tr("Instances"), lambda r: ", ".join(r.committees),
               tooltip=lambda r: "\n".join(r.committees) or None),
    ]


def _validity_tip(row: DocumentRow) -> str | None:
    if row.needs_attention:
        return _tr("Expiré le {date} : demandez un document à jour.").format(
            date=format_date(row.valid_until))
    if row.superseded:
        return _tr("Expiré, mais remplacé par un document plus récent du même type.")
    return None


def document_columns() -> list[Column[DocumentRow]]:
    return [
        Column(_tr("Type"), lambda r: r.kind_label),
        Column(_tr("Fichier"), lambda r: r.filename, tooltip=lambda r: r.filename),
        Column(_tr("Taille"), lambda r: r.size_label, sort_key=lambda r: r.size, align=RIGHT),
        Column(_tr("Valide du"), lambda r: format_date(r.valid_from),
               sort_key=lambda r: r.valid_from),
        Column(_tr("Valide jusqu'au"),
               lambda r: format_date(r.valid_until, _tr("sans échéance")) + (
                   _tr(" — expiré") if r.needs_attention else
                   _tr(" — remplacé") if r.superseded else ""),
               sort_key=lambda r: r.valid_until, tooltip=_validity_tip),
        Column(_tr("Ajouté le"), lambda r: date_time(r.added_at), sort_key=lambda r: r.added_at),
    ]


# ---------------------------------------------------------------------- tabs


class HistoryTab(QWidget):
    """Totals per year, every dossier, every funding row, and the seats held in committees."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.years_model: ColumnTableModel[YearTotals] = ColumnTableModel(year_columns(), self)
        self.dossiers_model: ColumnTableModel[OrganisationDossierRow] = ColumnTableModel(
            dossier_columns(), self)
        self.fundings_model: ColumnTableModel[OrganisationFundingRow] = ColumnTableModel(
            funding_columns(), self)
        self.years_table = make_table("historyYears")
        self.years_table.setModel(self.years_model)
        self.dossiers_table = make_table("historyDossiers")
        self.dossiers_table.setModel(self.dossiers_model)
        self.dossiers_table.setToolTip(_tr("Double-cliquez sur un dossier pour l'ouvrir."))
        self.fundings_table = make_table("historyFundings")
        self.fundings_table.setModel(self.fundings_model)
        self.fundings_table.setToolTip(_tr("Double-cliquez sur un financement pour ouvrir son "
                                           "dossier."))
        self.years_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Stretch)
        fit_columns(self.dossiers_table, 2)
        fit_columns(self.fundings_table, 2)
        funding_header = self.fundings_table.horizontalHeader()
        # Funder and budget line: long names, elided (full in the tooltip), the action takes
        # what is left.
        for column, width in ((3, 190), (4, 220)):
            funding_header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            funding_header.resizeSection(column, width)
        for table in (self.years_table, self.dossiers_table, self.fundings_table):
            table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # the latest year first
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.seats_label = QLabel()
        self.seats_label.setWordWrap(True)
        self.seats_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # Top: the summary and the seats beside the totals per year (short, side by side);
        # below, the two long lists share the height (the handle between them moves).
        facts = QVBoxLayout()
        facts.addWidget(self.summary_label)
        facts.addWidget(_caption(_tr("Sièges en instance")))
        facts.addWidget(self.seats_label)
        facts.addStretch(1)
        years = QVBoxLayout()
        years.addWidget(_caption(_tr("Par année")))
        years.addWidget(self.years_table)
        years.addStretch(1)
        top = QHBoxLayout()
        top.addLayout(facts, 2)
        top.addSpacing(12)
        top.addLayout(years, 3)

        def block(caption: str, table: QTableView) -> QWidget:
            holder = QWidget()
            holder_layout = QVBoxLayout(holder)
            holder_layout.setContentsMargins(0, 4, 0, 0)
            holder_layout.addWidget(_caption(caption))
            holder_layout.addWidget(table, 1)
            return holder

        self.lists = QSplitter(Qt.Orientation.Vertical)
        self.lists.addWidget(block(_tr("Dossiers portés"), self.dossiers_table))
        self.lists.addWidget(block(_tr("Financements (tous financeurs, toutes années)"),
                                   self.fundings_table))
        self.lists.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.lists, 1)


    def fit_years(self) -> None:
        """The totals table as tall as its rows (four years, then it scrolls), no empty band."""
        table = self.years_table
        rows = max(1, min(4, self.years_model.rowCount()))
        height = (table.horizontalHeader().height() + rows * table.verticalHeader()
                  .defaultSectionSize() + 2 * table.frameWidth() + 2)
        table.setFixedHeight(height)


class ContactsTab(QWidget):
    """The organisation's staff and the committees they sit on."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model: ColumnTableModel[ContactRow] = ColumnTableModel(contact_columns(), self)
        self.table = make_table("contactsTable")
        self.table.setModel(self.model)
        fit_columns(self.table, 4)
        self.add_button = QPushButton(_tr("Ajouter un contact…"))
        self.edit_button = QPushButton(_tr("Modifier…"))
        self.delete_button = QPushButton(_tr("Supprimer"))
        # GDPR: the person's right of access and right to erasure.
        self.export_button = QPushButton(_tr("Exporter ses données…"))
        self.erase_button = QPushButton(_tr("Effacer ses données (RGPD)…"))
        self.empty_label = QLabel(_tr("Aucun contact enregistré pour cette structure."))
        layout = QVBoxLayout(self)
        buttons = _button_row(self.add_button, self.edit_button, self.delete_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.erase_button)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)


class DocumentsTab(QWidget):
    """Standing documents with their validity; the expired ones in red."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model: ColumnTableModel[DocumentRow] = ColumnTableModel(
            document_columns(), self, row_alert=lambda r: r.needs_attention,
            row_muted=lambda r: r.superseded)
        self.table = make_table("documentsTable")
        self.table.setModel(self.model)
        fit_columns(self.table, 1)
        self.add_button = QPushButton(_tr("Ajouter un document…"))
        self.open_button = QPushButton(_tr("Ouvrir"))
        self.edit_button = QPushButton(_tr("Type et validité…"))
        self.delete_button = QPushButton(_tr("Supprimer"))
        self.legend_label = QLabel(_tr("En rouge : documents expirés qu'aucun document plus "
                                       "récent du même type ne remplace. Double-cliquez pour "
                                       "ouvrir un document."))
        self.legend_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(_button_row(self.add_button, self.open_button, self.edit_button,
                                     self.delete_button))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.legend_label)


class OrganisationDetailView(QWidget):
    """Header (name, kind and roles, expired-documents marker) and the four tabs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name_label = QLabel()
        self.name_label.setWordWrap(True)
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.name_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.name_label.setFont(font)
        self.roles_label = QLabel()
        self.roles_label.setWordWrap(True)
        self.expired_label = FieldMessage()
        self.expired_label.setObjectName("expiredDocuments")

        self.form = OrganisationForm()
        form_scroll = QScrollArea()
        form_scroll.setWidgetResizable(True)
        form_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        form_scroll.setWidget(self.form)
        self.history = HistoryTab()
        self.contacts = ContactsTab()
        self.documents = DocumentsTab()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(form_scroll, _tr("Fiche"))
        self.tabs.addTab(self.history, _tr("Historique"))
        self.tabs.addTab(self.contacts, _tr("Contacts"))
        self.tabs.addTab(self.documents, _tr("Documents"))

        self.empty_label = QLabel(_tr("Sélectionnez une structure dans la liste pour voir sa "
                                      "fiche, son historique, ses contacts et ses documents, "
                                      "ou créez-en une avec « Nouvelle structure »."))
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setSizePolicy(QSizePolicy.Policy.Preferred,
                                       QSizePolicy.Policy.Expanding)

        self.content = QWidget()
        content_layout = QVBoxLayout(self.content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addWidget(self.name_label)
        content_layout.addWidget(self.roles_label)
        content_layout.addWidget(self.expired_label)
        content_layout.addWidget(self.tabs, 1)
        self.main_layout = QVBoxLayout(self)
        self.main_layout.setContentsMargins(6, 0, 0, 0)
        self.main_layout.addWidget(self.content, 1)
        self.main_layout.addWidget(self.empty_label, 1)
        self.show_nothing()

    def show_nothing(self) -> None:
        self.content.setVisible(False)
        self.empty_label.setVisible(True)

    def show_content(self, new: bool) -> None:
        """The header and tabs; a new organisation has only its form."""
        self.content.setVisible(True)
        self.empty_label.setVisible(False)
        for tab in (TAB_HISTORY, TAB_CONTACTS, TAB_DOCUMENTS):
            self.tabs.setTabEnabled(tab, not new)
        if new:
            self.tabs.setCurrentIndex(TAB_FORM)

    def set_tab_counts(self, contacts: int, documents: int, expired: bool) -> None:
        self.tabs.setTabText(TAB_CONTACTS, _tr("Contacts ({n})").format(n=contacts)
                             if contacts else _tr("Contacts"))
        text = _tr("Documents ({n})").format(n=documents) if documents else _tr("Documents")
        self.tabs.setTabText(TAB_DOCUMENTS, text + (" ⚠" if expired else ""))

    @staticmethod
    def seats_text(seats: Sequence[tuple[str, str, str | None]]) -> str:
        """One line per committee: « COPIL : coprésident·e ; Sofia Mercier (membre) »."""
        if not seats:
            return _tr("Aucun siège en instance.")
        by_committee: dict[str, list[str]] = {}
        for committee, role, person in seats:
            who = f"{person} ({role.lower()})" if person else role.lower()
            by_committee.setdefault(committee, []).append(who)
        return "\n".join(f"{committee} : {' ; '.join(people)}"
                         for committee, people in by_committee.items())
