"""The dossier editor's other tabs: funding rows and payments, warnings, states and history,
attachments. Each result is read back from the file through the services."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from sqlalchemy import select
from test_dossier_editor_support import (
    click,
    line_id,
    make_dossier,
    pick,
    show_tab_of,
    type_text,
)

from qpvdesk.core.domain.enums import CommitteeKind, DossierState, Opinion, PaymentKind
from qpvdesk.core.domain.models import AuditEntry, Committee, Dossier
from qpvdesk.core.domain.money import Money
from qpvdesk.core.exchange.decision_journal import journal_path
from qpvdesk.core.services.documents import document_content, document_rows
from qpvdesk.core.services.dossiers import change_state, dossier_detail
from qpvdesk.core.services.funding import (
    GRANTED_ABOVE_REQUESTED,
    funding_rows,
    funding_warnings,
    upsert_funding,
)
from qpvdesk.core.services.meetings import (
    MeetingInput,
    close_meeting,
    create_meeting,
    paris_datetime,
    record_opinion,
)
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.dossiers.editor import FUNDING_TAB, DossierEditor
from qpvdesk.ui.dossiers.editor_funding import EVERY_YEAR, FundingDialog

# The shared fixtures (dossier_context, editor_parent, open_dossier).
pytest_plugins = ["test_dossier_editor_support"]

Reader = Callable[[Callable[..., Any]], Any]
EUR = "\u00a0€"


def add_funding(qtbot: Any, editor: DossierEditor, line: str, requested: str,
                year: int | None = None) -> None:
    show_tab_of(editor.funding.tree)
    click(qtbot, editor.funding.add_button)
    dialog = editor.funding_dialog
    assert isinstance(dialog, FundingDialog) and dialog.isVisible()
    pick(dialog.line_combo, line)
    if year is not None:
        dialog.year_combo.setCurrentIndex(dialog.year_combo.findData(year))
    qtbot.keyClicks(dialog.requested_edit, requested)
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible(), dialog.general_error.text()


def select_row(editor: DossierEditor, line_name: str, year: int | None = None) -> int:
    row = next(r for r in editor.funding.rows
               if line_name in r.line_name and (year is None or r.year == year))
    editor.funding.select("funding", row.id)
    return row.id


def edit_funding(qtbot: Any, editor: DossierEditor, line_name: str, *, proposed: str = "",
                 granted: str = "", decision: str = "") -> FundingDialog:
    select_row(editor, line_name)
    click(qtbot, editor.funding.edit_button)
    dialog = editor.funding_dialog
    assert isinstance(dialog, FundingDialog)
    for edit, text in ((dialog.proposed_edit, proposed), (dialog.granted_edit, granted)):
        if text:
            edit.clear()
            qtbot.keyClicks(edit, text)
    if decision:
        dialog.decision_combo.setEditText(decision)
    click(qtbot, dialog.ok_button)
    return dialog


def add_payment(qtbot: Any, editor: DossierEditor, line_name: str, kind: PaymentKind,
                amount: str, *, paid_on: str = "", due_on: str = "") -> Any:
    select_row(editor, line_name)
    click(qtbot, editor.funding.payment_button)
    dialog = editor.payment_dialog
    assert dialog is not None
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(kind.value))
    dialog.amount_edit.clear()
    qtbot.keyClicks(dialog.amount_edit, amount)
    qtbot.keyClicks(dialog.paid_edit, paid_on)
    qtbot.keyClicks(dialog.due_edit, due_on)
    click(qtbot, dialog.ok_button)
    return dialog


# ---------------------------------------------------------------------- funding


def test_fund_from_three_lines_grant_and_pay(
        qtbot: Any, open_dossier: Callable[..., DossierEditor], dossier_context: AppContext,
        read_back: Reader) -> None:
    dossier_id = make_dossier(dossier_context)
    editor = open_dossier(dossier_id)
    assert editor.tabs.isTabEnabled(FUNDING_TAB)
    add_funding(qtbot, editor, "(BOP147)", "4 000")
    add_funding(qtbot, editor, "(VVV)", "1500")
    add_funding(qtbot, editor, "(REAAP)", "2 000,50")
    assert editor.funding.tree.topLevelItemCount() == 3

    dialog = edit_funding(qtbot, editor, "BOP 147", proposed="3 500", granted="3 500",
                          decision="Accord")
    assert not dialog.isVisible()
    edit_funding(qtbot, editor, "Ville Vie Vacances", proposed="1 500", granted="1 200",
                 decision="Accord partiel")
    edit_funding(qtbot, editor, "REAAP", proposed="2 000", decision="Refus")

    # Payments under the granted rows: an advance paid, the balance due.
    assert not add_payment(qtbot, editor, "BOP 147", PaymentKind.ADVANCE, "2 100",
                           paid_on="15/05/2025").isVisible()
    assert not add_payment(qtbot, editor, "BOP 147", PaymentKind.BALANCE, "1 400",
                           due_on="15/12/2025").isVisible()
    assert not add_payment(qtbot, editor, "Ville Vie Vacances", PaymentKind.ADVANCE, "1 200",
                           paid_on="02/06/2025").isVisible()
    # No payment under a row nothing was granted to.
    select_row(editor, "REAAP")
    assert not editor.funding.payment_button.isEnabled()

    rows = {row.line_code: row for row in read_back(lambda s: funding_rows(s, dossier_id))}
    assert set(rows) == {"BOP147", "VVV", "REAAP"}
    bop, vvv, reaap = rows["BOP147"], rows["VVV"], rows["REAAP"]
    assert (bop.requested, bop.proposed, bop.granted, bop.funder_decision) == (
        Money.from_euros(4_000), Money.from_euros(3_500), Money.from_euros(3_500), "Accord")
    assert (vvv.requested, vvv.proposed, vvv.granted) == (
        Money.from_euros(1_500), Money.from_euros(1_500), Money.from_euros(1_200))
    assert (reaap.requested, reaap.proposed, reaap.granted, reaap.funder_decision) == (
        Money(200_050), Money.from_euros(2_000), None, "Refus")
    assert [(p.kind, p.amount, p.paid_on, p.due_on) for p in bop.payments] == [
        (PaymentKind.ADVANCE, Money.from_euros(2_100), date(2025, 5, 15), None),
        (PaymentKind.BALANCE, Money.from_euros(1_400), None, date(2025, 12, 15)),
    ]
    assert bop.paid == Money.from_euros(2_100) and vvv.paid == Money.from_euros(1_200)
    detail = read_back(lambda s: dossier_detail(s, dossier_id))
    assert (detail.requested, detail.proposed, detail.granted, detail.paid) == (
        Money(750_050), Money.from_euros(7_000), Money.from_euros(4_700),
        Money.from_euros(3_300))

    # What the tab shows agrees, payments under their row.
    tree = editor.funding.tree
    bop_item = next(tree.topLevelItem(i) for i in range(3)
                    if "BOP 147" in tree.topLevelItem(i).text(0))
    assert bop_item.text(4) == "3\u00a0500" + EUR
    assert bop_item.childCount() == 2
    assert bop_item.child(0).text(0) == "Avance — versé le 15/05/2025"
    assert bop_item.child(1).text(0) == "Solde — à verser le 15/12/2025"
    assert bop_item.text(6) == "2\u00a0100" + EUR
    assert "versé <b>3\u00a0300" in editor.funding.summary_label.text()
    # Each funding is its own undoable action.
    assert dossier_context.undo_stack.undoText().startswith("l'ajout d'un versement (avance)")


def test_a_warning_shows_when_more_is_granted_than_requested(
        qtbot: Any, open_dossier: Callable[..., DossierEditor], dossier_context: AppContext,
        read_back: Reader) -> None:
    dossier_id = make_dossier(dossier_context)
    editor = open_dossier(dossier_id)
    add_funding(qtbot, editor, "(BOP147)", "4 000")
    assert not any("dépasse le montant demandé" in line
                   for line in editor.funding.warning_panel.lines)
    edit_funding(qtbot, editor, "BOP 147", granted="5 000")
    assert editor.funding.warning_panel.isVisible()
    assert ("Attention : « Crédits spécifiques politique de la ville – appel à projets "
            "(BOP 147) » 2025 : le montant accordé (5\u00a0000" + EUR + ") dépasse le montant "
            "demandé (4\u00a0000" + EUR + ").") in editor.funding.warning_panel.lines
    assert "alerte" in editor.tabs.tabText(FUNDING_TAB)
    item = editor.funding.tree.topLevelItem(0)
    assert "dépasse le montant demandé" in item.toolTip(4)
    codes = [w.code for w in read_back(lambda s: funding_warnings(s, dossier_id))]
    assert GRANTED_ABOVE_REQUESTED in codes


def test_a_payment_above_the_grant_and_an_amount_that_does_not_read(
        qtbot: Any, open_dossier: Callable[..., DossierEditor], dossier_context: AppContext,
        read_back: Reader) -> None:
    dossier_id = make_dossier(dossier_context)
    editor = open_dossier(dossier_id)
    add_funding(qtbot, editor, "(VVV)", "1 000")
    dialog = edit_funding(qtbot, editor, "Ville Vie Vacances", granted="-5")
    assert dialog.isVisible()
    assert dialog.error_text("granted") == \
        "Montant accordé : un montant ne peut pas être négatif (-5)."
    dialog.granted_edit.setText("1 000")
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    payment = add_payment(qtbot, editor, "Ville Vie Vacances", PaymentKind.ADVANCE, "600")
    assert payment.isVisible()  # neither made nor due: the service says which date is missing
    assert payment.error_text("paid_on").startswith("Date : indiquez la date du versement")
    qtbot.keyClicks(payment.paid_edit, "01/04/2025")
    click(qtbot, payment.ok_button)
    add_payment(qtbot, editor, "Ville Vie Vacances", PaymentKind.BALANCE, "600",
                paid_on="01/10/2025")
    assert any("les versements (1\u00a0200" + EUR + ") dépassent le montant accordé" in line
               for line in editor.funding.warning_panel.lines)
    assert editor.funding.warning_panel.isVisible()


def test_a_multi_year_agreement_has_a_row_per_year(
        qtbot: Any, open_dossier: Callable[..., DossierEditor], dossier_context: AppContext,
        read_back: Reader) -> None:
    dossier_id = make_dossier(dossier_context, is_multi_year=True, last_year=2027)
    editor = open_dossier(dossier_id)
    assert "convention 2025 à 2027" in editor.state_bar.subtitle_label.text()
    show_tab_of(editor.funding.tree)
    click(qtbot, editor.funding.add_button)
    dialog = editor.funding_dialog
    assert dialog is not None
    pick(dialog.line_combo, "(CPO)")
    dialog.year_combo.setCurrentIndex(dialog.year_combo.findData(EVERY_YEAR))
    assert not dialog.granted_edit.isEnabled()
    qtbot.keyClicks(dialog.requested_edit, "9 000")
    click(qtbot, dialog.ok_button)
    rows = read_back(lambda s: funding_rows(s, dossier_id))
    assert [(r.year, r.requested) for r in rows] == [
        (year, Money.from_euros(9_000)) for year in (2025, 2026, 2027)]
    assert [editor.funding.tree.topLevelItem(i).text(1) for i in range(3)] == \
        ["2025", "2026", "2027"]
    # Each year is granted on its own.
    select_row(editor, "CPO", 2026)
    click(qtbot, editor.funding.edit_button)
    dialog = editor.funding_dialog
    assert dialog is not None and dialog.year_combo.currentData() == 2026
    qtbot.keyClicks(dialog.granted_edit, "8 000")
    click(qtbot, dialog.ok_button)
    rows = read_back(lambda s: funding_rows(s, dossier_id))
    assert [r.granted for r in rows] == [None, Money.from_euros(8_000), None]


def test_deleting_a_funding_row_with_payments_is_refused_with_a_message(
        qtbot: Any, open_dossier: Callable[..., DossierEditor], dossier_context: AppContext,
        messenger: Any, read_back: Reader) -> None:
    dossier_id = make_dossier(dossier_context)
    editor = open_dossier(dossier_id)
    add_funding(qtbot, editor, "(VVV)", "1 000")
    edit_funding(qtbot, editor, "Ville Vie Vacances", granted="1 000")
    add_payment(qtbot, editor, "Ville Vie Vacances", PaymentKind.ADVANCE, "500",
                paid_on="01/04/2025")
    select_row(editor, "Ville Vie Vacances")
    messenger.answers = [True]
    click(qtbot, editor.funding.delete_button)
    assert messenger.warnings and "Supprimez d'abord les versements" in messenger.warnings[-1]
    assert len(read_back(lambda s: funding_rows(s, dossier_id))) == 1
    # The payment first (Delete key on it), then the row.
    editor.funding.select("payment", editor.funding.rows[0].payments[0].id)
    messenger.answers = [True]
    qtbot.keyClick(editor.funding.tree, Qt.Key.Key_Delete)
    assert read_back(lambda s: funding_rows(s, dossier_id))[0].payments == ()
    select_row(editor, "Ville Vie Vacances")
    messenger.answers = [True]
    click(qtbot, editor.funding.delete_button)
    assert read_back(lambda s: funding_rows(s, dossier_id)) == []


# ---------------------------------------------------------------------- states and history


def test_a_change_of_state_with_its_comment_shows_in_the_history(
        qtbot: Any, open_dossier: Callable[..., DossierEditor], dossier_context: AppContext,
        read_back: Reader) -> None:
    dossier_id = make_dossier(dossier_context)
    editor = open_dossier(dossier_id)
    assert editor.state_bar.state_label.text() == "Reçu"
    assert set(editor.state_bar.buttons) == {DossierState.COMPLETE, DossierState.INCOMPLETE,
                                             DossierState.WITHDRAWN}

    # « Incomplet » needs the missing documents: refused beside the field, nothing changes.
    click(qtbot, editor.state_bar.buttons[DossierState.INCOMPLETE])
    dialog = editor.state_dialog
    assert dialog is not None and dialog.boxes["missing_documents"].isVisible()
    click(qtbot, dialog.ok_button)
    assert dialog.isVisible()
    assert dialog.boxes["missing_documents"].error_text().startswith("Pièces manquantes")
    assert read_back(lambda s: dossier_detail(s, dossier_id)).state is DossierState.RECEIVED
    qtbot.keyClicks(dialog.missing_edit, "RIB")
    qtbot.keyClick(dialog.missing_edit, Qt.Key.Key_Return)
    type_text(qtbot, dialog.missing_edit, "Budget prévisionnel signé")
    type_text(qtbot, dialog.comment_edit, "Relancé par téléphone.")
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    detail = read_back(lambda s: dossier_detail(s, dossier_id))
    assert detail.state is DossierState.INCOMPLETE
    assert detail.missing_documents == ("RIB", "Budget prévisionnel signé")
    assert editor.state_bar.state_label.text() == "Incomplet"
    assert "Pièces manquantes : RIB, Budget prévisionnel signé" in \
        editor.state_bar.subtitle_label.text()

    click(qtbot, editor.state_bar.buttons[DossierState.COMPLETE])
    dialog = editor.state_dialog
    assert dialog is not None
    type_text(qtbot, dialog.comment_edit, "Pièces reçues, dossier recevable.")
    click(qtbot, dialog.ok_button)
    assert read_back(lambda s: dossier_detail(s, dossier_id)).state is DossierState.COMPLETE

    when, who, what, comment = editor.history.texts()[0]  # most recent first
    assert what == "État : « Incomplet » → « Recevable »"
    assert comment == "Pièces reçues, dossier recevable."
    assert who and when.startswith(date.today().strftime("%d/%m/%Y"))
    _when, _who, what, comment = editor.history.texts()[1]
    assert what == "État : « Reçu » → « Incomplet »"
    assert comment == "Relancé par téléphone.\nPièces manquantes : RIB, Budget prévisionnel signé"
    assert dossier_context.undo_stack.undoText() == "le passage du dossier 2025-001 à « Recevable »"
    assert set(editor.state_bar.buttons) == {DossierState.UNDER_REVIEW,
                                             DossierState.INCOMPLETE, DossierState.WITHDRAWN}


def test_a_refused_change_of_state_is_explained_by_the_messenger(
        qtbot: Any, open_dossier: Callable[..., DossierEditor], dossier_context: AppContext,
        messenger: Any, read_back: Reader) -> None:
    dossier_id = make_dossier(dossier_context)
    editor = open_dossier(dossier_id)
    # Another process withdraws the dossier; this window has not heard of it.
    with dossier_context.database.unit_of_work() as session:
        session.get(Dossier, dossier_id).state = DossierState.WITHDRAWN
    click(qtbot, editor.state_bar.buttons[DossierState.COMPLETE])
    dialog = editor.state_dialog
    assert dialog is not None
    click(qtbot, dialog.ok_button)
    assert messenger.warnings == [
        "Le dossier 2025-001 est « Retiré » : cet état est définitif, il ne peut plus passer "
        "à « Recevable »."]
    assert read_back(lambda s: dossier_detail(s, dossier_id)).state is DossierState.WITHDRAWN
    # The window caught up: a final state offers no next state.
    assert editor.state_bar.state_label.text() == "Retiré"
    assert editor.state_bar.buttons == {}


def test_an_opinion_is_kept_with_its_state(
        qtbot: Any, open_dossier: Callable[..., DossierEditor], dossier_context: AppContext,
        read_back: Reader) -> None:
    from qpvdesk.core.services.dossiers import change_state

    dossier_id = make_dossier(dossier_context)
    for target in (DossierState.COMPLETE, DossierState.UNDER_REVIEW):
        dossier_context.write(lambda s, t=target: change_state(s, dossier_id, t), {"programmation"})
    editor = open_dossier(dossier_id)
    click(qtbot, editor.state_bar.buttons[DossierState.OPINION_GIVEN])
    dialog = editor.state_dialog
    assert dialog is not None and dialog.boxes["opinion"].isVisible()
    pick(dialog.opinion_combo, "Favorable")
    click(qtbot, dialog.ok_button)
    detail = read_back(lambda s: dossier_detail(s, dossier_id))
    assert detail.state is DossierState.OPINION_GIVEN and detail.opinion.label == "Favorable"


# ---------------------------------------------------------------------- attachments


def test_attachments_round_trip(qtbot: Any, open_dossier: Callable[..., DossierEditor],
                                dossier_context: AppContext, messenger: Any, read_back: Reader,
                                tmp_path: Path) -> None:
    dossier_id = make_dossier(dossier_context)
    content = os.urandom(50_000) + "Budget prévisionnel €".encode()
    source = tmp_path / "incoming" / "CERFA 12156 — demande.pdf"
    source.parent.mkdir()
    source.write_bytes(content)
    editor = open_dossier(dossier_id)
    editor.choose_files = lambda: [source]
    opened: list[Path] = []
    editor.open_file = lambda path: opened.append(path) or True
    editor.export_folder = tmp_path / "opened"

    show_tab_of(editor.documents.tree)
    pick(editor.documents.kind_combo, "Demande de subvention")
    click(qtbot, editor.documents.add_button)
    [row] = read_back(lambda s: document_rows(s, dossier_id=dossier_id))
    assert (row.kind, row.filename, row.size) == ("grant_request", source.name, len(content))
    assert row.sha256 == hashlib.sha256(content).hexdigest()
    assert read_back(lambda s: document_content(s, row.id)) == content
    item = editor.documents.tree.topLevelItem(0)
    assert item.text(1) == source.name and item.text(2) == "48,9 Ko"
    assert editor.tabs.tabText(3) == "Pièces (1)"

    source.unlink()  # the copy in the file is what counts
    click(qtbot, editor.documents.open_button)
    [path] = opened
    assert path.read_bytes() == content and path.name == source.name

    messenger.answers = [True]
    click(qtbot, editor.documents.delete_button)
    assert read_back(lambda s: document_rows(s, dossier_id=dossier_id)) == []
    dossier_context.undo_stack.undo()
    assert len(read_back(lambda s: document_rows(s, dossier_id=dossier_id))) == 1
    assert editor.documents.tree.topLevelItemCount() == 1


def test_the_holder_s_expired_documents_stand_out(
        qtbot: Any, open_dossier: Callable[..., DossierEditor], dossier_context: AppContext,
        tmp_path: Path) -> None:
    from qpvdesk.core.services.documents import DocumentKind, add_document

    dossier_id = make_dossier(dossier_context)
    holder = dossier_context.read(lambda s: s.scalar(select(Dossier.holder_id).where(
        Dossier.id == dossier_id)))
    paper = tmp_path / "assurance.pdf"
    paper.write_bytes(b"%PDF-1.4 assurance")
    dossier_context.write(lambda s: add_document(s, organisation_id=holder,
                                         kind=DocumentKind.INSURANCE_CERTIFICATE, path=paper,
                                         valid_until=date(2024, 12, 31)), {"partners"})
    editor = open_dossier(dossier_id)
    assert "1 expirée" in editor.tabs.tabText(3)
    lines = editor.documents.expired_panel.lines
    assert lines[0] == ("Pièces de « Association Les Jardins du Ronel » arrivées à échéance, "
                        "à redemander :")
    assert lines[1] == "• Attestation d'assurance (assurance.pdf) — valable jusqu'au 31/12/2024"


# ---------------------------------------------------------------------- approved by a COPIL


def approve_in_copil(context: AppContext, dossier_id: int, granted: Money) -> int:
    """The dossier's BOP 147 row asked, then granted by a COPIL closed on 23/06/2025."""
    bop = line_id(context, "BOP147")

    def work(session: Any) -> int:
        funding_id = upsert_funding(session, dossier_id, bop, 2025, granted, None, None)
        change_state(session, dossier_id, DossierState.COMPLETE, today=date(2025, 2, 1))
        copil = session.scalars(select(Committee.id).where(
            Committee.kind == CommitteeKind.COPIL)).first()
        meeting = create_meeting(session, MeetingInput(copil, paris_datetime(date(2025, 6, 23),
                                                                             10)))
        record_opinion(session, meeting, dossier_id, Opinion.FAVOURABLE, {funding_id: granted})
        close_meeting(session, meeting, today=date(2025, 6, 23))
        return funding_id

    return context.write(work, {"programmation", "committees"})


