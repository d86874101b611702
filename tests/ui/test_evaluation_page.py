"""The "Évaluation" page driven through its widgets on the demo file; checked through the
services."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QBrush, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog
from sqlalchemy import select

from qpvdesk.core.domain.enums import DossierState
from qpvdesk.core.domain.models import Dossier
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.actions import action_rows
from qpvdesk.core.services.indicators import (
    add_preset_indicators,
    financial_report_data,
    indicator_rows,
    question_rows,
)
from qpvdesk.core.services.setup import create_new_database
from qpvdesk.core.storage.database import Database
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.evaluation.evaluation_data import report_dossier_rows
from qpvdesk.ui.evaluation.evaluation_models import (
    INDICATOR_ROLE,
    MET_COLOR,
    VALUE_ROLE,
    TrajectoryTableModel,
    question_columns,
    report_columns,
)
from qpvdesk.ui.evaluation.evaluation_screen import ALL, EvaluationScreen
from qpvdesk.ui.evaluation.evaluation_view import TAB_REPORTS, QuestionDialog
from qpvdesk.ui.main_window import MainWindow
from qpvdesk.ui.partners.column_model import ALERT_COLOR, ColumnTableModel

TODAY = date(2026, 9, 1)


@pytest.fixture(scope="session")
def evaluation_demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("evaluation-demo") / "demo.sqlite"
    create_new_database(path, "demo")
    return path


@pytest.fixture
def demo_path(tmp_path: Path, evaluation_demo_template: Path) -> Path:
    folder = tmp_path / "demo"
    folder.mkdir()
    target = folder / "demo.sqlite"
    shutil.copyfile(evaluation_demo_template, target)
    return target


@pytest.fixture
def context(open_db: Callable[..., Database], demo_path: Path, messenger: Any) -> AppContext:
    return AppContext(open_db(demo_path), messenger)


@pytest.fixture
def screen(qtbot: Any, context: AppContext) -> Iterator[EvaluationScreen]:
    page = EvaluationScreen(context, today=lambda: TODAY)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    qtbot.waitExposed(page)
    yield page


def type_text(qtbot: Any, edit: Any, text: str) -> None:
    for char in text:
        if char.isascii():
            qtbot.keyClicks(edit, char)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(edit, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier,
                                                       char))


def type_into(qtbot: Any, edit: Any, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    type_text(qtbot, edit, text)


def answer_dialog(qtbot: Any, fill: Callable[[Any], None]) -> Callable[[QDialog], bool]:
    def run(dialog: QDialog) -> bool:
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        fill(dialog)
        dialog.ok_button.click()  # type: ignore[attr-defined]
        return dialog.result() == QDialog.DialogCode.Accepted

    return run


def ensure_indicators(context: AppContext, action_id: int) -> None:
    """The action's preset indicators (the demo may or may not hold them)."""
    context.write(lambda s: add_preset_indicators(s, action_id), {"evaluation"})


def dossier_in(context: AppContext, state: DossierState, *, unreported: bool = True
               ) -> tuple[int, int]:
    """A dossier in *state* (without compte rendu when *unreported*): (id, action id)."""
    statement = select(Dossier.id, Dossier.action_id).where(Dossier.state == state)
    if unreported:
        statement = statement.where(Dossier.report_received_on.is_(None))
    row = context.read(lambda s: s.execute(statement.order_by(Dossier.id)).first())
    assert row is not None, state
    return int(row[0]), int(row[1])


# ---------------------------------------------------------------------- models


