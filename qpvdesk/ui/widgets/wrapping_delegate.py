"""An item delegate that wraps long texts to their column's width and gives rows some air."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTreeView

ROW_PADDING = 6
_UNBOUNDED = 1_000_000


class WrappingDelegate(QStyledItemDelegate):
    """Rows as tall as the wrapped text of *columns* needs; relaid out when a column resizes."""

    def __init__(self, view: QTreeView, columns: Iterable[int]) -> None:
        super().__init__(view)
        self._view = view
        self._columns = frozenset(columns)
        view.setWordWrap(True)
        view.setUniformRowHeights(False)
        self._relayout = QTimer(self)
        self._relayout.setSingleShot(True)
        self._relayout.setInterval(0)
        self._relayout.timeout.connect(view.doItemsLayout)
        view.header().sectionResized.connect(self._on_section_resized)

    def _on_section_resized(self, column: int, _old: int, _new: int) -> None:
        if column in self._columns:
            self._relayout.start()

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        height = hint.height()
        if index.column() in self._columns:
            style = self._view.style()
            margin = (style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None,
                                        self._view) + 1) * 2
            width = self._view.header().sectionSize(index.column()) - margin
            if width > 0:
                item = QStyleOptionViewItem(option)
                self.initStyleOption(item, index)
                bounds = QFontMetrics(item.font).boundingRect(
                    QRect(0, 0, width, _UNBOUNDED),
                    int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft), item.text,
                )
                height = max(height, bounds.height())
        return QSize(hint.width(), height + ROW_PADDING)
