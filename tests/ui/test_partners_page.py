"""The "Partenaires" page driven through its widgets on the demo file; checked through
the services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt, QUrl
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QToolButton
from sqlalchemy import func, select

from qpvdesk.core.domain.enums import OrganisationRoleKind
from qpvdesk.core.domain.identifiers import luhn_complete
from qpvdesk.core.domain.models import Committee, Dossier, Organisation
from qpvdesk.core.services.documents import DocumentKind, document_rows
from qpvdesk.core.services.partners import (
    OrganisationInput,
    contact_rows,
    create_organisation,
    organisation_detail,
    organisation_rows,
)
from qpvdesk.core.storage.database import Database
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.main_window import MainWindow
from qpvdesk.ui.partners.column_model import ALERT_COLOR, ID_ROLE, ROW_ROLE, SORT_ROLE
from qpvdesk.ui.partners.contact_dialog import ContactDialog
from qpvdesk.ui.partners.document_dialog import DocumentDialog
from qpvdesk.ui.partners.organisation_detail_view import TAB_DOCUMENTS
from qpvdesk.ui.partners.organisation_form import NAME, SIRET
from qpvdesk.ui.partners.organisation_table_model import (
    COLUMN_DOCUMENTS,
    COLUMN_DOSSIERS,
    OrganisationTableModel,
)
from qpvdesk.ui.partners.partners_screen import PartnersScreen
from qpvdesk.ui.undo import quoted

RONEL = "Association Les Petits Pas du Ronel (fictif)"
TILLEULS = "Collectif Place des Tilleuls (fictif)"
NEW_NAME = "Association Soleil du Clermontais"
GOOD_SIRET = luhn_complete("8120345670001")
BAD_SIRET = GOOD_SIRET[:-1] + str((int(GOOD_SIRET[-1]) + 1) % 10)


@pytest.fixture
def demo_path(demo_db: Path) -> Path:
    """The demo database (contract, organisations, calls, dossiers), a copy for each test."""
    return demo_db


@pytest.fixture
def context(open_db: Callable[..., Database], demo_path: Path, messenger: Any) -> AppContext:
    return AppContext(open_db(demo_path), messenger)


@pytest.fixture
def screen(qtbot: Any, context: AppContext) -> Iterator[PartnersScreen]:
    page = PartnersScreen(context)
    qtbot.addWidget(page)
    page.resize(1300, 820)
    page.show()
    qtbot.waitExposed(page)
    yield page
    page.view.detail.form.load(page.view.detail.form.values())  # nothing left unsaved


def organisation_id(context: AppContext, name: str) -> int:
    return context.read(lambda s: s.scalar(select(Organisation.id)
                                           .where(Organisation.name == name)))


def named(context: AppContext, name: str) -> list[Any]:
    return [row for row in context.read(organisation_rows) if row.name == name]


def contacts_named(context: AppContext, organisation: int, name: str) -> list[Any]:
    rows = context.read(lambda s: contact_rows(s, organisation_id=organisation))
    return [row for row in rows if row.full_name == name]


def documents_named(context: AppContext, organisation: int, filename: str) -> list[Any]:
    rows = context.read(lambda s: document_rows(s, organisation_id=organisation))
    return [row for row in rows if row.filename == filename]


def click_row(qtbot: Any, screen: PartnersScreen, organisation: int) -> None:
    screen.select(organisation)  # clears a filter that hides it
    table = screen.view.table
    index = screen.model.index_for_id(organisation, 1)
    table.scrollTo(index)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                     pos=table.visualRect(index).center())
    assert screen.shown_id() == organisation


def click_action(qtbot: Any, screen: PartnersScreen, action: Any) -> None:
    button = screen.view.toolbar.widgetForAction(action)
    assert isinstance(button, QToolButton)
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def type_text(qtbot: Any, edit: Any, text: str) -> None:
    """Key presses for *text*; QTest only knows ASCII, so accented letters go as key events."""
    for char in text:
        if char.isascii():
            qtbot.keyClicks(edit, char)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(edit, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier,
                                                       char))


def type_into(qtbot: Any, edit: Any, text: str) -> None:
    """Replace the field's text as a user would (select all, erase, type)."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    type_text(qtbot, edit, text)


