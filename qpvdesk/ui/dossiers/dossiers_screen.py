"""Behaviour of the "Dossiers" page: load, search, filter, sort, export and open the dossiers.

Built for 50 000 dossiers (``performance.md``): the rows come from one set-based
query (`dossier_rows`) for the years the filter asks (the current year at first:
the whole file is only read when she clears the year filter); searching, filtering
and sorting then work on those rows in memory, in the model itself. The filter and
the sort are remembered between sessions (QSettings).
"""

from __future__ import annotations

import dataclasses
import html
import importlib
import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPoint,
    QSettings,
    QStandardPaths,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QHideEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QFileDialog, QVBoxLayout, QWidget
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.models import Dossier
from qpvdesk.core.errors import UserFacingError
from qpvdesk.core.services.dossier_list import (
    Choice,
    DossierFilter,
    DossierRow,
    FilterOptions,
    dossier_rows,
    filter_options,
)
from qpvdesk.ui.context import AppContext, touches
from qpvdesk.ui.dossiers.choice_filter import ChoiceFilterButton
from qpvdesk.ui.dossiers.dossier_table_model import COLUMN_COUNT, DossierTableModel
from qpvdesk.ui.dossiers.dossiers_view import DossiersView
from qpvdesk.ui.dossiers.export_job import ExportJob
from qpvdesk.ui.formatting import number
from qpvdesk.ui.topics import FRAMEWORK, PARTNERS, PROGRAMMATION

#: The section key of the page, also the topic of `Focus` hints meant for it.
SECTION = "dossiers"
#: Changes that can alter what the list shows (holders' names, objectives' codes…).
TOPICS = (PROGRAMMATION, PARTNERS, FRAMEWORK)
FILTER_KEY = "dossiers/filter"
SORT_KEY = "dossiers/sort"
HEADER_KEY = "dossiers/header"
EXPORT_FOLDER_KEY = "dossiers/export_folder"
EDITOR_MODULE = "qpvdesk.ui.dossiers.editor"
#: Typing pauses this long before the list is filtered (ms).
SEARCH_DELAY_MS = 150


class SavePathAsker(Protocol):
    """Asks where to save; None when she cancels (tests give their own)."""

    def __call__(self, parent: QWidget, title: str, suggested: Path) -> Path | None: ...


class EditorOpener(Protocol):
    """`qpvdesk.ui.dossiers.editor.open_dossier_editor`."""

    def __call__(self, context: AppContext, parent: QWidget, dossier_id: int | None, *,
                 year: int | None = None) -> None: ...


def ask_xlsx_path(parent: QWidget, title: str, suggested: Path) -> Path | None:
    """The system's "Enregistrer sous" dialog, for an Excel workbook."""
    name, _ = QFileDialog.getSaveFileName(parent, title, str(suggested),
                                          parent.tr("Classeur Excel (*.xlsx)"))
    return Path(name) if name else None


def _editor_opener() -> EditorOpener | None:
    """The dossier editor, imported when first needed (None while it does not exist)."""
    try:
        module = importlib.import_module(EDITOR_MODULE)
    except ModuleNotFoundError as error:
        if error.name != EDITOR_MODULE:
            raise  # the editor exists but something it imports is missing: a bug
        return None
    opener: EditorOpener = module.open_dossier_editor
    return opener


def _count_dossiers(session: Session) -> int:
    # The "M" of "N dossiers sur M": every dossier of the file, whatever years are loaded.
    return session.scalar(select(func.count()).select_from(Dossier)) or 0


def _dossier_years(session: Session) -> tuple[int, ...]:
    # The years alone, at once (an index scan): the other filter options come after the
    # first paint (`filter_options` scans the funding rows: 80 ms on 50 000 dossiers).
    return tuple(session.scalars(select(Dossier.year).distinct().order_by(Dossier.year.desc())))


@dataclasses.dataclass(frozen=True, slots=True)
class _Pinned:
    """The dossiers another page asked to see ("Dossiers de : …")."""

    ids: frozenset[int]
    caption: str


@dataclasses.dataclass(frozen=True, slots=True)
class _ViewState:
    """What a reload keeps: the current and selected dossiers, where the list was scrolled."""

    current: int | None
    selected: list[int]
    top: int | None
    horizontal: int


