"""Dialogs of the "Instances et séances" page: a committee, a seat, a meeting, the dossiers
to examine.

Each is a `FormDialog` (partners package): OK saves through the screen's callback and
the dialog stays open, the problem shown beside its field, when the save is refused.
Field keys are the services' own field names, so that a `ValidationError` lands beside
the right field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, time

from PySide6.QtCore import QModelIndex, Qt, QTime
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QTimeEdit,
    QWidget,
)

from qpvdesk.core.domain.enums import CommitteeKind, MemberRole
from qpvdesk.core.services.committees import CommitteeInput, MemberRow, MembershipInput
from qpvdesk.core.services.meetings import MeetingInput, ProposedDossier, paris_datetime
from qpvdesk.ui.meetings.meeting_models import PICK_COLUMN, ProposedDossierTableModel
from qpvdesk.ui.partners.fields import DateError, DateField
from qpvdesk.ui.partners.form_dialog import Errors, FormDialog

#: A person or an organisation a seat can go to: ("contact" | "organisation", id).
MemberChoice = tuple[str, int]


class CommitteeDialog(FormDialog):
    """Type, name, the priority a commission follows, a description."""

    def __init__(self, initial: CommitteeInput, priorities: Sequence[tuple[int, str]],
                 parent: QWidget | None = None, *, new: bool) -> None:
        super().__init__(self.tr("Nouvelle instance") if new else self.tr("Instance"),
                         self.tr("Créer") if new else self.tr("Enregistrer"), parent)
        self.kind_combo = QComboBox()
        for kind in CommitteeKind:
            self.kind_combo.addItem(kind.label, kind)
        self.kind_combo.setCurrentIndex(list(CommitteeKind).index(CommitteeKind(initial.kind)))
        self.name_edit = QLineEdit(initial.name)
        self.name_edit.setPlaceholderText(self.tr("Ex. : Commission thématique Éducation / "
                                                  "Jeunesse"))
        self.priority_combo = QComboBox()
        self.priority_combo.addItem(self.tr("(aucune)"), None)
        for priority_id, label in priorities:
            self.priority_combo.addItem(label, priority_id)
        found = self.priority_combo.findData(initial.priority_id)
        self.priority_combo.setCurrentIndex(max(0, found))
        self.description_edit = QPlainTextEdit(initial.description or "")
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setFixedHeight(self.description_edit.fontMetrics().lineSpacing()
                                             * 3 + 14)
        self.add_field("kind", self.tr("Type"), self.kind_combo)
        self.add_field("name", self.tr("Nom *"), self.name_edit)
        self.add_field("priority_id", self.tr("Priorité suivie"), self.priority_combo)
        self.add_field("description", self.tr("Description"), self.description_edit)
        self.validate = self._check
        self.name_edit.setFocus()

    def _check(self) -> Errors:
        if not self.name_edit.text().strip():
            return {"name": self.tr("Nom : indiquez le nom de l'instance.")}
        return {}

    def values(self) -> CommitteeInput:
        return CommitteeInput(
            kind=self.kind_combo.currentData(),
            name=self.name_edit.text(),
            priority_id=self.priority_combo.currentData(),
            description=self.description_edit.toPlainText(),
        )


def _choice(data: str) -> MemberChoice:
    kind, member_id = data.split(":")
    return kind, int(member_id)


class MembershipDialog(FormDialog):
    """Who holds the seat (a person or an organisation as a whole), the role, the period."""

    def __init__(self, committee_name: str, choices: Sequence[tuple[MemberChoice, str]],
                 parent: QWidget | None = None, *, seat: MemberRow | None = None) -> None:
        new = seat is None
        super().__init__(
            self.tr("Nouveau membre — {name}").format(name=committee_name) if new
            else self.tr("Membre — {name}").format(name=committee_name),
            self.tr("Ajouter") if new else self.tr("Enregistrer"), parent)
        self.member_combo = QComboBox()
        self.member_combo.setEditable(True)
        self.member_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.member_combo.addItem("", None)
        for (kind, member_id), label in choices:
            self.member_combo.addItem(label, f"{kind}:{member_id}")
        completer = self.member_combo.completer()
        if completer is not None:  # an editable combo has one
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        line = self.member_combo.lineEdit()
        if line is not None:
            line.setPlaceholderText(
                self.tr("Tapez un nom : personne (contact, habitant·e) ou structure"))
        self.role_combo = QComboBox()
        for role in MemberRole:
            self.role_combo.addItem(role.label, role)
        self.since_field = DateField(self.tr("Depuis"))
        self.until_field = DateField(self.tr("Jusqu'au"))
        if seat is not None:
            key: MemberChoice = (("contact", seat.contact_id) if seat.contact_id is not None
                                 else ("organisation", seat.organisation_id or 0))
            self.select_member(key)
            self.role_combo.setCurrentIndex(list(MemberRole).index(seat.role))
            self.since_field.set_value(seat.since)
            self.until_field.set_value(seat.until)
        else:
            self.role_combo.setCurrentIndex(list(MemberRole).index(MemberRole.MEMBER))
        self.add_field("contact_id", self.tr("Membre *"), self.member_combo)
        self.add_field("role", self.tr("Rôle"), self.role_combo)
        self.add_field("since", self.tr("Depuis le"), self.since_field)
        self.add_field("until", self.tr("Jusqu'au"), self.until_field)
        hint = QLabel(self.tr("Une personne siège en son nom (elle reçoit le relevé à son "
                              "adresse) ; une structure siège comme telle. Les habitant·es du "
                              "conseil citoyen sont des contacts comme les autres."))
        hint.setWordWrap(True)
        self.insert_widget(hint)
        self.validate = self._check
        self.member_combo.setFocus()

    def select_member(self, key: MemberChoice) -> bool:
        index = self.member_combo.findData(f"{key[0]}:{key[1]}")
        if index >= 0:
            self.member_combo.setCurrentIndex(index)
        return index >= 0

    def member(self) -> MemberChoice | None:
        """The chosen member: the item picked, or the one item whose label the typed text
        is (or begins, or is the only one to contain: « Gérard Blanc » is enough)."""
        combo = self.member_combo
        text = " ".join(combo.currentText().split())
        if not text:
            return None
        data = combo.currentData()
        if data is not None and combo.itemText(combo.currentIndex()).strip() == text:
            return _choice(data)
        wanted = text.casefold()
        labels = [(index, combo.itemText(index).casefold()) for index in range(1, combo.count())]
        for test in (lambda label: label == wanted, lambda label: label.startswith(wanted),
                     lambda label: wanted in label):
            found = [index for index, label in labels if test(label)]
            if len(found) == 1:
                return _choice(combo.itemData(found[0]))
            if found:
                return None  # ambiguous: she picks in the list
        return None

    def _check(self) -> Errors:
        errors: Errors = {}
        if self.member() is None:
            errors["contact_id"] = self.tr("Membre : choisissez une personne ou une structure "
                                           "dans la liste (ce nom n'y figure pas, ou plusieurs "
                                           "y répondent).")
        for key, field in (("since", self.since_field), ("until", self.until_field)):
            try:
                field.value()
            except DateError as error:
                errors[key] = str(error)
        return errors

    def values(self) -> MembershipInput:
        member = self.member()
        assert member is not None
        kind, member_id = member
        return MembershipInput(
            contact_id=member_id if kind == "contact" else None,
            organisation_id=member_id if kind == "organisation" else None,
            role=self.role_combo.currentData(),
            since=self.since_field.value(),
            until=self.until_field.value(),
        )


def _qtime(value: time) -> QTime:
    return QTime(value.hour, value.minute)


class MeetingDialog(FormDialog):
    """Day, start and end (Clermont-l'Hérault time), place, notes."""

    def __init__(self, committee_name: str, committee_id: int, parent: QWidget | None = None, *,
                 day: date | None = None, start: time = time(14, 0), end: time | None = None,
                 place: str = "", notes: str = "", new: bool) -> None:
        super().__init__(
            self.tr("Nouvelle séance — {name}").format(name=committee_name) if new
            else self.tr("Séance — {name}").format(name=committee_name),
            self.tr("Créer") if new else self.tr("Enregistrer"), parent)
        self._committee_id = committee_id
        self.day_field = DateField(self.tr("Date"))
        self.day_field.set_value(day)
        self.start_edit = QTimeEdit(_qtime(start))
        self.start_edit.setDisplayFormat("HH:mm")
        self.end_edit = QTimeEdit(_qtime(end or time(min(23, start.hour + 2), start.minute)))
        self.end_edit.setDisplayFormat("HH:mm")
        self.place_edit = QLineEdit(place)
        self.place_edit.setPlaceholderText(self.tr("Ex. : Salle du conseil, mairie"))
        self.notes_edit = QPlainTextEdit(notes)
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setFixedHeight(self.notes_edit.fontMetrics().lineSpacing() * 3 + 14)
        self.add_field("starts_at", self.tr("Date *"), self.day_field)
        self.add_field("start", self.tr("Début"), self.start_edit)
        self.add_field("ends_at", self.tr("Fin"), self.end_edit)
        self.add_field("place", self.tr("Lieu"), self.place_edit)
        self.add_field("notes", self.tr("Notes"), self.notes_edit)
        self.validate = self._check
        self.day_field.setFocus()

    def _check(self) -> Errors:
        try:
            if self.day_field.value() is None:
                return {"starts_at": self.tr("Date : indiquez le jour de la séance.")}
        except DateError as error:
            return {"starts_at": str(error)}
        if self.end_edit.time() <= self.start_edit.time():
            return {"ends_at": self.tr("Fin : la séance doit finir après son début.")}
        return {}

    def values(self) -> MeetingInput:
        day = self.day_field.value()
        assert day is not None
        start, end = self.start_edit.time(), self.end_edit.time()
        return MeetingInput(
            committee_id=self._committee_id,
            starts_at=paris_datetime(day, start.hour(), start.minute()),
            ends_at=paris_datetime(day, end.hour(), end.minute()),
            place=self.place_edit.text(),
            notes=self.notes_edit.toPlainText(),
        )


class DossierPickerDialog(FormDialog):
    """The dossiers to examine: by default the year's dossiers of the commission's priority
    awaiting an opinion (pre-checked); « tous les dossiers de l'année » widens the list."""

    def __init__(self, title: str, load: Callable[[bool], list[ProposedDossier]],
                 parent: QWidget | None = None) -> None:
        super().__init__(title, self.tr("Ajouter à l'ordre du jour"), parent)
        self.setMinimumWidth(980)
        self.setMinimumHeight(520)
        self._load = load
        self.model = ProposedDossierTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("proposedDossiers")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.all_box = QCheckBox(self.tr("Tous les dossiers de l'année (toutes priorités, "
                                         "tous états)"))
        self.count_label = QLabel()
        self.insert_widget(self.all_box)
        self.insert_widget(self.table)
        self.insert_widget(self.count_label)
        self.all_box.toggled.connect(self.reload)
        self.table.activated.connect(self._toggle)
        self.reload()
        self.model.check(row.id for row in self.model.rows()
                         if row.in_priority and not row.on_agenda)
        self._count()
        self.model.dataChanged.connect(lambda *_args: self._count())
        self.table.setFocus()

    def reload(self) -> None:
        self.model.set_rows(self._load(self.all_box.isChecked()))
        self._count()

    def _toggle(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        cell = self.model.index(index.row(), PICK_COLUMN)
        checked = self.model.data(cell, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
        self.model.setData(cell, Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked,
                           Qt.ItemDataRole.CheckStateRole)

    def _count(self) -> None:
        rows = self.model.rows()
        if not rows:
            self.count_label.setText(self.tr("Aucun dossier à proposer : cochez « Tous les "
                                             "dossiers de l'année » pour en choisir d'autres."))
            return
        chosen = len(self.model.checked_ids())
        self.count_label.setText(self.tr("{chosen} dossier(s) à ajouter sur {total} "
                                         "proposé(s). Espace ou Entrée coche un dossier.")
                                 .format(chosen=chosen, total=len(rows)))

    def dossier_ids(self) -> list[int]:
        return self.model.checked_ids()
