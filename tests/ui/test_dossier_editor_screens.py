"""Pictures of the dossier editor on the demo database, one per tab (offscreen).

They go to ``$QPVDESK_SCREENSHOTS`` when set (to look at them), else to the test's folder.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget
from sqlalchemy import select

from qpvdesk.core.domain.models import Dossier
from qpvdesk.core.domain.money import Money
from qpvdesk.core.services.documents import DocumentKind, add_document
from qpvdesk.core.services.dossiers import BudgetEntryInput, dossier_detail, update_dossier
from qpvdesk.core.services.funding import upsert_funding
from qpvdesk.core.services.setup import create_new_database
from qpvdesk.core.storage.database import Database
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.dossiers.editor import DossierEditor, dossier_editors, show_dossier_editor

TABS = ("dossier", "budget", "financements", "pieces", "historique")


@pytest.fixture
def demo(tmp_path: Path, open_db: Callable[..., Database],
         messenger: Any) -> Iterator[tuple[AppContext, int]]:
    """The demo file, one of its dossiers filled in as an association would."""
    path = tmp_path / "demo.sqlite"
    create_new_database(path, "demo")
    context = AppContext(open_db(path), messenger)
    paper = tmp_path / "demande-cerfa-12156.pdf"
    paper.write_bytes(b"%PDF-1.4 demande" * 80)

    def fill(session: Any) -> int:
        dossier = session.scalars(select(Dossier).where(Dossier.reference == "2025-002")).one()
        detail = dossier_detail(session, dossier.id)
        update_dossier(session, dossier.id, dataclasses.replace(
            detail.as_input(),
            description="Ateliers hebdomadaires parents-enfants le mercredi après-midi à la "
                        "médiathèque ; sorties familiales pendant les vacances.",
            target_public="Familles du centre-ville avec enfants de 3 à 10 ans",
            beneficiaries_expected=60, beneficiaries_qpv=45, women_share_percent=70,
            starts_on=date(2025, 1, 6), ends_on=date(2025, 12, 19),
            place="Médiathèque et place du Radical", theme_ids=(1, 4, 6),
            budget=(BudgetEntryInput("606", Money.from_euros(1_200)),
                    BudgetEntryInput("641", Money.from_euros(9_000)),
                    BudgetEntryInput("645", Money.from_euros(3_500)),
                    BudgetEntryInput("74-ETAT", Money.from_euros(6_000), "BOP 147"),
                    BudgetEntryInput("74-ETAT", Money.from_euros(1_500), "VVV"),
                    BudgetEntryInput("74-COMMUNE", Money.from_euros(3_000)),
                    BudgetEntryInput("864", Money.from_euros(1_500)),
                    BudgetEntryInput("870", Money.from_euros(1_500)))))
        add_document(session, dossier_id=dossier.id, kind=DocumentKind.GRANT_REQUEST, path=paper)
        add_document(session, organisation_id=dossier.holder_id, kind=DocumentKind.BOARD_LIST,
                     path=paper, valid_until=date(2025, 6, 30))
        first = detail.funding[0]
        assert first.granted is not None
        upsert_funding(session, dossier.id, first.budget_line_id, first.year, first.requested,
                       first.proposed, first.granted + Money.from_euros(1_000), "Accord",
                       decided_on=date(2025, 4, 2))
        return int(dossier.id)

    dossier_id = context.write(fill, {"programmation"})
    yield context, dossier_id
    for editor in dossier_editors(context):
        editor.force_close()


def shots_folder(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("QPVDESK_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def visible_texts(widget: QWidget) -> list[str]:
    texts = [label.text() for label in widget.findChildren(QLabel) if label.isVisible()]
    texts += [button.text() for button in widget.findChildren(QAbstractButton)
              if button.isVisible()]
    return texts


def test_screenshots_of_each_tab_on_a_demo_dossier(
        qtbot: Any, demo: tuple[AppContext, int], tmp_path: Path) -> None:
    context, dossier_id = demo
    parent = QWidget()
    qtbot.addWidget(parent)
    editor: DossierEditor = show_dossier_editor(context, parent, dossier_id)
    editor.resize(1280, 860)
    qtbot.waitExposed(editor)
    folder = shots_folder(tmp_path)
    for index, name in enumerate(TABS):
        editor.tabs.setCurrentIndex(index)
        qtbot.wait(10)
        picture = editor.grab()
        assert not picture.isNull()
        assert picture.save(str(folder / f"editor-{index + 1}-{name}.png"))
        for text in visible_texts(editor):
            # No identifier leaks into the window (field names, enum values).
            assert "_id" not in text and "budget[" not in text, text
    assert editor.tabs.tabText(2) == "Financements (2 alertes)"
    assert editor.tabs.tabText(3) == "Pièces (1) · 1 expirée(s)"
    assert editor.state_bar.state_label.text() == "Bilan reçu"
    assert editor.form.holder_combo.lineEdit().cursorPosition() == 0  # the name's start shows

    new = show_dossier_editor(context, parent, None, year=2026)
    new.resize(1280, 860)
    qtbot.waitExposed(new)
    new.form.total_cost_edit.setText("12,345,67")
    new.form.women_edit.setText("120")
    new.form.starts_edit.setText("01/09/2026")
    new.form.ends_edit.setText("30/06/2026")
    assert not new.save()
    qtbot.wait(10)
    assert new.grab().save(str(folder / "editor-6-new-with-errors.png"))
    assert len(list(folder.glob("editor-*.png"))) >= 6