@dataclasses.dataclass(frozen=True, slots=True)
class _Loaded:
    years: tuple[int, ...]
    total: int
    rows: list[DossierRow]
    source: object  # what was read: ("years", frozenset | None) or ("ids", frozenset)


class DossiersScreen(QWidget):
    """The dossier list; it reads the database, never writes it (the editor does)."""

    #: The path of a finished export.
    export_finished = Signal(object)
    #: The filter buttons got their choices (after each reload).
    options_loaded = Signal()

    def __init__(self, context: AppContext, settings: QSettings | None = None, *,
                 ask_save_path: SavePathAsker = ask_xlsx_path,
                 open_editor: EditorOpener | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._settings: QSettings | None = None
        self._ask_save_path = ask_save_path
        self._open_editor = open_editor
        self._filter: DossierFilter | None = None
        self._header_restored = False
        # The remembered filter is checked against the file once: years, then the rest.
        self._restore_pending = True
        self._prune_pending = True
        self._years: tuple[int, ...] = ()
        self._pinned: _Pinned | None = None
        self._pinned_text = ""
        self._source: object = None
        self._options: FilterOptions | None = None
        self._total = 0
        self._stale = True
        self._syncing = False
        self._export_job: ExportJob | None = None

        self.view = DossiersView(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.model = DossierTableModel(self)
        view = self.view
        table = view.table
        table.setModel(self.model)
        view.configure_columns()
        table.setSortingEnabled(True)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self._options_timer = QTimer(self)
        self._options_timer.setSingleShot(True)
        self._options_timer.setInterval(0)
        self._options_timer.timeout.connect(self.load_options)
        view.search_edit.textChanged.connect(self._on_search_typed)
        view.search_edit.returnPressed.connect(self.apply_search)
        view.search_edit.installEventFilter(self)
        for button in view.filter_buttons:
            button.selection_changed.connect(self._on_filters_changed)
        view.reset_filters_button.clicked.connect(self.clear_filters)
        view.banner_close_button.clicked.connect(self.show_all)
        view.find_action.triggered.connect(self._focus_search)
        view.new_action.triggered.connect(self.new_dossier)
        view.open_action.triggered.connect(self.open_current)
        view.export_action.triggered.connect(self.export)
        view.export_cancel_button.clicked.connect(self.cancel_export)
        table.doubleClicked.connect(self._open_index)
        table.open_requested.connect(self._open_index)
        table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        table.horizontalHeader().sortIndicatorChanged.connect(self._save_sort)

        context.changed.connect(self._on_changed)
        context.database_replaced.connect(self._on_database_replaced)
        context.show_dossiers_requested.connect(self.show_ids)
        context.focus_requested.connect(self._on_focus_requested)
        if settings is not None:
            self._adopt_settings(settings)
        self._update_actions()
        self._update_count()

    # ------------------------------------------------------------------ state

    @property
    def dossier_filter(self) -> DossierFilter:
        """The filter of the full list (remembered), whatever is shown now."""
        return self._filter or DossierFilter()

    @property
    def pinned_caption(self) -> str | None:
        return None if self._pinned is None else self._pinned.caption

    def current_id(self) -> int | None:
        return self.model.id_at(self.view.table.currentIndex())

    def selected_ids(self) -> list[int]:
        """The selected dossiers, in the order shown."""
        model = self.model
        found = (model.id_at(index) for index in self.view.table.selectionModel().selectedRows())
        return sorted((i for i in found if i is not None),
                      key=lambda dossier_id: model.position_of(dossier_id) or 0)

    def select_dossier(self, dossier_id: int) -> bool:
        """Make a dossier current and show it; False when it is not in the list shown."""
        self.ensure_loaded()
        index = self.model.index_for_id(dossier_id)
        if not index.isValid():
            return False
        table = self.view.table
        table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        table.scrollTo(index)
        return True

    # ------------------------------------------------------------------ loading

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._ensure_settings()  # the window's, now that the page is in it
        if not self._header_restored:
            self._header_restored = True
            # Once the window has laid the page out and the table has its real width.
            QTimer.singleShot(0, self.view, self.view.share_text_columns)
        # Pages are built with the window: the rows are read when the page is first shown.
        self.ensure_loaded()

    @property
    def settings(self) -> QSettings:
        """Where the filter, sort and column widths are remembered.

        Given to the constructor, or else the main window's own (its ``settings``
        attribute: tests give the window a file of their own), or else the
        application's; looked up when first needed, once the page is in its window.
        """
        return self._ensure_settings()

    def _ensure_settings(self) -> QSettings:
        if self._settings is None:
            found = getattr(self.window(), "settings", None)
            self._adopt_settings(found if isinstance(found, QSettings) else QSettings())
        assert self._settings is not None
        return self._settings

    def _adopt_settings(self, settings: QSettings) -> None:
        self._settings = settings
        self._filter = self._read_filter()
        if self._filter is not None:
            self._set_search_text(self._filter.text)
        self._header_restored = self._restore_header()

    def hideEvent(self, event: QHideEvent) -> None:
        # Only once shown: a page is hidden as it is put in the window, before it knows
        # the window's settings.
        if self._settings is not None:
            self._save_header()
        super().hideEvent(event)

    def ensure_loaded(self) -> None:
        """Read the rows now if a change (or the start) left them out of date."""
        if self._stale:
            self.reload()

    def reload(self) -> None:
        """Read the list again, keeping the selection and the scroll position.

        The rows are shown at once; the filter buttons' choices follow as soon as the
        event loop is free (`options_ready`), so that the list paints sooner.
        """
        self._ensure_settings()
        self._stale = False
        state = self._capture()
        loaded = self._context.read(self._load)
        self._years = loaded.years
        self._total = loaded.total
        self.model.set_filter(*self._model_filter())
        if loaded.source != self._source:
            self._source = loaded.source
            self.model.set_rows(loaded.rows)
            self._restore(state, keep_scroll=False)
        elif not self.model.refresh_rows(loaded.rows):
            self._restore(state, keep_scroll=True)
        self._sync_widgets()
        self._update_count()
        self._update_actions()
        self._options_timer.start()

    @property
    def options_ready(self) -> bool:
        """Whether the filter buttons offer what the file holds now."""
        return self._options is not None and not self._options_timer.isActive()

    def load_options(self) -> None:
        """Read what the filter buttons offer (after a reload, once the list is painted)."""
        self._options_timer.stop()
        options = self._context.read(filter_options)
        self._options = options
        self.model.set_objective_labels(
            {choice.value: choice.label for choice in options.objectives})
        if self._prune_pending:
            self._prune_pending = False
            pruned = self._pruned_filter(self.dossier_filter, options)
            if pruned != self.dossier_filter:
                self._filter = pruned
                self._save_filter()
                if self._pinned is None:
                    self._refilter()
        self._sync_widgets()
        self._update_count()
        self.options_loaded.emit()

    def _load(self, session: Session) -> _Loaded:
        """Everything a reload reads, in one read transaction."""
        total = _count_dossiers(session)
        years = _dossier_years(session)
        if self._restore_pending:
            self._restore_pending = False
            self._filter = self._initial_filter(self._filter, years)
            self._save_filter()
        source: object
        if self._pinned is not None:
            source = ("ids", self._pinned.ids)
            rows = dossier_rows(session, dossier_ids=self._pinned.ids)
        else:
            wanted = self.dossier_filter.years or None
            source = ("years", wanted)
            rows = dossier_rows(session, set(wanted) if wanted else None)
        return _Loaded(years, total, rows, source)

    @staticmethod
    def _initial_filter(remembered: DossierFilter | None,
                        years: tuple[int, ...]) -> DossierFilter:
        """The filter to open with: the remembered one, on years the file has.

        With nothing remembered, or none of its years in the file, the list opens on the
        current year (or the latest one with dossiers): reading 50 000 dossiers of every
        year takes longer than the page may take to open.
        """
        default_years: frozenset[int] = frozenset()
        if years:
            this_year = date.today().year
            default_years = frozenset({this_year} if this_year in years else {years[0]})
        if remembered is None:
            return DossierFilter(years=default_years)
        kept = remembered.years & set(years)
        if remembered.years and not kept:
            kept = default_years
        return dataclasses.replace(remembered, years=frozenset(kept))

    @staticmethod
    def _pruned_filter(remembered: DossierFilter, options: FilterOptions) -> DossierFilter:
        """The remembered filter without values this file does not have (another file…)."""
        def kept(values: frozenset[Any], choices: Iterable[Choice]) -> frozenset[Any]:
            return values & {choice.value for choice in choices}

        return dataclasses.replace(
            remembered,
            states=kept(remembered.states, options.states),
            priority_codes=kept(remembered.priority_codes, options.priorities),
            objective_ids=kept(remembered.objective_ids, options.objectives),
            funder_ids=kept(remembered.funder_ids, options.funders),
            natures=kept(remembered.natures, options.natures),
            holder_ids=kept(remembered.holder_ids, options.holders),
        )

    def _model_filter(self) -> tuple[DossierFilter, frozenset[int] | None]:
        if self._pinned is not None:
            return DossierFilter(text=self._pinned_text), self._pinned.ids
        return self.dossier_filter, None

    def _on_changed(self, changes: frozenset[str]) -> None:
        if not touches(changes, *TOPICS):
            return
        if self.isVisible():
            self.reload()
        else:
            self._stale = True  # read again when shown

    def _on_database_replaced(self) -> None:
        # Another file: its own holders and objectives; forget the pinned set and selection.
        self._restore_pending = True
        self._prune_pending = True
        self._options = None
        self._pinned = None
        self._pinned_text = ""
        self._source = None
        self.view.banner.hide()
        for button in self.view.filter_buttons:
            button.setEnabled(True)
        self._set_search_text(self.dossier_filter.text)
        self.model.set_rows([])
        self._stale = True
        self._update_actions()

    def _on_focus_requested(self, topic: str, target: object) -> None:
        """After an undo or redo of a dossier edit: select that dossier."""
        if topic == SECTION and isinstance(target, int):
            self.select_dossier(target)

    # ------------------------------------------------------------------ selection and scroll

    def _capture(self) -> _ViewState:
        table = self.view.table
        return _ViewState(
            current=self.current_id(),
            selected=self.selected_ids(),
            top=self.model.id_at(table.indexAt(QPoint(1, 1))),
            horizontal=table.horizontalScrollBar().value(),
        )

    def _restore(self, state: _ViewState, *, keep_scroll: bool) -> None:
        """Select again what was selected; scroll back where she was (or to the current row)."""
        table = self.view.table
        model = self.model
        selection_model = table.selectionModel()
        positions = sorted(p for p in map(model.position_of, state.selected) if p is not None)
        runs: list[list[int]] = []  # contiguous positions as [first, last]
        for position in positions:
            if runs and position == runs[-1][1] + 1:
                runs[-1][1] = position
            else:
                runs.append([position, position])
        selection = QItemSelection()
        for first, last in runs:
            selection.select(model.index(first, 0), model.index(last, COLUMN_COUNT - 1))
        flags = QItemSelectionModel.SelectionFlag
        if not selection.isEmpty():
            selection_model.select(selection, flags.ClearAndSelect)
        current = None if state.current is None else model.index_for_id(state.current)
        if current is not None and current.isValid():
            selection_model.setCurrentIndex(current, flags.NoUpdate)
        top = None if state.top is None else model.index_for_id(state.top)
        if keep_scroll and top is not None and top.isValid():
            table.scrollTo(top, QAbstractItemView.ScrollHint.PositionAtTop)
        elif current is not None and current.isValid():
            table.scrollTo(current)
        else:
            table.scrollToTop()
        table.horizontalScrollBar().setValue(state.horizontal)

    # ------------------------------------------------------------------ search and filters

    def _sync_widgets(self) -> None:
        """The filter buttons offer what the file holds and show the filter's values."""
        view = self.view
        current = self.dossier_filter
        options = self._options
        self._syncing = True
        try:
            view.year_filter.set_checked(current.years)
            view.year_filter.set_choices([Choice(year, str(year)) for year in self._years])
            if options is None:
                return
            pairs: list[tuple[ChoiceFilterButton, tuple[Choice, ...], frozenset[Any]]] = [
                (view.state_filter, options.states, current.states),
                (view.priority_filter, options.priorities, current.priority_codes),
                (view.objective_filter, options.objectives, current.objective_ids),
                (view.funder_filter, options.funders, current.funder_ids),
                (view.nature_filter, options.natures, current.natures),
                (view.holder_filter, options.holders, current.holder_ids),
            ]
            for button, choices, values in pairs:
                button.set_checked(values)
                button.set_choices(choices)
        finally:
            self._syncing = False

    def _widget_filter(self) -> DossierFilter:
        view = self.view
        return DossierFilter(
            text=self.dossier_filter.text,
            years=frozenset(view.year_filter.checked()),
            states=frozenset(view.state_filter.checked()),
            priority_codes=frozenset(view.priority_filter.checked()),
            objective_ids=frozenset(view.objective_filter.checked()),
            funder_ids=frozenset(view.funder_filter.checked()),
            natures=frozenset(view.nature_filter.checked()),
            holder_ids=frozenset(view.holder_filter.checked()),
        )

    def _on_filters_changed(self) -> None:
        if not self._syncing:
            self.set_filter(self._widget_filter())

    def _on_search_typed(self, _text: str) -> None:
        if not self._syncing:
            self._search_timer.start()  # restarted at each key: filters once typing pauses

    def apply_search(self) -> None:
        """Filter on the typed words now (the timer calls it once typing pauses)."""
        self._search_timer.stop()
        text = self.view.search_edit.text()
        if self._pinned is not None:
            if text != self._pinned_text:
                self._pinned_text = text
                self._refilter()
            return
        if text != self.dossier_filter.text:
            self.set_filter(dataclasses.replace(self.dossier_filter, text=text))

    def set_filter(self, dossier_filter: DossierFilter) -> None:
        """Show the full list through *dossier_filter* (remembered); widgets follow."""
        self._filter = dossier_filter
        self._save_filter()
        if dossier_filter.text != self.view.search_edit.text() and self._pinned is None:
            self._set_search_text(dossier_filter.text)
        if self._widget_filter() != dossier_filter:
            self._sync_widgets()
        if self._pinned is not None:
            return
        if self._stale or self._needs_rows(dossier_filter.years):
            # Rows of other years are needed: read them (the others are let go).
            if self.isVisible():
                self.reload()
            else:
                self._stale = True
            return
        self._refilter()

    def _needs_rows(self, years: frozenset[int]) -> bool:
        """Whether showing *years* takes rows that are not loaded."""
        source = self._source
        if not (isinstance(source, tuple) and source[0] == "years"):
            return True
        loaded = source[1]
        if loaded is None:
            return False  # every year is loaded: filtering in memory is enough
        return not years or not years <= loaded

    def _refilter(self) -> None:
        state = self._capture()
        self.model.set_filter(*self._model_filter())
        self._restore(state, keep_scroll=False)
        self._update_count()
        self._update_actions()

    def clear_filters(self) -> None:
        """Every dossier of every year, no search (the pinned set keeps only its search)."""
        if self._pinned is not None:
            self._set_search_text("")
            self.apply_search()
            return
        self.set_filter(DossierFilter())

    def _set_search_text(self, text: str) -> None:
        self._syncing = True
        try:
            self.view.search_edit.setText(text)
        finally:
            self._syncing = False

    def _focus_search(self) -> None:
        self.view.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.view.search_edit.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Down arrow in the search field goes to the list.
        if (watched is self.view.search_edit and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Down):
            table = self.view.table
            table.setFocus(Qt.FocusReason.TabFocusReason)
            if not table.currentIndex().isValid() and self.model.rowCount() > 0:
                table.selectRow(0)
            return True
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------------ another page's set

    def show_ids(self, ids: list[int], caption: str) -> None:
        """Show only these dossiers under a banner "Dossiers de : caption" (the filter waits)."""
        self._pinned = _Pinned(frozenset(ids), caption)
        self._pinned_text = ""
        self._search_timer.stop()
        self._set_search_text("")
        for button in self.view.filter_buttons:
            button.setEnabled(False)
        self.view.banner.show()
        self._stale = True
        if self.isVisible():
            self.reload()
        else:
            self._update_banner()

    def show_all(self) -> None:
        """Leave the set another page asked for: back to the filtered full list."""
        if self._pinned is None:
            return
        self._pinned = None
        self._pinned_text = ""
        self._search_timer.stop()
        self._set_search_text(self.dossier_filter.text)
        for button in self.view.filter_buttons:
            button.setEnabled(True)
        self.view.banner.hide()
        self._stale = True
        if self.isVisible():
            self.reload()

    def _update_banner(self) -> None:
        pinned = self._pinned
        if pinned is None:
            return
        self.view.banner_label.setText(
            self.tr("<b>Dossiers de :</b> {caption}").format(caption=html.escape(pinned.caption)))

    # ------------------------------------------------------------------ count and actions

    def _update_count(self) -> None:
        view = self.view
        shown = self.model.rowCount()
        text = (self.tr("{shown} dossier sur {total}") if shown < 2
                else self.tr("{shown} dossiers sur {total}"))
        view.count_label.setText(text.format(shown=number(shown), total=number(self._total)))
        self._update_banner()
        if shown:
            view.no_match_label.hide()
            return
        loaded = self._source is not None
        if self._total == 0 and loaded:
            view.no_match_label.setText(self.tr("Aucun dossier n'est encore enregistré : "
                                                "« Nouveau dossier… » en ajoute un."))
        elif self._pinned is not None and not self._pinned_text:
            view.no_match_label.setText(self.tr("Ces dossiers n'existent plus."))
        else:
            view.no_match_label.setText(self.tr("Aucun dossier ne correspond à la recherche et "
                                                "aux filtres."))
        view.no_match_label.setVisible(loaded)

    def _on_current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._update_actions()

    def _update_actions(self) -> None:
        view = self.view
        view.new_action.setEnabled(not self._context.read_only)
        view.open_action.setEnabled(self.current_id() is not None)
        view.export_action.setEnabled(self._export_job is None and self.model.rowCount() > 0)
        filtered = self._pinned is None and not self.dossier_filter.is_empty
        view.reset_filters_button.setEnabled(filtered or bool(self._pinned_text))

    # ------------------------------------------------------------------ opening

    def _open_index(self, index: QModelIndex) -> None:
        dossier_id = self.model.id_at(index)
        if dossier_id is not None:
            self._context.open_dossier_requested.emit(dossier_id)

    def open_current(self) -> None:
        """Ask for the current dossier to be opened in its editor."""
        self._open_index(self.view.table.currentIndex())

    def new_dossier(self) -> None:
        """The editor on a new dossier (of the year filtered on, when there is one)."""
        if self._context.read_only:
            return
        opener = self._open_editor or _editor_opener()
        if opener is None:
            self._context.messenger.inform(self, self.tr("Nouveau dossier"),
                                           self.tr("L'éditeur de dossier n'est pas encore "
                                                   "disponible dans cette version."))
            return
        years = self.dossier_filter.years
        year = next(iter(years)) if len(years) == 1 and self._pinned is None else None
        opener(self._context, self, None, year=year)

    # ------------------------------------------------------------------ export

    def export(self) -> None:
        """Save the rows shown, in the order shown, to an Excel workbook (in the background)."""
        if self._export_job is not None:
            return
        rows = self.model.rows()
        title = self.tr("Exporter en Excel")
        if not rows:
            self._context.messenger.inform(self, title, self.tr("Aucun dossier à exporter : la "
                                                                "liste affichée est vide."))
            return
        path = self._ask_save_path(self, title, self._suggested_path())
        if path is None:
            return
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        self.settings.setValue(EXPORT_FOLDER_KEY, str(path.parent))
        job = ExportJob(rows, path)
        job.progressed.connect(self._on_export_progress)
        job.succeeded.connect(self._on_export_succeeded)
        job.failed.connect(self._on_export_failed)
        job.cancelled.connect(self._on_export_cancelled)
        job.crashed.connect(self._on_export_crashed)
        self._export_job = job
        view = self.view
        view.export_progress.setRange(0, len(rows))
        view.export_progress.setValue(0)
        view.export_progress.show()
        view.export_cancel_button.show()
        view.export_status_label.setText(self.tr("Export vers « {name} »…")
                                         .format(name=html.escape(path.name)))
        self._update_actions()
        job.start()

    def cancel_export(self) -> None:
        if self._export_job is not None:
            self._export_job.cancel()

    def wait_for_export(self, timeout: float | None = None) -> bool:
        """Join the export thread (tests, closing); True when none is running."""
        job = self._export_job
        return job is None or job.wait(timeout)

    def _suggested_path(self) -> Path:
        folder = self.settings.value(EXPORT_FOLDER_KEY)
        if not isinstance(folder, str) or not Path(folder).is_dir():
            folder = QStandardPaths.writableLocation(
                QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
        years = sorted(self.dossier_filter.years)
        name = "dossiers"
        if self._pinned is None and len(years) == 1:
            name = f"dossiers-{years[0]}"
        return Path(folder) / f"{name}.xlsx"

    def _end_export(self, message: str) -> None:
        self._export_job = None
        view = self.view
        view.export_progress.hide()
        view.export_cancel_button.hide()
        view.export_status_label.setText(message)
        self._update_actions()

    def _on_export_progress(self, done: int, total: int) -> None:
        self.view.export_progress.setMaximum(max(total, 1))
        self.view.export_progress.setValue(done)

    def _on_export_succeeded(self, path: Path) -> None:
        job = self._export_job
        count = 0 if job is None else len(job.rows)
        link = QUrl.fromLocalFile(str(path)).toString()
        text = (self.tr("{count} dossier exporté dans") if count < 2
                else self.tr("{count} dossiers exportés dans")).format(count=number(count))
        self._end_export(f'{text} <a href="{html.escape(link)}">{html.escape(path.name)}</a>')
        self.export_finished.emit(path)

    def _on_export_failed(self, error: UserFacingError) -> None:
        self._end_export(self.tr("L'export n'a pas abouti."))
        self._context.messenger.warn(self, self.tr("Exporter en Excel"), error.message)

    def _on_export_cancelled(self) -> None:
        self._end_export(self.tr("Export annulé : aucun fichier n'a été écrit."))

    def _on_export_crashed(self, error: BaseException) -> None:
        self._end_export(self.tr("L'export n'a pas abouti."))
        raise error  # a bug: the application's hook logs it and shows the crash dialog

    # ------------------------------------------------------------------ settings

    def _read_filter(self) -> DossierFilter | None:
        raw = self.settings.value(FILTER_KEY)
        if not isinstance(raw, str) or not raw:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        return DossierFilter.from_dict(data) if isinstance(data, dict) else None

    def _save_filter(self) -> None:
        if self._filter is not None:
            self.settings.setValue(FILTER_KEY, json.dumps(self._filter.to_dict(),
                                                           ensure_ascii=False))

    def _save_sort(self, column: int, order: Qt.SortOrder) -> None:
        descending = order == Qt.SortOrder.DescendingOrder
        self.settings.setValue(SORT_KEY, f"{column} {int(descending)}")

    def _save_header(self) -> None:
        self.settings.setValue(HEADER_KEY, self.view.table.horizontalHeader().saveState())

    def _restore_header(self) -> bool:
        """Column widths and sort as she left them; False when nothing was remembered."""
        header = self.view.table.horizontalHeader()
        state = self.settings.value(HEADER_KEY)
        restored = (isinstance(state, QByteArray) and not state.isEmpty()
                    and header.restoreState(state))
        column, order = 0, Qt.SortOrder.AscendingOrder
        raw = self.settings.value(SORT_KEY)
        if isinstance(raw, str):
            parts = raw.split()
            if len(parts) == 2 and parts[0].isdigit() and 0 <= int(parts[0]) < COLUMN_COUNT:
                column = int(parts[0])
                if parts[1] == "1":
                    order = Qt.SortOrder.DescendingOrder
        header.setSortIndicator(column, order)
        self.model.sort(column, order)
        return restored


__all__ = [
    "SECTION",
    "DossiersScreen",
    "EditorOpener",
    "SavePathAsker",
    "ask_xlsx_path",
]