def answer_dialog(qtbot: Any, fill: Callable[[Any], None]) -> Callable[[QDialog], bool]:
    """A dialog runner for the screen: show it (not modal), fill it as a user would, press OK."""

    def run(dialog: QDialog) -> bool:
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        fill(dialog)
        dialog.ok_button.click()  # type: ignore[attr-defined]
        return dialog.result() == QDialog.DialogCode.Accepted

    return run


# ---------------------------------------------------------------------- models


def test_organisation_model_passes_qt_model_tester(qapp: Any, qtmodeltester: Any,
                                                   context: AppContext) -> None:
    model = OrganisationTableModel()
    model.set_all_rows(context.read(organisation_rows))
    qtmodeltester.check(model)
    model.set_filter("heraul", OrganisationRoleKind.FUNDER)
    qtmodeltester.check(model)
    model.sort(COLUMN_DOSSIERS, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)


def test_detail_models_pass_qt_model_tester(qtmodeltester: Any,
                                            screen: PartnersScreen,
                                            context: AppContext) -> None:
    screen.select(organisation_id(context, RONEL))
    history = screen.view.detail.history
    for model in (history.years_model, history.dossiers_model, history.fundings_model,
                  screen.view.detail.contacts.model, screen.view.detail.documents.model):
        qtmodeltester.check(model)
    ronel = organisation_id(context, RONEL)
    stored = context.read(lambda s: organisation_detail(s, ronel))
    assert history.dossiers_model.rowCount() == len(stored.dossiers) > 0
    assert history.fundings_model.rowCount() == len(stored.fundings) > 0


def test_search_and_role_filter_in_the_model(qtbot: Any, screen: PartnersScreen,
                                             context: AppContext) -> None:
    stored = context.read(organisation_rows)
    total = screen.model.rowCount()
    assert total == len(stored) > 30
    assert f"{total} structures" == screen.view.count_label.text()
    holders = context.read(lambda s: organisation_rows(s, role=OrganisationRoleKind.PROJECT_HOLDER))
    qtbot.keyClicks(screen.view.search_edit, "ronel")
    assert screen.model.rowCount() == 1
    assert screen.model.row_at(screen.model.index(0, 0)).name == RONEL
    screen.view.search_edit.clear()
    screen.view.role_combo.setCurrentIndex(
        screen.view.role_combo.findData(OrganisationRoleKind.PROJECT_HOLDER))
    assert [row.id for row in screen.model.rows()] == [row.id for row in holders]
    assert screen.view.count_label.text() == f"{len(holders)} sur {total} structures"
    qtbot.keyClicks(screen.view.search_edit, "TILLEULS")  # case and accents ignored
    assert screen.model.rowCount() == 1
    first = screen.model.index(0, 0)
    assert screen.model.data(first, ROW_ROLE).name == TILLEULS
    assert screen.model.data(first, ID_ROLE) == screen.model.id_at(first)
    tilleuls = next(row for row in stored if row.name == TILLEULS)
    assert screen.model.data(screen.model.index(0, COLUMN_DOSSIERS), SORT_ROLE) == (
        tilleuls.dossier_count)


# ---------------------------------------------------------------------- the form


def test_a_bad_siret_is_refused_beside_the_field_then_a_good_one_saves(
        qtbot: Any, screen: PartnersScreen, context: AppContext) -> None:
    click_action(qtbot, screen, screen.view.new_action)
    assert screen.is_new()
    form = screen.view.detail.form
    type_into(qtbot, form.name_edit, NEW_NAME)
    form.role_boxes[OrganisationRoleKind.PROJECT_HOLDER].click()
    type_into(qtbot, form.siret_edit, BAD_SIRET)
    type_into(qtbot, form.email_edit, "contact@soleil")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)

    assert form.message_for(SIRET) == "La clé de contrôle est fausse (vérifiez la saisie)."
    assert form.messages[SIRET].isVisible()
    assert "n'est pas une adresse valide" in form.message_for("Courriel")
    assert form.message_for(NAME) == ""
    assert named(context, NEW_NAME) == []  # nothing saved
    assert screen.is_new()

    type_into(qtbot, form.siret_edit, " ".join([GOOD_SIRET[:3], GOOD_SIRET[3:6],
                                                GOOD_SIRET[6:9], GOOD_SIRET[9:]]))
    type_into(qtbot, form.email_edit, "contact@soleil.fr")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)

    [saved] = named(context, NEW_NAME)
    assert saved.siret == GOOD_SIRET
    assert saved.roles == (OrganisationRoleKind.PROJECT_HOLDER,)
    assert not screen.is_new()
    assert screen.shown_id() == saved.id == screen.current_id()
    assert not form.is_dirty()
    assert not form.messages[SIRET].isVisible()
    assert screen.view.detail.name_label.text() == NEW_NAME
    assert context.undo_stack.undoText() == f"l'ajout de {quoted(NEW_NAME)}"


