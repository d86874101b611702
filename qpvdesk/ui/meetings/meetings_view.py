"""Layout of the "Instances et séances" page: the committees and their members on the left,
the selected committee's meetings and the selected meeting on the right."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.ui.partners.fields import FieldMessage


def make_table(name: str, *, sortable: bool = True) -> QTableView:
    """A read-only list with whole-row selection, the house style."""
    table = QTableView()
    table.setObjectName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    # No sort until she clicks a heading: the services give the meaningful order (COPIL
    # first, co-chairs first…).
    table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    table.setSortingEnabled(sortable)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    table.horizontalHeader().setHighlightSections(False)
    # Lists give way first when the window is short (the offscreen test screen is 800 × 600).
    table.setMinimumHeight(table.fontMetrics().height() * 2 + 12)
    return table


def stretch_column(table: QTableView, *columns: int) -> None:
    """Once a model is set: *columns* share the room left, the others fit their content."""
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    for column in columns:
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.1)
    label.setFont(font)
    return label


def _buttons(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return row


def _box(*items: QWidget | QHBoxLayout, stretch_last: bool = False) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for position, item in enumerate(items):
        stretch = 1 if isinstance(item, QTableView) or (
            stretch_last and position == len(items) - 1) else 0
        if isinstance(item, QHBoxLayout):
            layout.addLayout(item)
        else:
            layout.addWidget(item, stretch)
    return box


class MeetingPanel(QWidget):
    """The selected meeting: its documents, the agenda, the frozen programmation, the drafts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = _heading(self.tr("Aucune séance choisie"))
        self.title_label.setWordWrap(True)
        self.facts_label = QLabel()
        self.facts_label.setWordWrap(True)
        self.facts_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.convocation_button = QPushButton(self.tr("Convocation (PDF)…"))
        self.convocation_button.setObjectName("convocationButton")
        self.invitation_button = QPushButton(self.tr("Invitation (.ics + e-mail)"))
        self.invitation_button.setToolTip(self.tr(
            "Prépare dans « À envoyer » le courriel aux membres de l'instance, avec la "
            "convocation (PDF) et l'invitation d'agenda (.ics)."))
        self.meeting_mode_button = QPushButton(self.tr("Mode séance"))
        self.meeting_mode_button.setObjectName("meetingModeButton")
        font = self.meeting_mode_button.font()
        font.setBold(True)
        self.meeting_mode_button.setFont(font)
        self.meeting_mode_button.setToolTip(self.tr(
            "Tenir la séance en plein écran : présences, avis et montants dossier par dossier, "
            "au clavier ; chaque saisie validée est enregistrée aussitôt."))
        self.record_button = QPushButton(self.tr("Relevé de décision (PDF)…"))
        self.record_button.setObjectName("recordButton")
        self.record_mail_button = QPushButton(self.tr("Préparer l'e-mail"))
        self.record_mail_button.setToolTip(self.tr(
            "Prépare dans « À envoyer » le courriel du relevé à tous les membres du COPIL et "
            "du COTECH, le PDF joint."))
        actions = QGridLayout()
        actions.setContentsMargins(0, 0, 0, 0)
        actions.addWidget(QLabel(self.tr("Avant :")), 0, 0)
        actions.addWidget(self.convocation_button, 0, 1)
        actions.addWidget(self.invitation_button, 0, 2)
        actions.addWidget(self.meeting_mode_button, 0, 3)
        actions.addWidget(QLabel(self.tr("Après :")), 1, 0)
        actions.addWidget(self.record_button, 1, 1)
        actions.addWidget(self.record_mail_button, 1, 2)
        actions.setColumnStretch(4, 1)
        self.notice_label = QLabel()
        self.notice_label.setObjectName("meetingNotice")
        self.notice_label.setWordWrap(True)
        self.notice_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice_label.setVisible(False)
        self.warning_label = FieldMessage()

        # The agenda.
        self.agenda_table = make_table("agendaTable", sortable=False)
        self.add_point_button = QPushButton(self.tr("Ajouter un point…"))
        self.add_dossiers_button = QPushButton(self.tr("Ajouter des dossiers…"))
        self.add_dossiers_button.setObjectName("addDossiersButton")
        self.up_button = QPushButton(self.tr("Monter"))
        self.down_button = QPushButton(self.tr("Descendre"))
        self.remove_point_button = QPushButton(self.tr("Retirer"))
        self.open_dossier_button = QPushButton(self.tr("Ouvrir le dossier"))
        agenda = _box(_buttons(self.add_point_button, self.add_dossiers_button, self.up_button,
                               self.down_button, self.remove_point_button,
                               self.open_dossier_button),
                      self.agenda_table)

        # The programmation the COPIL approved.
        self.snapshot_label = QLabel()
        self.snapshot_label.setWordWrap(True)
        self.snapshot_table = make_table("snapshotTable")
        self.differences_button = QPushButton(self.tr("Écarts depuis le COPIL"))
        self.differences_button.setObjectName("differencesButton")
        self.differences_label = QLabel()
        self.differences_label.setWordWrap(True)
        self.differences_table = make_table("differencesTable")
        self.differences_table.setVisible(False)
        snapshot = _box(self.snapshot_label, self.snapshot_table,
                        _buttons(self.differences_button), self.differences_label,
                        self.differences_table)

        # The « À envoyer » list (every meeting's drafts).
        self.drafts_table = make_table("draftsTable")
        self.open_draft_button = QPushButton(self.tr("Ouvrir dans la messagerie"))
        self.mark_sent_button = QPushButton(self.tr("Marquer comme envoyé"))
        self.show_sent_box = QCheckBox(self.tr("Afficher aussi les courriels envoyés"))
        drafts_hint = QLabel(self.tr(
            "Les courriels préparés attendent ici le retour du réseau : ouvrez-les dans votre "
            "messagerie pour les envoyer, puis marquez-les comme envoyés."))
        drafts_hint.setWordWrap(True)
        drafts = _box(drafts_hint, self.drafts_table,
                      _buttons(self.open_draft_button, self.mark_sent_button),
                      self.show_sent_box)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.agenda_tab = self.tabs.addTab(agenda, self.tr("Ordre du jour"))
        self.snapshot_tab = self.tabs.addTab(snapshot, self.tr("Programmation approuvée"))
        self.drafts_tab = self.tabs.addTab(drafts, self.tr("Courriels à envoyer"))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.title_label)
        layout.addWidget(self.facts_label)
        layout.addLayout(actions)
        layout.addWidget(self.notice_label)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.tabs, 1)


