"""The PDF toolkit every report shares: fonts, escaping, styles, page footer, atomic save.

Rules from ``reliability.md`` (each checked on this stack):

- every user string goes through `escape_text` / `para` before a ``Paragraph``:
  unescaped, ``R&D`` prints ``R&D;``, an unclosed ``<b>`` kills the build and
  ``<img src=…/>`` makes ReportLab open a local file;
- DejaVu Sans is embedded (registered once, with its bold and italic faces) so
  that ``é œ € « »`` and the narrow no-break space print on any reader;
- amounts use U+00A0 (ReportLab breaks lines at U+202F, splitting an amount);
- long tables: Paragraph cells, repeated header, explicit widths, rows split;
- « Page X / Y » with a saving canvas (one pass), the contract's name and the
  generation date on every page; title, author, subject, ``lang="fr-FR"``;
- built in memory, written to a ``.tmp`` then renamed; a PDF held open by a
  reader on Windows is a `PermissionError`, told in French.

ReportLab is imported here, so report modules import it only when a report is made.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from qpvdesk.core.atomic_write import write_atomically
from qpvdesk.core.domain.money import NBSP, Money
from qpvdesk.paths import resource

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ITALIC = "DejaVuSans-Oblique"
FONT_BOLD_ITALIC = "DejaVuSans-BoldOblique"
_FACES = {
    FONT: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_ITALIC: "DejaVuSans-Oblique.ttf",
    FONT_BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
}
MARGIN = 1.6 * cm
FOOTER_SPACE = 1.3 * cm
INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#5f6b7a")
ACCENT = colors.HexColor("#1d4e89")
RULE = colors.HexColor("#b8c2cc")
HEADER_FILL = colors.HexColor("#e3eaf3")
BAND_FILL = colors.HexColor("#f4f6f9")

_lock = threading.Lock()
_registered = False
# Control characters other than tab and newline: ReportLab chokes on some.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def register_fonts() -> None:
    """Register DejaVu Sans and its faces with ReportLab, once per process."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for name, filename in _FACES.items():
            data = resource("fonts", filename).read_bytes()
            pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC
        )
        _registered = True


def escape_text(text: object) -> str:
    """User text made safe for a Paragraph: printed literally, newlines kept as breaks."""
    value = "" if text is None else str(text)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    value = escape(value, {'"': "&quot;", "'": "&#39;"})
    return value.replace("\n", "<br/>")


def para(text: object, style: ParagraphStyle, *, markup: str | None = None) -> Paragraph:
    """A Paragraph of user text (escaped); *markup* (ours, trusted) wraps it: ``"<b>{}</b>"``."""
    safe = escape_text(text)
    return Paragraph(markup.format(safe) if markup else safe, style)


def money(value: Money | None, *, empty: str = "—") -> str:
    """A PDF amount: ``12 345 €`` with U+00A0 (never broken across lines)."""
    if value is None:
        return empty
    return value.format(space=NBSP)


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of qpvdesk reports (DejaVu Sans)."""

    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    muted: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    cell_right: ParagraphStyle
    cell_head: ParagraphStyle
    cell_head_right: ParagraphStyle
    numbered: ParagraphStyle
    note: ParagraphStyle
    centered: ParagraphStyle


def styles(cell_size: float = 7.5) -> Styles:
    """Fresh styles (fonts registered); *cell_size* sets the table text size."""
    register_fonts()
    base = ParagraphStyle(
        "base", fontName=FONT, fontSize=9.5, leading=12.5, textColor=INK, alignment=TA_LEFT
    )

    def derive(name: str, **values: Any) -> ParagraphStyle:
        return ParagraphStyle(name, parent=base, **values)

    cell = derive("cell", fontSize=cell_size, leading=cell_size * 1.25)
    return Styles(
        title=derive("title", fontName=FONT_BOLD, fontSize=16, leading=20, textColor=ACCENT),
        subtitle=derive("subtitle", fontSize=11, leading=14, textColor=INK, spaceAfter=2),
        heading=derive(
            "heading",
            fontName=FONT_BOLD,
            fontSize=11.5,
            leading=15,
            textColor=ACCENT,
            spaceBefore=10,
            spaceAfter=4,
            keepWithNext=1,
        ),
        body=derive("body", spaceAfter=3),
        small=derive("small", fontSize=8.5, leading=11),
        muted=derive("muted", fontSize=8.5, leading=11, textColor=MUTED),
        cell=cell,
        cell_bold=ParagraphStyle("cell_bold", parent=cell, fontName=FONT_BOLD),
        cell_right=ParagraphStyle("cell_right", parent=cell, alignment=TA_RIGHT),
        cell_head=ParagraphStyle("cell_head", parent=cell, fontName=FONT_BOLD),
        cell_head_right=ParagraphStyle(
            "cell_head_right", parent=cell, fontName=FONT_BOLD, alignment=TA_RIGHT
        ),
        numbered=derive("numbered", leftIndent=16, firstLineIndent=-16, spaceAfter=4),
        note=derive("note", fontSize=8.5, leading=11, textColor=MUTED, leftIndent=16),
        centered=derive("centered", alignment=TA_CENTER),
    )


def data_table(
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    right_columns: Sequence[int] = (),
    header_rows: int = 1,
    banded: bool = True,
    extra: Sequence[tuple[Any, ...]] = (),
) -> Table:
    """A long table: explicit widths, header repeated on every page, rows split if tall."""
    table = Table(
        [list(row) for row in rows],
        colWidths=list(widths),
        repeatRows=header_rows,
        splitByRow=1,
        splitInRow=1,
        hAlign="LEFT",
    )
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 7.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("BOX", (0, 0), (-1, -1), 0.5, RULE),
    ]
    if header_rows:
        commands += [
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEADER_FILL),
            ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.8, ACCENT),
        ]
    if banded and len(rows) > header_rows:
        commands.append(("ROWBACKGROUNDS", (0, header_rows), (-1, -1), [colors.white, BAND_FILL]))
    for column in right_columns:
        commands.append(("ALIGN", (column, 0), (column, -1), "RIGHT"))
    commands.extend(extra)
    table.setStyle(TableStyle(commands))
    return table


def key_values(pairs: Sequence[tuple[str, object]], width: float, s: Styles) -> Table:
    """A two-column box of labels (ours) and values (user text, escaped)."""
    label_width = 3.6 * cm
    return data_table(
        [[para(label, s.cell_head), para(value, s.cell)] for label, value in pairs],
        [label_width, width - label_width],
        header_rows=0,
        banded=False,
        extra=[("BACKGROUND", (0, 0), (0, -1), HEADER_FILL)],
    )


@dataclass(frozen=True)
class PdfInfo:
    """What every page and the document's properties say."""

    title: str
    author: str
    subject: str
    footer: str
    generated_on: date
    running_title: str | None = None
    keywords: tuple[str, ...] = ()
    #: Printed under the footer's right end (the relevé's « Empreinte du journal : … »).
    fingerprint: str | None = None