def test_a_siret_already_taken_names_the_other_organisation(
        qtbot: Any, screen: PartnersScreen, context: AppContext) -> None:
    ronel = organisation_id(context, RONEL)
    click_row(qtbot, screen, ronel)
    form = screen.view.detail.form
    type_into(qtbot, form.siret_edit, GOOD_SIRET)
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert context.read(lambda s: s.get(Organisation, ronel).siret) == GOOD_SIRET

    click_action(qtbot, screen, screen.view.new_action)
    type_into(qtbot, form.name_edit, NEW_NAME)
    type_into(qtbot, form.siret_edit, GOOD_SIRET)
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    message = form.message_for(SIRET)
    assert f"déjà celui de « {RONEL} »" in message
    assert "fusionnez" in message
    assert named(context, NEW_NAME) == []


def test_a_near_identical_name_warns_while_typing_and_opens_the_existing_one(
        qtbot: Any, screen: PartnersScreen, context: AppContext) -> None:
    click_action(qtbot, screen, screen.view.new_action)
    form = screen.view.detail.form
    qtbot.keyClicks(form.name_edit, "asso. les petits-pas du RONEL (fictif)")
    qtbot.waitUntil(lambda: form.duplicate_frame.isVisible(), timeout=2000)
    assert RONEL in form.duplicate_label.text()
    assert [row.name for row in form.duplicates()] == [RONEL]

    qtbot.mouseClick(form.open_duplicate_button, Qt.MouseButton.LeftButton)
    ronel = organisation_id(context, RONEL)
    assert not screen.is_new()
    assert screen.shown_id() == ronel == screen.current_id()
    assert form.name_edit.text() == RONEL
    assert not form.duplicate_frame.isVisible()
    assert named(context, "asso. les petits-pas du RONEL (fictif)") == []


def test_leaving_unsaved_edits_asks_and_can_save(qtbot: Any, screen: PartnersScreen,
                                                 context: AppContext, messenger: Any) -> None:
    ronel, tilleuls = organisation_id(context, RONEL), organisation_id(context, TILLEULS)
    click_row(qtbot, screen, ronel)
    type_into(qtbot, screen.view.detail.form.phone_edit, "0467001122")
    messenger.answers = [True]  # « Enregistrer »
    click_row(qtbot, screen, tilleuls)
    assert messenger.questions and "modifications non enregistrées" in messenger.questions[-1]
    assert context.read(lambda s: s.get(Organisation, ronel).phone) == "04 67 00 11 22"


# ---------------------------------------------------------------------- contacts


def test_add_a_contact_with_a_committee_seat(qtbot: Any, screen: PartnersScreen,
                                             context: AppContext) -> None:
    ronel = organisation_id(context, RONEL)
    click_row(qtbot, screen, ronel)
    copil = context.read(lambda s: s.scalar(select(Committee.id).where(
        Committee.name.startswith("Comité de pilotage"))))
    seen: list[str] = []

    def fill(dialog: ContactDialog) -> None:
        type_into(qtbot, dialog.first_name_edit, "Inès")
        type_into(qtbot, dialog.last_name_edit, "Martin")
        type_into(qtbot, dialog.function_edit, "Coordinatrice")
        type_into(qtbot, dialog.email_edit, "ines.martin@petitspas")
        dialog.committee_boxes[copil].click()
        dialog.ok_button.click()  # refused: the e-mail has no domain
        seen.append(dialog.message_for("Courriel"))
        assert dialog.result() != QDialog.DialogCode.Accepted
        type_into(qtbot, dialog.email_edit, "ines.martin@petitspas.fr")

    screen.run_dialog = answer_dialog(qtbot, fill)
    qtbot.mouseClick(screen.view.detail.contacts.add_button, Qt.MouseButton.LeftButton)

    assert "n'est pas une adresse valide" in seen[0]
    [contact] = contacts_named(context, ronel, "Inès Martin")
    assert contact.function == "Coordinatrice"
    assert contact.email == "ines.martin@petitspas.fr"
    assert contact.committee_ids == (copil,)
    contacts = screen.view.detail.contacts
    index = contacts.model.index_for_id(contact.id, 4)
    assert contacts.model.data(index) == "Comité de pilotage (COPIL)"
    assert contacts.table.currentIndex().row() == index.row()  # the new contact is selected
    assert screen.view.detail.tabs.tabText(2) == f"Contacts ({contacts.model.rowCount()})"

    # Edit: another committee instead.
    cotech = context.read(lambda s: s.scalar(select(Committee.id).where(
        Committee.name.startswith("Comité technique"))))

    def switch(dialog: ContactDialog) -> None:
        dialog.committee_boxes[copil].click()
        dialog.committee_boxes[cotech].click()

    screen.run_dialog = answer_dialog(qtbot, switch)
    contacts.table.setCurrentIndex(contacts.model.index_for_id(contact.id))
    qtbot.mouseClick(contacts.edit_button, Qt.MouseButton.LeftButton)
    [contact] = contacts_named(context, ronel, "Inès Martin")
    assert contact.committee_ids == (cotech,)


