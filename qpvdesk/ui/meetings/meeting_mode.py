"""The meeting mode: holding a meeting on the laptop, on a projector, from the keyboard.

Step 1, the attendance (P présent·e, E excusé·e, A absent·e, R représenté·e, remarks,
guests); step 2, the agenda point by point and the dossiers one after the other (F
favorable, R réservé, D défavorable, A ajourné, the amount per funder typed in French,
a comment; beside them, live, what remains in each envelope once the proposal
counts); free decisions and follow-ups at any time; step 3, closing the meeting, then
the relevé (PDF) and its e-mail.

There is no save button. Every confirmed entry (a key for an attendance, Enter for an
opinion, a free decision, a follow-up, each move to another point) is its own unit of
work, written at once: killing the application loses nothing confirmed, and reopening
resumes at the saved point. These entries are not put on the undo stack (a meeting is
corrected by typing the entry again); closing the meeting is, as one action.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import TypeVar

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QFont,
    QKeyEvent,
    QKeySequence,
    QPalette,
    QShortcut,
)
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import AttendanceStatus, Opinion
from qpvdesk.core.domain.money import Money
from qpvdesk.core.errors import UserFacingError, ValidationError
from qpvdesk.core.services import meetings as meeting_service
from qpvdesk.core.services.meetings import (
    AgendaRow,
    AttendanceInput,
    AttendanceRow,
    DossierBrief,
    EnvelopeLine,
    MeetingModeData,
    french_long_date,
    french_time,
)
from qpvdesk.core.services.partners import organisation_rows
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.meetings import meeting_documents as documents
from qpvdesk.ui.meetings.meeting_documents import SavePathAsker
from qpvdesk.ui.meetings.meeting_mode_view import (
    FONT_SCALE,
    INK,
    PAPER,
    STEP_AGENDA,
    STEP_ATTENDANCE,
    STEP_END,
    AmountEdit,
    EnvelopePanel,
    MeetingModeView,
    fit_table,
    projector_stylesheet,
    set_flag,
)
from qpvdesk.ui.meetings.meeting_models import (
    ATTENDANCE_KEYS,
    OPINION_KEYS,
    AttendanceTableModel,
    EnvelopeSummaryRow,
    EnvelopeTableModel,
    FollowUpTableModel,
    FreeDecisionTableModel,
    ModeAgendaTableModel,
)
from qpvdesk.ui.partners.fields import DateError
from qpvdesk.ui.topics import COMMITTEES, PROGRAMMATION, touches
from qpvdesk.ui.undo import quoted

T = TypeVar("T")
#: What the window's writes announce (the page and the dossiers refresh).
MEETING_TOPICS = frozenset({COMMITTEES})


def _keys_by_letter() -> dict[str, tuple[Opinion | None, AttendanceStatus | None]]:
    """Each key letter and what it means on a dossier and in the attendance (A: ajourné or
    absent·e, R: réservé or représenté·e: the step decides)."""
    letters = sorted(set(OPINION_KEYS.values()) | set(ATTENDANCE_KEYS.values()))
    opinions = {key: opinion for opinion, key in OPINION_KEYS.items()}
    statuses = {key: status for status, key in ATTENDANCE_KEYS.items()}
    return {letter: (opinions.get(letter), statuses.get(letter)) for letter in letters}


_KEYS_BY_LETTER = _keys_by_letter()

#: (opinion, amounts, comment): what the dossier entry says, to tell a change.
EntryState = tuple[Opinion | None, tuple[object, ...], str]


def _money_text(value: Money | None) -> str:
    return "—" if value is None else value.format()


def _short(text: str, limit: int = 60) -> str:
    """A long funder line (« Droit commun CAF – petite enfance, enfance, … ») cut to fit."""
    return text if len(text) <= limit else text[:limit - 1].rstrip(" ,–-") + "…"


def _committed(proposed: Money | None, granted: Money | None) -> Money:
    """What a funding row takes from its envelope without this meeting's proposal."""
    if granted is not None:
        return granted
    return proposed if proposed is not None else Money(0)


