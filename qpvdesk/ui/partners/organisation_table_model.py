"""`OrganisationTableModel`: the directory's organisations, searched and filtered in the model.

Thousands of organisations stay instant: each row's folded search text is computed
once per load, a keystroke only scans those strings (no query, no proxy model).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle

from qpvdesk.core.domain.enums import OrganisationRoleKind
from qpvdesk.core.domain.identifiers import format_siret
from qpvdesk.core.domain.text import fold
from qpvdesk.core.services.partners import OrganisationRow
from qpvdesk.ui.formatting import number
from qpvdesk.ui.partners.column_model import CENTER, RIGHT, Column, ColumnTableModel

COLUMN_NAME, COLUMN_ACRONYM, COLUMN_ROLES, COLUMN_SIRET = range(4)
COLUMN_DOSSIERS, COLUMN_DOCUMENTS = 4, 5


def _tr(text: str) -> str:
    return QCoreApplication.translate("OrganisationTableModel", text)


def _warning_icon() -> QIcon:
    return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)


def organisation_columns() -> list[Column[OrganisationRow]]:
    """The list's columns (translated now: call once a QApplication exists)."""
    warning = _warning_icon()
    expired_text = _tr("expirés")
    expired_tip = _tr("Au moins un document permanent (statuts, RIB, attestation…) a dépassé "
                      "sa date de validité et n'a pas été remplacé.")
    return [
        Column(_tr("Nom"), lambda r: r.name, tooltip=lambda r: r.display_name),
        Column(_tr("Sigle"), lambda r: r.acronym or ""),
        Column(_tr("Rôles"), lambda r: r.roles_label,
               sort_key=lambda r: tuple(sorted(role.value for role in r.roles))),
        Column(_tr("SIRET"), lambda r: format_siret(r.siret) if r.siret else "",
               sort_key=lambda r: r.siret),
        Column(_tr("Dossiers"), lambda r: number(r.dossier_count) if r.dossier_count else "",
               sort_key=lambda r: r.dossier_count, align=RIGHT,
               header_tooltip=_tr("Dossiers portés, toutes années confondues")),
        Column(_tr("Documents"), lambda r: expired_text if r.has_expired_documents else "",
               sort_key=lambda r: r.has_expired_documents, align=CENTER,
               alert=lambda r: r.has_expired_documents,
               icon=lambda r: warning if r.has_expired_documents else None,
               tooltip=lambda r: expired_tip if r.has_expired_documents else None,
               header_tooltip=_tr("Documents permanents expirés")),
    ]


class OrganisationTableModel(ColumnTableModel[OrganisationRow]):
    """Every organisation loaded once; `set_filter` keeps those matching words and a role."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(organisation_columns(), parent)
        self._all: list[OrganisationRow] = []
        self._haystacks: list[str] = []
        self._words: list[str] = []
        self._role: OrganisationRoleKind | None = None

    def set_all_rows(self, rows: Sequence[OrganisationRow]) -> None:
        """Load the whole directory, then show what the current filter keeps."""
        self._all = list(rows)
        self._haystacks = [
            fold(" ".join(filter(None, (row.name, row.acronym, row.siret, row.rna, row.email))))
            for row in self._all
        ]
        self._apply()

    def set_filter(self, text: str, role: OrganisationRoleKind | None) -> None:
        """Words to find (case and accents ignored) in name, acronym, SIRET, RNA or e-mail."""
        words = fold(text).split()
        if words == self._words and role == self._role:
            return
        self._words = words
        self._role = role
        self._apply()

    @property
    def total(self) -> int:
        return len(self._all)

    def is_filtered(self) -> bool:
        return bool(self._words) or self._role is not None

    def _apply(self) -> None:
        words, role = self._words, self._role
        kept = [
            row for row, haystack in zip(self._all, self._haystacks, strict=True)
            if (role is None or role in row.roles) and all(word in haystack for word in words)
        ]
        self.set_rows(kept)