# ---------------------------------------------------------------------- documents


def test_a_document_past_its_validity_shows_expired(qtbot: Any, screen: PartnersScreen,
                                                    context: AppContext, tmp_path: Path) -> None:
    tilleuls = organisation_id(context, TILLEULS)
    click_row(qtbot, screen, tilleuls)
    marker = screen.model.index_for_id(tilleuls, COLUMN_DOCUMENTS)
    assert screen.model.data(marker) == ""  # its documents are all valid
    assert not screen.view.detail.expired_label.isVisible()
    scan = tmp_path / "liste des dirigeants 2023.pdf"
    scan.write_bytes(b"%PDF-1.4 dirigeants")
    screen.choose_file = lambda _parent: scan

    def fill(dialog: DocumentDialog) -> None:
        dialog.kind_combo.setCurrentIndex(
            dialog.kind_combo.findData(DocumentKind.BOARD_LIST.value))
        qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
        type_into(qtbot, dialog.valid_from_field.edit, "01/01/2023")
        type_into(qtbot, dialog.valid_until_field.edit, "31/12/2022")
        dialog.ok_button.click()  # end before start: refused beside the field
        assert "précède le début de validité" in dialog.message_for("Fin de validité")
        type_into(qtbot, dialog.valid_until_field.edit, "31/12/2023")

    screen.run_dialog = answer_dialog(qtbot, fill)
    qtbot.mouseClick(screen.view.detail.documents.add_button, Qt.MouseButton.LeftButton)

    [document] = documents_named(context, tilleuls, scan.name)
    assert document.valid_until == date(2023, 12, 31)
    assert document.needs_attention
    detail = screen.view.detail
    assert detail.tabs.currentIndex() == TAB_DOCUMENTS
    model = detail.documents.model
    row = model.index_for_id(document.id).row()
    assert model.data(model.index(row, 4)) == "31/12/2023 — expiré"
    assert model.data(model.index(row, 0), Qt.ItemDataRole.ForegroundRole).color() == ALERT_COLOR
    assert detail.documents.table.currentIndex().row() == row  # the new one is selected
    assert detail.expired_label.isVisible()
    assert "Liste des dirigeants (échu le 31/12/2023)" in detail.expired_label.text()
    assert detail.tabs.tabText(TAB_DOCUMENTS) == f"Documents ({model.rowCount()}) ⚠"
    marker = screen.model.index_for_id(tilleuls, COLUMN_DOCUMENTS)
    assert screen.model.data(marker) == "expirés"
    assert screen.model.data(marker, Qt.ItemDataRole.ForegroundRole).color() == ALERT_COLOR

    # Opened with the system viewer: the bytes come back out of the database.
    opened: list[QUrl] = []
    screen.open_url = lambda url: opened.append(url) or True
    qtbot.mouseClick(detail.documents.open_button, Qt.MouseButton.LeftButton)
    [url] = opened
    assert Path(url.toLocalFile()).read_bytes() == b"%PDF-1.4 dirigeants"