def test_an_approved_amount_changes_only_with_a_reason_asked_in_a_dialog(
        qtbot: Any, open_dossier: Callable[..., DossierEditor], dossier_context: AppContext,
        messenger: Any, read_back: Reader) -> None:
    dossier_id = make_dossier(dossier_context)
    funding_id = approve_in_copil(dossier_context, dossier_id, Money.from_euros(4_000))
    editor = open_dossier(dossier_id)
    show_tab_of(editor.funding.tree)

    def granted() -> Money | None:
        rows = read_back(lambda s: funding_rows(s, dossier_id))
        return next(r.granted for r in rows if r.id == funding_id)

    def reasons() -> list[str]:
        return read_back(lambda s: list(s.scalars(select(AuditEntry.new_value).where(
            AuditEntry.action == "reason", AuditEntry.row_id == funding_id))))

    # Another amount of the row: no question asked.
    messenger.answers = []
    dialog = edit_funding(qtbot, editor, "BOP 147", proposed="3 900")
    assert not dialog.isVisible() and messenger.questions == []

    # The granted amount: the reason is asked; cancelling changes nothing, the dialog stays.
    messenger.answers = [None]
    dialog = edit_funding(qtbot, editor, "BOP 147", granted="3 000")
    assert len(messenger.questions) == 1
    question = messenger.questions[0]
    assert "Comité de pilotage (COPIL) du 23/06/2025" in question
    assert editor.reference() in question and "État" in question
    assert dialog.isVisible()
    assert "faute de motif" in dialog.error_text("granted")
    assert granted() == Money.from_euros(4_000) and reasons() == []

    # Given, the change is saved and the reason kept in the audit log.
    messenger.answers = ["Avenant n° 1 signé le 2 septembre"]
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible()
    assert granted() == Money.from_euros(3_000)
    assert reasons() == ["Avenant n° 1 signé le 2 septembre"]
    # Undo puts the approved amount back.
    dossier_context.undo_stack.undo()
    assert granted() == Money.from_euros(4_000)


def test_the_window_warns_once_when_the_journal_cannot_be_written(
        dossier_context: AppContext, messenger: Any, db_path: Path, read_back: Reader) -> None:
    journal_path(db_path).mkdir(parents=True)  # its name taken: it cannot be written
    first = make_dossier(dossier_context)
    assert messenger.warnings == []  # the journal waits for the minute's tick
    assert not dossier_context.database.write_journal_if_due()
    second = make_dossier(dossier_context, title="Jardin partagé")
    assert len(messenger.warnings) == 1
    assert "Le journal des décisions n'a pas pu être écrit" in messenger.warnings[0]
    # Both changes are saved; the next change does not repeat the same warning.
    third = make_dossier(dossier_context, title="Repair café")
    assert len(messenger.warnings) == 1
    assert read_back(lambda s: [s.get(Dossier, i) is not None
                                for i in (first, second, third)]) == [True, True, True]
