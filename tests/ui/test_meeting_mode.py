"""The meeting mode, held from the keyboard on the demo file: attendance, five dossiers with
opinions and amounts typed in French, a free decision, two follow-ups; what remains in each
envelope, checked against a computation of its own; closing; the relevé and its e-mail."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit
from sqlalchemy import select
from test_meeting_mode_support import (
    Prepared,
    answer_dialog,
    expected_remaining,
    press,
    typed,
)

from qpvdesk.core.domain.enums import AttendanceStatus, DossierState, MeetingState, Opinion
from qpvdesk.core.domain.models import Dossier
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services import funding as funding_service
from qpvdesk.core.services import meetings as meeting_service
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.meetings.meeting_mode import MeetingModeWindow, meeting_windows
from qpvdesk.ui.meetings.meetings_screen import MeetingsScreen

# The demo file and the prepared commission (fixtures).
pytest_plugins = ["test_meeting_mode_support"]

KEY = {Opinion.FAVOURABLE: Qt.Key.Key_F, Opinion.RESERVED: Qt.Key.Key_R,
       Opinion.UNFAVOURABLE: Qt.Key.Key_D, Opinion.POSTPONED: Qt.Key.Key_A}
#: What the meeting says on each of the five dossiers: opinion, amount typed per line (in
#: French), comment. The BOP 147 envelope of 2027 (35 000 €) is exceeded by the last one.
PLAN: list[tuple[Opinion, dict[str, str], str]] = [
    (Opinion.FAVOURABLE, {"BOP147": "17 600", "COMMUNE": "11 000"}, ""),
    (Opinion.RESERVED, {"BOP147": "12 000", "CULTURE": "9 500,50"},
     "Sous réserve du bilan intermédiaire à présenter en juin"),
    (Opinion.UNFAVOURABLE, {"QETE": "14 000"}, "Action déjà couverte par le droit commun"),
    (Opinion.POSTPONED, {}, "Budget à revoir avec la structure"),
    (Opinion.FAVOURABLE, {"BOP147": "6 000", "CAF": "4 600"}, ""),
]
REMARK = "Demande des permanences le samedi matin"
GUEST = "Lucie Martin"
DECISION = "La commission valide le bilan des actions 2026 et le transmet au COPIL."
FOLLOW_UPS = [("Publier l'appel à projets 2027", "Cheffe de projet", "15/02/2027"),
              ("Relancer le Club Sportif pour son bilan 2026", "Équipe d'ingénierie", "")]


@pytest.fixture
def page(qtbot: Any, context: AppContext, tmp_path: Path) -> Iterator[MeetingsScreen]:
    screen = MeetingsScreen(context)
    qtbot.addWidget(screen)
    screen.resize(1300, 820)
    screen.show()
    qtbot.waitExposed(screen)
    screen.ask_save_path = lambda _parent, _title, suggested: tmp_path / suggested.name
    yield screen
    for window in meeting_windows(context):
        window.close()


def add_the_dossiers(qtbot: Any, page: MeetingsScreen, prepared: Prepared) -> None:
    """« Ajouter des dossiers… »: the five awaiting an opinion come pre-checked."""
    page.select_meeting(prepared.meeting_id)
    page.run_dialog = answer_dialog(qtbot, lambda dialog: None)
    qtbot.mouseClick(page.view.meeting.add_dossiers_button, Qt.MouseButton.LeftButton)


def open_mode(qtbot: Any, page: MeetingsScreen) -> MeetingModeWindow:
    qtbot.mouseClick(page.view.meeting.meeting_mode_button, Qt.MouseButton.LeftButton)
    windows = meeting_windows(page._context)
    assert len(windows) == 1
    window = windows[0]
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    return window


def code_of(prepared: Prepared, line_id: int) -> str:
    return next(code for code, known in prepared.lines.items() if known == line_id)


def cents(text: str) -> int:
    return Money.parse(text).cents


def test_a_whole_commission_is_held_from_the_keyboard(
        qtbot: Any, page: MeetingsScreen, context: AppContext, prepared: Prepared,
        demo_path: Path, messenger: Any, tmp_path: Path) -> None:
    add_the_dossiers(qtbot, page, prepared)
    window = open_mode(qtbot, page)
    assert window.position() == -1  # never started: the attendance first

    # --- attendance: one key per person, the representative's name, a resident's remark.
    table = window.view.attendance.table
    assert window.focusWidget() is table
    people = window.attendance_model.rows()
    expected: dict[str, AttendanceStatus] = {}
    for row in people:
        assert window.current_person() is not None
        assert window.current_person().name == row.name  # type: ignore[union-attr]
        if row.name.startswith("Région"):
            press(qtbot, window, Qt.Key.Key_E)
            expected[row.name] = AttendanceStatus.EXCUSED
        elif row.name == "Bpifrance":
            press(qtbot, window, Qt.Key.Key_A)
            expected[row.name] = AttendanceStatus.ABSENT
        elif row.name.startswith("CAF"):
            press(qtbot, window, Qt.Key.Key_R)
            assert window.focusWidget() is window.view.attendance.represented_edit
            typed(qtbot, window, "Agnès Perrin")
            press(qtbot, window, Qt.Key.Key_Return)
            expected[row.name] = AttendanceStatus.REPRESENTED
        elif row.name == "Fatima Ouali":
            press(qtbot, window, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
            assert window.focusWidget() is window.view.attendance.remarks_edit
            typed(qtbot, window, REMARK)
            press(qtbot, window, Qt.Key.Key_Return)  # no status typed: present
            expected[row.name] = AttendanceStatus.PRESENT
        else:
            press(qtbot, window, Qt.Key.Key_P)
            expected[row.name] = AttendanceStatus.PRESENT
    press(qtbot, window, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    assert window.focusWidget() is window.view.attendance.guest_edit
    typed(qtbot, window, GUEST)
    press(qtbot, window, Qt.Key.Key_Return)
    sheet = {row.name: row for row in context.read(
        lambda s: meeting_service.attendance_sheet(s, prepared.meeting_id))}
    assert {name: sheet[name].status for name in expected} == expected
    assert sheet["Fatima Ouali"].remarks == REMARK and sheet["Fatima Ouali"].is_resident
    assert next(r for n, r in sheet.items() if n.startswith("CAF")).represented_by == \
        "Agnès Perrin"
    assert sheet[GUEST].status is AttendanceStatus.PRESENT and sheet[GUEST].is_guest

    # --- the points before the dossiers: a free decision, two follow-ups.
    press(qtbot, window, Qt.Key.Key_PageDown)
    assert window.position() == 0
    press(qtbot, window, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    record = window.view.agenda.record
    assert window.focusWidget() is record.decision_edit
    typed(qtbot, window, DECISION)
    press(qtbot, window, Qt.Key.Key_Return)
    press(qtbot, window, Qt.Key.Key_PageDown)
    assert window.position() == 1
    press(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    for what, who, due in FOLLOW_UPS:
        assert window.focusWidget() is record.what_edit
        typed(qtbot, window, what)
        press(qtbot, window, Qt.Key.Key_Tab)
        assert window.focusWidget() is record.who_edit
        typed(qtbot, window, who)
        if due:
            press(qtbot, window, Qt.Key.Key_Tab)
            assert window.focusWidget() is record.due_field.edit
            typed(qtbot, window, due)
        press(qtbot, window, Qt.Key.Key_Return)
    assert [(r.what, r.who) for r in window.follow_model.rows()] == \
        [(what, who) for what, who, _due in FOLLOW_UPS]
    assert [r.text for r in window.decision_model.rows()] == [DECISION]

    # --- the dossiers, one after the other (the third point, 2026-017, is left for later).
    press(qtbot, window, Qt.Key.Key_PageDown)
    press(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert window.position() == 3
    counted: dict[int, int] = {}  # funding row → what it counts once decided (the test's own)
    panel = window.view.agenda.dossier
    for number, (dossier_id, (opinion, amounts, comment)) in enumerate(
            zip(prepared.dossier_ids, PLAN, strict=True)):
        brief = window.current_brief()
        assert brief is not None and brief.dossier_id == dossier_id
        assert brief.is_renewal and brief.last_year_granted is not None
        press(qtbot, window, KEY[opinion])  # the opinion first: the amount fields pass it on
        assert panel.opinion_buttons[opinion].isChecked()
        pending: dict[int, int] = {}
        for funding in brief.fundings:
            edit = window.focusWidget()
            assert edit is panel.amount_edits[funding.funding_id]
            text = amounts.get(code_of(prepared, funding.budget_line_id))
            if text:
                typed(qtbot, window, text)
                if opinion in (Opinion.FAVOURABLE, Opinion.RESERVED):
                    pending[funding.funding_id] = cents(text)
                else:
                    assert edit.text() == ""  # locked: D and A take no amount
            if opinion is Opinion.UNFAVOURABLE:
                pending[funding.funding_id] = 0
            press(qtbot, window, Qt.Key.Key_Tab)
        assert window.focusWidget() is panel.comment_edit
        typed(qtbot, window, comment)

        # Live, before Enter: every envelope concerned, as the test computes it.
        shown = window.view.agenda.envelopes.shown_remaining()
        keys = {(f.budget_line_id, f.year) for f in brief.fundings}
        assert set(shown) == keys
        for line_id, year in keys:
            value = expected_remaining(demo_path, line_id, year, {**counted, **pending})
            assert shown[(line_id, year)] == Money(value).format(), (number, line_id)
            label = window.view.agenda.envelopes.remaining_labels[(line_id, year)]
            assert (label.property("exceeded") is True) == (value < 0)
        if number == 4:  # the BOP 147 envelope of 2027 is exceeded, in red
            bop = (prepared.lines["BOP147"], 2027)
            assert expected_remaining(demo_path, *bop, {**counted, **pending}) == -60_000
            assert window.view.agenda.envelopes.shown_remaining()[bop] == "-600\u00a0€"

        press(qtbot, window, Qt.Key.Key_Return)  # confirmed: saved at once
        with sqlite3.connect(f"file:{demo_path}?mode=ro", uri=True) as raw:
            saved = raw.execute("SELECT opinion, text FROM decision WHERE meeting_id = ? AND "
                                "dossier_id = ?", (prepared.meeting_id, dossier_id)).fetchone()
        raw.close()
        assert saved == (opinion.value, comment or None)
        counted.update(pending)
        assert "enregistré" in panel.saved_label.text()
        press(qtbot, window, Qt.Key.Key_PageDown)

    # --- the end: close the meeting, then the relevé and its e-mail.
    assert window.position() == len(window.data.agenda)
    assert window.focusWidget() is window.view.end.close_button
    messenger.answers = [True]
    window.today = lambda: date(2027, 1, 19)
    press(qtbot, window, Qt.Key.Key_Return)
    assert "Clôturer" in messenger.questions[-1]
    assert not window.is_open
    assert window.focusWidget() is window.view.end.record_button
    press(qtbot, window, Qt.Key.Key_Return)
    pdf = tmp_path / next(tmp_path.glob("releve-*.pdf")).name
    press(qtbot, window, Qt.Key.Key_Tab)
    assert window.focusWidget() is window.view.end.mail_button
    press(qtbot, window, Qt.Key.Key_Return)

    # After closing, the dossiers carry the decided states and amounts (read by the services).
    def outcome(session: Any) -> list[tuple[DossierState, dict[str, Money | None]]]:
        result = []
        for dossier_id in prepared.dossier_ids:
            dossier = session.get(Dossier, dossier_id)
            rows = funding_service.funding_rows(session, dossier_id)
            result.append((dossier.state, {code_of(prepared, r.budget_line_id): r.proposed
                                           for r in rows if r.year == 2027}))
        return result

    states = context.read(outcome)
    assert [state for state, _ in states] == [
        DossierState.OPINION_GIVEN, DossierState.OPINION_GIVEN, DossierState.OPINION_GIVEN,
        DossierState.POSTPONED, DossierState.OPINION_GIVEN]
    assert states[0][1] == {"BOP147": Money.from_euros(17_600), "COMMUNE": Money.from_euros(11_000)}
    assert states[1][1] == {"BOP147": Money.from_euros(12_000), "CULTURE": Money(950_050)}
    assert states[2][1] == {"QETE": Money(0), "COMMUNE": Money(0)}
    assert states[3][1] == {"BOP147": None, "PDI": None}
    assert states[4][1] == {"BOP147": Money.from_euros(6_000), "CAF": Money.from_euros(4_600)}
    opinions = context.read(lambda s: [s.scalar(select(Dossier.opinion).where(
        Dossier.id == dossier_id)) for dossier_id in prepared.dossier_ids])
    assert opinions == [opinion for opinion, _, _ in PLAN]
    meeting = context.read(lambda s: meeting_service.meeting_row(s, prepared.meeting_id))
    assert meeting.state is MeetingState.HELD and meeting.decision_count == 6

    # The relevé: attendees (the resident's remark), each decision, amounts in French.
    text = "\n".join(page_.extract_text() for page_ in PdfReader(BytesIO(pdf.read_bytes())).pages)
    flat = " ".join(text.split())
    for needle in ("Fatima Ouali", REMARK, "Agnès Perrin", GUEST, DECISION, "2027-001",
                   "2027-005", "Favorable", "Réservé", "Défavorable", "Ajourné",
                   FOLLOW_UPS[0][0], "9 500,50"):
        assert " ".join(needle.split()) in flat.replace("\u202f", " ").replace("\u00a0", " "), \
            needle

    # The e-mail waits in « Courriels à envoyer »; « Marquer comme envoyé » moves the meeting on.
    window.close()
    page.reload()
    drafts = [d for d in page.draft_model.rows() if d.meeting_id == prepared.meeting_id]
    assert len(drafts) == 1 and drafts[0].is_record and not drafts[0].is_sent
    page.view.meeting.tabs.setCurrentIndex(page.view.meeting.drafts_tab)
    page.view.meeting.drafts_table.setCurrentIndex(page.draft_model.index_for_id(drafts[0].id))
    qtbot.mouseClick(page.view.meeting.mark_sent_button, Qt.MouseButton.LeftButton)
    meeting = context.read(lambda s: meeting_service.meeting_row(s, prepared.meeting_id))
    assert meeting.state is MeetingState.RECORD_SENT


def test_reopening_resumes_where_the_meeting_stopped(
        qtbot: Any, page: MeetingsScreen, context: AppContext, prepared: Prepared) -> None:
    add_the_dossiers(qtbot, page, prepared)
    window = open_mode(qtbot, page)
    for _ in range(5):
        press(qtbot, window, Qt.Key.Key_PageDown)
    assert window.position() == 4
    brief = window.current_brief()
    assert brief is not None and brief.dossier_id == prepared.dossier_ids[1]
    # An entry typed but not confirmed is confirmed when she leaves (it was valid).
    press(qtbot, window, Qt.Key.Key_R)
    typed(qtbot, window, "1 234,50")
    window.close()
    assert meeting_windows(context) == []
    assert context.read(lambda s: meeting_service.meeting_row(
        s, prepared.meeting_id)).current_position == 4

    again = open_mode(qtbot, page)
    assert again.position() == 4
    assert again.view.agenda.agenda_table.currentIndex().row() == 4
    brief = again.current_brief()
    assert brief is not None and brief.decision is not None
    assert brief.decision.opinion is Opinion.RESERVED
    assert Money(123_450) in [amount for _fid, amount in brief.decision.amounts]
    # Back and forth moves the resume point with her.
    press(qtbot, again, Qt.Key.Key_PageUp)
    press(qtbot, again, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    assert again.position() == 2
    assert context.read(lambda s: meeting_service.meeting_row(
        s, prepared.meeting_id)).current_position == 2


def test_a_bad_amount_stays_on_screen_and_saves_nothing(
        qtbot: Any, page: MeetingsScreen, context: AppContext, prepared: Prepared) -> None:
    add_the_dossiers(qtbot, page, prepared)
    window = open_mode(qtbot, page)
    window.go_to(3)
    press(qtbot, window, Qt.Key.Key_F)
    typed(qtbot, window, "12,345")
    panel = window.view.agenda.dossier
    edit = window.focusWidget()
    assert isinstance(edit, QLineEdit) and edit.property("invalid") is True
    assert "deux chiffres" in panel.message.text()
    press(qtbot, window, Qt.Key.Key_Return)
    press(qtbot, window, Qt.Key.Key_PageDown)  # refused: the entry is not valid
    assert window.position() == 3
    decisions = context.read(lambda s: meeting_service.meeting_row(
        s, prepared.meeting_id)).decision_count
    assert decisions == 0
    press(qtbot, window, Qt.Key.Key_Escape)  # back to what is saved: nothing
    assert [e.text() for e in panel.amount_edits.values()] == ["", ""]
    assert not any(button.isChecked() for button in panel.opinion_buttons.values())
    assert window.focusWidget() is next(iter(panel.amount_edits.values()))
    press(qtbot, window, Qt.Key.Key_PageDown)
    assert window.position() == 4


def test_meeting_mode_models_pass_qt_model_tester(
        qtbot: Any, qtmodeltester: Any, page: MeetingsScreen, prepared: Prepared) -> None:
    add_the_dossiers(qtbot, page, prepared)
    window = open_mode(qtbot, page)
    press(qtbot, window, Qt.Key.Key_P)
    window.go_to(len(window.data.agenda))
    for model in (window.attendance_model, window.agenda_model, window.decision_model,
                  window.follow_model, window.envelope_model):
        assert model.rowCount() >= 0
        qtmodeltester.check(model)


def test_projector_type_zoom_and_full_screen(
        qtbot: Any, page: MeetingsScreen, prepared: Prepared) -> None:
    add_the_dossiers(qtbot, page, prepared)
    window = open_mode(qtbot, page)
    window.go_to(3)
    base = QApplication.font().pointSizeF()
    edit = window.focusWidget()
    assert isinstance(edit, QLineEdit)
    assert edit.fontInfo().pointSizeF() >= base * 1.55  # 1.6 × the application's type
    title = window.view.agenda.dossier.title_label
    assert title.fontInfo().pointSizeF() > edit.fontInfo().pointSizeF()
    assert title.fontInfo().bold()
    press(qtbot, window, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    press(qtbot, window, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert window.type_scale() == pytest.approx(1.8)
    grown = window.focusWidget()
    assert isinstance(grown, QLineEdit) and grown.fontInfo().pointSizeF() >= base * 1.75
    press(qtbot, window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert window.type_scale() == pytest.approx(1.6)
    assert not window.isFullScreen()
    press(qtbot, window, Qt.Key.Key_F11)
    qtbot.waitUntil(window.isFullScreen)
    press(qtbot, window, Qt.Key.Key_Escape)  # nothing typed: Escape leaves full screen
    qtbot.waitUntil(lambda: not window.isFullScreen())


def test_closing_can_be_undone_and_entries_removed(
        qtbot: Any, page: MeetingsScreen, context: AppContext, prepared: Prepared,
        messenger: Any) -> None:
    add_the_dossiers(qtbot, page, prepared)
    window = open_mode(qtbot, page)
    qtbot.mouseClick(window.view.attendance.all_present_button, Qt.MouseButton.LeftButton)
    assert all(r.status is AttendanceStatus.PRESENT for r in window.data.attendance)
    window.go_to(3)
    press(qtbot, window, Qt.Key.Key_F)
    typed(qtbot, window, "1 000")
    press(qtbot, window, Qt.Key.Key_Return)
    window.go_to(0)
    press(qtbot, window, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    typed(qtbot, window, "Une décision saisie par erreur")
    press(qtbot, window, Qt.Key.Key_Return)
    table = window.view.agenda.record.decision_table
    table.setFocus()
    table.setCurrentIndex(window.decision_model.index(0, 1))
    messenger.answers = [True]
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert window.decision_model.rowCount() == 0

    window.go_to(len(window.data.agenda))
    messenger.answers = [True]
    window.today = lambda: date(2027, 1, 19)
    qtbot.mouseClick(window.view.end.close_button, Qt.MouseButton.LeftButton)
    first = prepared.dossier_ids[0]
    assert context.read(lambda s: s.get(Dossier, first).state) is DossierState.OPINION_GIVEN
    assert not window.is_open and not window.view.end.close_button.isVisible()
    context.undo_stack.undo()  # « Annuler la clôture de la séance … » in the main window
    assert context.read(lambda s: s.get(Dossier, first).state) is DossierState.UNDER_REVIEW
    assert window.is_open and window.view.end.close_button.isVisible()
    assert window.data.dossiers[1].decision is not None  # the opinion itself stays
