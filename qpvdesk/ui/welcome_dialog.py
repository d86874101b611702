"""The first start: no data file yet, so the user chooses what her town's file starts with.

The dialog only records the choice (and the file picked for it); `qpvdesk.ui.opening` does
the creation and shows the dialog again when a creation is refused.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCommandLinkButton,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.ui.file_pickers import pick_existing_file, pick_workbook_file


class StartChoice(enum.Enum):
    BUILTIN = "builtin"
    FRAMEWORK = "framework"
    EMPTY = "empty"
    OPEN = "open"
    DEMO = "demo"


@dataclass(frozen=True)
class WelcomeAnswer:
    """What to do; *picked* is the workbook (FRAMEWORK) or the data file (OPEN)."""

    choice: StartChoice
    picked: Path | None = None


class WelcomeDialog(QDialog):
    """One button per way to start; the built-in contract is the default (Entrée)."""

    def __init__(self, data_file: Path, demo_file: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.answer: WelcomeAnswer | None = None
        self.pick_workbook: Callable[[QWidget | None, Path], Path | None] = pick_workbook_file
        self.pick_existing: Callable[[QWidget | None, Path], Path | None] = pick_existing_file
        self.setWindowTitle(self.tr("Bienvenue dans qpvdesk"))

        intro = QLabel(self.tr(
            "<h2>Bienvenue dans qpvdesk</h2>"
            "<p>qpvdesk garde tout le contrat de ville de votre commune (cadre stratégique, "
            "appels à projets, dossiers, financements, instances, évaluation) dans un seul "
            "fichier, sur cet ordinateur :</p><p><code>{path}</code></p>"
            "<p>Ce fichier n'existe pas encore. Par quoi voulez-vous commencer ?</p>")
            .format(path=data_file))
        intro.setWordWrap(True)

        self.builtin_button = QCommandLinkButton(
            self.tr("Créer la base avec le contrat de ville intégré"),
            self.tr("Le contrat 2024–2030 de Clermont l'Hérault (quartier Centre-ville) : "
                    "cadre stratégique, partenaires, instances. Le choix habituel (touche "
                    "Entrée)."))
        self.framework_button = QCommandLinkButton(
            self.tr("Créer la base à partir d'un classeur de cadre stratégique…"),
            self.tr("Le cadre de votre commune dans un classeur Excel au format de « Fichier "
                    "› Exporter › Cadre stratégique (modèle)… »."))
        self.empty_button = QCommandLinkButton(
            self.tr("Créer une base vide"),
            self.tr("Aucun contrat : vous saisirez ou importerez le cadre plus tard."))
        self.open_button = QCommandLinkButton(
            self.tr("Ouvrir un fichier existant…"),
            self.tr("Une base qpvdesk (.sqlite) venue d'un autre ordinateur ou d'une clé USB."))
        self.demo_button = QCommandLinkButton(
            self.tr("Découvrir la démonstration"),
            self.tr("Une programmation fictive, dans un fichier à part ({name}) : votre "
                    "propre base restera à créer.").format(name=demo_file.name))
        self.quit_button = QPushButton(self.tr("Quitter"))
        self.quit_button.setAutoDefault(False)

        self.builtin_button.clicked.connect(lambda: self._choose(StartChoice.BUILTIN))
        self.framework_button.clicked.connect(self._choose_workbook)
        self.empty_button.clicked.connect(lambda: self._choose(StartChoice.EMPTY))
        self.open_button.clicked.connect(self._choose_file)
        self.demo_button.clicked.connect(lambda: self._choose(StartChoice.DEMO))
        self.quit_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        for button in self.choice_buttons():
            layout.addWidget(button)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.quit_button)
        layout.addLayout(bottom)
        self.setMinimumWidth(620)
        # Entrée keeps the behaviour of earlier versions: the built-in contract.
        self.builtin_button.setDefault(True)
        self.builtin_button.setFocus()

    def choice_buttons(self) -> list[QCommandLinkButton]:
        return [self.builtin_button, self.framework_button, self.empty_button,
                self.open_button, self.demo_button]

    def _choose(self, choice: StartChoice, picked: Path | None = None) -> None:
        self.answer = WelcomeAnswer(choice, picked)
        self.accept()

    def _choose_workbook(self) -> None:
        workbook = self.pick_workbook(self, Path.home())
        if workbook is not None:
            self._choose(StartChoice.FRAMEWORK, workbook)

    def _choose_file(self) -> None:
        path = self.pick_existing(self, Path.home())
        if path is not None:
            self._choose(StartChoice.OPEN, path)


def ask_how_to_start(data_file: Path, demo_file: Path) -> WelcomeAnswer | None:
    """Show the dialog; None when the user quits (button, Échap or closing the window)."""
    dialog = WelcomeDialog(data_file, demo_file)
    try:
        return dialog.answer if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()
