"""`ObjectiveTreeModel`: Qt's model contract, and the search filter."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from qpvdesk.core.domain.enums import ObjectiveLevel
from qpvdesk.core.services.framework import ObjectiveRow
from qpvdesk.ui.framework.objective_tree_model import ID_ROLE, ROW_ROLE, ObjectiveTreeModel

P = ObjectiveLevel.PRIORITY
S = ObjectiveLevel.STRATEGIC
O = ObjectiveLevel.OPERATIONAL  # noqa: E741
I = ObjectiveLevel.ITEM  # noqa: E741

ROWS = [
    ObjectiveRow(1, None, P, 0, "P1", "Contribuer à la réussite éducative", None, None),
    ObjectiveRow(2, 1, S, 0, "P1.1", "Renforcer le pouvoir d'agir des jeunes", None, None),
    ObjectiveRow(3, 2, O, 0, "P1.1.1", "Améliorer la lisibilité de l'offre", None, None),
    ObjectiveRow(4, 3, I, 0, "P1.1.1.1", "Créer un guide", "Guide", None),
    ObjectiveRow(5, 3, I, 1, "P1.1.1.2", "Organiser un forum", None, None),
    ObjectiveRow(6, 4, I, 0, "P1.1.1.1.1", "Version numérique du guide", None, None),
    ObjectiveRow(7, None, P, 1, "P3", "Améliorer le cadre de vie", None, None),
    ObjectiveRow(8, 7, S, 0, "P3.2", "Lutter contre les îlots de chaleur", None, None),
]


def make_model() -> ObjectiveTreeModel:
    model = ObjectiveTreeModel()
    model.set_rows(ROWS)
    return model


def test_model_passes_qt_model_tester(qtmodeltester: Any) -> None:
    model = make_model()
    qtmodeltester.check(model)


def test_filtered_model_passes_qt_model_tester(qtmodeltester: Any) -> None:
    model = make_model()
    model.set_filter("ILOTS")
    qtmodeltester.check(model)


def test_tree_shape_and_roles() -> None:
    model = make_model()
    assert model.rowCount() == 2
    p1 = model.index(0, 0)
    assert model.data(p1) == "P1"
    assert model.data(model.index(0, 1)) == "Contribuer à la réussite éducative"
    assert model.data(p1, ID_ROLE) == 1
    item = model.index_for_id(6)
    assert model.data(item, ROW_ROLE).code == "P1.1.1.1.1"
    assert model.parent(item) == model.index_for_id(4)
    horizontal = Qt.Orientation.Horizontal
    assert [model.headerData(c, horizontal) for c in (0, 1)] == ["Code", "Intitulé"]


def test_filter_ignores_case_and_accents_and_keeps_ancestors() -> None:
    model = make_model()
    model.set_filter("ilots de CHALEUR")
    assert model.rowCount() == 1
    p3 = model.index(0, 0)
    assert model.data(p3) == "P3"
    assert model.data(model.index(0, 0, p3)) == "P3.2"
    model.set_filter("numerique")
    assert [model.data(model.index(0, 0))] == ["P1"]
    assert model.index_for_id(6).isValid()
    assert not model.index_for_id(5).isValid()
    model.set_filter("")
    assert model.rowCount() == 2
    assert model.index_for_id(5).isValid()


def test_subtree_and_siblings() -> None:
    model = make_model()
    assert model.subtree(3) == {3, 4, 5, 6}
    assert model.siblings(5) == [4, 5]
    assert [row.id for row in model.rows()] == [1, 2, 3, 4, 6, 5, 7, 8]
