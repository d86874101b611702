"""The dossier editor's form: registering a dossier, messages beside the fields, renewal,
undo, keyboard. The file is read back through the services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from sqlalchemy import func, select
from test_dossier_editor_support import (
    budget_row,
    click,
    make_dossier,
    make_holder,
    pick,
    type_budget,
    type_text,
)

from qpvdesk.core.domain.enums import DossierState
from qpvdesk.core.domain.models import Dossier, Organisation
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.dossiers import dossier_detail
from qpvdesk.core.services.partners import organisation_row
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.dossiers.editor import (
    DossierEditor,
    close_dossier_editors,
    dossier_editors,
    open_dossier_editor,
)
from qpvdesk.ui.dossiers.editor_budget import ACHIEVED, LABEL

# The shared fixtures (dossier_context, editor_parent, open_dossier).
pytest_plugins = ["test_dossier_editor_support"]

Reader = Callable[[Callable[..., Any]], Any]


def dossier_count(read_back: Reader) -> int:
    return int(read_back(lambda s: s.scalar(select(func.count()).select_from(Dossier))))


def detail_of(read_back: Reader, dossier_id: int) -> Any:
    return read_back(lambda s: dossier_detail(s, dossier_id))


# ---------------------------------------------------------------------- registering


def test_register_a_new_dossier_for_a_holder_created_in_the_dialog(
        qtbot: Any, open_dossier: Callable[..., DossierEditor], dossier_context: AppContext,
        read_back: Reader) -> None:
    editor = open_dossier(None, year=2025)
    form = editor.form
    assert editor.windowTitle().startswith("Nouveau dossier 2025")
    assert not editor.tabs.isTabEnabled(2)  # funding waits for the registration

    # The holder is not in the directory: "Nouvelle structure…".
    click(qtbot, form.new_holder_button)
    dialog = editor.holder_dialog
    assert dialog is not None and dialog.isVisible()
    type_text(qtbot, dialog.name_edit, "Association Vélo Solidaire")
    qtbot.keyClicks(dialog.rna_edit, "W341234567")
    qtbot.keyClicks(dialog.email_edit, "contact@velo-solidaire.fr")
    click(qtbot, dialog.ok_button)
    assert editor.holder_dialog is None or not editor.holder_dialog.isVisible()
    holder_id = form.holder_combo.current_id()
    assert holder_id is not None
    assert form.holder_combo.currentText() == "Association Vélo Solidaire"
    holder = read_back(lambda s: organisation_row(s, holder_id))
    assert holder.rna == "W341234567"
    assert [role.value for role in holder.roles] == ["project_holder"]

    type_text(qtbot, form.title_edit, "Atelier d'autoréparation de vélos")
    pick(form.objective_combo, "P3.2.2")
    form.theme_checks[2].setChecked(True)  # transition écologique
    pick(form.state_theme_combo, "3 – Cadre de vie")
    pick(form.state_subtheme_combo, "3.4 – Transitions")
    qtbot.keyClicks(form.description_edit, "Un atelier ouvert deux soirs par semaine.")
    type_text(qtbot, form.public_edit, "Habitants du quartier, jeunes en priorité")
    qtbot.keyClicks(form.expected_edit, "1 200")
    qtbot.keyClicks(form.qpv_edit, "800")
    qtbot.keyClicks(form.women_edit, "40 %")
    qtbot.keyClicks(form.starts_edit, "3/3/25")
    qtbot.keyClicks(form.ends_edit, "20/12/2025")
    qtbot.keyClicks(form.place_edit, "Place du Radical")
    qtbot.keyClicks(form.total_cost_edit, "12500,50")
    form.received_edit.setText("")
    qtbot.keyClicks(form.received_edit, "14/02/2025")

    editor.tabs.setCurrentIndex(1)
    budget = editor.budget
    type_budget(qtbot, budget.charges, "606", "2 500,50")
    type_budget(qtbot, budget.charges, "641", "10000")
    type_budget(qtbot, budget.products, "74-ETAT", "8 000")
    type_budget(qtbot, budget.products, "74-ETAT", "BOP 147", column=LABEL)
    type_budget(qtbot, budget.products, "74-COMMUNE", "4500,50")
    assert budget.charges.text(budget_row(budget.charges, "606"), 2) == "2\u00a0500,50\u00a0€"
    assert "12\u00a0500,50" in budget.charges_total.text()
    assert editor.is_dirty() and editor.isWindowModified()

    assert dossier_count(read_back) == 0
    assert editor.save()
    assert dossier_count(read_back) == 1
    dossier_id = editor.dossier_id
    assert dossier_id is not None
    detail = detail_of(read_back, dossier_id)
    assert detail.reference == "2025-001"
    assert detail.state is DossierState.RECEIVED
    assert detail.holder_id == holder_id
    assert detail.action_title == "Atelier d'autoréparation de vélos"
    assert detail.objective_code == "P3.2.2"
    assert detail.theme_ids == (2,)
    assert detail.state_theme_label == "Transitions"
    assert detail.description == "Un atelier ouvert deux soirs par semaine."
    assert detail.target_public == "Habitants du quartier, jeunes en priorité"
    assert (detail.beneficiaries_expected, detail.beneficiaries_qpv,
            detail.women_share_percent) == (1200, 800, 40)
    assert (detail.starts_on, detail.ends_on) == (date(2025, 3, 3), date(2025, 12, 20))
    assert detail.place == "Place du Radical"
    assert detail.total_cost == Money(1_250_050)
    assert detail.received_on == date(2025, 2, 14)
    assert [(e.account, e.label, e.planned) for e in detail.budget] == [
        ("606", "Autres fournitures", Money(250_050)),
        ("641", "Rémunération des personnels", Money(1_000_000)),
        ("74-ETAT", "BOP 147", Money(800_000)),
        ("74-COMMUNE", "Commune(s)", Money(450_050)),
    ]
    # The window now edits the registered dossier.
    assert editor.state_bar.title_label.text().startswith("2025-001 · Atelier")
    assert editor.state_bar.state_label.text() == "Reçu"
    assert editor.tabs.isTabEnabled(2) and not editor.is_dirty()
    assert editor.windowTitle().startswith("Dossier 2025-001")
    assert editor.history.texts()[0][2].startswith("Dossier 2025-001 enregistré")


def test_the_holder_dialog_warns_of_a_look_alike_and_can_use_it(
        qtbot: Any, open_dossier: Callable[..., DossierEditor],
        dossier_context: AppContext) -> None:
    existing = make_holder(dossier_context, "Association Les Petits Pas")
    editor = open_dossier(None, year=2025)
    click(qtbot, editor.form.new_holder_button)
    dialog = editor.holder_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.name_edit, "Asso. les petits pas")
    qtbot.waitUntil(lambda: dialog.duplicate_label.isVisible())
    assert "ressemblante" in dialog.duplicate_label.text()
    assert [row.id for row in dialog.duplicates] == [existing]
    # A refused identifier is shown beside its field, the dialog stays open.
    qtbot.keyClicks(dialog.siret_edit, "123")
    click(qtbot, dialog.ok_button)
    assert "SIRET" in dialog.error_text("SIRET") and dialog.isVisible()
    dialog.duplicate_label.linkActivated.emit(f"org:{existing}")
    assert editor.form.holder_combo.current_id() == existing


# ---------------------------------------------------------------------- field messages


def test_invalid_inputs_show_messages_beside_their_fields_and_save_nothing(
        qtbot: Any, open_dossier: Callable[..., DossierEditor], dossier_context: AppContext,
        read_back: Reader) -> None:
    holder = make_holder(dossier_context)
    editor = open_dossier(None, year=2025)
    form = editor.form
    form.holder_combo.set_current_id(holder)
    type_text(qtbot, form.title_edit, "Ateliers d'écriture")
    qtbot.keyClicks(form.total_cost_edit, "-5")
    qtbot.keyClicks(form.women_edit, "120")
    qtbot.keyClicks(form.starts_edit, "01/09/2025")
    qtbot.keyClicks(form.ends_edit, "30/06/2025")
    qtbot.keyClicks(form.qpv_edit, "douze")

    assert not editor.save()
    assert dossier_count(read_back) == 0
    assert editor.field_error("total_cost") == \
        "Coût total : un montant ne peut pas être négatif (-5)."
    assert editor.field_error("women_share_percent") == \
        "Part de femmes : un pourcentage entre 0 et 100."
    assert editor.field_error("ends_on") == \
        "Date de fin : la fin (30/06/2025) précède le début (01/09/2025)."
    assert editor.field_error("objective_id") == \
        "Objectif opérationnel : choisissez l'objectif opérationnel que sert l'action."
    assert editor.field_error("beneficiaries_qpv") == \
        "Bénéficiaires résidant en QPV : « douze » n'est pas un nombre entier."
    for field in ("holder_id", "action_title", "starts_on", "place", "received_on"):
        assert editor.field_error(field) == "", field
    # Each message sits right under its own field, in the window as shown.
    for field, widget in (("total_cost", form.total_cost_edit), ("ends_on", form.ends_edit),
                          ("women_share_percent", form.women_edit),
                          ("objective_id", form.objective_combo)):
        box = form.boxes[field]
        assert box.error.isVisible()
        below = box.error.mapTo(form, box.error.rect().topLeft())
        field_bottom = widget.mapTo(form, widget.rect().bottomLeft())
        assert 0 <= below.y() - field_bottom.y() <= 12
        assert abs(below.x() - field_bottom.x()) <= 12
    assert editor.banner.isVisible()
    assert "Rien n'est enregistré : 5 point(s)" in editor.banner.lines[0]
    assert editor.tabs.currentIndex() == 0

    # "12,345,67" is not an amount either; the other fields, corrected, clear their messages.
    form.total_cost_edit.setText("12,345,67")
    form.women_edit.setText("45")
    form.ends_edit.setText("30/06/2026")
    form.qpv_edit.setText("")
    pick(form.objective_combo, "P1.4.1")
    assert not editor.save()
    assert editor.field_error("total_cost") == \
        "Coût total : « 12,345,67 » n'est pas un montant (exemple : 12 345,50 €)."
    for field in ("women_share_percent", "ends_on", "objective_id", "beneficiaries_qpv"):
        assert editor.field_error(field) == "", field
    assert dossier_count(read_back) == 0

    # A budget amount that does not read: its row is marked, the message in the Budget tab.
    form.total_cost_edit.setText("12 345,67")
    type_budget(qtbot, editor.budget.charges, "606", "1.2.3,4")
    assert not editor.save()
    assert editor.tabs.currentIndex() == 1
    assert editor.budget.error_lines() == [
        "606 – Autres fournitures (prévu) : « 1.2.3,4 » n'est pas un montant "
        "(exemple : 12 345,50 €)."]
    row = budget_row(editor.budget.charges, "606")
    assert "n'est pas un montant" in editor.budget.charges.item(row, 2).toolTip()
    assert dossier_count(read_back) == 0

    editor.budget.charges.item(row, 2).setText("1 234")
    assert editor.save()
    assert dossier_count(read_back) == 1
    assert editor.field_error("total_cost") == "" and not editor.banner.isVisible()


def test_an_unknown_holder_typed_is_refused_beside_the_field(
        qtbot: Any, open_dossier: Callable[..., DossierEditor], read_back: Reader) -> None:
    editor = open_dossier(None, year=2025)
    qtbot.keyClicks(editor.form.holder_combo.lineEdit(), "Personne de connu")
    qtbot.keyClicks(editor.form.title_edit, "Action")
    assert not editor.save()
    assert "n'est pas dans l'annuaire" in editor.field_error("holder_id")
    assert "Nouvelle structure" in editor.field_error("holder_id")
    assert dossier_count(read_back) == 0


# ---------------------------------------------------------------------- renewal


def test_renewal_copies_last_years_fields(
        qtbot: Any, open_dossier: Callable[..., DossierEditor], dossier_context: AppContext,
        read_back: Reader) -> None:
    source = make_dossier(dossier_context, year=2025, title="Chantier jeunes",
                          description="Rénovation de bancs avec des jeunes.",
                          target_public="Jeunes de 16 à 25 ans", beneficiaries_expected=12,
                          beneficiaries_qpv=9, women_share_percent=25, place="Le Ronel",
                          starts_on=date(2025, 7, 1), ends_on=date(2025, 8, 29),
                          theme_ids=(3, 6))
    editor = open_dossier(None, year=2026)
    form = editor.form
    form.renewal_radio.setChecked(True)
    assert form.renewal_box.isVisible()
    pick(form.renewal_combo, "2025-001")

    assert form.title_edit.text() == "Chantier jeunes"
    assert form.holder_combo.currentText() == "Association Les Jardins du Ronel"
    assert form.objective_combo.currentText().startswith("P3.2.2")
    assert form.description_edit.toPlainText() == "Rénovation de bancs avec des jeunes."
    assert form.public_edit.toPlainText() == "Jeunes de 16 à 25 ans"
    assert (form.expected_edit.text(), form.qpv_edit.text(), form.women_edit.text()) == \
        ("12", "9", "25")
    assert form.place_edit.text() == "Le Ronel"
    assert (form.starts_edit.text(), form.ends_edit.text()) == ("01/07/2026", "29/08/2026")
    assert form.total_cost_edit.text() == "10\u00a0000\u00a0€"
    assert form.theme_ids() == (3, 6)
    assert form.year() == 2026
    charges = editor.budget.charges
    assert charges.text(budget_row(charges, "641"), 2) == "6\u00a0000\u00a0€"
    products = editor.budget.products
    assert products.text(budget_row(products, "74-ETAT"), LABEL) == "BOP 147"

    form.total_cost_edit.setText("11 000")
    assert editor.save()
    new = detail_of(read_back, editor.dossier_id)
    old = detail_of(read_back, source)
    assert new.reference == "2026-001" and new.year == 2026
    assert new.is_renewal and new.action_id == old.action_id
    assert new.total_cost == Money.from_euros(11_000)
    assert new.description == old.description and new.place == "Le Ronel"
    assert [(e.account, e.planned) for e in new.budget] == \
        [(e.account, e.planned) for e in old.budget]
    # Both years link to each other.
    assert "2025-001" in form.other_years_label.text()


# ---------------------------------------------------------------------- undo, keyboard


def test_ctrl_z_after_a_save_undoes_it_and_ctrl_y_redoes_it(
        qtbot: Any, open_dossier: Callable[..., DossierEditor], dossier_context: AppContext,
        read_back: Reader) -> None:
    dossier_id = make_dossier(dossier_context, place="Salle Georges Brassens")
    editor = open_dossier(dossier_id)
    editor.activateWindow()  # its shortcuts answer the keyboard of the active window
    qtbot.waitUntil(editor.isActiveWindow)
    form = editor.form
    assert form.place_edit.text() == "Salle Georges Brassens"
    form.place_edit.setFocus()
    form.place_edit.selectAll()
    qtbot.keyClicks(form.place_edit, "Place du Radical")
    qtbot.keyClick(form.place_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert detail_of(read_back, dossier_id).place == "Place du Radical"
    assert not editor.is_dirty()
    stack = dossier_context.undo_stack
    assert stack.undoText() == "l'enregistrement du dossier 2025-001"
    assert editor.undo_action.text() == "Annuler l'enregistrement du dossier 2025-001"

    editor.tabs.setFocus()  # out of the line edit, whose own Ctrl+Z undoes typing
    qtbot.keyClick(editor.tabs, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert detail_of(read_back, dossier_id).place == "Salle Georges Brassens"
    assert form.place_edit.text() == "Salle Georges Brassens"
    assert not editor.is_dirty()

    qtbot.keyClick(editor.tabs, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert detail_of(read_back, dossier_id).place == "Place du Radical"
    assert form.place_edit.text() == "Place du Radical"


def test_undoing_a_registration_keeps_what_was_typed(
        qtbot: Any, open_dossier: Callable[..., DossierEditor], dossier_context: AppContext,
        read_back: Reader) -> None:
    holder = make_holder(dossier_context)
    editor = open_dossier(None, year=2025)
    editor.form.holder_combo.set_current_id(holder)
    type_text(qtbot, editor.form.title_edit, "Fête de quartier")
    pick(editor.form.objective_combo, "P3.1.2")
    assert editor.save()
    assert dossier_count(read_back) == 1

    dossier_context.undo_stack.undo()
    assert dossier_count(read_back) == 0
    assert editor.dossier_id is None
    assert editor.form.title_edit.text() == "Fête de quartier"
    assert "n'existe plus" in editor.banner.lines[0]
    assert not editor.tabs.isTabEnabled(2)

    dossier_context.undo_stack.redo()
    assert dossier_count(read_back) == 1
    assert editor.dossier_id is not None
    assert editor.state_bar.title_label.text().startswith("2025-001")


def test_enter_in_a_field_saves(qtbot: Any, open_dossier: Callable[..., DossierEditor],
                                dossier_context: AppContext, read_back: Reader) -> None:
    dossier_id = make_dossier(dossier_context)
    editor = open_dossier(dossier_id)
    form = editor.form
    form.expected_edit.setFocus()
    qtbot.keyClicks(form.expected_edit, "35")
    qtbot.keyClick(form.expected_edit, Qt.Key.Key_Return)
    assert detail_of(read_back, dossier_id).beneficiaries_expected == 35
    # Enter in a text box is a new line, not a save.
    form.description_edit.setFocus()
    type_text(qtbot, form.description_edit, "Première ligne")
    qtbot.keyClick(form.description_edit, Qt.Key.Key_Return)
    assert editor.is_dirty()
    assert detail_of(read_back, dossier_id).description is None


def test_escape_asks_about_unsaved_changes(
        qtbot: Any, open_dossier: Callable[..., DossierEditor], dossier_context: AppContext,
        messenger: Any, read_back: Reader) -> None:
    dossier_id = make_dossier(dossier_context)
    editor = open_dossier(dossier_id)
    editor.form.place_edit.setText("Médiathèque")

    messenger.answers = [2]  # "Annuler": the window stays
    qtbot.keyClick(editor.form.place_edit, Qt.Key.Key_Escape)
    assert messenger.questions == ["Le dossier 2025-001 a des modifications non enregistrées."]
    assert editor.isVisible()

    messenger.answers = [0]  # "Enregistrer"
    qtbot.keyClick(editor.form.place_edit, Qt.Key.Key_Escape)
    assert detail_of(read_back, dossier_id).place == "Médiathèque"
    assert dossier_editors(dossier_context) == []

    # Nothing typed: Escape closes without a question.
    editor = open_dossier(dossier_id)
    messenger.questions.clear()
    qtbot.keyClick(editor.tabs, Qt.Key.Key_Escape)
    assert messenger.questions == [] and dossier_editors(dossier_context) == []


def test_reopening_a_dossier_brings_its_window_forward(
        qtbot: Any, dossier_context: AppContext, editor_parent: QWidget) -> None:
    dossier_id = make_dossier(dossier_context)
    open_dossier_editor(dossier_context, editor_parent, dossier_id)
    [first] = dossier_editors(dossier_context)
    first.form.place_edit.setText("typed")
    open_dossier_editor(dossier_context, editor_parent, dossier_id)
    assert dossier_editors(dossier_context) == [first]
    assert first.form.place_edit.text() == "typed"
    open_dossier_editor(dossier_context, editor_parent, None, year=2025)
    open_dossier_editor(dossier_context, editor_parent, None, year=2025)
    assert len(dossier_editors(dossier_context)) == 3  # new dossiers each get a window
    dossier_context.messenger.answers = [1]  # "Ne pas enregistrer" for the typed one
    assert close_dossier_editors(dossier_context)
    assert dossier_editors(dossier_context) == []


def test_another_window_s_change_reloads_a_clean_form_and_keeps_typing(
        qtbot: Any, open_dossier: Callable[..., DossierEditor],
        dossier_context: AppContext) -> None:
    from qpvdesk.core.services.dossiers import update_dossier

    dossier_id = make_dossier(dossier_context)
    editor = open_dossier(dossier_id)

    def rename(place: str) -> None:
        def work(session: Any) -> None:
            data = dossier_detail(session, dossier_id).as_input()
            update_dossier(session, dossier_id, data.__class__(**{
                **{f: getattr(data, f) for f in data.__dataclass_fields__}, "place": place}))
        dossier_context.write(work, {"programmation"})

    rename("Gymnase")
    assert editor.form.place_edit.text() == "Gymnase" and not editor.is_dirty()
    editor.form.description_edit.setPlainText("en cours de saisie")
    rename("Stade")
    assert editor.form.description_edit.toPlainText() == "en cours de saisie"
    assert editor.form.place_edit.text() == "Gymnase"
    assert "modifié ailleurs" in editor.banner.lines[0]


def test_a_read_only_file_shows_the_dossier_without_editing(
        qtbot: Any, open_db: Any, db_path: Any, messenger: Any, editor_parent: QWidget,
        dossier_context: AppContext) -> None:
    from qpvdesk.ui.dossiers.editor import show_dossier_editor

    dossier_id = make_dossier(dossier_context)
    reader = AppContext(open_db(db_path, read_only=True), messenger)
    editor = show_dossier_editor(reader, editor_parent, dossier_id)
    try:
        assert not editor.save_button.isVisible() or editor.save_button.isHidden()
        assert editor.form.place_edit.isReadOnly()
        assert not editor.funding.add_button.isEnabled()
        assert "lecture seule" in editor.banner.lines[0]
        assert not editor.save()
    finally:
        editor.force_close()


@pytest.mark.parametrize("text", ["1/13/2025", "31/02/2025", "demain"])
def test_a_date_that_does_not_read_is_refused_beside_its_field(
        qtbot: Any, open_dossier: Callable[..., DossierEditor], dossier_context: AppContext,
        text: str) -> None:
    dossier_id = make_dossier(dossier_context)
    editor = open_dossier(dossier_id)
    editor.form.starts_edit.setText(text)
    assert not editor.save()
    message = editor.field_error("starts_on")
    assert message.startswith("Date de début : ") and text in message


def test_organisation_rows_are_unchanged_by_a_cancelled_holder_dialog(
        qtbot: Any, open_dossier: Callable[..., DossierEditor], read_back: Reader) -> None:
    editor = open_dossier(None, year=2025)
    count = read_back(lambda s: s.scalar(select(func.count()).select_from(Organisation)))
    click(qtbot, editor.form.new_holder_button)
    dialog = editor.holder_dialog
    assert dialog is not None
    type_text(qtbot, dialog.name_edit, "Ne pas créer")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert read_back(lambda s: s.scalar(select(func.count()).select_from(Organisation))) == count
    assert editor.form.holder_combo.current_id() is None


def test_achieved_amounts_are_kept_for_the_bilan(
        qtbot: Any, open_dossier: Callable[..., DossierEditor], dossier_context: AppContext,
        read_back: Reader) -> None:
    dossier_id = make_dossier(dossier_context)
    editor = open_dossier(dossier_id)
    type_budget(qtbot, editor.budget.charges, "606", "3 900", column=ACHIEVED)
    assert editor.save()
    [entry] = [e for e in detail_of(read_back, dossier_id).budget if e.account == "606"]
    assert (entry.planned, entry.achieved) == (Money.from_euros(4_000), Money.from_euros(3_900))


def test_the_budget_note_says_when_products_do_not_cover_the_cost(
        qtbot: Any, open_dossier: Callable[..., DossierEditor],
        dossier_context: AppContext) -> None:
    dossier_id = make_dossier(dossier_context)
    editor = open_dossier(dossier_id)
    assert not any("ne couvrent pas" in line for line in editor.budget.note_panel.lines)
    editor.form.total_cost_edit.setText("12 000")
    assert any(line == "Les produits prévus (10\u00a0000\u00a0€) ne couvrent pas le coût total de "
               "l'action (12\u00a0000\u00a0€) : il manque 2\u00a0000\u00a0€."
               for line in editor.budget.note_panel.lines)
    # A second line under a heading: another ministry.
    products = editor.budget.products
    editor.tabs.setCurrentWidget(editor.budget)
    products.setCurrentCell(budget_row(products, "74-ETAT"), LABEL)
    click(qtbot, editor.budget.add_line_button)
    row = products.currentRow()
    assert products.account_at(row) == "74-ETAT"
    products.item(row, LABEL).setText("VVV")
    products.item(row, 2).setText("2000")
    assert not any("ne couvrent pas" in line for line in editor.budget.note_panel.lines)
    assert "12\u00a0000" in editor.budget.products_total.text()


def test_tab_goes_down_the_left_column_then_the_right_one(
        qtbot: Any, open_dossier: Callable[..., DossierEditor],
        dossier_context: AppContext) -> None:
    editor = open_dossier(make_dossier(dossier_context))
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    form = editor.form
    form.objective_combo.setFocus()
    seen = []
    for _ in range(12):
        qtbot.keyClick(editor.focusWidget(), Qt.Key.Key_Tab)
        seen.append(editor.focusWidget())
    checks = list(form.theme_checks.values())
    assert seen[:len(checks)] == checks
    assert seen[len(checks):len(checks) + 4] == [
        form.state_theme_combo, form.state_subtheme_combo, form.year_combo, form.call_combo] \
        or seen[len(checks):len(checks) + 3] == [
        form.state_theme_combo, form.state_subtheme_combo, form.call_combo]  # year is fixed
    form.total_cost_edit.setFocus()
    qtbot.keyClick(form.total_cost_edit, Qt.Key.Key_Tab)
    assert editor.focusWidget() is form.notes_edit