class MeetingModeWindow(QWidget):
    """A window holding one meeting; see the module's docstring."""

    def __init__(self, context: AppContext, meeting_id: int, parent: QWidget | None = None,
                 *, ask_save_path: SavePathAsker = documents.ask_pdf_path) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("meetingMode")
        self.context = context
        self.meeting_id = meeting_id
        #: Replaced by tests: where to save the relevé.
        self.ask_save_path: SavePathAsker = ask_save_path
        #: Replaced by tests: the day the meeting is closed on (dossier history, audit).
        self.today: Callable[[], date] = date.today
        self._own_write = False
        self._force_close = False
        self._step = STEP_ATTENDANCE
        self._position = -1
        self._opinion: Opinion | None = None
        self._saved_entry: EntryState | None = None
        self._shown_dossier: int | None = None
        self._pending_status: AttendanceStatus | None = None
        self._attendance_index = 0

        font = QFont(QApplication.font())
        self._base_points = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
        self._scale = FONT_SCALE
        font.setPointSizeF(self._base_points * self._scale)
        self.setFont(font)
        palette = self.palette()
        for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base,
                     QPalette.ColorRole.Button):
            palette.setColor(role, QColor(PAPER))
        for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                     QPalette.ColorRole.ButtonText):
            palette.setColor(role, QColor(INK))
        self.setPalette(palette)
        self.setAutoFillBackground(True)
        self.setStyleSheet(projector_stylesheet(self._base_points * self._scale))

        self.view = MeetingModeView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.view.apply_type()

        view = self.view
        self.attendance_model = AttendanceTableModel(self)
        self.agenda_model = ModeAgendaTableModel(self)
        self.envelope_model = EnvelopeTableModel(self)
        self.decision_model = FreeDecisionTableModel(self)
        self.follow_model = FollowUpTableModel(self)
        for table, model, stretch in (
                (view.attendance.table, self.attendance_model, (0, 3)),
                (view.agenda.agenda_table, self.agenda_model, (1,)),
                (view.agenda.record.decision_table, self.decision_model, (1,)),
                (view.agenda.record.follow_table, self.follow_model, (0,)),
                (view.end.envelope_table, self.envelope_model, (0,))):
            table.setModel(model)
            fit_table(table, *stretch)
        self._connect()
        self._shortcuts()

        self.data = self._read()
        self._fill_guest_organisations()
        meeting = self.data.meeting
        if not meeting.is_open:
            self._position = len(self.data.agenda)
        elif meeting.current_position is not None:  # resume where the meeting stopped
            self._position = self.data.current_position
        self._render_lists()
        self._show_position()
        context.changed.connect(self._on_changed)
        context.database_replaced.connect(self._on_database_replaced)

    # ------------------------------------------------------------------ wiring

    def _connect(self) -> None:
        view = self.view
        attendance, agenda, end = view.attendance, view.agenda, view.end
        dossier, record = agenda.dossier, agenda.record
        for position, button in enumerate(view.step_buttons):
            button.clicked.connect(lambda _checked=False, p=position: self._step_clicked(p))
        view.full_screen_button.clicked.connect(self.toggle_full_screen)
        view.close_meeting_button.clicked.connect(self.close_meeting)
        attendance.table.selectionModel().currentRowChanged.connect(self._on_person_changed)
        for status, button in attendance.status_buttons.items():
            button.clicked.connect(lambda _checked=False, s=status: self.attendance_key(s))
        attendance.represented_edit.returnPressed.connect(self.confirm_attendance)
        attendance.remarks_edit.returnPressed.connect(self.confirm_attendance)
        attendance.save_button.clicked.connect(self.confirm_attendance)
        attendance.all_present_button.clicked.connect(self.others_present)
        attendance.guest_edit.returnPressed.connect(self.add_guest)
        attendance.guest_button.clicked.connect(self.add_guest)
        agenda.agenda_table.clicked.connect(lambda index: self.go_to(index.row()))
        for opinion, button in dossier.opinion_buttons.items():
            button.clicked.connect(lambda _checked=False, o=opinion: self.set_opinion(o))
        dossier.comment_edit.textEdited.connect(lambda _text: self._refresh_entry())
        dossier.confirm_button.clicked.connect(self.confirm_entry)
        record.decision_edit.returnPressed.connect(self.add_free_decision)
        record.decision_button.clicked.connect(self.add_free_decision)
        for edit in (record.what_edit, record.who_edit, record.due_field.edit):
            edit.returnPressed.connect(self.add_follow_up)
        record.follow_button.clicked.connect(self.add_follow_up)
        end.close_button.clicked.connect(self.close_meeting)
        end.record_button.clicked.connect(self.save_record)
        end.mail_button.clicked.connect(self.prepare_mail)
        end.leave_button.clicked.connect(self.close)
        for button in (end.close_button, end.record_button, end.mail_button, end.leave_button):
            button.setAutoDefault(True)  # Enter presses the focused button

    def _shortcuts(self) -> None:
        def add(keys: list[str], slot: Callable[[], object],
                widget: QWidget | None = None) -> None:
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), widget or self)
                shortcut.setContext(Qt.ShortcutContext.WidgetShortcut if widget is not None
                                    else Qt.ShortcutContext.WindowShortcut)
                shortcut.activated.connect(slot)

        for letter in sorted(_KEYS_BY_LETTER):
            add([letter], partial(self._letter, letter))
        for opinion, letter in OPINION_KEYS.items():
            add([f"Alt+{letter}"], partial(self._alt_opinion, opinion))
        add(["PgDown", "Ctrl+Right"], self.next_point)
        add(["PgUp", "Ctrl+Left"], self.previous_point)
        add(["F11"], self.toggle_full_screen)
        add(["Ctrl++", "Ctrl+="], lambda: self.zoom(+0.1))
        add(["Ctrl+-"], lambda: self.zoom(-0.1))
        add(["Ctrl+0"], lambda: self.zoom(FONT_SCALE - self._scale))
        add(["Escape"], self._escape)
        record = self.view.agenda.record
        add(["Del"], self.remove_free_decision, record.decision_table)
        add(["Del"], self.remove_follow_up, record.follow_table)

    # ------------------------------------------------------------------ reading

    def _read(self) -> MeetingModeData:
        return self.context.read(lambda s: meeting_service.meeting_mode_data(s, self.meeting_id))

    @property
    def is_open(self) -> bool:
        return self.data.meeting.is_open

    def _fill_guest_organisations(self) -> None:
        combo = self.view.attendance.guest_organisation
        combo.clear()
        combo.addItem(self.tr("(aucune)"), None)
        for row in self.context.read(organisation_rows):
            combo.addItem(row.display_name, row.id)

    def _on_changed(self, changes: frozenset[str]) -> None:
        """Another window changed something (the agenda on the page, an undo…)."""
        if self._own_write or not touches(changes, COMMITTEES, PROGRAMMATION):
            return
        try:
            self.data = self._read()
        except ValidationError:  # the meeting was deleted (an undo of its creation)
            self._force_close = True
            self.close()
            return
        self._position = min(self._position, len(self.data.agenda))
        self._render_lists()
        if self._step == STEP_AGENDA and self._entry_dirty():
            self._update_envelopes()  # keep what is being typed
        else:
            self._show_position(focus=False)

    def _on_database_replaced(self) -> None:
        self._force_close = True
        self.close()

    def _write(self, work: Callable[[Session], T], *,
               changes: frozenset[str] = MEETING_TOPICS, label: str | None = None) -> T:
        """One confirmed entry, saved at once (raises `UserFacingError`, nothing saved)."""
        self._own_write = True
        try:
            result = self.context.write(work, changes, label=label)
        finally:
            self._own_write = False
        self.view.status_label.setText(self.tr("✓ Enregistré à {time}").format(
            time=datetime.now().strftime("%H:%M:%S")))
        set_flag(self.view.status_label, "state", "saved")
        return result

    # ------------------------------------------------------------------ rendering

    def _render_lists(self) -> None:
        data = self.data
        meeting = data.meeting
        parts = [f"{meeting.committee_name} — {french_long_date(meeting.starts_at)}, "
                 f"{french_time(meeting.starts_at)}"]
        # The place in a tooltip: on a 1280-pixel projector the title keeps to one line.
        self.view.title_label.setToolTip(meeting.place or "")
        if not meeting.is_open:
            parts.append(self.tr("séance close ({state})").format(state=meeting.state_label))
        self.view.title_label.setText(" · ".join(parts))
        self.setWindowTitle(self.tr("Mode séance — {title}").format(title=meeting.title))
        self._render_attendance()
        table = self.view.agenda.agenda_table
        self.agenda_model.set_rows(data.agenda)
        if 0 <= self._position < len(data.agenda):
            table.setCurrentIndex(self.agenda_model.index(self._position, 1))
        self.decision_model.set_rows(data.free_decisions)
        self.follow_model.set_rows(data.follow_ups)
        for table in (self.view.agenda.record.decision_table,
                      self.view.agenda.record.follow_table):
            if table.model().rowCount():
                table.scrollToBottom()
        self._render_end()
        self._update_enabled()

    def _update_enabled(self) -> None:
        open_ = self.is_open and not self.context.read_only
        view = self.view
        attendance, dossier, record = view.attendance, view.agenda.dossier, view.agenda.record
        for widget in (*attendance.status_buttons.values(), attendance.represented_edit,
                       attendance.remarks_edit, attendance.save_button,
                       attendance.all_present_button, attendance.guest_edit,
                       attendance.guest_organisation, attendance.guest_button,
                       *dossier.opinion_buttons.values(), dossier.comment_edit,
                       dossier.confirm_button, record.decision_edit, record.decision_button,
                       record.what_edit, record.who_edit, record.due_field,
                       record.follow_button, view.close_meeting_button, view.end.close_button):
            widget.setEnabled(open_)
        view.end.close_button.setVisible(self.is_open)
        view.close_meeting_button.setVisible(self.is_open)
        for button in (view.end.record_button, view.end.mail_button):
            button.setVisible(not self.is_open)
        view.end.mail_button.setEnabled(not self.context.read_only)

    def _render_attendance(self) -> None:
        page = self.view.attendance
        rows = self.data.attendance
        keep = self._attendance_index
        self.attendance_model.set_rows(rows)
        if rows:
            keep = max(0, min(keep, len(rows) - 1))
            page.table.setCurrentIndex(self.attendance_model.index(keep, 0))
        else:
            self._show_person(None)
        counts = {status: sum(1 for r in rows if r.status is status)
                  for status in AttendanceStatus}
        missing = sum(1 for r in rows if r.status is None)
        text = self.tr("{present} présent·es · {represented} représenté·es · {excused} "
                       "excusé·es · {absent} absent·es").format(
            present=counts[AttendanceStatus.PRESENT],
            represented=counts[AttendanceStatus.REPRESENTED],
            excused=counts[AttendanceStatus.EXCUSED], absent=counts[AttendanceStatus.ABSENT])
        if missing:
            text += self.tr(" · {n} sans réponse (en rouge)").format(n=missing)
        page.count_label.setText(text)
        self.view.step_buttons[0].setText(self.tr("1. Présences ({done}/{total})").format(
            done=len(rows) - missing, total=len(rows)))

    def _show_position(self, *, focus: bool = True) -> None:
        """Show the step and point of `_position` (-1: attendance; past the agenda: the end)."""
        count = len(self.data.agenda)
        if self._position < 0:
            self._step = STEP_ATTENDANCE
        elif self._position >= count:
            self._step = STEP_END
        else:
            self._step = STEP_AGENDA
        view = self.view
        for index, button in enumerate(view.step_buttons):
            button.setChecked(index == self._step)
        view.step_buttons[1].setText(
            self.tr("2. Ordre du jour ({n}/{count})").format(
                n=min(self._position + 1, count), count=count)
            if self._step == STEP_AGENDA else self.tr("2. Ordre du jour ({count} points)")
            .format(count=count))
        view.stack.setCurrentIndex(self._step)
        if self._step == STEP_ATTENDANCE:
            self._hint(self.tr(
                "↑ ↓ : personne · P présent·e · E excusé·e · A absent·e · R représenté·e (son "
                "nom, Entrée) · Alt+M : remarques · Alt+I : invité·e · Page suiv. : ordre du "
                "jour · F11 : plein écran · Ctrl+ / Ctrl- : taille du texte"))
            if focus:
                view.attendance.table.setFocus(Qt.FocusReason.OtherFocusReason)
        elif self._step == STEP_AGENDA:
            self._show_point(self.data.agenda[self._position], focus=focus)
        else:
            self._render_end()
            if self.is_open:
                self._hint(self.tr("Entrée : clôturer la séance (une confirmation suit) · Page "
                                   "précédente : revenir au dernier point"))
                if focus:
                    view.end.close_button.setFocus(Qt.FocusReason.OtherFocusReason)
            else:
                self._hint(self.tr("La séance est close : enregistrez le relevé de décision "
                                   "(PDF) et préparez son courriel."))
                if focus:
                    view.end.record_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _hint(self, text: str) -> None:
        self.view.hint_label.setText(text)

    def _show_point(self, point: AgendaRow, *, focus: bool) -> None:
        agenda = self.view.agenda
        table = agenda.agenda_table
        table.setCurrentIndex(self.agenda_model.index(self._position, 1))
        table.scrollTo(table.currentIndex())
        count = len(self.data.agenda)
        brief = self._brief_of(point)
        if brief is None:
            self._shown_dossier = None
            self._saved_entry = None
            panel = agenda.point
            panel.reference_label.setText(self.tr("Point {n} sur {count}").format(
                n=point.number, count=count))
            panel.title_label.setText(point.title)
            panel.notes_label.setText(point.notes or "")
            panel.notes_label.setVisible(bool(point.notes))
            agenda.current.setCurrentWidget(panel)
            self._build_envelopes(agenda.envelopes, [(e.budget_line_id, e.year)
                                                     for e in self.data.envelopes],
                                  self.tr("Décidé en séance"))
            self._update_envelopes()
            self._hint(self.tr("Page suiv. / préc. (ou Ctrl+→ / Ctrl+←) : point suivant / "
                               "précédent · Alt+L : décision libre · Alt+S : suite à donner"))
            if focus:
                panel.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        agenda.current.setCurrentWidget(agenda.dossier)
        self._show_dossier(brief, point, count)
        verb = self.tr("accordé") if self.data.meeting.is_deciding else self.tr("proposé")
        self._hint(self.tr(
            "Avis : F R D A · montant {verb} : 12 500,50 (Tab : financeur suivant) · Entrée : "
            "valider · Échap : annuler · Page suiv. / préc. : dossier suivant / précédent · "
            "Alt+L : décision libre · Alt+S : suite à donner").format(verb=verb))
        if focus:
            self._focus_entry()

    def _brief_of(self, point: AgendaRow) -> DossierBrief | None:
        if point.dossier_id is None:
            return None
        return next((d for d in self.data.dossiers if d.dossier_id == point.dossier_id), None)

    def current_brief(self) -> DossierBrief | None:
        """The dossier under discussion, if the current point is one."""
        if self._step != STEP_AGENDA:
            return None
        return self._brief_of(self.data.agenda[self._position])

    def _show_dossier(self, brief: DossierBrief, point: AgendaRow, count: int) -> None:
        panel = self.view.agenda.dossier
        deciding = self.data.meeting.is_deciding
        self._shown_dossier = brief.dossier_id
        panel.reference_label.setText(self.tr("Point {n} sur {count} · dossier {reference} "
                                              "({year}) · {state}").format(
            n=point.number, count=count, reference=brief.reference, year=brief.examined_year,
            state=brief.state_label))
        panel.title_label.setText(brief.action_title)
        panel.holder_label.setText(self.tr("Porteur : {holder}").format(
            holder=brief.holder_name))
        objective = brief.objective_code or self.tr("non rattaché")
        if brief.objective_title:
            objective += f" — {brief.objective_title}"
        panel.objective_label.setText(self.tr("Objectif : {objective}").format(
            objective=objective))
        if brief.is_renewal or brief.last_year_granted is not None:
            renewal = self.tr("renouvellement, accordé en {year} : {amount}").format(
                year=brief.examined_year - 1, amount=_money_text(brief.last_year_granted))
        else:
            renewal = self.tr("première demande")
        panel.cost_label.setText(self.tr("Coût total : {cost} · demandé : {requested} · "
                                         "{renewal}").format(
            cost=brief.total_cost.format(), requested=brief.requested.format(),
            renewal=renewal))

        panel.clear_funders()
        amount_title = (self.tr("Accordé {year}") if deciding
                        else self.tr("Proposé {year}")).format(year=brief.examined_year)
        panel.header_cell(self.tr("Financeur"), 0, 0)
        panel.header_cell(self.tr("Demandé"), 0, 1, right=True)
        panel.header_cell(self.tr("Accordé {year}").format(year=brief.examined_year - 1), 0, 2,
                          right=True)
        panel.header_cell(amount_title, 0, 3)
        decision = brief.decision
        previous: QWidget | None = None
        for row, funding in enumerate(brief.fundings, 1):
            name = panel.text_cell(_short(funding.label), row, 0)
            name.setToolTip(funding.label)
            panel.text_cell(_money_text(funding.requested), row, 1, right=True)
            panel.text_cell(_money_text(funding.last_year_granted), row, 2, right=True)
            edit = AmountEdit()
            edit.setObjectName(f"amount_{funding.funding_id}")
            edit.setAccessibleName(self.tr("{title} — {funder}").format(title=amount_title,
                                                                        funder=funding.label))
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
            amount = decision.amount_for(funding.funding_id) if decision is not None else None
            edit.setText("" if amount is None else amount.format(cents=amount.cents % 100 != 0))
            edit.textEdited.connect(lambda _text: self._refresh_entry())
            panel.add_funder_cell(edit, row, 3)
            edit.ensurePolished()  # the style sheet's type, to measure with
            edit.setFixedWidth(edit.fontMetrics().horizontalAdvance("000 000,00 €") + 30)
            panel.amount_edits[funding.funding_id] = edit
            if previous is not None:
                QWidget.setTabOrder(previous, edit)
            previous = edit
        if previous is not None:
            QWidget.setTabOrder(previous, panel.comment_edit)
        if not brief.fundings:
            panel.text_cell(self.tr("Aucun financement demandé pour {year}.").format(
                year=brief.examined_year), 1, 0)
        panel.comment_edit.setText((decision.comment or "") if decision is not None else "")
        self._opinion = decision.opinion if decision is not None else None
        self._saved_entry = None
        self._saved_entry = self._entry_state()
        panel.message.clear_message()
        self._build_envelopes(self.view.agenda.envelopes,
                              list(dict.fromkeys((f.budget_line_id, f.year)
                                                 for f in brief.fundings)),
                              self.tr("Ce dossier"))
        self._refresh_entry()

    def _focus_entry(self) -> None:
        panel = self.view.agenda.dossier
        edits = list(panel.amount_edits.values())
        if edits and self.is_open:
            edits[0].setFocus(Qt.FocusReason.OtherFocusReason)
            edits[0].selectAll()
        else:
            panel.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------------ the dossier entry

    def _amounts(self) -> tuple[dict[int, Money], dict[int, str]]:
        """The amounts typed (funding id → amount), and the problems (funding id → text)."""
        brief = self.current_brief()
        amounts: dict[int, Money] = {}
        problems: dict[int, str] = {}
        if brief is None:
            return amounts, problems
        edits = self.view.agenda.dossier.amount_edits
        for funding in brief.fundings:
            edit = edits.get(funding.funding_id)
            if edit is None or not edit.text().strip():
                continue
            try:
                amounts[funding.funding_id] = Money.parse(edit.text(), funding.label)
            except ValidationError as error:
                problems[funding.funding_id] = error.message
        return amounts, problems

    def _entry_state(self) -> EntryState:
        edits = self.view.agenda.dossier.amount_edits
        values: list[object] = []
        for edit in edits.values():
            text = edit.text().strip()
            try:
                values.append(Money.parse(text) if text else None)
            except ValidationError:
                values.append(text)
        return (self._opinion, tuple(values),
                self.view.agenda.dossier.comment_edit.text().strip())

    def _entry_dirty(self) -> bool:
        return (self._shown_dossier is not None and self._saved_entry is not None
                and self.current_brief() is not None and self._entry_state() != self._saved_entry)

    def pending_amounts(self) -> dict[int, Money]:
        """What each funding row of the dossier would count once this entry is confirmed."""
        brief = self.current_brief()
        if brief is None:
            return {}
        typed, _problems = self._amounts()
        pending: dict[int, Money] = {}
        for funding in brief.fundings:
            own = _committed(funding.proposed, funding.granted)
            if self._opinion is Opinion.UNFAVOURABLE:
                pending[funding.funding_id] = Money(0)
            elif self._opinion is Opinion.POSTPONED:
                pending[funding.funding_id] = own
            elif funding.funding_id in typed:
                pending[funding.funding_id] = typed[funding.funding_id]
            elif not self.view.agenda.dossier.amount_edits[funding.funding_id].text().strip():
                pending[funding.funding_id] = own
        return pending

    def _proposing(self) -> set[int]:
        """The funding rows this entry would give an amount to (the envelopes show them)."""
        brief = self.current_brief()
        if brief is None or self._opinion is Opinion.POSTPONED:
            return set()
        if self._opinion is Opinion.UNFAVOURABLE:
            return {f.funding_id for f in brief.fundings}
        return set(self._amounts()[0])

    def set_opinion(self, opinion: Opinion) -> None:
        """The opinion of the entry (F, R, D, A); Enter confirms it."""
        if self.current_brief() is None or not self.is_open:
            return
        self._opinion = opinion
        self._refresh_entry()

    def _alt_opinion(self, opinion: Opinion) -> None:
        if self._step == STEP_AGENDA:
            self.set_opinion(opinion)

    def _refresh_entry(self) -> None:
        """Buttons, locked amounts, problems, the saved marker and the envelopes."""
        panel = self.view.agenda.dossier
        brief = self.current_brief()
        if brief is None:
            return
        for opinion, button in panel.opinion_buttons.items():
            button.setChecked(opinion is self._opinion)
        locked = self._opinion in (Opinion.UNFAVOURABLE, Opinion.POSTPONED) or not self.is_open
        _typed, problems = self._amounts()
        for funding_id, edit in panel.amount_edits.items():
            edit.setReadOnly(locked)
            set_flag(edit, "locked", locked)
            set_flag(edit, "invalid", funding_id in problems and not locked)
        deciding = self.data.meeting.is_deciding
        notes = {
            Opinion.FAVOURABLE: self.tr("Favorable : les montants saisis seront {verb} à la "
                                        "clôture.").format(
                verb=self.tr("accordés") if deciding else self.tr("proposés")),
            Opinion.RESERVED: self.tr("Réservé : les montants saisis seront proposés, sous "
                                      "réserve (précisez-la en commentaire)."),
            Opinion.UNFAVOURABLE: self.tr("Défavorable : 0 € pour chaque financeur."),
            Opinion.POSTPONED: self.tr("Ajourné : aucun montant ; le dossier sera réexaminé."),
        }
        panel.opinion_note.setText(notes[self._opinion] if self._opinion is not None
                                   else self.tr("Choisissez l'avis : F, R, D ou A."))
        if problems and not locked:
            panel.message.show_message(next(iter(problems.values())))
        else:
            panel.message.clear_message()
        decision = brief.decision
        if self._entry_dirty():
            panel.saved_label.setText(self.tr("● Saisie non validée : Entrée pour "
                                              "l'enregistrer"))
            set_flag(panel.saved_label, "state", "pending")
        elif decision is not None:
            panel.saved_label.setText(self.tr("✓ Avis enregistré : {opinion} (décision n° {n})")
                                      .format(opinion=decision.opinion_label, n=decision.number))
            set_flag(panel.saved_label, "state", "saved")
        else:
            panel.saved_label.setText(self.tr("Pas encore d'avis"))
            set_flag(panel.saved_label, "state", "empty")
        self._update_envelopes()

    def confirm_entry(self) -> bool:
        """Enter: save the opinion, the amounts and the comment at once (True when saved)."""
        brief = self.current_brief()
        if brief is None or not self.is_open:
            return True
        panel = self.view.agenda.dossier
        if self._opinion is None:
            panel.message.show_message(self.tr("Choisissez d'abord l'avis : F favorable, "
                                               "R réservé, D défavorable, A ajourné."))
            return False
        typed, problems = self._amounts()
        if problems and self._opinion not in (Opinion.UNFAVOURABLE, Opinion.POSTPONED):
            panel.message.show_message(next(iter(problems.values())))
            return False
        opinion, comment = self._opinion, panel.comment_edit.text()
        dossier_id = brief.dossier_id
        try:
            self._write(lambda s: meeting_service.record_opinion(
                s, self.meeting_id, dossier_id, opinion, typed, comment))
        except UserFacingError as error:
            panel.message.show_message(error.message)
            return False
        focus = self._entry_focus()
        data = self.data
        self.data = self.context.read(
            lambda s: meeting_service.meeting_mode_refresh(s, data, dossier_id))
        self._render_lists()
        self._show_position(focus=False)
        self._restore_focus(focus)
        return True

    def _entry_focus(self) -> int | str | None:
        """Which field of the entry has the focus: a funding id, "comment", or None."""
        panel = self.view.agenda.dossier
        focused = self.focusWidget()
        if focused is panel.comment_edit:
            return "comment"
        return next((fid for fid, edit in panel.amount_edits.items() if edit is focused), None)

    def _restore_focus(self, where: int | str | None) -> None:
        """After a re-render, the same field again (else the first amount)."""
        panel = self.view.agenda.dossier
        if where == "comment":
            panel.comment_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        elif isinstance(where, int) and where in panel.amount_edits:
            panel.amount_edits[where].setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self._focus_entry()

    def revert_entry(self) -> None:
        """Escape: the entry goes back to what is saved."""
        brief = self.current_brief()
        if brief is not None:
            self._show_position()

    def _escape(self) -> None:
        if self._step == STEP_AGENDA and self._entry_dirty():
            self.revert_entry()
        elif self._step == STEP_ATTENDANCE and self._attendance_dirty():
            self._show_person(self.current_person())
        elif self.isFullScreen():
            self.toggle_full_screen()

    # ------------------------------------------------------------------ envelopes

    def _build_envelopes(self, panel: EnvelopePanel, keys: list[tuple[int, int]],
                         caption: str) -> None:
        panel.clear()
        lines = {(e.budget_line_id, e.year): e for e in self.data.envelopes}
        for key in keys:
            line = lines.get(key)
            if line is None:
                continue
            panel.add(key, self._envelope_name(line, short=True),
                      _money_text(line.envelope) if line.envelope is not None
                      else self.tr("non définie"), caption)
        panel.empty_label.setVisible(not panel.remaining_labels)

    def _envelope_name(self, line: EnvelopeLine, *, short: bool = False) -> str:
        name = line.line_code or line.line_name
        if short:
            name = _short(name, 34)
        return f"{name} — {line.funder_name} ({line.year})"

    def _update_envelopes(self) -> None:
        """What remains in each envelope shown, with the entry being typed counted."""
        brief = self.current_brief()
        pending = self.pending_amounts() if brief is not None else {}
        self._fill_envelopes(self.view.agenda.envelopes, pending, brief, self._proposing())

    def _fill_envelopes(self, panel: EnvelopePanel, pending: dict[int, Money],
                        brief: DossierBrief | None, proposing: set[int]) -> None:
        remaining = self.data.remaining_after(pending)
        lines = {(e.budget_line_id, e.year): e for e in self.data.envelopes}
        for frame, (key, label) in zip(panel.frames, panel.remaining_labels.items(),
                                       strict=True):
            line = lines[key]
            value = remaining.get(key)
            if brief is not None:
                mine = [f.funding_id for f in brief.fundings
                        if (f.budget_line_id, f.year) == key and f.funding_id in proposing]
                panel.proposal_labels[key].setText(
                    Money(sum(pending[fid].cents for fid in mine)).format() if mine else "—")
            else:
                panel.proposal_labels[key].setText(line.decided.format())
            note = panel.notes[key]
            exceeded = value is not None and value.cents < 0
            label.setText("—" if value is None else value.format())
            set_flag(label, "exceeded", exceeded)
            set_flag(frame, "exceeded", exceeded)
            set_flag(note, "exceeded", exceeded)
            if value is None:
                note.setText(self.tr("Pas d'enveloppe {year} sur cette ligne : rien à "
                                     "comparer.").format(year=line.year))
            elif exceeded:
                note.setText(self.tr("⚠ Enveloppe dépassée de {amount}").format(
                    amount=Money(-value.cents).format()))
            else:
                note.setText("")
            note.setVisible(bool(note.text()))

    # ------------------------------------------------------------------ moving

    def go_to(self, position: int) -> bool:
        """Show another point (-1: the attendance; past the agenda: the end), confirming a
        valid entry first and remembering where the meeting stands. False: stayed."""
        position = max(-1, min(position, len(self.data.agenda)))
        if position == self._position:
            return True
        if self._step == STEP_AGENDA and self._entry_dirty() and not self.confirm_entry():
            return False
        if self._step == STEP_ATTENDANCE and self._attendance_dirty() \
                and not self.confirm_attendance(advance=False):
            return False
        self._position = position
        if position >= 0 and self.is_open and not self.context.read_only:
            try:
                self._write(lambda s: meeting_service.set_current_position(
                    s, self.meeting_id, position))
            except UserFacingError as error:
                self.context.messenger.warn(self, self.tr("Mode séance"), error.message)
        self._show_position()
        return True

    def next_point(self) -> None:
        self.go_to(self._position + 1)

    def previous_point(self) -> None:
        self.go_to(self._position - 1)

    def _step_clicked(self, step: int) -> None:
        if step == STEP_ATTENDANCE:
            self.go_to(-1)
        elif step == STEP_AGENDA:
            saved = self.data.meeting.current_position
            target = self._position if 0 <= self._position < len(self.data.agenda) else (
                saved if saved is not None and saved < len(self.data.agenda) else 0)
            self.go_to(target)
        else:
            self.go_to(len(self.data.agenda))
        self.view.step_buttons[step].setChecked(self._step == step)

    def position(self) -> int:
        """-1 for the attendance, an agenda index, or the agenda's length for the end."""
        return self._position

    def zoom(self, step: float) -> None:
        """Ctrl++ / Ctrl+- / Ctrl+0: the type larger, smaller, back to 1.6×, for the room's
        projector (from 1.1× to 2.4× the application's type)."""
        scale = round(min(2.4, max(1.1, self._scale + step)), 2)
        if scale == self._scale:
            return
        self._scale = scale
        self.setStyleSheet(projector_stylesheet(self._base_points * scale))
        font = QFont(self.font())
        font.setPointSizeF(self._base_points * scale)
        self.setFont(font)
        if self._step == STEP_AGENDA:  # the amount fields are measured on the type
            self._show_position(focus=False)
            self._focus_entry()
        self.view.status_label.setText(self.tr("Taille du texte : {n} %").format(
            n=round(scale * 100 / FONT_SCALE)))

    def type_scale(self) -> float:
        """How many times the application's type the window writes."""
        return self._scale

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()

    # ------------------------------------------------------------------ keys

    def _letter(self, letter: str) -> None:
        opinion, status = _KEYS_BY_LETTER[letter]
        if self._step == STEP_AGENDA and opinion is not None:
            self.set_opinion(opinion)
        elif self._step == STEP_ATTENDANCE and status is not None:
            self.attendance_key(status)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter in the entry (an amount, the comment, the panel itself) confirms it: a line
        # edit lets Enter travel up to its window. The other fields' Enter (a free decision,
        # a follow-up) is connected to what they do, and stops here.
        if Qt.Key(event.key()) in (Qt.Key.Key_Return, Qt.Key.Key_Enter) \
                and self._step == STEP_AGENDA and self._in_entry(self.focusWidget()):
            self.confirm_entry()
            return
        super().keyPressEvent(event)

    def _in_entry(self, widget: QWidget | None) -> bool:
        panel = self.view.agenda.dossier
        return widget is not None and (widget is panel or widget is panel.comment_edit
                                       or widget in panel.amount_edits.values())

    # ------------------------------------------------------------------ attendance

    def current_person(self) -> AttendanceRow | None:
        return self.attendance_model.row_at(self.view.attendance.table.currentIndex())

    def _on_person_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._attendance_index = current.row()
        self._show_person(self.attendance_model.row_at(current))

    def _show_person(self, row: AttendanceRow | None) -> None:
        page = self.view.attendance
        self._pending_status = None
        page.message.clear_message()
        if row is None:
            page.person_label.setText(self.tr("Personne à afficher"))
            page.represented_edit.clear()
            page.remarks_edit.clear()
            for button in page.status_buttons.values():
                button.setChecked(False)
            return
        title = row.name
        if row.organisation_name:
            title += f" — {row.organisation_name}"
        page.person_label.setText(title)
        page.represented_edit.setText(row.represented_by or "")
        page.remarks_edit.setText(row.remarks or "")
        self._check_status(row.status)

    def _check_status(self, status: AttendanceStatus | None) -> None:
        page = self.view.attendance
        for each, button in page.status_buttons.items():
            button.setChecked(each is status)
        page.represented_edit.setEnabled(self.is_open)
        page.represented_label.setEnabled(status is AttendanceStatus.REPRESENTED)

    def _attendance_dirty(self) -> bool:
        row = self.current_person()
        if row is None or not self.is_open:
            return False
        page = self.view.attendance
        return (self._pending_status is not None
                or page.remarks_edit.text().strip() != (row.remarks or "")
                or page.represented_edit.text().strip() != (row.represented_by or ""))

    def attendance_key(self, status: AttendanceStatus) -> None:
        """P, E, A: recorded at once, then the next person; R: the representative's name."""
        row = self.current_person()
        if row is None or not self.is_open:
            return
        page = self.view.attendance
        if status is AttendanceStatus.REPRESENTED and not page.represented_edit.text().strip():
            self._pending_status = status
            self._check_status(status)
            page.message.show_message(self.tr("Qui représente {name} ? Tapez son nom, puis "
                                              "Entrée.").format(name=row.name))
            page.represented_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self._pending_status = status
        self.confirm_attendance()

    def confirm_attendance(self, advance: bool = True) -> bool:
        """Record the current person's attendance (status, representative, remarks)."""
        row = self.current_person()
        if row is None or not self.is_open:
            return True
        page = self.view.attendance
        status = self._pending_status or row.status or AttendanceStatus.PRESENT
        data = row.as_input(status)
        data = AttendanceInput(status=status, contact_id=data.contact_id,
                               organisation_id=data.organisation_id, guest_name=data.guest_name,
                               represented_by=page.represented_edit.text(),
                               remarks=page.remarks_edit.text())
        try:
            self._write(lambda s: meeting_service.record_attendance(s, self.meeting_id, data))
        except UserFacingError as error:
            page.message.show_message(error.message)
            return False
        index = self._attendance_index
        self._pending_status = None
        self.data = self._read()
        if advance and index + 1 < len(self.data.attendance):
            self._attendance_index = index + 1
        self._render_attendance()
        self._show_person(self.current_person())
        page.table.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def others_present(self) -> None:
        """Everyone still without an answer is present (one entry)."""
        rows = [r for r in self.data.attendance if r.status is None]
        if not rows or not self.is_open:
            return

        def work(session: Session) -> None:
            for row in rows:
                meeting_service.record_attendance(session, self.meeting_id,
                                                  row.as_input(AttendanceStatus.PRESENT))

        try:
            self._write(work)
        except UserFacingError as error:
            self.view.attendance.message.show_message(error.message)
            return
        self.data = self._read()
        self._render_attendance()

    def add_guest(self) -> None:
        """A person not seated in the committee, present (a stand-in, an expert…)."""
        page = self.view.attendance
        name = " ".join(page.guest_edit.text().split())
        if not name or not self.is_open:
            page.guest_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        data = AttendanceInput(status=AttendanceStatus.PRESENT, guest_name=name,
                               organisation_id=page.guest_organisation.currentData())
        try:
            self._write(lambda s: meeting_service.record_attendance(s, self.meeting_id, data))
        except UserFacingError as error:
            page.message.show_message(error.message)
            return
        page.guest_edit.clear()
        page.guest_organisation.setCurrentIndex(0)
        self.data = self._read()
        found = next((i for i, r in enumerate(self.data.attendance)
                      if r.member_id is None and r.name == name), None)
        if found is not None:
            self._attendance_index = found
        self._render_attendance()
        page.table.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------------ decisions, follow-ups

    def _current_point(self) -> AgendaRow | None:
        if self._step != STEP_AGENDA:
            return None
        return self.data.agenda[self._position]

    def add_free_decision(self) -> None:
        record = self.view.agenda.record
        text = record.decision_edit.text().strip()
        if not text or not self.is_open:
            return
        point = self._current_point()
        item_id = point.id if point is not None and point.dossier_id is None else None
        try:
            number = self._write(lambda s: self._free_decision(s, text, item_id))
        except UserFacingError as error:
            record.message.show_message(error.message)
            return
        record.message.clear_message()
        record.decision_edit.clear()
        self._after_record(self.tr("Décision n° {n} enregistrée.").format(n=number))

    def _free_decision(self, session: Session, text: str, item_id: int | None) -> int:
        decision_id = meeting_service.record_free_decision(session, self.meeting_id, text,
                                                           item_id)
        data = meeting_service.meeting_mode_data(session, self.meeting_id)
        return next(d.number for d in data.free_decisions if d.id == decision_id)

    def add_follow_up(self) -> None:
        record = self.view.agenda.record
        what = record.what_edit.text().strip()
        if not self.is_open:
            return
        if not what:
            record.message.show_message(self.tr("Suite à donner : indiquez ce qu'il faut faire."))
            record.what_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        try:
            due = record.due_field.value()
        except DateError as error:
            record.message.show_message(str(error))
            record.due_field.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        who = record.who_edit.text()
        try:
            self._write(lambda s: meeting_service.add_follow_up(s, self.meeting_id, what, who,
                                                                due))
        except UserFacingError as error:
            record.message.show_message(error.message)
            return
        record.message.clear_message()
        for edit in (record.what_edit, record.who_edit, record.due_field.edit):
            edit.clear()
        self._after_record(self.tr("Suite à donner enregistrée."))
        record.what_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _after_record(self, text: str) -> None:
        if self._entry_dirty():
            self.data = self._read()
            self._render_lists()
            self._update_envelopes()
        else:
            self.data = self._read()
            self._render_lists()
        self.view.agenda.record.message.clear_message()
        self.view.status_label.setText(self.view.status_label.text() + " — " + text)

    def remove_free_decision(self) -> None:
        record = self.view.agenda.record
        row = self.decision_model.row_at(record.decision_table.currentIndex())
        if row is None or not self.is_open:
            return
        if not self.context.messenger.confirm(
                self, self.tr("Retirer une décision"),
                self.tr("Retirer la décision n° {n} « {text} » ?").format(n=row.number,
                                                                          text=row.text),
                self.tr("Retirer")):
            return
        try:
            self._write(lambda s: meeting_service.delete_decision(s, row.id))
        except UserFacingError as error:
            record.message.show_message(error.message)
            return
        self._after_record(self.tr("Décision retirée."))

    def remove_follow_up(self) -> None:
        record = self.view.agenda.record
        row = self.follow_model.row_at(record.follow_table.currentIndex())
        if row is None or not self.is_open:
            return
        if not self.context.messenger.confirm(
                self, self.tr("Retirer une suite à donner"),
                self.tr("Retirer « {text} » ?").format(text=row.what), self.tr("Retirer")):
            return
        try:
            self._write(lambda s: meeting_service.remove_follow_up(s, row.id))
        except UserFacingError as error:
            record.message.show_message(error.message)
            return
        self._after_record(self.tr("Suite à donner retirée."))

    # ------------------------------------------------------------------ the end

    def _render_end(self) -> None:
        end = self.view.end
        data = self.data
        dossiers = data.dossiers
        decided = [d for d in dossiers if d.decision is not None]
        waiting = [d for d in dossiers if d.decision is None]
        recorded = sum(1 for r in data.attendance if r.status is not None)
        counts = {opinion: sum(1 for d in decided if d.decision and d.decision.opinion is opinion)
                  for opinion in Opinion}
        opinions = ", ".join(f"{n} {opinion.label.lower()}" for opinion, n in counts.items()
                             if n)
        end.heading.setText(self.tr("Fin de l'ordre du jour") if self.is_open
                            else self.tr("Séance close"))
        end.summary_label.setText(self.tr(
            "Présences : {recorded} sur {total} renseignées.\n"
            "Avis : {decided} dossier(s) sur {count}{opinions}.\n"
            "Décisions libres : {free}. Suites à donner : {follow}.").format(
            recorded=recorded, total=len(data.attendance), decided=len(decided),
            count=len(dossiers), opinions=f" ({opinions})" if opinions else "",
            free=len(data.free_decisions), follow=len(data.follow_ups)))
        if waiting and self.is_open:
            end.missing_label.setText(self.tr("Sans avis (ils restent à examiner) : {refs}.")
                                      .format(refs=", ".join(d.reference for d in waiting)))
            set_flag(end.missing_label, "exceeded", True)
        else:
            end.missing_label.setText("")
        end.missing_label.setVisible(bool(end.missing_label.text()))
        remaining = data.remaining_after({})
        self.envelope_model.set_rows([
            EnvelopeSummaryRow(id=index, name=self._envelope_name(line), envelope=line.envelope,
                               decided=line.decided,
                               remaining=remaining.get((line.budget_line_id, line.year)))
            for index, line in enumerate(data.envelopes)])
        end.envelope_table.resizeRowsToContents()

    def close_meeting(self) -> None:
        """« Clôturer la séance »: after a confirmation, the decisions apply to the dossiers
        (states and amounts, with their history) in one unit of work."""
        if not self.is_open:
            return
        if self._step == STEP_AGENDA and self._entry_dirty() and not self.confirm_entry():
            return
        data = self.data
        waiting = [d.reference for d in data.dossiers if d.decision is None]
        deciding = data.meeting.is_deciding
        text = self.tr("Clôturer « {title} » ?\n\n{decided} avis sur {count} dossier(s) "
                       "seront appliqués : états des dossiers et montants {verb} mis à jour, "
                       "avec leur historique.").format(
            title=data.meeting.title, decided=len(data.dossiers) - len(waiting),
            count=len(data.dossiers),
            verb=self.tr("accordés") if deciding else self.tr("proposés"))
        if waiting:
            text += "\n" + self.tr("Sans avis, ils restent à examiner : {refs}.").format(
                refs=", ".join(waiting))
        if deciding:
            text += "\n" + self.tr("La programmation approuvée sera figée.")
        text += "\n\n" + self.tr("Après la clôture, les avis ne peuvent plus changer dans le "
                                 "mode séance (Ctrl+Z dans la fenêtre principale annule la "
                                 "clôture).")
        title = self.tr("Clôturer la séance")
        if not self.context.messenger.confirm(self, title, text, self.tr("Clôturer la séance")):
            return
        today = self.today()
        try:
            self._write(lambda s: meeting_service.close_meeting(s, self.meeting_id, today),
                        changes=frozenset({COMMITTEES, PROGRAMMATION}),
                        label=self.tr("la clôture de la séance {title}").format(
                            title=quoted(data.meeting.title)))
        except UserFacingError as error:
            self.context.messenger.warn(self, title, error.message)
            return
        self.data = self._read()
        self._position = len(self.data.agenda)
        self._render_lists()
        self._show_position()
        self.view.end.result_label.setText(self.tr(
            "La séance est close : les dossiers portent leurs nouveaux états et montants. "
            "Enregistrez maintenant le relevé de décision et préparez son courriel."))

    def save_record(self) -> None:
        """The relevé de décision, as a PDF where she chooses."""
        end = self.view.end
        title = self.tr("Relevé de décision (PDF)")
        meeting = self.data.meeting
        path = self.ask_save_path(self, title, documents.suggested_record(meeting))
        if path is None:
            return
        try:
            written = documents.save_record(self.context, self.meeting_id, path, self.today())
        except UserFacingError as error:
            end.result_warning.show_message(error.message)
            return
        end.result_warning.clear_message()
        end.result_label.setText(self.tr("Relevé de décision enregistré : {path}").format(
            path=written))

    def prepare_mail(self) -> None:
        """The relevé's e-mail draft, in « À envoyer » (page Instances et séances)."""
        end = self.view.end
        try:
            recipients = documents.prepare_record_mail(self.context, self.data.meeting,
                                                       self.today())
        except UserFacingError as error:
            end.result_warning.show_message(error.message)
            return
        end.result_label.setText(self.tr(
            "Le courriel du relevé (PDF joint) attend dans « Courriels à envoyer », page Instances "
            "et séances : {who}").format(who=self.tr("{n} destinataire(s).").format(
                n=len(recipients.addresses))))
        end.result_warning.show_message(recipients.warning)

    # ------------------------------------------------------------------ closing the window

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._force_close and self.is_open:
            problem = None
            if self._step == STEP_AGENDA and self._entry_dirty() and not self.confirm_entry():
                problem = self.view.agenda.dossier.message.text()
            elif self._step == STEP_ATTENDANCE and self._attendance_dirty() \
                    and not self.confirm_attendance(advance=False):
                problem = self.view.attendance.message.text()
            if problem is not None and not self.context.messenger.confirm(
                    self, self.tr("Quitter le mode séance"),
                    self.tr("La saisie en cours n'a pas pu être enregistrée : {problem}\n\n"
                            "Tout ce qui a été validé avant est enregistré.").format(
                        problem=problem),
                    self.tr("Quitter sans cette saisie"), self.tr("Revenir à la saisie")):
                event.ignore()
                return
        event.accept()


def meeting_windows(context: AppContext) -> list[MeetingModeWindow]:
    """The meeting-mode windows open on *context*."""
    return [widget for widget in QApplication.topLevelWidgets()
            if isinstance(widget, MeetingModeWindow) and widget.context is context
            and not widget.isHidden()]


def show_meeting_mode(context: AppContext, parent: QWidget | None, meeting_id: int, *,
                      ask_save_path: SavePathAsker = documents.ask_pdf_path,
                      ) -> MeetingModeWindow:
    """The meeting's window, brought forward if open, else opened (maximised)."""
    for window in meeting_windows(context):
        if window.meeting_id == meeting_id:
            window.showNormal() if window.isMinimized() else window.show()
            window.raise_()
            window.activateWindow()
            return window
    window = MeetingModeWindow(context, meeting_id, parent, ask_save_path=ask_save_path)
    screen = (parent.screen() if parent is not None else QApplication.primaryScreen())
    if screen is not None:
        window.resize(screen.availableGeometry().size() * 0.95)
    window.show()
    window.raise_()
    window.activateWindow()
    return window


def close_meeting_windows(context: AppContext) -> bool:
    """Close every meeting window (each confirms what it can); False if one stays open."""
    return all(window.close() for window in meeting_windows(context))
