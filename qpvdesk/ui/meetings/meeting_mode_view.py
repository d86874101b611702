"""Layout of the meeting mode: a window made for a projector (large type, high contrast).

Three steps in a stack: the attendance, the agenda (the list of points, the point or
dossier under discussion, the envelopes it draws on, and under them the free
decisions and follow-ups), the end (closing, then the relevé and its e-mail).
`MeetingModeWindow` (``meeting_mode.py``) gives these widgets their behaviour.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from qpvdesk.core.domain.enums import AttendanceStatus, Opinion
from qpvdesk.ui.meetings.meeting_models import ATTENDANCE_KEYS, OPINION_KEYS
from qpvdesk.ui.partners.fields import DateField, FieldMessage

#: How much larger than the application's type the meeting mode writes (projector).
FONT_SCALE = 1.6

STEP_ATTENDANCE, STEP_AGENDA, STEP_END = range(3)

# High contrast: black on white (projectors wash dark backgrounds out in a lit room),
# thick borders, saturated colours with white text for the chosen opinion.
INK = "#000000"
PAPER = "#ffffff"
ACCENT = "#0d3b8c"
ALERT = "#b00020"
OPINION_COLOURS = {
    Opinion.FAVOURABLE: "#1b5e20",
    Opinion.RESERVED: "#8a4b00",
    Opinion.UNFAVOURABLE: ALERT,
    Opinion.POSTPONED: "#37474f",
}
STATUS_COLOURS = {
    AttendanceStatus.PRESENT: "#1b5e20",
    AttendanceStatus.EXCUSED: "#8a4b00",
    AttendanceStatus.ABSENT: ALERT,
    AttendanceStatus.REPRESENTED: ACCENT,
}


def projector_stylesheet(base_points: float) -> str:
    """The meeting mode's style sheet, type included.

    Sizes live here rather than in `setFont`: under a style sheet, a font set on the
    window does not reach every child (labels styled by a rule fall back to the
    application's font), so every size is written as a rule.
    """
    def size(factor: float) -> str:
        return f"{base_points * factor:.1f}pt"

    opinion_rules = "\n".join(
        f"QPushButton#opinion_{opinion.value}:checked {{ background: {colour}; color: white;"
        f" border-color: {colour}; }}"
        for opinion, colour in OPINION_COLOURS.items())
    status_rules = "\n".join(
        f"QPushButton#status_{status.value}:checked {{ background: {colour}; color: white;"
        f" border-color: {colour}; }}"
        for status, colour in STATUS_COLOURS.items())
    return f"""
QWidget {{ font-size: {size(1)}; }}
QWidget#meetingMode {{ background: {PAPER}; color: {INK}; }}
QScrollArea, QScrollArea > QWidget > QWidget {{ border: none; background: {PAPER}; }}
QLabel {{ color: {INK}; background: transparent; }}
QLabel#stepTitle {{ font-size: {size(1.2)}; font-weight: bold; }}
QLabel#pointTitle {{ font-size: {size(1.35)}; font-weight: bold; }}
QLabel#meetingTitle {{ color: {ACCENT}; font-size: {size(1.2)}; font-weight: bold; }}
QLabel#caption {{ font-weight: bold; }}
QLabel#remaining {{ font-size: {size(1.35)}; font-weight: bold; }}
QLabel#hint {{ color: #222222; border-top: 2px solid {INK}; padding-top: 4px; }}
QLabel#saved[state="saved"] {{ color: #1b5e20; font-weight: bold; }}
QLabel#saved[state="pending"] {{ color: #8a4b00; font-weight: bold; }}
QLabel#saved[state="empty"] {{ color: #333333; }}
QLabel#remaining[exceeded="true"], QLabel#remainingNote[exceeded="true"] {{
    color: {ALERT}; font-weight: bold; }}
QFrame#envelope {{ border: 2px solid {INK}; border-radius: 6px; }}
QFrame#envelope[exceeded="true"] {{ border: 4px solid {ALERT}; background: #ffebee; }}
QFrame#envelope[exceeded="true"] QLabel {{ background: #ffebee; }}
QFrame#envelope[concerned="false"] {{ border: 1px solid #777777; }}
QPushButton {{ background: #eeeeee; color: {INK}; border: 2px solid {INK}; border-radius: 6px;
    padding: 6px 14px; }}
