"""Partenaires: a contact's data exported to a file and erased (GDPR), never undoable."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from sqlalchemy import select

from qpvdesk.core.domain.models import Contact, Organisation
from qpvdesk.core.services.partners import (
    ContactInput,
    contact_input,
    create_contact,
    update_contact,
)
from qpvdesk.core.storage.backups import list_backups
from qpvdesk.ui.main_window import MainWindow
from qpvdesk.ui.partners.partners_screen import PartnersScreen

ADDRESS = "Bastien.Quillard-rgpd@ville.example"


def partners_page(window: MainWindow) -> PartnersScreen:
    window.select_section("partners")
    page = window.page("partners")
    assert isinstance(page, PartnersScreen)
    return page


def show_contact(qtbot: Any, screen: PartnersScreen, organisation: int, contact: int) -> None:
    screen.select(organisation)
    table = screen.view.table
    index = screen.model.index_for_id(organisation, 1)
    table.scrollTo(index)
    qtbot.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(index).center()
    )
    assert screen.shown_id() == organisation
    contacts = screen.view.detail.contacts
    contacts.table.setCurrentIndex(contacts.model.index_for_id(contact))


def file_holds(path: Path, text: str) -> bool:
    wal = path.with_name(path.name + "-wal")
    content = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    return text.lower().encode() in content.lower()


def test_export_then_erase_from_the_contacts_tab(
    qtbot: Any,
    make_window: Callable[..., MainWindow],
    db_path: Path,
    messenger: Any,
    tmp_path: Path,
) -> None:
    window = make_window(db_path)
    context = window.context
    town = context.read(
        lambda s: s.scalar(select(Organisation.id).where(Organisation.name.like("Ville%")))
    )
    town_name = context.read(lambda s: s.get(Organisation, town).name)
    # Recorded actions: the undo stack holds the contact's rows as they were.
    contact = context.write(
        lambda s: create_contact(
            s,
            ContactInput(
                last_name="Quillard", first_name="Bastien", email=ADDRESS, organisation_id=town
            ),
        ),
        {"partners"},
        label="l'ajout du contact",
    )

    def add_phone(session: Any) -> None:
        data = replace(contact_input(session, contact), phone="04 67 11 22 33")
        update_contact(session, contact, data)

    context.write(add_phone, {"partners"}, label="la modification du contact")
    assert context.undo_stack.count() == 2
    screen = partners_page(window)
    show_contact(qtbot, screen, town, contact)
    contacts = screen.view.detail.contacts
    assert contacts.export_button.isEnabled() and contacts.erase_button.isEnabled()

    # Export: the file the user picks.
    target = tmp_path / "bastien.json"
    screen.pick_save = lambda _parent, _title, suggested, _filter: (
        target if suggested.name == f"donnees-contact-{contact}.json" else None
    )
    qtbot.mouseClick(contacts.export_button, Qt.MouseButton.LeftButton)
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert exported["contact"]["email"] == ADDRESS
    assert exported["contact"]["phone"] == "04 67 11 22 33"
    assert "bastien.json" in messenger.infos[-1]

    # Erase: the confirmation says what happens and that it cannot be undone; « non » first.
    messenger.answers = [False]
    qtbot.mouseClick(contacts.erase_button, Qt.MouseButton.LeftButton)
    question = messenger.questions[-1]
    assert "Bastien Quillard" in question and "ne peut pas être annulé" in question
    assert f"« Ancien membre ({town_name}) »" in question
    assert context.read(lambda s: s.get(Contact, contact).email) == ADDRESS
    assert context.undo_stack.count() == 2

    messenger.answers = [True]
    qtbot.mouseClick(contacts.erase_button, Qt.MouseButton.LeftButton)
    assert messenger.warnings == []
    assert f"« Ancien membre ({town_name}) »" in messenger.infos[-1]

    def identity(session: Any) -> tuple[Any, ...]:
        row = session.get(Contact, contact)
        return (row.last_name, row.first_name, row.email, row.phone)

    assert context.read(identity) == ("Ancien membre", None, None, None)
    names = [
        contacts.model.row_at(contacts.model.index(r, 0)).full_name
        for r in range(contacts.model.rowCount())
    ]
    assert "Ancien membre" in names and "Bastien Quillard" not in names
    # Nothing can bring the data back: the stack is empty, Ctrl+Z does nothing.
    assert context.undo_stack.count() == 0
    assert not window.undo_action.isEnabled()
    window.undo_action.trigger()
    assert context.read(lambda s: s.get(Contact, contact).email) is None
    assert not file_holds(db_path, ADDRESS) and not file_holds(db_path, "Bastien Quillard")

    # Restoring the backup taken just before the erasure erases the person again at once.
    [before] = [b for b in list_backups(db_path) if b.reason == "effacement"]
    window.file_actions.choose_backup = lambda _parent, _backups: before
    messenger.answers = [True]
    window.file_actions.restore_action.trigger()
    assert messenger.warnings == []
    assert "Effacement (RGPD) refait pour 1 contact" in messenger.infos[-1]
    assert window.context.read(identity) == ("Ancien membre", None, None, None)
    assert not file_holds(db_path, ADDRESS)
    screen = partners_page(window)
    show_contact(qtbot, screen, town, contact)
    contacts = screen.view.detail.contacts
    assert contacts.model.row_at(contacts.table.currentIndex()).full_name == "Ancien membre"


def test_a_read_only_file_offers_the_export_but_not_the_erasure(
    qtbot: Any, make_window: Callable[..., MainWindow], db_path: Path, open_db: Any
) -> None:
    database = open_db(db_path)
    with database.unit_of_work() as session:
        town = session.scalar(select(Organisation.id).where(Organisation.name.like("Ville%")))
        contact = create_contact(
            session, ContactInput(last_name="Quillard", email=ADDRESS, organisation_id=town)
        )
    database.close()
    window = make_window(db_path, read_only=True)
    screen = partners_page(window)
    show_contact(qtbot, screen, town, contact)
    contacts = screen.view.detail.contacts
    assert contacts.export_button.isEnabled()
    assert not contacts.erase_button.isEnabled()