class MeetingsView(QWidget):
    """Widgets of the page; `MeetingsScreen` gives them their behaviour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = QLabel(self.tr("Instances et séances"))
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title_label.setFont(font)
        self.subtitle_label = QLabel()
        self.subtitle_label.setWordWrap(True)

        # Committees.
        self.committee_table = make_table("committeeTable")
        self.new_committee_button = QPushButton(self.tr("Nouvelle instance…"))
        self.edit_committee_button = QPushButton(self.tr("Modifier…"))
        self.delete_committee_button = QPushButton(self.tr("Supprimer"))
        committees = _box(_heading(self.tr("Instances")),
                          _buttons(self.new_committee_button, self.edit_committee_button,
                                   self.delete_committee_button),
                          self.committee_table)

        # Members of the selected committee.
        self.members_heading = _heading(self.tr("Membres"))
        self.member_table = make_table("memberTable")
        self.add_member_button = QPushButton(self.tr("Ajouter un membre…"))
        self.add_member_button.setObjectName("addMemberButton")
        self.edit_member_button = QPushButton(self.tr("Modifier…"))
        self.remove_member_button = QPushButton(self.tr("Retirer"))
        self.remove_member_button.setObjectName("removeMemberButton")
        self.members_count_label = QLabel()
        self.members_count_label.setWordWrap(True)
        members = _box(self.members_heading,
                       _buttons(self.add_member_button, self.edit_member_button,
                                self.remove_member_button),
                       self.member_table, self.members_count_label)

        # Meetings of the selected committee.
        self.meetings_heading = _heading(self.tr("Séances"))
        self.meeting_table = make_table("meetingTable")
        self.new_meeting_button = QPushButton(self.tr("Nouvelle séance…"))
        self.new_meeting_button.setObjectName("newMeetingButton")
        self.edit_meeting_button = QPushButton(self.tr("Modifier…"))
        self.delete_meeting_button = QPushButton(self.tr("Supprimer"))
        meetings = _box(self.meetings_heading,
                        _buttons(self.new_meeting_button, self.edit_meeting_button,
                                 self.delete_meeting_button),
                        self.meeting_table)

        self.meeting = MeetingPanel()

        self.left = QSplitter(Qt.Orientation.Vertical)
        self.left.addWidget(committees)
        self.left.addWidget(members)
        self.left.setChildrenCollapsible(False)
        self.right = QSplitter(Qt.Orientation.Vertical)
        self.right.addWidget(meetings)
        self.right.addWidget(self.meeting)
        self.right.setChildrenCollapsible(False)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.left)
        self.splitter.addWidget(self.right)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        separator = QFrame()
        separator.setFrameShape(QFrame.Shape.HLine)
        separator.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.subtitle_label)
        layout.addWidget(separator)
        layout.addWidget(self.splitter, 1)