QPushButton:disabled {{ color: #777777; border-color: #999999; }}
QPushButton:focus {{ border: 3px solid {ACCENT}; }}
QPushButton#step:checked {{ background: {ACCENT}; color: white; border-color: {ACCENT}; }}
QPushButton#closeMeeting {{ background: {ACCENT}; color: white; border-color: {ACCENT};
    font-weight: bold; font-size: {size(1.2)}; }}
{opinion_rules}
{status_rules}
QLineEdit, QComboBox {{ background: {PAPER}; color: {INK}; border: 2px solid {INK};
    border-radius: 4px; padding: 3px 6px; }}
QLineEdit:focus {{ border: 3px solid {ACCENT}; background: #fff8c4; }}
QLineEdit[locked="true"] {{ background: #e6e6e6; color: #333333; border-style: dashed; }}
QLineEdit[invalid="true"] {{ border: 3px solid {ALERT}; background: #ffebee; }}
QTableView {{ background: {PAPER}; alternate-background-color: #eef1f6; color: {INK};
    gridline-color: #888888; border: 2px solid {INK};
    selection-background-color: {ACCENT}; selection-color: white; }}
QHeaderView::section {{ background: {INK}; color: white; font-weight: bold; padding: 4px;
    border: 1px solid #444444; }}
"""


def set_flag(widget: QWidget, name: str, value: object) -> None:
    """A dynamic property the style sheet reads, re-applied at once."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def _label(text: str = "", name: str | None = None, *, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if name:
        label.setObjectName(name)
    return label


def _table(name: str) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setHighlightSections(False)
    return table


def fit_table(table: QTableView, *stretch: int) -> None:
    """*stretch* columns share the room left, the others fit their content."""
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    for column in stretch:
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 12)


def key_button(key: str, text: str, name: str) -> QPushButton:
    """A checkable choice showing its one key (never takes the focus from the fields)."""
    button = QPushButton(f"{key}  {text}")
    button.setObjectName(name)
    button.setCheckable(True)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.setToolTip(text)
    return button


class AmountEdit(QLineEdit):
    """An amount typed in French (``12 500,50``): the opinion keys and Ctrl+←/→ go through
    to the window's shortcuts instead of being typed, so that the hands stay on the keys."""

    _PASSED_LETTERS = frozenset(Qt.Key(ord(key)) for key in OPINION_KEYS.values())
    _PASSED_MOVES = frozenset({Qt.Key.Key_Left, Qt.Key.Key_Right})

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            key = Qt.Key(event.key())
            if (modifiers == Qt.KeyboardModifier.NoModifier and key in self._PASSED_LETTERS) or (
                    modifiers == Qt.KeyboardModifier.ControlModifier
                    and key in self._PASSED_MOVES):
                event.ignore()  # not ours: the shortcut runs
                return True
        return super().event(event)


class AttendancePage(QWidget):
    """Step 1: each member present, excused, absent or represented, remarks, guests."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = _label(self.tr("Présences"), "stepTitle")
        self.count_label = _label()
        self.table = _table("attendanceTable")
        self.person_label = _label(self.tr("Choisissez une personne dans la liste"), "pointTitle")
        self.status_buttons: dict[AttendanceStatus, QPushButton] = {}
        statuses = QGridLayout()
        for position, status in enumerate(AttendanceStatus):
            button = key_button(ATTENDANCE_KEYS[status], status.label, f"status_{status.value}")
            self.status_buttons[status] = button
            statuses.addWidget(button, position // 2, position % 2)
        self.represented_edit = QLineEdit()
        self.represented_edit.setObjectName("representedEdit")
        self.represented_edit.setPlaceholderText(self.tr("Nom de la personne qui représente"))
        self.represented_label = _label(self.tr("Représenté·e &par"), wrap=False)
        self.represented_label.setTextFormat(Qt.TextFormat.AutoText)
        self.represented_label.setBuddy(self.represented_edit)
        self.remarks_edit = QLineEdit()
        self.remarks_edit.setObjectName("remarksEdit")
        self.remarks_edit.setPlaceholderText(self.tr("Ce que la personne a tenu à dire "
                                                     "(paraît au relevé)"))
        remarks_label = _label(self.tr("Re&marques"), wrap=False)
        remarks_label.setTextFormat(Qt.TextFormat.AutoText)
        remarks_label.setBuddy(self.remarks_edit)
        self.save_button = QPushButton(self.tr("Enregistrer (Entrée)"))
        self.save_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.all_present_button = QPushButton(self.tr("Les autres : présent·es"))
        self.all_present_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.all_present_button.setToolTip(self.tr("Marque présentes toutes les personnes "
                                                   "encore sans réponse"))
        self.message = FieldMessage()

        self.guest_edit = QLineEdit()
        self.guest_edit.setObjectName("guestEdit")
        self.guest_edit.setPlaceholderText(self.tr("Nom de la personne invitée"))
        guest_label = _label(self.tr("&Invité·e"), wrap=False)
        guest_label.setTextFormat(Qt.TextFormat.AutoText)
        guest_label.setBuddy(self.guest_edit)
        self.guest_organisation = QComboBox()
        self.guest_organisation.setObjectName("guestOrganisation")
        self.guest_button = QPushButton(self.tr("Ajouter (présent·e)"))
        self.guest_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        side = QWidget()
        form = QGridLayout(side)
        form.setContentsMargins(12, 0, 0, 0)
        form.addWidget(self.person_label, 0, 0, 1, 2)
        form.addLayout(statuses, 1, 0, 1, 2)
        form.addWidget(self.represented_label, 2, 0)
        form.addWidget(self.represented_edit, 2, 1)
        form.addWidget(remarks_label, 3, 0)
        form.addWidget(self.remarks_edit, 3, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.all_present_button)
        buttons.addStretch(1)
        form.addLayout(buttons, 4, 0, 1, 2)
        form.addWidget(self.message, 5, 0, 1, 2)
        separator = QFrame()
        separator.setFrameShape(QFrame.Shape.HLine)
        form.addWidget(separator, 6, 0, 1, 2)
        form.addWidget(guest_label, 7, 0)
        form.addWidget(self.guest_edit, 7, 1)
        form.addWidget(_label(self.tr("Structure"), wrap=False), 8, 0)
        form.addWidget(self.guest_organisation, 8, 1)
        form.addWidget(self.guest_button, 9, 1, Qt.AlignmentFlag.AlignLeft)
        form.setRowStretch(10, 1)
        form.setColumnStretch(1, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(side)
        # Sizes as weights: the splitter shares whatever width it gets in these proportions.
        splitter.setSizes([6000, 4000])
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addWidget(self.count_label, 1)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)


class EnvelopePanel(QWidget):
    """What remains in each envelope concerned, once the proposal being typed counts."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = _label(title, "stepTitle")
        self.frames: list[QFrame] = []
        #: (budget line, year) → the label showing what remains (tests read them).
        self.remaining_labels: dict[tuple[int, int], QLabel] = {}
        self.proposal_labels: dict[tuple[int, int], QLabel] = {}
        self.notes: dict[tuple[int, int], QLabel] = {}
        self.captions: dict[tuple[int, int], QLabel] = {}
        self._list = QVBoxLayout()
        self._list.setSpacing(10)
        self.empty_label = _label(self.tr("Aucune enveloppe concernée."))
        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.setContentsMargins(0, 0, 0, 0)
        inner_layout.addLayout(self._list)
        inner_layout.addWidget(self.empty_label)
        inner_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(scroll, 1)

    def clear(self) -> None:
        for frame in self.frames:
            self._list.removeWidget(frame)
            frame.hide()
            frame.deleteLater()
        self.frames = []
        self.remaining_labels = {}
        self.proposal_labels = {}
        self.notes = {}
        self.captions = {}

    def add(self, key: tuple[int, int], name: str, envelope_text: str, caption: str) -> QFrame:
        """One envelope's frame; the screen fills its figures."""
        frame = QFrame()
        frame.setObjectName("envelope")
        grid = QGridLayout(frame)
        title = _label(name, "caption")
        grid.addWidget(title, 0, 0, 1, 2)
        grid.addWidget(_label(self.tr("Enveloppe"), wrap=False), 1, 0)
        amount = _label(envelope_text, wrap=False)
        amount.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(amount, 1, 1)
        proposal_caption = _label(caption, wrap=False)
        proposal = _label("", "proposal", wrap=False)
        proposal.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(proposal_caption, 2, 0)
        grid.addWidget(proposal, 2, 1)
        grid.addWidget(_label(self.tr("Reste"), wrap=False), 3, 0)
        remaining = _label("", "remaining", wrap=False)
        remaining.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(remaining, 3, 1)
        note = _label("", "remainingNote")
        note.setVisible(False)
        grid.addWidget(note, 4, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        self._list.addWidget(frame)
        self.frames.append(frame)
        self.remaining_labels[key] = remaining
        self.proposal_labels[key] = proposal
        self.notes[key] = note
        self.captions[key] = proposal_caption
        return frame

    def shown_remaining(self) -> dict[tuple[int, int], str]:
        """What each envelope's « Reste » says (for the tests and the curious)."""
        return {key: label.text() for key, label in self.remaining_labels.items()}


class DossierPanel(QWidget):
    """The dossier under discussion: its essentials, the opinion, the amounts, a comment.

    Focusable itself, so that a dossier without funding rows still takes the opinion keys
    and Enter from the keyboard.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.reference_label = _label("", "reference")
        self.title_label = _label("", "pointTitle")
        self.holder_label = _label()
        self.objective_label = _label()
        self.cost_label = _label()
        self.funders = QGridLayout()
        self.funders.setHorizontalSpacing(18)
        self.funders.setVerticalSpacing(6)
        self.funders.setColumnStretch(0, 1)
        self.amount_edits: dict[int, AmountEdit] = {}
        self.opinion_buttons: dict[Opinion, QPushButton] = {}
        opinions = QHBoxLayout()
        opinion_label = _label(self.tr("Avis"), "caption", wrap=False)
        opinions.addWidget(opinion_label)
        for opinion in Opinion:
            button = key_button(OPINION_KEYS[opinion], opinion.label, f"opinion_{opinion.value}")
            self.opinion_buttons[opinion] = button
            opinions.addWidget(button)
        opinions.addStretch(1)
        self.opinion_note = _label()
        self.comment_edit = QLineEdit()
        self.comment_edit.setObjectName("commentEdit")
        self.comment_edit.setPlaceholderText(self.tr("Commentaire de la séance (paraît au "
                                                     "relevé)"))
        comment_label = _label(self.tr("Co&mmentaire"), wrap=False)
        comment_label.setTextFormat(Qt.TextFormat.AutoText)
        comment_label.setBuddy(self.comment_edit)
        comment = QHBoxLayout()
        comment.addWidget(comment_label)
        comment.addWidget(self.comment_edit, 1)
        self.confirm_button = QPushButton(self.tr("Valider l'avis (Entrée)"))
        self.confirm_button.setObjectName("confirmOpinion")
        self.confirm_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.saved_label = _label("", "saved")
        confirm = QHBoxLayout()
        confirm.addWidget(self.confirm_button)
        confirm.addWidget(self.saved_label, 1)
        self.message = FieldMessage()

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.addWidget(self.reference_label)
        layout.addWidget(self.title_label)
        for label in (self.holder_label, self.objective_label, self.cost_label):
            layout.addWidget(label)
        layout.addSpacing(8)
        layout.addLayout(self.funders)
        layout.addSpacing(8)
        layout.addLayout(opinions)
        layout.addWidget(self.opinion_note)
        layout.addLayout(comment)
        layout.addLayout(confirm)
        layout.addWidget(self.message)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self._funder_widgets: list[QWidget] = []

    def clear_funders(self) -> None:
        # deleteLater: the field whose Enter triggered this re-render is still emitting.
        for widget in self._funder_widgets:
            self.funders.removeWidget(widget)
            widget.hide()
            widget.setObjectName("")
            widget.deleteLater()
        self._funder_widgets = []
        self.amount_edits = {}

    def add_funder_cell(self, widget: QWidget, row: int, column: int) -> None:
        self._funder_widgets.append(widget)
        self.funders.addWidget(widget, row, column)
        # A layout shows a new child later (queued): shown now, it can take the focus now.
        widget.show()

    def header_cell(self, text: str, row: int, column: int, *, right: bool = False) -> None:
        label = _label(text, "caption", wrap=False)
        if right:
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.add_funder_cell(label, row, column)

    def text_cell(self, text: str, row: int, column: int, *, right: bool = False) -> QLabel:
        label = _label(text, wrap=not right)
        if right:
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.add_funder_cell(label, row, column)
        return label


class PointPanel(QWidget):
    """A point of the agenda that is not a dossier (welcome, report, questions…)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.reference_label = _label("", "reference")
        self.title_label = _label("", "pointTitle")
        self.notes_label = _label()
        self.hint_label = _label(self.tr(
            "Ce qui est décidé sur ce point : « Décision libre » ci-dessous (Alt+L). "
            "Ce qu'il faut faire ensuite : « Suite à donner » (Alt+S)."))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.reference_label)
        layout.addWidget(self.title_label)
        layout.addWidget(self.notes_label)
        layout.addSpacing(12)
        layout.addWidget(self.hint_label)
        layout.addStretch(1)


class RecordStrip(QWidget):
    """Free decisions and follow-ups, always at hand under the agenda."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.decision_table = _table("freeDecisionTable")
        self.decision_edit = QLineEdit()
        self.decision_edit.setObjectName("freeDecisionEdit")
        self.decision_edit.setPlaceholderText(self.tr("Ce que la séance a décidé (Entrée pour "
                                                      "l'enregistrer)"))
        decision_label = _label(self.tr("Décision &libre"), "caption", wrap=False)
        decision_label.setTextFormat(Qt.TextFormat.AutoText)
        decision_label.setBuddy(self.decision_edit)
        self.decision_button = QPushButton(self.tr("Ajouter"))
        self.decision_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        decisions = QGridLayout()
        decisions.addWidget(decision_label, 0, 0)
        decisions.addWidget(self.decision_edit, 0, 1)
        decisions.addWidget(self.decision_button, 0, 2)
        decisions.addWidget(self.decision_table, 1, 0, 1, 3)
        decisions.setColumnStretch(1, 1)

        self.follow_table = _table("followUpTable")
        self.what_edit = QLineEdit()
        self.what_edit.setObjectName("followWhat")
        self.what_edit.setPlaceholderText(self.tr("Quoi"))
        what_label = _label(self.tr("&Suite à donner"), "caption", wrap=False)
        what_label.setTextFormat(Qt.TextFormat.AutoText)
        what_label.setBuddy(self.what_edit)
        self.who_edit = QLineEdit()
        self.who_edit.setObjectName("followWho")
        self.who_edit.setPlaceholderText(self.tr("Qui"))
        self.due_field = DateField(self.tr("Pour le"))
        self.due_field.edit.setObjectName("followDue")
        self.follow_button = QPushButton(self.tr("Ajouter"))
        self.follow_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        follows = QGridLayout()
        follows.addWidget(what_label, 0, 0)
        follows.addWidget(self.what_edit, 0, 1)
        follows.addWidget(self.who_edit, 0, 2)
        follows.addWidget(self.due_field, 0, 3)
        follows.addWidget(self.follow_button, 0, 4)
        follows.addWidget(self.follow_table, 1, 0, 1, 5)
        follows.setColumnStretch(1, 3)
        follows.setColumnStretch(2, 2)
        self.message = FieldMessage()

        for table in (self.decision_table, self.follow_table):
            table.setMinimumHeight(table.fontMetrics().height() * 3)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(decisions, 0, 0)
        layout.addLayout(follows, 0, 1)
        layout.addWidget(self.message, 1, 0, 1, 2)
        layout.setColumnStretch(0, 2)
        layout.setColumnStretch(1, 3)
        QWidget.setTabOrder(self.what_edit, self.who_edit)
        QWidget.setTabOrder(self.who_edit, self.due_field.edit)


class AgendaPage(QWidget):
    """Step 2: the agenda on the left, the point in the middle, the envelopes on the right,
    free decisions and follow-ups below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.agenda_table = _table("modeAgendaTable")
        self.agenda_table.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.dossier = DossierPanel()
        self.point = PointPanel()
        self.current = QStackedWidget()
        self.current.addWidget(self.dossier)
        self.current.addWidget(self.point)
        self.envelopes = EnvelopePanel(self.tr("Enveloppes"))
        self.record = RecordStrip()

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.agenda_table)
        top.addWidget(self.current)
        top.addWidget(self.envelopes)
        top.setSizes([2000, 5600, 2400])  # weights: the point in the middle gets half
        top.setStretchFactor(0, 1)
        top.setStretchFactor(1, 2)
        top.setStretchFactor(2, 1)
        top.setChildrenCollapsible(False)
        self.top = top
        vertical = QSplitter(Qt.Orientation.Vertical)
        vertical.addWidget(top)
        vertical.addWidget(self.record)
        vertical.setSizes([8000, 2000])
        vertical.setStretchFactor(0, 3)
        vertical.setStretchFactor(1, 1)
        vertical.setChildrenCollapsible(False)
        self.vertical = vertical
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(vertical)


class EndPage(QWidget):
    """Step 3: where the meeting stands, closing it, then the relevé and its e-mail."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = _label(self.tr("Fin de l'ordre du jour"), "stepTitle")
        self.summary_label = _label()
        self.missing_label = _label("", "remainingNote")
        self.close_button = QPushButton(self.tr("Clôturer la séance…"))
        self.close_button.setObjectName("closeMeeting")
        self.record_button = QPushButton(self.tr("Relevé de décision (PDF)…"))
        self.record_button.setObjectName("modeRecordButton")
        self.mail_button = QPushButton(self.tr("Préparer l'e-mail du relevé"))
        self.mail_button.setObjectName("modeMailButton")
        self.leave_button = QPushButton(self.tr("Fermer le mode séance"))
        self.result_label = _label()
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_warning = FieldMessage()
        buttons = QHBoxLayout()
        for button in (self.close_button, self.record_button, self.mail_button,
                       self.leave_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.envelopes_heading = _label(self.tr("Les enveloppes de la séance"), "stepTitle")
        self.envelope_table = _table("endEnvelopeTable")
        self.envelope_table.setWordWrap(True)
        self.envelope_table.setTextElideMode(Qt.TextElideMode.ElideNone)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.heading)
        left_layout.addWidget(self.summary_label)
        left_layout.addWidget(self.missing_label)
        left_layout.addSpacing(12)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.result_label)
        left_layout.addWidget(self.result_warning)
        left_layout.addSpacing(12)
        left_layout.addWidget(self.envelopes_heading)
        left_layout.addWidget(self.envelope_table, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(left)


class MeetingModeView(QWidget):
    """The whole window's widgets."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = _label("", "meetingTitle")
        self.step_buttons: list[QPushButton] = []
        steps = QHBoxLayout()
        for text in (self.tr("1. Présences"), self.tr("2. Ordre du jour"),
                     self.tr("3. Clôture")):
            button = QPushButton(text)
            button.setObjectName("step")
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.step_buttons.append(button)
            steps.addWidget(button)
        steps.addStretch(1)
        self.full_screen_button = QPushButton(self.tr("Plein écran (F11)"))
        self.full_screen_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.close_meeting_button = QPushButton(self.tr("Clôturer la séance…"))
        self.close_meeting_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        steps.addWidget(self.full_screen_button)
        steps.addWidget(self.close_meeting_button)

        self.attendance = AttendancePage()
        self.agenda = AgendaPage()
        self.end = EndPage()
        self.stack = QStackedWidget()
        for page in (self.attendance, self.agenda, self.end):
            self.stack.addWidget(page)
        self.hint_label = _label("", "hint")
        self.status_label = _label("", "saved", wrap=False)
        footer = QHBoxLayout()
        footer.addWidget(self.hint_label, 1)
        footer.addWidget(self.status_label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 8)
        layout.addWidget(self.title_label)
        layout.addLayout(steps)
        layout.addWidget(self.stack, 1)
        layout.addLayout(footer)

    def apply_type(self) -> None:
        """Once the style sheet is set: widths that depend on the type."""
        self.hint_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
