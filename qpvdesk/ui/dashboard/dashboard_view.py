"""Layout of the "Tableau de bord": the contract heading, the year's dossiers per state, what
is due, the envelopes as bars, the amounts per funder and priority, and the data file."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.domain.enums import DossierState
from qpvdesk.ui.dashboard.envelope_bars import BarDelegate
from qpvdesk.ui.finance.finance_view import CELL_MARGIN, PaddedDelegate, size_columns
from qpvdesk.ui.finance.years import YearCombo
from qpvdesk.ui.formatting import number

#: How many state tiles a row holds at most (rows are then balanced: 13 states, 7 + 6).
TILES_PER_ROW = 9
#: Height of the « À faire » list, in rows (it scrolls beyond).
DUE_ROWS = 12


def _scaled_bold(label: QLabel, scale: float) -> None:
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)


def flat_table(name: str) -> QTreeView:
    """A short list of figures: no tree decoration, whole rows selected, no inner scrolling."""
    view = QTreeView()
    view.setObjectName(name)
    view.setRootIsDecorated(False)
    view.setItemsExpandable(False)
    view.setExpandsOnDoubleClick(False)
    view.setUniformRowHeights(True)
    view.setAllColumnsShowFocus(True)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    view.setItemDelegate(PaddedDelegate(view))
    return view


def fit_to_rows(view: QTreeView, stretch: int = 0, fixed: dict[int, int] | None = None) -> None:
    """As tall as its rows (so that the page scrolls, not the list); *stretch* takes the width,
    *fixed* columns keep their width (pixels), the others fit their contents."""
    fixed = fixed or {}
    header = view.header()
    header.setStretchLastSection(False)
    for column in range(header.count()):
        if column in fixed:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(column, fixed[column])
        else:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch if column == stretch
                                        else QHeaderView.ResizeMode.Interactive)
    size_columns(view, stretch, keep=fixed)
    model = view.model()
    rows = 0 if model is None else model.rowCount()
    row_height = view.sizeHintForRow(0) if rows else view.fontMetrics().height() + 8
    view.setFixedHeight(header.sizeHint().height() + rows * row_height
                        + 2 * view.frameWidth() + 2)


class StateTile(QPushButton):
    """A count of dossiers in one state, big; a click shows them."""

    def __init__(self, state: DossierState, label: str, count: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setObjectName("stateTile")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumSize(112, 66)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.count = count
        self.count_label = QLabel(number(count))
        _scaled_bold(self.count_label, 1.7)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state_label = QLabel(label)
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state_label.setWordWrap(True)
        for child in (self.count_label, self.state_label):
            child.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(0)
        layout.addWidget(self.count_label)
        layout.addWidget(self.state_label)
        self.setAccessibleName(f"{label} : {count}")
        self.setToolTip(self.tr("Voir les {n} dossiers à l'état « {state} »")
                        .format(n=count, state=label) if count > 1
                        else self.tr("Voir le dossier à l'état « {state} »").format(state=label))


class DashboardView(QWidget):
    """Widgets of the page; `DashboardScreen` fills them and gives them their behaviour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = QLabel()
        self.title_label.setWordWrap(True)
        _scaled_bold(self.title_label, 1.6)
        self.subtitle_label = QLabel()
        self.neighbourhood_label = QLabel()
        self.neighbourhood_label.setWordWrap(True)
        self.year_label = QLabel(self.tr("&Exercice :"))
        self.year_combo = YearCombo()
        self.year_combo.setObjectName("dashboardYear")
        self.year_label.setBuddy(self.year_combo)
        heading_text = QVBoxLayout()
        heading_text.addWidget(self.title_label)
        heading_text.addWidget(self.subtitle_label)
        heading_text.addWidget(self.neighbourhood_label)
        heading = QHBoxLayout()
        heading.addLayout(heading_text, 1)
        heading.addWidget(self.year_label, 0, Qt.AlignmentFlag.AlignTop)
        heading.addWidget(self.year_combo, 0, Qt.AlignmentFlag.AlignTop)

        # Dossiers per state.
        self.states_box = QGroupBox()
        self.total_label = QLabel()
        self.tiles_grid = QGridLayout()
        self.tiles_grid.setHorizontalSpacing(8)
        self.tiles_grid.setVerticalSpacing(8)
        states_layout = QVBoxLayout(self.states_box)
        states_layout.addWidget(self.total_label)
        states_layout.addLayout(self.tiles_grid)
        self.tiles: list[StateTile] = []

        # What is due.
        self.due_box = QGroupBox(self.tr("À faire"))
        self.due_view = QTreeView()
        self.due_view.setObjectName("dueItems")
        self.due_view.setUniformRowHeights(True)
        self.due_view.setAllColumnsShowFocus(True)
        self.due_view.setExpandsOnDoubleClick(True)
        self.due_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.due_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.due_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.due_view.setItemDelegate(PaddedDelegate(self.due_view))
        self.open_action = QAction(self.tr("Ouvrir le dossier"), self)
        self.open_action.setShortcuts([QKeySequence(Qt.Key.Key_Return),
                                       QKeySequence(Qt.Key.Key_Enter)])
        self.open_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.due_view.addAction(self.open_action)
        self.due_empty_label = QLabel(self.tr("Rien en attente : aucun dossier incomplet depuis "
                                              "plus de 15 jours, aucune convention à signer, "
                                              "aucun versement à faire, aucun bilan ni aucune "
                                              "suite en retard."))
        self.due_empty_label.setWordWrap(True)
        due_layout = QVBoxLayout(self.due_box)
        due_layout.addWidget(self.due_view)
        due_layout.addWidget(self.due_empty_label)

        # Envelopes.
        self.envelopes_box = QGroupBox()
        self.envelopes_view = flat_table("envelopeBars")
        self.envelopes_view.setItemDelegateForColumn(1, BarDelegate(self.envelopes_view))
        # « Crédits spécifiques politique de la ville – appel à projets (BOP 147) »: the end
        # tells lines apart as much as the beginning.
        self.envelopes_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.envelopes_empty_label = QLabel()
        self.envelopes_empty_label.setWordWrap(True)
        envelopes_layout = QVBoxLayout(self.envelopes_box)
        envelopes_layout.addWidget(self.envelopes_view)
        envelopes_layout.addWidget(self.envelopes_empty_label)
        envelopes_layout.addStretch(1)

        # Amounts.
        self.funders_box = QGroupBox()
        self.funders_view = flat_table("fundersSummary")
        funders_layout = QVBoxLayout(self.funders_box)
        funders_layout.addWidget(self.funders_view)
        funders_layout.addStretch(1)
        self.priorities_box = QGroupBox()
        self.priorities_view = flat_table("prioritiesSummary")
        priorities_layout = QVBoxLayout(self.priorities_box)
        priorities_layout.addWidget(self.priorities_view)
        priorities_layout.addStretch(1)

        # Enter on an amount or an envelope does what a double-click does.
        self.show_actions: dict[QTreeView, QAction] = {}
        for table in (self.envelopes_view, self.funders_view, self.priorities_view):
            action = QAction(self.tr("Voir les dossiers derrière ce montant"), table)
            action.setShortcuts([QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)])
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            table.addAction(action)
            self.show_actions[table] = action

        # The data file.
        self.file_box = QGroupBox(self.tr("Fichier de données"))
        self.file_form = QFormLayout(self.file_box)
        self.file_form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)

        self.note_label = QLabel()
        self.note_label.setObjectName("dashboardNote")
        self.note_label.setWordWrap(True)
        self.note_label.setVisible(False)
        self.hint_label = QLabel(self.tr("Cliquez sur un état, double-cliquez sur un montant ou "
                                         "une enveloppe pour voir les dossiers qui le "
                                         "composent ; double-cliquez sur une ligne « À faire » "
                                         "pour ouvrir son dossier."))
        self.hint_label.setWordWrap(True)
        hint_font = QFont(self.hint_label.font())
        hint_font.setItalic(True)
        self.hint_label.setFont(hint_font)

        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(14)
        grid.addWidget(self.states_box, 0, 0, 1, 2)
        grid.addWidget(self.due_box, 1, 0, 1, 2)
        grid.addWidget(self.envelopes_box, 2, 0)
        grid.addWidget(self.funders_box, 2, 1)
        grid.addWidget(self.priorities_box, 3, 0)
        grid.addWidget(self.file_box, 3, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

        content = QWidget()
        content.setObjectName("dashboardContent")
        content.setMaximumWidth(1500)
        layout = QVBoxLayout(content)
        layout.addLayout(heading)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.note_label)
        layout.addSpacing(6)
        layout.addLayout(grid)
        layout.addStretch(1)

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(content)
        self.scroll_area.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll_area)

    def set_tiles(self, tiles: list[StateTile]) -> None:
        """Replace the state tiles."""
        for tile in self.tiles:
            self.tiles_grid.removeWidget(tile)
            tile.deleteLater()
        self.tiles = tiles
        rows = max(1, -(-len(tiles) // TILES_PER_ROW))
        columns = max(1, -(-len(tiles) // rows))
        for position, tile in enumerate(tiles):
            self.tiles_grid.addWidget(tile, position // columns, position % columns)

    def size_due_view(self) -> None:
        """A dozen rows high: the list scrolls, the page around it stays put; the date and
        amount columns as wide as their widest possible text (measuring thousands of items
        would cost more than the list)."""
        header = self.due_view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        metrics = self.due_view.fontMetrics()
        for column, sample in ((1, "00/00/0000"), (2, "999\u00a0999\u00a0999,99\u00a0€")):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            title = str(self.due_view.model().headerData(column, Qt.Orientation.Horizontal)
                        if self.due_view.model() is not None else "")
            header.resizeSection(column, max(metrics.horizontalAdvance(sample),
                                             metrics.horizontalAdvance(title)) + CELL_MARGIN)
        rows = DUE_ROWS
        row_height = (self.due_view.sizeHintForRow(0) if self.due_view.model() is not None
                      and self.due_view.model().rowCount() else
                      self.due_view.fontMetrics().height() + 8)
        self.due_view.setFixedHeight(self.due_view.header().sizeHint().height()
                                     + rows * row_height + 2 * self.due_view.frameWidth() + 2)