def test_delete_a_document_and_undo_it(qtbot: Any, screen: PartnersScreen,
                                       context: AppContext, messenger: Any,
                                       tmp_path: Path) -> None:
    ronel = organisation_id(context, RONEL)
    click_row(qtbot, screen, ronel)
    scan = tmp_path / "statuts.pdf"
    scan.write_bytes(b"%PDF statuts")
    screen.choose_file = lambda _parent: scan
    screen.run_dialog = answer_dialog(
        qtbot, lambda dialog: qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton))
    qtbot.mouseClick(screen.view.detail.documents.add_button, Qt.MouseButton.LeftButton)
    documents = screen.view.detail.documents
    count = documents.model.rowCount()
    [added] = documents_named(context, ronel, "statuts.pdf")
    assert documents.model.row_at(documents.table.currentIndex()).id == added.id
    messenger.answers = [True]
    qtbot.mouseClick(documents.delete_button, Qt.MouseButton.LeftButton)
    assert documents_named(context, ronel, "statuts.pdf") == []
    assert documents.model.rowCount() == count - 1
    assert context.undo_stack.undoText() == "la suppression du document « statuts.pdf »"
    context.undo_stack.undo()
    [back] = documents_named(context, ronel, "statuts.pdf")
    assert back.id == added.id and back.sha256 == added.sha256
    assert documents.model.rowCount() == count


# ---------------------------------------------------------------------- merge, delete, history


def test_merge_moves_the_dossiers_onto_the_kept_organisation(
        qtbot: Any, screen: PartnersScreen, context: AppContext, messenger: Any) -> None:
    ronel, tilleuls = organisation_id(context, RONEL), organisation_id(context, TILLEULS)

    def dossiers(holder: int) -> set[int]:
        return set(context.read(lambda s: s.scalars(
            select(Dossier.id).where(Dossier.holder_id == holder)).all()))

    before_ronel, before_tilleuls = dossiers(ronel), dossiers(tilleuls)
    assert len(before_tilleuls) > 1
    click_row(qtbot, screen, ronel)
    offered: list[Any] = []

    def choose(_parent: Any, keep: Any, candidates: Any, _suggested: Any) -> int:
        offered.append((keep.id, [row.id for row in candidates]))
        return tilleuls

    screen.choose_organisation = choose
    messenger.answers = [True]  # « Fusionner »
    click_action(qtbot, screen, screen.view.merge_action)

    keep_id, candidate_ids = offered[0]
    assert keep_id == ronel and ronel not in candidate_ids and tilleuls in candidate_ids
    question = messenger.questions[-1]
    assert f"Fusionner « {TILLEULS} » dans « {RONEL} »" in question
    assert f"{len(before_tilleuls)} dossiers" in question
    assert dossiers(ronel) == before_ronel | before_tilleuls
    assert context.read(lambda s: s.get(Organisation, tilleuls)) is None
    detail = context.read(lambda s: organisation_detail(s, ronel))
    assert {d.id for d in detail.dossiers} == before_ronel | before_tilleuls
    assert screen.model.index_for_id(tilleuls).isValid() is False
    assert screen.shown_id() == ronel
    assert screen.view.detail.history.dossiers_model.rowCount() == len(
        before_ronel | before_tilleuls)
    assert context.undo_stack.undoText() == (
        f"la fusion de {quoted(TILLEULS)} dans {quoted(RONEL)}")

    context.undo_stack.undo()  # both back, each with its own dossiers
    assert dossiers(tilleuls) == before_tilleuls
    assert dossiers(ronel) == before_ronel


def test_delete_is_refused_with_the_explanation_when_used(
        qtbot: Any, screen: PartnersScreen, context: AppContext, messenger: Any) -> None:
    ronel = organisation_id(context, RONEL)
    click_row(qtbot, screen, ronel)
    click_action(qtbot, screen, screen.view.delete_action)
    [warning] = messenger.warnings
    count = context.read(lambda s: organisation_detail(s, ronel)).row.dossier_count
    assert warning.startswith(f"« {RONEL} » ne peut pas être supprimée : elle est liée à "
                              f"{count} dossiers")
    assert "fusionnez" in warning
    assert context.read(lambda s: s.get(Organisation, ronel)) is not None


def test_delete_an_unused_organisation_after_confirmation(
        qtbot: Any, screen: PartnersScreen, context: AppContext, messenger: Any) -> None:
    new_id = context.write(lambda s: create_organisation(s, OrganisationInput(name=NEW_NAME)),
                           {"partners"})
    click_row(qtbot, screen, new_id)
    messenger.answers = [True]
    click_action(qtbot, screen, screen.view.delete_action)
    assert messenger.questions[-1] == f"Supprimer définitivement « {NEW_NAME} » ?"
    assert named(context, NEW_NAME) == []
    assert not screen.model.index_for_id(new_id).isValid()


