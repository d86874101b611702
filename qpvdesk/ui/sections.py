"""The sections of the application, in the order of the navigation list."""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtCore import QCoreApplication

DASHBOARD = "dashboard"
FRAMEWORK = "framework"
DOSSIERS = "dossiers"


class Section(NamedTuple):
    """One entry of the navigation list."""

    key: str
    title: str


def _tr(text: str) -> str:
    return QCoreApplication.translate("Sections", text)


def all_sections() -> list[Section]:
    """Every section, translated now (call it once a QApplication exists)."""
    return [
        Section(DASHBOARD, _tr("Tableau de bord")),
        Section(FRAMEWORK, _tr("Cadre stratégique")),
        Section("calls", _tr("Appels à projets")),
        Section(DOSSIERS, _tr("Dossiers")),
        Section("actions", _tr("Actions")),
        Section("funding", _tr("Financements")),
        Section("committees", _tr("Instances et séances")),
        Section("partners", _tr("Partenaires")),
        Section("evaluation", _tr("Évaluation")),
        Section("observation", _tr("Observation")),
    ]