def test_models_pass_qt_model_tester(qapp: Any, qtmodeltester: Any,
                                     context: AppContext) -> None:
    questions: ColumnTableModel[Any] = ColumnTableModel(question_columns())
    questions.set_rows(context.read(question_rows))
    qtmodeltester.check(questions)
    reports: ColumnTableModel[Any] = ColumnTableModel(report_columns(TODAY))
    reports.set_rows(context.read(report_dossier_rows))
    qtmodeltester.check(reports)
    reports.sort(7, Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(reports)
    trajectory = TrajectoryTableModel()
    trajectory.set_rows(context.read(indicator_rows)[:12], range(2024, 2031))
    qtmodeltester.check(trajectory)


def test_trajectory_shows_planned_and_achieved_by_year(qapp: Any,
                                                      context: AppContext) -> None:
    dossier_id, action_id = dossier_in(context, DossierState.PAID, unreported=False)
    ensure_indicators(context, action_id)
    rows = context.read(lambda s: indicator_rows(s, action_id=action_id))
    model = TrajectoryTableModel()
    model.set_rows(rows, range(2024, 2031))
    assert model.rowCount() == 2 * len(rows)
    row = next(r for r in rows if any(v.planned for v in r.values))
    value = next(v for v in row.values if v.planned)
    planned = model.index(model.line(row.id, achieved=False), model.year_column(value.year))
    assert model.data(planned, VALUE_ROLE) == value.planned
    assert model.data(planned, INDICATOR_ROLE) == row.id
    achieved = model.index(model.line(row.id, achieved=True), model.year_column(value.year))
    assert model.data(achieved, VALUE_ROLE) == value.achieved
    if value.achieved is not None:
        brush = model.data(achieved, Qt.ItemDataRole.ForegroundRole)
        assert isinstance(brush, QBrush)
        assert brush.color() == (MET_COLOR if value.achieved >= value.planned else ALERT_COLOR)
    assert dossier_id


# ---------------------------------------------------------------------- questions


def test_the_three_questions_are_listed(screen: EvaluationScreen, context: AppContext) -> None:
    questions = context.read(question_rows)
    assert len(questions) >= 3
    assert screen.question_model.rowCount() == len(questions)
    assert screen.question_model.data(screen.question_model.index(0, 0)).startswith("Q1. ")
    assert screen.current_question() is not None
    assert screen.view.questions.question_label.text().startswith("Q1. ")


def test_ticking_links_indicators_and_actions(qtbot: Any, screen: EvaluationScreen,
                                             context: AppContext) -> None:
    _dossier, action_id = dossier_in(context, DossierState.PAID, unreported=False)
    ensure_indicators(context, action_id)
    questions = screen.view.questions
    question = context.read(question_rows)[1]
    screen.select_question(question.id)
    indicator = next(r for r in context.read(lambda s: indicator_rows(s, action_id=action_id))
                     if r.id not in question.indicator_ids)
    questions.indicator_tree.set_checked(indicator.id, True)
    stored = next(q for q in context.read(question_rows) if q.id == question.id)
    assert indicator.id in stored.indicator_ids
    # Its trajectory shows at once.
    assert indicator.id in {r.id for r in screen.trajectory_model.indicators()}
    assert questions.indicators_caption.text().startswith(
        f"Indicateurs liés ({len(stored.indicator_ids)} sur")

    other_action = next(a for a in context.read(action_rows) if a.id not in stored.action_ids)
    questions.action_list.set_checked(other_action.id, True)
    stored = next(q for q in context.read(question_rows) if q.id == question.id)
    assert other_action.id in stored.action_ids
    questions.action_list.set_checked(other_action.id, False)
    stored = next(q for q in context.read(question_rows) if q.id == question.id)
    assert other_action.id not in stored.action_ids
    # The list keeps its items and only the checks follow.
    assert questions.indicator_tree.checked_ids() == tuple(sorted(stored.indicator_ids))
    # Only what is linked.
    questions.only_linked_box.setChecked(True)
    item = questions.action_list.item_for_id(other_action.id)
    assert item is not None and item.isHidden()
    assert screen.view.questions.question_label.text().startswith(f"Q{question.number}. ")


def test_questions_added_reworded_deleted(qtbot: Any, screen: EvaluationScreen,
                                         context: AppContext, messenger: Any) -> None:
    before = context.read(question_rows)

    def fill(dialog: QuestionDialog) -> None:
        dialog.ok_button.click()  # empty: refused beside the field
        assert "ne peut pas être vide" in dialog.message_for("text")
        type_into(qtbot, dialog.text_edit, "En quoi les habitants ont-ils pris part au contrat ?")

    screen.run_dialog = answer_dialog(qtbot, fill)
    screen.view.questions.add_button.click()
    after = context.read(question_rows)
    assert len(after) == len(before) + 1
    added = after[-1]
    assert added.number == len(after)
    assert screen.current_question() is not None
    assert screen.current_question().id == added.id  # type: ignore[union-attr]

    def reword(dialog: QuestionDialog) -> None:
        type_into(qtbot, dialog.text_edit, "En quoi les habitants ont-ils été associés ?")

    screen.run_dialog = answer_dialog(qtbot, reword)
    screen.view.questions.edit_button.click()
    assert context.read(question_rows)[-1].text == "En quoi les habitants ont-ils été associés ?"

    messenger.answers = [True]
    screen.view.questions.delete_button.click()
    assert [q.id for q in context.read(question_rows)] == [q.id for q in before]


# ---------------------------------------------------------------------- comptes rendus


def test_record_a_financial_report(qtbot: Any, screen: EvaluationScreen,
                                   context: AppContext) -> None:
    dossier_id, action_id = dossier_in(context, DossierState.PAID)
    ensure_indicators(context, action_id)
    screen.reload()
    assert screen.select_report(dossier_id)
    form = screen.view.reports.form
    report = form.report()
    assert report is not None and report.dossier_id == dossier_id
    lines = report.charges + report.products
    assert lines
    typed: dict[int, Money] = {}
    for position, line in enumerate(lines):
        amount = Money(max(0, line.planned.cents - 1_000 * (position + 1)))
        typed[line.entry_id] = amount
        form.set_achieved(line.entry_id, amount.format(symbol=False))
    # The totals follow what is typed, as the CERFA counts them.
    if not any(line.is_detail for line in report.charges):
        charges = sum(typed[line.entry_id].cents for line in report.charges)
        assert form.total_text("charges") == Money(charges).format(cents=True)
    # A French amount that is not one is refused before anything is written.
    first = lines[0]
    form.set_achieved(first.entry_id, "12,345,6")
    form.save_button.click()
    assert "n'est pas un montant" in form.message.text()
    assert context.read(lambda s: financial_report_data(s, dossier_id)).state is \
        DossierState.PAID
    form.set_achieved(first.entry_id, typed[first.entry_id].format(symbol=False))
    indicator = report.indicators[0]
    form.set_indicator_achieved(indicator.indicator_id, "41,5")
    type_into(qtbot, form.text_edit, "Action menée comme prévu ; 41 familles touchées.")
    form.received_field.set_value(date(2026, 8, 20))
    form.save_button.click()

    stored = context.read(lambda s: financial_report_data(s, dossier_id))
    assert stored.state is DossierState.REPORT_RECEIVED
    assert stored.report_received_on == date(2026, 8, 20)
    assert stored.report_text == "Action menée comme prévu ; 41 familles touchées."
    assert {line.entry_id: line.achieved for line in stored.charges + stored.products} == typed
    assert next(i for i in stored.indicators
                if i.indicator_id == indicator.indicator_id).achieved == Decimal("41.5")
    assert "Bilan reçu" in form.outcome_label.text()
    assert not form.is_dirty()


def test_report_of_a_dossier_not_paid_yet_gives_the_notice(qtbot: Any, screen: EvaluationScreen,
                                                          context: AppContext) -> None:
    dossier_id, _action = dossier_in(context, DossierState.APPROVED)
    screen.view.reports.filter_combo.setCurrentIndex(
        screen.view.reports.filter_combo.findData(ALL))
    assert screen.select_report(dossier_id)
    form = screen.view.reports.form
    form.received_field.set_value(date(2026, 9, 2))  # after « today »: refused
    form.save_button.click()
    assert "futur" in form.message.text()
    assert "pas été enregistré" in form.outcome_label.text()
    form.received_field.set_value(date(2026, 8, 31))
    form.save_button.click()
    assert "reste « Accordé »" in form.outcome_label.text()
    stored = context.read(lambda s: financial_report_data(s, dossier_id))
    assert stored.state is DossierState.APPROVED
    assert stored.report_received_on == date(2026, 8, 31)


def test_report_list_flags_overdue_reports(screen: EvaluationScreen,
                                          context: AppContext) -> None:
    rows = context.read(report_dossier_rows)
    overdue = [row for row in rows if row.overdue(TODAY)]
    screen.view.tabs.setCurrentIndex(TAB_REPORTS)
    if overdue:
        assert f"{len(overdue)} en retard" in screen.view.reports.count_label.text()
        index = screen.report_model.index_for_id(overdue[0].id, 7)
        brush = screen.report_model.data(index, Qt.ItemDataRole.ForegroundRole)
        assert isinstance(brush, QBrush) and brush.color() == ALERT_COLOR
    double = screen.report_model.index(0, 0)
    assert screen.report_model.data(double) is not None


def test_ctrl_z_undoes_a_recorded_report(qtbot: Any, make_window: Callable[..., MainWindow],
                                         demo_path: Path) -> None:
    window = make_window(demo_path)
    window.select_section("evaluation")
    screen = window.page("evaluation")
    assert isinstance(screen, EvaluationScreen)
    context = window.context
    dossier_id, _action = dossier_in(context, DossierState.PAID)
    screen.view.reports.filter_combo.setCurrentIndex(
        screen.view.reports.filter_combo.findData(ALL))
    assert screen.select_report(dossier_id)
    form = screen.view.reports.form
    form.received_field.set_value(date.today())
    form.save_button.click()
    assert context.read(lambda s: financial_report_data(s, dossier_id)).state is \
        DossierState.REPORT_RECEIVED
    assert window.undo_action.text().startswith("Annuler le compte rendu financier du dossier")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    sequence = QKeySequence("Ctrl+Z")[0]
    qtbot.keyClick(window.focusWidget() or window, sequence.key(), sequence.keyboardModifiers())
    stored = context.read(lambda s: financial_report_data(s, dossier_id))
    assert stored.state is DossierState.PAID
    assert stored.report_received_on is None


# ---------------------------------------------------------------------- PDF reports


def test_bilan_and_evaluation_pdfs_are_written(qtbot: Any, screen: EvaluationScreen,
                                               messenger: Any, tmp_path: Path) -> None:
    from pypdf import PdfReader

    view = screen.view
    assert view.bilan_year_combo.currentData() == TODAY.year - 1  # last year's bilan
    assert (view.first_year_combo.currentData(), view.last_year_combo.currentData()) == \
        (2024, 2026)  # the mid-term span
    targets = iter([tmp_path / "bilan.pdf", tmp_path / "evaluation.pdf"])
    screen.pdf.ask_path = lambda _parent, _title, _suggested: next(targets)
    view.bilan_button.click()
    assert not view.evaluation_button.isEnabled()  # one report at a time
    qtbot.waitUntil(lambda: not screen.pdf.busy, timeout=60_000)
    view.evaluation_button.click()
    qtbot.waitUntil(lambda: not screen.pdf.busy, timeout=60_000)
    assert not messenger.warnings
    assert len(messenger.infos) == 2
    bilan = "".join(page.extract_text() for page in PdfReader(tmp_path / "bilan.pdf").pages)
    assert str(TODAY.year - 1) in bilan
    evaluation = PdfReader(tmp_path / "evaluation.pdf")
    assert len(evaluation.pages) >= 1
    assert view.bilan_button.isEnabled() and view.evaluation_button.isEnabled()