def test_double_click_in_the_history_opens_the_dossier(
        qtbot: Any, screen: PartnersScreen, context: AppContext) -> None:
    ronel = organisation_id(context, RONEL)
    click_row(qtbot, screen, ronel)
    detail = screen.view.detail
    detail.tabs.setCurrentWidget(detail.history)
    table = detail.history.dossiers_table
    index = detail.history.dossiers_model.index(0, 1)
    expected = detail.history.dossiers_model.row_at(index).id
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                     pos=table.visualRect(index).center())
    with qtbot.waitSignal(context.open_dossier_requested, timeout=1000) as signal:
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton,
                          pos=table.visualRect(index).center())
    assert signal.args == [expected]
    holders = context.read(lambda s: s.scalar(
        select(func.count()).where(Dossier.id == expected, Dossier.holder_id == ronel)))
    assert holders == 1


# ---------------------------------------------------------------------- undo in the window


def test_ctrl_z_after_a_save_undoes_it(qtbot: Any, make_window: Callable[..., MainWindow],
                                       demo_path: Path, open_db: Any) -> None:
    window = make_window(demo_path)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.select_section("partners")
    screen = window.page("partners")
    assert isinstance(screen, PartnersScreen)
    context = window.context
    ronel = organisation_id(context, RONEL)
    click_row(qtbot, screen, ronel)
    form = screen.view.detail.form
    type_into(qtbot, form.acronym_edit, "PPR")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert context.read(lambda s: s.get(Organisation, ronel).acronym) == "PPR"
    assert window.undo_action.text() == f"Annuler la modification de {quoted(RONEL)}"

    screen.view.table.setFocus()
    sequence = QKeySequence("Ctrl+Z")[0]
    qtbot.keyClick(window.focusWidget(), sequence.key(), sequence.keyboardModifiers())
    assert context.read(lambda s: s.get(Organisation, ronel).acronym) is None
    assert form.acronym_edit.text() == ""
    assert screen.shown_id() == ronel
    assert screen.view.detail.name_label.text() == RONEL

    sequence = QKeySequence("Ctrl+Y")[0]
    qtbot.keyClick(window.focusWidget(), sequence.key(), sequence.keyboardModifiers())
    assert context.read(lambda s: s.get(Organisation, ronel).acronym) == "PPR"
    assert form.acronym_edit.text() == "PPR"

    # From another page: the undo brings the Partenaires page back, on the organisation.
    click_row(qtbot, screen, organisation_id(context, TILLEULS))
    window.select_section("framework")
    window.undo_action.trigger()
    assert window.current_section() == "partners"
    assert context.read(lambda s: s.get(Organisation, ronel).acronym) is None
    assert screen.shown_id() == ronel
    assert form.acronym_edit.text() == ""


def test_a_hidden_page_reads_the_changes_when_shown(
        qtbot: Any, screen: PartnersScreen, context: AppContext) -> None:
    screen.hide()
    new_id = context.write(lambda s: create_organisation(s, OrganisationInput(name=NEW_NAME)),
                           {"partners"})
    assert not screen.model.index_for_id(new_id).isValid()  # not read while hidden
    screen.show()
    assert screen.model.index_for_id(new_id).isValid()


def test_a_read_only_file_shows_everything_and_changes_nothing(
        qtbot: Any, open_db: Callable[..., Database], demo_path: Path, messenger: Any) -> None:
    context = AppContext(open_db(demo_path, read_only=True), messenger)
    page = PartnersScreen(context)
    qtbot.addWidget(page)
    page.show()
    page.select(organisation_id(context, RONEL))
    view = page.view
    assert page.view.detail.form.name_edit.text() == RONEL
    assert not view.new_action.isEnabled()
    assert not view.merge_action.isEnabled()
    assert not view.delete_action.isEnabled()
    assert view.detail.form.name_edit.isReadOnly()
    assert not view.detail.form.save_button.isVisible()
    assert not view.detail.contacts.add_button.isEnabled()
    assert not view.detail.documents.add_button.isEnabled()
    assert "lecture seule" in view.subtitle_label.text()
