"""Message boxes behind one small object, so that tests answer them without a modal dialog."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget


def _tr(text: str) -> str:
    return QCoreApplication.translate("Messenger", text)


class Messenger:
    """Every modal question or message the application asks or shows goes through here."""

    def warn(self, parent: QWidget | None, title: str, text: str) -> None:
        """A problem the user can understand and act on."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                          parent)
        box.exec()

    def inform(self, parent: QWidget | None, title: str, text: str) -> None:
        """Something worth knowing once (a working copy, a completed restore)."""
        box = QMessageBox(QMessageBox.Icon.Information, title, text,
                          QMessageBox.StandardButton.Ok, parent)
        box.exec()

    def confirm(self, parent: QWidget | None, title: str, text: str, accept: str,
                reject: str | None = None) -> bool:
        """A yes/no question whose buttons say what they do."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.NoButton, parent)
        yes = box.addButton(accept, QMessageBox.ButtonRole.AcceptRole)
        no = box.addButton(reject or _tr("Annuler"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no)
        box.setEscapeButton(no)
        box.exec()
        return box.clickedButton() is yes

    def choose(self, parent: QWidget | None, title: str, text: str,
               options: Sequence[str]) -> int | None:
        """One button per option; returns the index chosen, None when the box is dismissed.

        The last option is the one Escape picks (by convention "Annuler" or "Quitter").
        """
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.NoButton, parent)
        buttons = []
        for index, option in enumerate(options):
            role = (QMessageBox.ButtonRole.RejectRole if index == len(options) - 1
                    else QMessageBox.ButtonRole.AcceptRole)
            buttons.append(box.addButton(option, role))
        box.setDefaultButton(buttons[0])
        box.setEscapeButton(buttons[-1])
        box.exec()
        clicked = box.clickedButton()
        return next((i for i, button in enumerate(buttons) if button is clicked), None)

    def ask_text(self, parent: QWidget | None, title: str, label: str,
                 text: str = "", accept: str | None = None) -> str | None:
        """One line of text; None when cancelled or left empty. *accept* names the OK
        button (« Ajouter » by default)."""
        dialog = QInputDialog(parent)
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setTextValue(text)
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setOkButtonText(accept or _tr("Ajouter"))
        dialog.setCancelButtonText(_tr("Annuler"))
        dialog.resize(640, dialog.sizeHint().height())
        if not dialog.exec():
            return None
        value = dialog.textValue().strip()
        return value or None

    def crash(self, parent: QWidget | None, log_file: Path) -> None:
        """The unexpected error dialog: the session goes on, the details are in the log."""
        box = QMessageBox(QMessageBox.Icon.Critical, _tr("Erreur inattendue"),
                          _tr("Une erreur inattendue est survenue. Ce qui a été enregistré "
                              "n'est pas perdu et vous pouvez continuer à travailler.\n\n"
                              "Le détail technique a été noté dans le journal :\n{path}")
                          .format(path=log_file),
                          QMessageBox.StandardButton.NoButton, parent)
        open_folder = box.addButton(_tr("Ouvrir le dossier du journal"),
                                    QMessageBox.ButtonRole.ActionRole)
        close = box.addButton(_tr("Continuer"), QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(close)
        box.exec()
        if box.clickedButton() is open_folder:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_file.parent)))