def _numbered_canvas(info: PdfInfo) -> type[Canvas]:
    """A canvas that knows the page count when it draws each page's footer (one pass)."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                Canvas.showPage(self)
            Canvas.save(self)

        def _decorate(self, total: int) -> None:
            width, height = self._pagesize
            number = self._pageNumber
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            self.line(MARGIN, FOOTER_SPACE - 0.2 * cm, width - MARGIN, FOOTER_SPACE - 0.2 * cm)
            self.setFillColor(MUTED)
            self.setFont(FONT, 7.5)
            baseline = FOOTER_SPACE - 0.55 * cm
            right = f"Généré le {info.generated_on:%d/%m/%Y}   ·   Page {number} / {total}"
            self.drawRightString(width - MARGIN, baseline, right)
            footer = info.footer
            limit = width - 2 * MARGIN - self.stringWidth(right, FONT, 7.5) - 0.8 * cm
            while footer and self.stringWidth(footer, FONT, 7.5) > limit:
                footer = footer[:-2] + "…"
            self.drawString(MARGIN, baseline, footer)
            if info.fingerprint:
                self.setFont(FONT, 6.5)
                self.drawRightString(width - MARGIN, baseline - 0.32 * cm, info.fingerprint)
            if info.running_title and number > 1:
                title = info.running_title
                while title and self.stringWidth(title, FONT, 7.5) > width - 2 * MARGIN:
                    title = title[:-2] + "…"
                self.drawString(MARGIN, height - MARGIN + 0.45 * cm, title)
            self.restoreState()

    return NumberedCanvas


PORTRAIT = "portrait"
LANDSCAPE = "landscape"


def _template(name: str, size: tuple[float, float]) -> PageTemplate:
    width, height = size
    frame = Frame(
        MARGIN,
        FOOTER_SPACE + 0.2 * cm,
        width - 2 * MARGIN,
        height - MARGIN - FOOTER_SPACE - 0.2 * cm,
        id=f"{name}-frame",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    return PageTemplate(id=name, frames=[frame], pagesize=size)


def frame_width(orientation: str = PORTRAIT) -> float:
    """The usable width of a page of the given orientation."""
    size = A4 if orientation == PORTRAIT else landscape(A4)
    return float(size[0] - 2 * MARGIN)


def build_pdf(
    story: list[Flowable],
    info: PdfInfo,
    *,
    first: str = PORTRAIT,
    invariant: bool = False,
    on_page_count: Callable[[int], None] | None = None,
) -> bytes:
    """Lay *story* out on A4 (portrait and landscape templates; switch with
    ``NextPageTemplate``) and return the PDF bytes. *invariant* makes the output
    byte-identical from one run to the next (tests).
    """
    register_fonts()
    buffer = io.BytesIO()
    templates = [_template(PORTRAIT, A4), _template(LANDSCAPE, landscape(A4))]
    if first == LANDSCAPE:
        templates.reverse()
    document = BaseDocTemplate(
        buffer,
        pagesize=A4 if first == PORTRAIT else landscape(A4),
        pageTemplates=templates,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=FOOTER_SPACE,
        title=info.title,
        author=info.author,
        subject=info.subject,
        creator="qpvdesk",
        keywords=list(info.keywords),
        lang="fr-FR",
        invariant=1 if invariant else 0,
        displayDocTitle=1,
    )
    document.build(story, canvasmaker=_numbered_canvas(info))
    if on_page_count is not None:
        on_page_count(document.page)
    return buffer.getvalue()


def save_pdf(data: bytes, path: Path) -> Path:
    """Save a built PDF at *path*, atomically; returns the absolute path."""
    return write_atomically(data, path, "Le PDF")


__all__ = [
    "FONT",
    "FONT_BOLD",
    "LANDSCAPE",
    "PORTRAIT",
    "PdfInfo",
    "Styles",
    "build_pdf",
    "data_table",
    "escape_text",
    "frame_width",
    "key_values",
    "money",
    "para",
    "register_fonts",
    "save_pdf",
    "styles",
]
