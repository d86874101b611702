"""Behaviour of the "Évaluation" page: the evaluative questions and what answers them, the
indicators' trajectories, and the comptes rendus financiers (CERFA 15059).

Every change is one unit of work recorded for "Édition > Annuler" (Ctrl+Z): a tick in
a checklist links (or unlinks) at once; a compte rendu is recorded as a whole.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from qpvdesk.core.errors import UserFacingError, ValidationError
from qpvdesk.core.services.indicators import (
    FinancialReport,
    QuestionRow,
    ReportOutcome,
    add_question,
    delete_question,
    financial_report_data,
    link_action,
    link_indicator,
    record_financial_report,
    unlink_action,
    unlink_indicator,
    update_question,
)
from qpvdesk.ui.actions.pdf_export import PdfExporter
from qpvdesk.ui.actions.shared import count_text, write, write_in_form
from qpvdesk.ui.context import AppContext, Focus, touches
from qpvdesk.ui.evaluation.evaluation_data import (
    QuestionsData,
    ReportDossierRow,
    load_questions,
    report_dossier_rows,
)
from qpvdesk.ui.evaluation.evaluation_models import (
    TrajectoryTableModel,
    question_columns,
    report_columns,
)
from qpvdesk.ui.evaluation.evaluation_view import (
    TAB_QUESTIONS,
    TAB_REPORTS,
    EvaluationView,
    QuestionDialog,
)
from qpvdesk.ui.partners.column_model import ColumnTableModel
from qpvdesk.ui.partners.form_dialog import Errors, run_dialog
from qpvdesk.ui.topics import EVALUATION, FRAMEWORK, PARTNERS, PROGRAMMATION
from qpvdesk.ui.undo import quoted

#: The section key of the page, also the topic of its `Focus` hints.
SECTION = "evaluation"
#: Which dossiers the reports tab lists.
DUE, RECEIVED, ALL = "due", "received", "all"


class EvaluationScreen(QWidget):
    """Questions and their links in one tab, comptes rendus financiers in the other."""

    def __init__(self, context: AppContext, parent: QWidget | None = None,
                 today: Callable[[], date] = date.today) -> None:
        super().__init__(parent)
        self._context = context
        self._today = today
        self.run_dialog: Callable[[QDialog], bool] = run_dialog
        self._stale = False
        self._reloading = False
        self._data: QuestionsData | None = None
        self._report_rows: list[ReportDossierRow] = []
        self._report_id: int | None = None
        self._sized = False

        self.view = EvaluationView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        questions, reports = self.view.questions, self.view.reports
        self.question_model: ColumnTableModel[QuestionRow] = ColumnTableModel(
            question_columns(), self)
        questions.table.setModel(self.question_model)
        self.trajectory_model = TrajectoryTableModel(self)
        questions.trajectory_table.setModel(self.trajectory_model)
        questions.configure_columns()
        self.report_model: ColumnTableModel[ReportDossierRow] = ColumnTableModel(
            report_columns(today()), self)
        reports.table.setModel(self.report_model)
        reports.configure_columns()
        reports.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
        for text, key in ((self.tr("Comptes rendus à recevoir"), DUE),
                          (self.tr("Comptes rendus reçus"), RECEIVED),
                          (self.tr("Tous les dossiers accordés"), ALL)):
            reports.filter_combo.addItem(text, key)

        questions.table.selectionModel().currentRowChanged.connect(self._on_question_changed)
        questions.table.doubleClicked.connect(lambda _index: self.edit_question())
        questions.add_button.clicked.connect(self.add_question)
        questions.edit_button.clicked.connect(self.edit_question)
        questions.delete_button.clicked.connect(self.delete_question)
        questions.indicator_tree.toggled.connect(self.toggle_indicator)
        questions.action_list.toggled.connect(self.toggle_action)
        questions.only_linked_box.toggled.connect(self._on_only_linked)
        reports.filter_combo.currentIndexChanged.connect(lambda _i: self._fill_reports())
        reports.table.selectionModel().currentRowChanged.connect(self._on_report_changed)
        reports.table.doubleClicked.connect(lambda _index: self.open_dossier())
        reports.open_button.clicked.connect(self.open_dossier)
        reports.form.save_button.clicked.connect(self.save_report)
        reports.form.revert_button.clicked.connect(lambda: self._show_report(self._report_id))
        reports.form.year_changed.connect(self._on_report_year_changed)
        self.pdf = PdfExporter(context, self)
        self.pdf.finished.connect(lambda _path: self._update_pdf_buttons())
        self.view.bilan_button.clicked.connect(self.export_bilan)
        self.view.evaluation_button.clicked.connect(self.export_evaluation)
        context.changed.connect(self._on_changed)
        context.focus_requested.connect(self._on_focus_requested)
        context.database_replaced.connect(self._on_database_replaced)
        self._show_access()
        # Read when shown, as after a change made while the page was hidden.
        self._stale = True
        self._show_question()
        self._fill_reports()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()
        if not self._sized:  # the splitters know their size only once shown
            self._sized = True
            self.view.fit_splitters()
            # Wrapped questions: their height once the columns have their final width.
            QTimer.singleShot(0, self.view.questions.table.resizeRowsToContents)

    # ------------------------------------------------------------------ state

    def current_question(self) -> QuestionRow | None:
        return self.question_model.row_at(self.view.questions.table.currentIndex())

    def current_report_row(self) -> ReportDossierRow | None:
        return self.report_model.row_at(self.view.reports.table.currentIndex())

    def select_question(self, question_id: int) -> None:
        index = self.question_model.index_for_id(question_id)
        if index.isValid():
            self.view.tabs.setCurrentIndex(TAB_QUESTIONS)
            self.view.questions.table.setCurrentIndex(index)

    def select_report(self, dossier_id: int) -> bool:
        index = self.report_model.index_for_id(dossier_id)
        combo = self.view.reports.filter_combo
        if not index.isValid() and any(row.id == dossier_id for row in self._report_rows):
            combo.setCurrentIndex(combo.findData(ALL))
            index = self.report_model.index_for_id(dossier_id)
        if index.isValid():
            self.view.tabs.setCurrentIndex(TAB_REPORTS)
            self.view.reports.table.setCurrentIndex(index)
            self.view.reports.table.scrollTo(index)
            return True
        return False

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        """Read the questions and the dossiers again, keeping selections and typing."""
        self._stale = False

        def load(session: Session) -> tuple[QuestionsData, list[ReportDossierRow]]:
            return load_questions(session), report_dossier_rows(session)

        self._data, self._report_rows = self._context.read(load)
        self._fill_report_years(self._data.years)
        questions = self.view.questions
        keep = self.question_model.id_at(questions.table.currentIndex())
        self._reloading = True
        try:
            self.question_model.set_rows(self._data.questions)
            index = self.question_model.index_for_id(keep) if keep is not None else \
                self.question_model.index(0, 0)
            if index.isValid():
                questions.table.setCurrentIndex(index)
        finally:
            self._reloading = False
        questions.table.resizeRowsToContents()
        self._show_question()
        self._fill_reports()

    def _on_changed(self, changes: frozenset[str]) -> None:
        if touches(changes, EVALUATION, PROGRAMMATION, FRAMEWORK, PARTNERS):
            if self.isVisible():
                self.reload()
            else:
                self._stale = True

    def _on_focus_requested(self, topic: str, target: object) -> None:
        if topic != SECTION:
            return
        if self._stale:
            self.reload()
        if isinstance(target, tuple) and len(target) == 2:
            kind, item_id = target
            if kind == "question" and isinstance(item_id, int):
                self.select_question(item_id)
            elif kind == "dossier" and isinstance(item_id, int) \
                    and not self.view.reports.form.is_dirty():
                self.select_report(item_id)

    def _on_database_replaced(self) -> None:
        self._show_access()
        self._report_id = None

    def _show_access(self) -> None:
        text = self.tr("Les trois questions évaluatives du contrat, les indicateurs et les "
                       "actions qui y répondent, et les comptes rendus financiers des "
                       "associations (CERFA 15059) : prévu et réalisé.")
        editable = not self._context.read_only
        if not editable:
            text += " " + self.tr("La base est ouverte en lecture seule : rien ne peut être "
                                  "modifié.")
        self.view.subtitle_label.setText(text)
        questions = self.view.questions
        questions.indicator_tree.set_editable(editable)
        questions.action_list.set_editable(editable)
        self.view.reports.form.set_editable(editable)

    def maybe_save(self) -> bool:
        """Before leaving the page or the file: record or drop a compte rendu being typed."""
        form = self.view.reports.form
        if not form.is_dirty():
            return True
        report = form.report()
        choice = self._context.messenger.choose(
            self, self.tr("Compte rendu non enregistré"),
            self.tr("Le compte rendu du dossier {ref} n'est pas enregistré.").format(
                ref=report.reference if report else ""),
            [self.tr("Enregistrer"), self.tr("Ne pas enregistrer"), self.tr("Annuler")])
        if choice == 0:
            return self._save_report()
        if choice == 1:
            self._show_report(self._report_id)
            return True
        return False

    # ------------------------------------------------------------------ PDF reports

    def _fill_report_years(self, years: tuple[int, ...]) -> None:
        """The years the reports may cover; the bilan of last year, the mid-term span."""
        view = self.view
        offered = [view.bilan_year_combo.itemData(i) for i in range(view.bilan_year_combo.count())]
        if offered == list(years) or not years:
            return
        today = self._today().year
        last_done = min(max(today - 1, years[0]), years[-1])
        # The mid-term evaluation (2027) covers the first three years; later, the whole span.
        mid_term = years[min(2, len(years) - 1)]
        end = mid_term if today <= mid_term + 1 else min(max(today - 1, years[0]), years[-1])
        for combo, default in ((view.bilan_year_combo, last_done),
                               (view.first_year_combo, years[0]),
                               (view.last_year_combo, end)):
            combo.clear()
            for year in years:
                combo.addItem(str(year), year)
            combo.setCurrentIndex(combo.findData(default))
        self._update_pdf_buttons()

    def _update_pdf_buttons(self) -> None:
        free = not self.pdf.busy
        self.view.bilan_button.setEnabled(free and self.view.bilan_year_combo.count() > 0)
        self.view.evaluation_button.setEnabled(free and self.view.first_year_combo.count() > 0)

    def export_bilan(self) -> None:
        """The bilan annuel of the chosen year for the COPIL, as a PDF."""
        year = self.view.bilan_year_combo.currentData()
        if year is None or self.pdf.busy:
            return
        # Imported on first use: the reports bring ReportLab with them.
        from qpvdesk.core.reports.annual_report import render_annual_report
        from qpvdesk.core.services.evaluation import annual_report_data

        today = self._today()
        chosen = int(year)
        if self.pdf.export(self.tr("Bilan annuel {year}").format(year=chosen),
                           self.tr("Bilan annuel {year}").format(year=chosen),
                           lambda session: annual_report_data(session, chosen, today=today),
                           render_annual_report) is not None:
            self._update_pdf_buttons()

    def export_evaluation(self) -> None:
        """The evaluation of the chosen span of years, as a PDF."""
        first = self.view.first_year_combo.currentData()
        last = self.view.last_year_combo.currentData()
        if first is None or last is None or self.pdf.busy:
            return
        start, end = sorted((int(first), int(last)))
        from qpvdesk.core.reports.evaluation_report import render_evaluation_report
        from qpvdesk.core.services.evaluation import evaluation_data

        today = self._today()
        title = self.tr("Évaluation {first}–{last}").format(first=start, last=end)
        if self.pdf.export(title, title,
                           lambda session: evaluation_data(session, start, end, today=today),
                           render_evaluation_report) is not None:
            self._update_pdf_buttons()

    # ------------------------------------------------------------------ questions

    def _on_question_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._reloading:
            self._show_question()

    def _on_only_linked(self, only: bool) -> None:
        questions = self.view.questions
        questions.indicator_tree.set_only_checked(only)
        questions.action_list.set_only_checked(only)

    def _show_question(self) -> None:
        questions = self.view.questions
        data = self._data
        question = self.current_question()
        writable = not self._context.read_only
        questions.edit_button.setEnabled(writable and question is not None)
        questions.delete_button.setEnabled(writable and question is not None)
        questions.add_button.setEnabled(writable)
        if data is None or question is None:
            questions.question_label.setText(self.tr("Ajoutez une question évaluative."))
            questions.indicator_tree.set_indicators(data.indicators if data else (), ())
            questions.action_list.set_actions(data.actions if data else (), ())
            questions.indicator_tree.setEnabled(False)
            questions.action_list.setEnabled(False)
            self.trajectory_model.set_rows([], data.years if data else ())
            questions.no_trajectory_label.setVisible(False)
            return
        questions.indicator_tree.setEnabled(True)
        questions.action_list.setEnabled(True)
        questions.question_label.setText(f"Q{question.number}. {question.text}")
        questions.indicator_tree.set_indicators(data.indicators, question.indicator_ids)
        questions.action_list.set_actions(data.actions, question.action_ids)
        questions.indicators_caption.setText(self.tr("Indicateurs liés ({n} sur {m})").format(
            n=len(question.indicator_ids), m=len(data.indicators)))
        questions.actions_caption.setText(self.tr("Actions liées ({n} sur {m})").format(
            n=len(question.action_ids), m=len(data.actions)))
        linked = set(question.indicator_ids)
        indicators = [row for row in data.indicators if row.id in linked]
        self.trajectory_model.set_rows(indicators, data.years)
        questions.no_trajectory_label.setVisible(not indicators)
        questions.trajectory_table.setVisible(bool(indicators))

    def toggle_indicator(self, indicator_id: int, checked: bool) -> None:
        question = self.current_question()
        data = self._data
        if question is None or data is None:
            return
        name = next((row.name for row in data.indicators if row.id == indicator_id), "")
        work = (lambda session: link_indicator(session, question.id, indicator_id)) if checked \
            else (lambda session: unlink_indicator(session, question.id, indicator_id))
        label = (self.tr("le lien de l'indicateur {name} à Q{n}") if checked
                 else self.tr("le retrait de l'indicateur {name} de Q{n}")).format(
            name=quoted(name), n=question.number)
        done, _ = write(self._context, self, self.tr("Questions évaluatives"), work,
                        {EVALUATION}, label,
                        Focus(SECTION, before=("question", question.id),
                              after=("question", question.id)))
        if not done:
            self._show_question()

    def toggle_action(self, action_id: int, checked: bool) -> None:
        question = self.current_question()
        data = self._data
        if question is None or data is None:
            return
        title = next((row.title for row in data.actions if row.id == action_id), "")
        work = (lambda session: link_action(session, question.id, action_id)) if checked \
            else (lambda session: unlink_action(session, question.id, action_id))
        label = (self.tr("le lien de l'action {title} à Q{n}") if checked
                 else self.tr("le retrait de l'action {title} de Q{n}")).format(
            title=quoted(title), n=question.number)
        done, _ = write(self._context, self, self.tr("Questions évaluatives"), work,
                        {EVALUATION}, label,
                        Focus(SECTION, before=("question", question.id),
                              after=("question", question.id)))
        if not done:
            self._show_question()

    def add_question(self) -> None:
        if self._context.read_only:
            return
        dialog = QuestionDialog("", True, self)
        created: list[int] = []

        def save() -> Errors | None:
            text = dialog.text_edit.toPlainText()
            try:
                question_id = self._context.write(
                    lambda session: add_question(session, text), {EVALUATION},
                    label=self.tr("l'ajout de la question {text}").format(text=quoted(text)),
                    focus=lambda new_id: Focus(SECTION, before=None,
                                               after=("question", new_id)))
            except UserFacingError as error:
                return {"text": error.message}
            created.append(question_id)
            return None

        dialog.save = save
        self.run_dialog(dialog)
        if created:
            self.select_question(created[0])

    def edit_question(self) -> None:
        question = self.current_question()
        if question is None or self._context.read_only:
            return
        dialog = QuestionDialog(question.text, False, self)

        def save() -> Errors | None:
            text = dialog.text_edit.toPlainText()
            return write_in_form(
                self._context, lambda session: update_question(session, question.id, text),
                {EVALUATION}, self.tr("la modification de Q{n}").format(n=question.number),
                Focus(SECTION, before=("question", question.id),
                      after=("question", question.id)))

        dialog.save = save
        self.run_dialog(dialog)

    def delete_question(self) -> None:
        question = self.current_question()
        if question is None:
            return
        links = len(question.indicator_ids) + len(question.action_ids)
        text = self.tr("Supprimer la question Q{n} « {text} » ?").format(
            n=question.number, text=question.text)
        if links:
            text += " " + count_text(links, self.tr("Son lien sera retiré."),
                                     self.tr("Ses {n} liens seront retirés."))
        if not self._context.messenger.confirm(self, self.tr("Supprimer la question"), text,
                                               self.tr("Supprimer")):
            return
        write(self._context, self, self.tr("Supprimer la question"),
              lambda session: delete_question(session, question.id), {EVALUATION},
              self.tr("la suppression de Q{n}").format(n=question.number),
              Focus(SECTION, before=("question", question.id), after=None))

    # ------------------------------------------------------------------ comptes rendus

    def _fill_reports(self) -> None:
        reports = self.view.reports
        which = reports.filter_combo.currentData()
        rows = [row for row in self._report_rows
                if which == ALL or (which == DUE) == (not row.received)]
        keep = self._report_id
        self._reloading = True
        try:
            self.report_model.set_rows(rows)
            index = self.report_model.index_for_id(keep) if keep is not None else QModelIndex()
            if index.isValid():
                reports.table.setCurrentIndex(index)
        finally:
            self._reloading = False
        today = self._today()
        overdue = sum(1 for row in rows if row.overdue(today))
        text = count_text(len(rows), self.tr("{n} dossier"), self.tr("{n} dossiers"))
        if overdue:
            text += " — " + count_text(overdue, self.tr("{n} en retard"),
                                       self.tr("{n} en retard"))
        reports.count_label.setText(text)
        reports.empty_label.setVisible(not rows)
        reports.table.setVisible(bool(rows))
        current = self.report_model.id_at(reports.table.currentIndex())
        form = reports.form
        if current is not None and current == self._report_id and form.is_dirty():
            return
        self._show_report(current)

    def _on_report_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._reloading:
            return
        new_id = self.report_model.id_at(current)
        if new_id == self._report_id:
            return
        form = self.view.reports.form
        if form.is_dirty():
            report = form.report()
            if self._context.messenger.confirm(
                self, self.tr("Compte rendu non enregistré"),
                self.tr("Le compte rendu du dossier {ref} n'est pas enregistré.").format(
                    ref=report.reference if report else ""),
                self.tr("Enregistrer"), self.tr("Ne pas enregistrer"),
            ) and not self._save_report():
                self._reloading = True
                try:
                    index = self.report_model.index_for_id(self._report_id or -1)
                    self.view.reports.table.setCurrentIndex(index)
                finally:
                    self._reloading = False
                return
        self._show_report(new_id)

    def _show_report(self, dossier_id: int | None, year: int | None = None) -> None:
        reports = self.view.reports
        form = reports.form
        if dossier_id != self._report_id:
            form.show_outcome("")
        self._report_id = dossier_id
        reports.open_button.setEnabled(dossier_id is not None)
        if dossier_id is None:
            form.setVisible(False)
            reports.no_selection_label.setVisible(True)
            return
        current = form.report()
        if year is None and current is not None and current.dossier_id == dossier_id:
            year = form.year()
        try:
            report: FinancialReport = self._context.read(
                lambda session: financial_report_data(session, dossier_id, year=year))
        except ValidationError:
            self._report_id = None
            form.setVisible(False)
            reports.no_selection_label.setVisible(True)
            return
        form.load(report, year if year is not None else report.year, self._today())
        form.setVisible(True)
        reports.no_selection_label.setVisible(False)

    def _on_report_year_changed(self, year: int) -> None:
        form = self.view.reports.form
        if form.is_dirty() and not self.maybe_save():
            return
        self._show_report(self._report_id, year)

    def save_report(self) -> None:
        self._save_report()

    def _save_report(self) -> bool:
        """Record the compte rendu typed; its outcome (or refusal) is shown under the form."""
        form = self.view.reports.form
        report = form.report()
        if report is None or self._context.read_only:
            return False
        form.message.clear_message()
        if form.check() is not None:
            form.show_outcome("")
            return False
        values = form.values()
        dossier_id = report.dossier_id
        today = self._today()
        try:
            outcome: ReportOutcome = self._context.write(
                lambda session: record_financial_report(
                    session, dossier_id, values.achieved, values.report_text,
                    values.received_on, values.indicator_values, today, year=values.year),
                {PROGRAMMATION, EVALUATION},
                label=self.tr("le compte rendu financier du dossier {ref}").format(
                    ref=report.reference),
                focus=Focus(SECTION, before=("dossier", dossier_id),
                            after=("dossier", dossier_id)))
        except UserFacingError as error:
            form.message.show_message(error.message)
            form.show_outcome(self.tr("Le compte rendu n'a pas été enregistré."), ok=False)
            return False
        self._show_report(dossier_id, values.year)
        if outcome.moved:
            text = self.tr("Compte rendu enregistré : le dossier {ref} passe à « {state} ».") \
                .format(ref=outcome.reference, state=outcome.state_label)
        elif outcome.notice:
            text = outcome.notice
        else:
            text = self.tr("Compte rendu enregistré (le dossier {ref} reste « {state} »).") \
                .format(ref=outcome.reference, state=outcome.state_label)
        form.show_outcome(text)
        return True

    def open_dossier(self) -> None:
        row = self.current_report_row()
        if row is not None:
            self._context.open_dossier_requested.emit(row.id)


__all__ = ["SECTION", "EvaluationScreen"]
