"""The bilan annuel for the COPIL: its PDF, from `services.evaluation.annual_report_data`.

The contract (chapters ÉVALUATION and OBSERVATION) asks for a yearly bilan
presented to the COPIL. It holds, for year Y: the programmation in figures
(dossiers per state, money per priority, per funder, droit commun vs crédits
spécifiques, with charts), the coverage of the operational objectives (those
without any action stand out), the indicators planned vs achieved, the residents'
participation, the follow-ups decided in meetings and where they stand, and the
context figures of the neighbourhood compared with the previous years.

The data is built (and tested) in `services.evaluation`; `render_annual_report`
only lays it out and returns PDF bytes; `save_annual_report` writes them
atomically. The section helpers (key figures, context figures, money tables) are
shared with the evaluation report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qpvdesk.core.domain.enums import ActionKind, FollowUpState, Territory
from qpvdesk.core.domain.money import NBSP, Money
from qpvdesk.core.services.evaluation import (
    AnnualReport,
    ContextGroup,
    ContractHeader,
    MoneyGroup,
)
from qpvdesk.core.services.finance import Amounts
from qpvdesk.core.services.indicators import format_decimal

if TYPE_CHECKING:
    from qpvdesk.core.reports.pdf import Styles

# Beyond this many actions under one objective, the coverage table says « … et N autres ».
MAX_ACTIONS_PER_OBJECTIVE = 12
# Beyond this many indicator lines, the detail table stops (the Excel export has them all).
MAX_INDICATOR_LINES = 300
# Beyond this many participation events or follow-ups, the table stops likewise.
MAX_ROWS = 400
# A drawing cannot split across pages: a bar chart shows at most this many bars.
MAX_CHART_BARS = 20
MISSING_FILL = "#fbe3e0"
QPV_FILL = "#fbeeee"
MISSING_INK = "#a8231a"
WARNING_FILL = "#fdf1d8"
COMMITTED_NOTE = (
    "Engagé : le montant accordé, ou le montant proposé tant que rien n'est accordé "
    "(comme sur la page Financements). Un financement compte dans son exercice, pour "
    "l'objectif de son dossier (à défaut, celui de son action)."
)


# --- small formatting helpers ----------------------------------------------------------------


def money_text(value: Money) -> str:
    """``12 345 €`` with U+00A0 (never split across lines)."""
    return value.format(space=NBSP)


def decimal_text(value: Decimal | None) -> str:
    """``1 234,5`` or « — »."""
    return format_decimal(value)


def percent_text(value: Decimal | None) -> str:
    """``95,2 %`` (U+00A0 before the sign) or « — »."""
    return "—" if value is None else f"{format_decimal(value, decimals=1)}{NBSP}%"


def share_text(part: Money, whole: Money) -> str:
    """*part* as a percentage of *whole*, or « — » when *whole* is nothing."""
    if not whole.cents:
        return "—"
    return percent_text(Decimal(part.cents * 100) / Decimal(whole.cents))


def french_date(day: date | None) -> str:
    return "—" if day is None else f"{day:%d/%m/%Y}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 dossier`` / ``3 dossiers`` (French: 0 and 1 are singular)."""
    word = singular if count <= 1 else (plural_form or singular + "s")
    return f"{count}{NBSP}{word}"


def signed(value: Decimal, unit: str | None) -> str:
    """A change: ``+1,2 pt`` for a rate, ``−13`` otherwise (a real minus sign)."""
    text = format_decimal(abs(value))
    sign = "+" if value > 0 else "−" if value < 0 else ""
    suffix = f"{NBSP}pt" if (unit or "").strip() == "%" else ""
    return f"{sign}{text}{suffix}"


def author_of(header: ContractHeader) -> str:
    town = header.town
    return f"Équipe d'ingénierie du contrat de ville – {town}" if town else "qpvdesk"


def neighbourhood_text(header: ContractHeader) -> str:
    if header.neighbourhood is None:
        return "—"
    if header.neighbourhood_code:
        return f"{header.neighbourhood} ({header.neighbourhood_code})"
    return header.neighbourhood


# --- shared flowables ------------------------------------------------------------------------


def key_figures(tiles: Sequence[tuple[str, str, str]], width: float, columns: int = 5) -> Any:
    """A grid of key figures: (figure, label, detail) per tile, the figure large."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph, Table, TableStyle

    from qpvdesk.core.reports import pdf

    s = pdf.styles()
    big = ParagraphStyle(
        "figure", parent=s.body, fontName=pdf.FONT_BOLD, fontSize=13, leading=16,
        textColor=pdf.ACCENT, spaceAfter=0,
    )  # fmt: skip
    label = ParagraphStyle("figure_label", parent=s.small, fontName=pdf.FONT_BOLD, leading=10.5)
    detail = ParagraphStyle("figure_detail", parent=s.muted, fontSize=7.5, leading=9.5)
    tile_w = width / columns

    # Large sums shrink (all figures alike) rather than push « € » onto a line of its own.
    size = 13.0
    while size > 8 and any(
        stringWidth(figure, pdf.FONT_BOLD, size) > tile_w - 12 for figure, _, _ in tiles
    ):
        size -= 0.5
    big = ParagraphStyle("figure_fitted", parent=big, fontSize=size, leading=size * 1.25)

    cells = [
        [
            Paragraph(pdf.escape_text(figure), big),
            Paragraph(pdf.escape_text(caption), label),
            Paragraph(pdf.escape_text(more), detail),
        ]
        for figure, caption, more in tiles
    ]
    rows: list[list[Any]] = []
    for start in range(0, len(cells), columns):
        row: list[Any] = list(cells[start : start + columns])
        row += [""] * (columns - len(row))
        rows.append(row)
    table = Table(rows, colWidths=[tile_w] * columns, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, -1), pdf.BAND_FILL),
                ("INNERGRID", (0, 0), (-1, -1), 2.5, "#ffffff"),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def subheading(text: str, s: Styles, space_before: float = 8, *, keep: bool = True) -> Any:
    """A second-level heading (bold, ink), kept with what follows unless *keep* is false
    (before a long table that may start at the foot of a page: a `CondPageBreak` then)."""
    from reportlab.lib.styles import ParagraphStyle

    from qpvdesk.core.reports import pdf
    from qpvdesk.core.reports.pdf import para

    style = ParagraphStyle(
        "subheading", parent=s.heading, fontSize=9.5, leading=12.5, textColor=pdf.INK,
        spaceBefore=space_before, spaceAfter=3, keepWithNext=1 if keep else 0,
    )  # fmt: skip
    return para(text, style)


def amount_width(amounts: Iterable[Money], minimum: float) -> float:
    """A money column wide enough for its largest amount in bold (never wrapped)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from qpvdesk.core.reports import pdf

    widest = max(
        (stringWidth(money_text(amount), pdf.FONT_BOLD, 7.5) for amount in amounts), default=0.0
    )
    return max(minimum, widest + 9)


def total_row_style(row: int = -1) -> list[tuple[Any, ...]]:
    """Table commands for a total row: tinted, ruled above."""
    from qpvdesk.core.reports import pdf

    return [
        ("BACKGROUND", (0, row), (-1, row), pdf.HEADER_FILL),
        ("LINEABOVE", (0, row), (-1, row), 0.8, pdf.ACCENT),
    ]


MONEY_HEADS = (
    "Demandé",
    "Droit commun",
    "Crédits spécifiques",
    "Total engagé",
    "dont accordé",
    "Versé",
)


def _money_cells(
    common_law: Amounts, specific: Amounts, s: Styles, bold: bool = False
) -> list[Any]:
    from qpvdesk.core.reports.pdf import para

    total = common_law + specific
    style = s.cell_head_right if bold else s.cell_right
    return [
        para(money_text(total.requested), style),
        para(money_text(common_law.committed), style),
        para(money_text(specific.committed), style),
        para(money_text(total.committed), s.cell_head_right),
        para(money_text(total.granted), style),
        para(money_text(total.paid), style),
    ]


def money_group_table(
    groups: Sequence[MoneyGroup],
    heading: str,
    width: float,
    s: Styles,
    *,
    label: Callable[[MoneyGroup], str] | None = None,
) -> Any:
    """Groups (priorities, funders…) with requested, committed per nature, granted, paid,
    and a total row."""
    from reportlab.lib.units import cm

    from qpvdesk.core.reports import pdf
    from qpvdesk.core.reports.pdf import para

    common_law = sum((g.common_law for g in groups), Amounts.zero())
    specific = sum((g.specific for g in groups), Amounts.zero())
    amount_w = amount_width(_all_amounts(common_law, specific), 2.2 * cm)
    widths = [width - amount_w * len(MONEY_HEADS)] + [amount_w] * len(MONEY_HEADS)
    rows: list[list[Any]] = [
        [para(heading, s.cell_head)] + [para(h, s.cell_head_right) for h in MONEY_HEADS]
    ]
    for group in groups:
        text = label(group) if label is not None else group.label
        rows.append([para(text, s.cell), *_money_cells(group.common_law, group.specific, s)])
    rows.append([para("Total", s.cell_head), *_money_cells(common_law, specific, s, bold=True)])
    return pdf.data_table(rows, widths, extra=total_row_style())


def _all_amounts(common_law: Amounts, specific: Amounts) -> list[Money]:
    total = common_law + specific
    return [
        total.requested,
        total.committed,
        total.granted,
        total.paid,
        common_law.committed,
        specific.committed,
    ]


def priority_label(group: MoneyGroup) -> str:
    """« P1 – Éducation et jeunesse », « Sans objectif » for the last group."""
    return f"{group.code} – {group.label}" if group.code else group.label


TERRITORY_COLOURS = {
    Territory.QPV: "#c0392b",
    Territory.TOWN: "#0072B2",
    Territory.INTERCOMMUNALITY: "#009E73",
    Territory.DEPARTMENT: "#CC79A7",
    Territory.REGION: "#E69F00",
    Territory.COUNTRY: "#555555",
}


def context_section(
    groups: Sequence[ContextGroup], width: float, s: Styles, *, lead: Sequence[Any] = ()
) -> list[Any]:
    """Each context indicator: a table (territories × years, change) and a line chart;
    *lead* (the section's heading…) is kept on the page of the first one."""
    from reportlab.lib import colors
    from reportlab.lib.units import cm
    from reportlab.platypus import KeepTogether, Spacer

    from qpvdesk.core.reports import charts, pdf
    from qpvdesk.core.reports.pdf import para

    story: list[Any] = []
    # As wide as a portrait page at most: on landscape pages a few years would sprawl.
    width = min(width, pdf.frame_width(pdf.PORTRAIT))
    for group in groups:
        unit = f" ({group.unit})" if group.unit else ""
        title = subheading(f"{group.indicator}{unit}", s)
        name_w = 5.0 * cm
        change_w = 2.3 * cm
        year_w = (width - name_w - change_w) / max(1, len(group.years))
        head = (
            [para("Territoire", s.cell_head)]
            + [para(str(year), s.cell_head_right) for year in group.years]
            + [para("Évolution", s.cell_head_right)]
        )
        rows: list[list[Any]] = [head]
        emphasis: list[tuple[Any, ...]] = []
        for line in group.lines:
            change = line.change
            if change is None or line.previous_year is None:
                change_cell = para("—", s.cell_right)
            else:
                change_cell = para(
                    f"{signed(change, group.unit)}\ndepuis {line.previous_year}", s.cell_right
                )
            rows.append(
                [
                    para(
                        f"{line.territory_name}\n{line.territory_label}",
                        s.cell_bold if line.territory is Territory.QPV else s.cell,
                    )
                ]
                + [para(decimal_text(value), s.cell_right) for value in line.values]
                + [change_cell]
            )
            if line.territory is Territory.QPV:
                emphasis.append(("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), QPV_FILL))
        table = pdf.data_table(
            rows, [name_w] + [year_w] * len(group.years) + [change_w], extra=emphasis
        )
        series = [
            charts.LineSeries(
                name=line.territory_name,
                points=tuple(
                    (year, value)
                    for year, value in zip(group.years, line.values, strict=True)
                    if value is not None
                ),
                colour=colors.HexColor(TERRITORY_COLOURS.get(line.territory, "#555555")),
                emphasis=line.territory is Territory.QPV,
            )
            for line in group.lines
        ]
        chart = charts.line_chart(series, width, 5.2 * cm, unit=group.unit)
        head = list(lead) if not story else []
        story.append(KeepTogether([*head, title, Spacer(1, 3), table, Spacer(1, 6), chart]))
        story.append(Spacer(1, 12))
    return story


def sources_note(s: Styles) -> Any:
    from qpvdesk.core.reports.pdf import para

    return para(
        "Les valeurs viennent de la page Observation (sources indiquées pour chaque donnée). "
        "Évolution : dernière valeur connue moins la précédente, en points pour un taux.",
        s.muted,
    )


# --- the bilan -------------------------------------------------------------------------------


def title_of(data: AnnualReport) -> str:
    return f"Bilan annuel {data.year} – {data.header.contract_name}"


def render_annual_report(data: AnnualReport, *, invariant: bool = False) -> bytes:
    """The bilan annuel as PDF bytes (A4 portrait, charts drawn by ReportLab)."""
    from reportlab.lib.units import cm
    from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

    from qpvdesk.core.reports import pdf
    from qpvdesk.core.reports.pdf import para

    s = pdf.styles()
    width = pdf.frame_width(pdf.PORTRAIT)
    header = data.header
    year = data.year
    story: list[Any] = []

    # Cover block
    story.append(para(header.contract_name, s.muted))
    story.append(para(f"Bilan annuel {year}", s.title))
    story.append(para("Comité de pilotage du contrat de ville", s.subtitle, markup="<b>{}</b>"))
    story.append(Spacer(1, 4))
    story.append(
        pdf.key_values(
            [
                ("Commune", header.town or "—"),
                ("Quartier prioritaire", neighbourhood_text(header)),
                ("Contrat", _contract_text(header)),
                ("Exercice", str(year)),
                ("Établi le", french_date(data.generated_on)),
            ],
            width,
            s,
        )
    )
    story.append(Spacer(1, 8))
    story.append(para(f"L'essentiel de {year}", s.heading))
    story.append(key_figures(_tiles(data), width))
    story.append(Spacer(1, 4))
    story.append(
        para(
            "Ce bilan rassemble la programmation de l'exercice, la couverture des objectifs "
            "opérationnels du contrat, les indicateurs prévus et réalisés, les temps de "
            "participation des habitants, les suites à donner décidées en instance et les "
            "données de contexte du quartier.",
            s.muted,
        )
    )

    # 1. Programmation
    story.append(para(f"1. La programmation {year}", s.heading))
    story.extend(_states_section(data, width, s))
    story.extend(_nature_section(data, width, s))
    story.append(CondPageBreak(9 * cm))
    story.append(subheading("Financements par priorité", s))
    story.extend(_priority_section(data, width, s))
    story.append(Spacer(1, 3))
    story.append(para(COMMITTED_NOTE, s.muted))
    story.append(
        KeepTogether(
            [subheading("Financements par financeur", s), *_funder_section(data, width, s)]
        )
    )

    # 2. Coverage
    story.append(CondPageBreak(10 * cm))
    story.append(para(f"2. La couverture des objectifs opérationnels en {year}", s.heading))
    story.extend(_coverage_section(data, width, s))

    # 3. Indicators
    story.append(CondPageBreak(6 * cm))
    story.append(para("3. Les indicateurs : prévu et réalisé", s.heading))
    story.extend(_indicator_section(data, width, s))

    # 4. Participation
    story.append(CondPageBreak(5 * cm))
    story.append(para("4. La participation des habitants", s.heading))
    story.extend(_participation_section(data, width, s))

    # 5. Follow-ups
    story.append(CondPageBreak(5 * cm))
    story.append(para("5. Les suites à donner", s.heading))
    story.extend(_follow_up_section(data, width, s))

    # 6. Context
    story.append(CondPageBreak(8 * cm))
    context_heading = para("6. Les données de contexte du quartier", s.heading)
    if data.context:
        intro = para(
            f"Indicateurs renseignés entre {year - 2} et {year} et connus sur au moins "
            "deux années, comparés entre territoires et avec les années précédentes.",
            s.muted,
        )
        lead = [context_heading, intro, Spacer(1, 6)]
        story.extend(context_section(data.context, width, s, lead=lead))
        story.append(sources_note(s))
    else:
        story.append(context_heading)
        story.append(
            para(
                f"Aucune donnée de contexte n'a été renseignée entre {year - 2} et {year} "
                "pour un indicateur connu sur plusieurs années.",
                s.muted,
            )
        )

    info = pdf.PdfInfo(
        title=title_of(data),
        author=author_of(header),
        subject=f"{header.contract_name} – bilan annuel {year} présenté au comité de pilotage",
        footer=header.contract_name,
        generated_on=data.generated_on,
        running_title=title_of(data),
        keywords=("bilan annuel", str(year), "contrat de ville", "COPIL"),
    )
    return pdf.build_pdf(story, info, invariant=invariant)


def save_annual_report(data: AnnualReport, path: Path) -> Path:
    """Render and save the bilan at *path* atomically; returns the path written."""
    from qpvdesk.core.reports.pdf import save_pdf

    return save_pdf(render_annual_report(data), Path(path))


def _contract_text(header: ContractHeader) -> str:
    code = f" ({header.contract_code})" if header.contract_code else ""
    return f"{header.contract_name}{code}, {header.start_year}–{header.end_year}"


def _tiles(data: AnnualReport) -> list[tuple[str, str, str]]:
    summary = data.programmation
    total = summary.total
    open_follow_ups = [f for f in data.follow_ups if f.state is FollowUpState.OPEN]
    overdue = sum(1 for f in open_follow_ups if f.overdue)
    events = len(data.participation)
    return [
        (
            str(summary.dossier_count),
            "dossiers de l'exercice",
            f"dont {summary.granted_dossiers} accordés",
        ),
        (
            str(summary.action_count),
            "actions",
            f"dont {summary.common_law_action_count} de droit commun",
        ),
        (money_text(total.committed), "engagés", f"demandés : {money_text(total.requested)}"),
        (money_text(total.paid), "versés", f"accordés : {money_text(total.granted)}"),
        (
            money_text(summary.common_law.committed),
            "droit commun",
            f"{share_text(summary.common_law.committed, total.committed)} de l'engagé",
        ),
        (
            money_text(summary.specific.committed),
            "crédits spécifiques",
            f"{share_text(summary.specific.committed, total.committed)} de l'engagé",
        ),
        (
            f"{data.objectives_covered} / {data.objectives}",
            "objectifs opérationnels couverts",
            f"{plural(len(data.objectives_without_action), 'objectif')} sans action",
        ),
        (
            f"{summary.reports_received} / {summary.reports_expected}",
            "comptes rendus financiers reçus",
            "dossiers accordés de l'exercice",
        ),
        (
            str(events),
            "temps de participation",
            f"{plural(data.participants, 'participant')}",
        ),
        (
            str(len(open_follow_ups)),
            "suites à donner ouvertes",
            f"dont {overdue} en retard" if overdue else "aucune en retard",
        ),
    ]


def _states_section(data: AnnualReport, width: float, s: Styles) -> list[Any]:
    from reportlab.lib.units import cm
    from reportlab.platypus import Spacer

    from qpvdesk.core.reports import charts, pdf
    from qpvdesk.core.reports.pdf import para

    summary = data.programmation
    story: list[Any] = [subheading("Dossiers par état", s)]
    if not summary.by_state:
        story.append(para(f"Aucun dossier pour l'exercice {data.year}.", s.muted))
        return story
    rows: list[list[Any]] = [
        [para("État du dossier", s.cell_head), para("Dossiers", s.cell_head_right)]
    ]
    for state in summary.by_state:
        rows.append([para(state.label, s.cell), para(str(state.count), s.cell_right)])
    rows.append([para("Total", s.cell_head), para(str(summary.dossier_count), s.cell_head_right)])
    table = pdf.data_table(rows, [4.6 * cm, 2.0 * cm], extra=total_row_style())
    chart = charts.horizontal_bars(
        [state.label for state in summary.by_state],
        [
            charts.Series(
                "Dossiers",
                tuple(state.count for state in summary.by_state),
                charts.ACHIEVED_COLOUR,
            )
        ],
        width - 7.4 * cm,
        totals=[str(state.count) for state in summary.by_state],
        tick_format=lambda step: charts.number_ticks(step),
        band=13.0,
        label_share=0.34,
    )
    story.append(_side_by_side(table, chart, 6.6 * cm, width))
    story.append(Spacer(1, 4))
    story.append(
        para(
            f"Un dossier pluriannuel compte dans chacune de ses années. Comptes rendus "
            f"financiers (CERFA 15059) des dossiers accordés de {data.year} : "
            f"{summary.reports_received} reçu(s) sur {summary.reports_expected} attendu(s).",
            s.muted,
        )
    )
    return story


def _side_by_side(left: Any, right: Any, left_width: float, width: float) -> Any:
    from reportlab.lib.units import cm
    from reportlab.platypus import Table, TableStyle

    table = Table(
        [[left, right]], colWidths=[left_width + 0.8 * cm, width - left_width - 0.8 * cm],
        hAlign="LEFT",
    )  # fmt: skip
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _nature_section(data: AnnualReport, width: float, s: Styles) -> list[Any]:
    from reportlab.lib.units import cm
    from reportlab.platypus import KeepTogether, Spacer

    from qpvdesk.core.reports import charts, pdf
    from qpvdesk.core.reports.pdf import para

    summary = data.programmation
    total = summary.total
    rows: list[list[Any]] = [
        [para("Nature des crédits", s.cell_head)]
        + [
            para(h, s.cell_head_right)
            for h in ("Demandé", "Engagé", "Part de l'engagé", "Accordé", "Versé")
        ]
    ]
    for label, amounts in (
        ("Droit commun", summary.common_law),
        ("Crédits spécifiques", summary.specific),
        ("Total", total),
    ):
        style = s.cell_head_right if label == "Total" else s.cell_right
        rows.append(
            [
                para(label, s.cell_head if label == "Total" else s.cell),
                para(money_text(amounts.requested), style),
                para(money_text(amounts.committed), s.cell_head_right),
                para(share_text(amounts.committed, total.committed), style),
                para(money_text(amounts.granted), style),
                para(money_text(amounts.paid), style),
            ]
        )
    amount_w = amount_width(_all_amounts(summary.common_law, summary.specific), 2.4 * cm)
    table = pdf.data_table(rows, [width - 5 * amount_w] + [amount_w] * 5, extra=total_row_style())
    pie = charts.share_pie(
        [
            charts.Share(
                "Droit commun",
                summary.common_law.committed.cents,
                f"{money_text(summary.common_law.committed)} engagés, "
                f"{share_text(summary.common_law.committed, total.committed)}",
                charts.COMMON_LAW_COLOUR,
            ),
            charts.Share(
                "Crédits spécifiques",
                summary.specific.committed.cents,
                f"{money_text(summary.specific.committed)} engagés, "
                f"{share_text(summary.specific.committed, total.committed)}",
                charts.SPECIFIC_COLOUR,
            ),
        ],
        width,
        3.6 * cm,
    )
    return [
        KeepTogether(
            [
                subheading("Droit commun et crédits spécifiques", s),
                para(
                    "Droit commun : budgets ordinaires des partenaires mobilisés pour le "
                    "quartier. Crédits spécifiques : crédits de la politique de la ville "
                    "(BOP 147, Ville Vie Vacances, adultes-relais…).",
                    s.muted,
                ),
                Spacer(1, 4),
                pie,
                Spacer(1, 4),
                table,
            ]
        )
    ]


def _priority_section(data: AnnualReport, width: float, s: Styles) -> list[Any]:
    from reportlab.platypus import Spacer

    from qpvdesk.core.reports import charts

    groups = data.programmation.by_priority
    shown = chart_groups(groups)
    chart = charts.horizontal_bars(
        [priority_label(g) for g in shown],
        _nature_series(shown),
        width,
        totals=[money_text(g.total.committed) for g in shown],
        band=22.0,
        label_share=0.3,
    )
    return [
        chart,
        Spacer(1, 6),
        money_group_table(groups, "Priorité", width, s, label=priority_label),
    ]


def _funder_section(data: AnnualReport, width: float, s: Styles) -> list[Any]:
    from reportlab.platypus import Spacer

    from qpvdesk.core.reports import charts
    from qpvdesk.core.reports.pdf import para

    groups = data.programmation.by_funder
    if not groups:
        return [para(f"Aucun financement pour l'exercice {data.year}.", s.muted)]
    shown = chart_groups(groups)
    chart = charts.horizontal_bars(
        [g.label for g in shown],
        _nature_series(shown),
        width,
        totals=[money_text(g.total.committed) for g in shown],
        band=17.0,
        label_share=0.34,
    )
    return [chart, Spacer(1, 6), money_group_table(groups, "Financeur", width, s)]


def chart_groups(groups: Sequence[MoneyGroup], limit: int = MAX_CHART_BARS) -> list[MoneyGroup]:
    """At most *limit* bars (a drawing never splits across pages): beyond, the largest
    ones and a last bar « Autres (N) » adding up the rest."""
    if len(groups) <= limit:
        return list(groups)
    ranked = sorted(groups, key=lambda g: -g.total.committed.cents)
    kept, rest = ranked[: limit - 1], ranked[limit - 1 :]
    others = MoneyGroup(
        None,
        "",
        f"Autres ({len(rest)})",
        sum((g.common_law for g in rest), Amounts.zero()),
        sum((g.specific for g in rest), Amounts.zero()),
    )
    return [*kept, others]


def _nature_series(groups: Sequence[MoneyGroup]) -> list[Any]:
    from qpvdesk.core.reports import charts

    return [
        charts.Series(
            "Droit commun",
            tuple(g.common_law.committed.cents / 100 for g in groups),
            charts.COMMON_LAW_COLOUR,
        ),
        charts.Series(
            "Crédits spécifiques",
            tuple(g.specific.committed.cents / 100 for g in groups),
            charts.SPECIFIC_COLOUR,
        ),
    ]


def _coverage_section(data: AnnualReport, width: float, s: Styles) -> list[Any]:
    from reportlab.lib.units import cm
    from reportlab.platypus import Spacer

    from qpvdesk.core.reports import pdf
    from qpvdesk.core.reports.pdf import escape_text, para

    missing = data.objectives_without_action
    story: list[Any] = []
    if not data.coverage:
        return [para("Le cadre stratégique ne compte aucun objectif opérationnel.", s.muted)]
    covered = data.objectives_covered
    text = (
        f"{plural(covered, 'objectif opérationnel', 'objectifs opérationnels')} sur "
        f"{data.objectives} {'a' if covered <= 1 else 'ont'} au moins une action en {data.year}"
    )
    if missing:
        text += (
            f" ; {len(missing)} n'en {'a' if len(missing) == 1 else 'ont'} aucune (en rouge) : "
            + ", ".join(row.objective_code for row in missing)
        )
    story.append(para(text + ".", s.body))
    story.append(
        para(
            "Une action sert un objectif par son dossier de l'année (à défaut, par son propre "
            "objectif). Droit commun signalé « DC ». Engagé : accordé, ou proposé tant que "
            "rien n'est accordé.",
            s.muted,
        )
    )
    story.append(Spacer(1, 4))
    code_w, money_w = 1.4 * cm, 2.2 * cm
    title_w = (width - code_w - money_w) * 0.46
    actions_w = width - code_w - money_w - title_w
    rows: list[list[Any]] = [
        [
            para("Code", s.cell_head),
            para("Objectif opérationnel", s.cell_head),
            para("Actions de l'année (porteur)", s.cell_head),
            para("Engagé", s.cell_head_right),
        ]
    ]
    extra: list[tuple[Any, ...]] = []
    current_priority: object = object()
    for row in data.coverage:
        if row.objective_id is not None and row.priority_id != current_priority:
            current_priority = row.priority_id
            rows.append(
                [
                    para(
                        f"{row.priority_code} – {row.priority_title}"
                        if row.priority_code
                        else (row.priority_title or ""),
                        s.cell_head,
                    ),
                    "",
                    "",
                    "",
                ]
            )
            index = len(rows) - 1
            extra += [
                ("SPAN", (0, index), (-1, index)),
                ("BACKGROUND", (0, index), (-1, index), pdf.HEADER_FILL),
            ]
        lines = []
        for action in row.actions[:MAX_ACTIONS_PER_OBJECTIVE]:
            line = f"• {escape_text(action.title)}"
            if action.holder_name:
                line += f" <font color='#5f6b7a'>({escape_text(action.holder_name)})</font>"
            if action.kind is ActionKind.COMMON_LAW:
                line += " <b>DC</b>"
            if action.failed:
                line += f" <i>— {escape_text(action.dossier_states_label.lower())}</i>"
            lines.append(line)
        hidden = len(row.actions) - MAX_ACTIONS_PER_OBJECTIVE
        if hidden > 0:
            lines.append(f"<i>… et {hidden} autres actions</i>")
        index = len(rows)
        if row.without_action:
            actions_cell = _markup(
                f"<font color='{MISSING_INK}'><b>Aucune action en {data.year}</b></font>", s.cell
            )
            extra.append(("BACKGROUND", (0, index), (-1, index), MISSING_FILL))
        else:
            actions_cell = _markup("<br/>".join(lines), s.cell)
            if row.without_effective_action:
                extra.append(("BACKGROUND", (0, index), (-1, index), WARNING_FILL))
        code = row.objective_code if row.objective_id is not None else "—"
        rows.append(
            [
                para(code, s.cell_bold),
                para(row.objective_title, s.cell),
                actions_cell,
                para(money_text(row.total.committed) if row.actions else "—", s.cell_right),
            ]
        )
    table = pdf.data_table(rows, [code_w, title_w, actions_w, money_w], banded=False, extra=extra)
    story.append(table)
    if any(row.without_effective_action for row in data.coverage):
        story.append(Spacer(1, 3))
        story.append(
            para(
                "Surlignés en jaune : objectifs dont toutes les actions ont vu leur dossier "
                "refusé ou retiré cette année.",
                s.muted,
            )
        )
    return story


def _markup(text: str, style: Any) -> Any:
    """A Paragraph of our markup around text already escaped."""
    from reportlab.platypus import Paragraph

    return Paragraph(text, style)


def _indicator_section(data: AnnualReport, width: float, s: Styles) -> list[Any]:
    from reportlab.lib.units import cm
    from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

    from qpvdesk.core.reports import pdf
    from qpvdesk.core.reports.pdf import para

    story: list[Any] = []
    if not data.indicators:
        return [para(f"Aucun indicateur n'a de valeur prévue ou réalisée en {data.year}.", s.muted)]
    if data.indicator_totals:
        rows: list[list[Any]] = [
            [
                para("Indicateur commun", s.cell_head),
                para("Unité", s.cell_head),
                para("Actions", s.cell_head_right),
                para("Prévu", s.cell_head_right),
                para("Réalisé", s.cell_head_right),
                para("Taux de réalisation", s.cell_head_right),
                para("Actions ayant rendu compte", s.cell_head_right),
            ]
        ]
        for total in data.indicator_totals:
            rows.append(
                [
                    para(total.name, s.cell_bold),
                    para(total.unit or "", s.cell),
                    para(str(total.actions), s.cell_right),
                    para(decimal_text(total.planned), s.cell_right),
                    para(decimal_text(total.achieved), s.cell_right),
                    para(percent_text(total.rate), s.cell_right),
                    para(f"{total.reported} / {total.actions}", s.cell_right),
                ]
            )
        w = [2.0 * cm, 1.5 * cm, 2.0 * cm, 2.0 * cm, 2.4 * cm, 2.8 * cm]
        story.append(
            KeepTogether(
                [
                    subheading("Indicateurs communs, toutes actions confondues", s),
                    pdf.data_table(rows, [width - sum(w), *w]),
                    Spacer(1, 2),
                    para(
                        "Le réalisé ne compte que les actions qui en ont rendu compte : le taux "
                        "de réalisation reste partiel tant que tous les bilans ne sont pas reçus.",
                        s.muted,
                    ),
                ]
            )
        )
        story.append(Spacer(1, 8))
    # Not kept with the table (that would push the whole table to the next page).
    story.append(CondPageBreak(4 * cm))
    story.append(subheading("Indicateurs par action et par objectif", s, keep=False))
    w = [3.6 * cm, 2.2 * cm, 1.5 * cm, 1.5 * cm, 1.5 * cm, 1.5 * cm]
    owner_w = width - sum(w)
    rows = [
        [
            para("Action ou objectif", s.cell_head),
            para("Indicateur", s.cell_head),
            para("Unité", s.cell_head),
            para("Prévu", s.cell_head_right),
            para("Réalisé", s.cell_head_right),
            para("Taux", s.cell_head_right),
            para("Cible", s.cell_head_right),
        ]
    ]
    spans: list[tuple[Any, ...]] = []
    shown = data.indicators[:MAX_INDICATOR_LINES]
    start = 1
    for index, line in enumerate(shown):
        owner = line.owner_label or "—"
        first_of_owner = index == 0 or shown[index - 1].owner_label != line.owner_label
        if first_of_owner and index:
            if len(rows) - start > 1:
                spans.append(("SPAN", (0, start), (0, len(rows) - 1)))
            start = len(rows)
        rows.append(
            [
                para(owner if first_of_owner else "", s.cell_bold if first_of_owner else s.cell),
                para(line.name, s.cell),
                para(line.unit or "", s.cell),
                para(decimal_text(line.planned), s.cell_right),
                para(decimal_text(line.achieved), s.cell_right),
                para(percent_text(line.rate), s.cell_right),
                para(decimal_text(line.target), s.cell_right),
            ]
        )
    if len(rows) - start > 1:
        spans.append(("SPAN", (0, start), (0, len(rows) - 1)))
    story.append(pdf.data_table(rows, [owner_w, *w], banded=False, extra=spans))
    hidden = len(data.indicators) - len(shown)
    if hidden > 0:
        story.append(
            para(
                f"… et {hidden} autres lignes : l'export Excel « indicateurs » les donne toutes.",
                s.muted,
            )
        )
    story.append(Spacer(1, 2))
    story.append(para("— : valeur non renseignée. Taux : réalisé rapporté au prévu.", s.muted))
    return story


def _participation_section(data: AnnualReport, width: float, s: Styles) -> list[Any]:
    from reportlab.lib.units import cm
    from reportlab.platypus import Spacer

    from qpvdesk.core.reports import pdf
    from qpvdesk.core.reports.pdf import escape_text, para

    events = data.participation
    if not events:
        return [para(f"Aucun temps de participation n'a été enregistré en {data.year}.", s.muted)]
    story: list[Any] = [
        para(
            f"{plural(len(events), 'temps', 'temps')} de participation, "
            f"{plural(data.participants, 'participant')} au total.",
            s.body,
        ),
        Spacer(1, 3),
    ]
    rows: list[list[Any]] = [
        [
            para("Date", s.cell_head),
            para("Temps de participation", s.cell_head),
            para("Participants", s.cell_head_right),
            para("Thèmes et ce qui en est ressorti", s.cell_head),
        ]
    ]
    for event in events[:MAX_ROWS]:
        kind = escape_text(event.kind)
        if event.place:
            kind += f"<br/><font color='#5f6b7a'>{escape_text(event.place)}</font>"
        detail = []
        if event.themes:
            detail.append(f"<b>{escape_text(event.themes)}</b>")
        if event.outcome:
            detail.append(escape_text(event.outcome))
        rows.append(
            [
                para(french_date(event.held_on), s.cell),
                _markup(kind, s.cell),
                para("—" if event.participants is None else str(event.participants), s.cell_right),
                _markup("<br/>".join(detail) or "—", s.cell),
            ]
        )
    w = [1.9 * cm, 4.2 * cm, 2.3 * cm]
    story.append(pdf.data_table(rows, [*w, width - sum(w)]))
    if len(events) > MAX_ROWS:
        story.append(para(f"… et {len(events) - MAX_ROWS} autres temps.", s.muted))
    return story


def _follow_up_section(data: AnnualReport, width: float, s: Styles) -> list[Any]:
    from reportlab.lib.units import cm
    from reportlab.platypus import Spacer

    from qpvdesk.core.reports import pdf
    from qpvdesk.core.reports.pdf import para

    follow_ups = data.follow_ups
    if not follow_ups:
        return [para(f"Aucune suite à donner pour {data.year}.", s.muted)]
    done = sum(1 for f in follow_ups if f.state is FollowUpState.DONE)
    open_count = sum(1 for f in follow_ups if f.state is FollowUpState.OPEN)
    overdue = sum(1 for f in follow_ups if f.overdue)
    dropped = len(follow_ups) - done - open_count
    parts = [f"{done} faite{'s' if done > 1 else ''}", f"{open_count} à faire"]
    if overdue:
        parts[-1] += f", dont {overdue} en retard"
    if dropped:
        parts.append(f"{dropped} abandonnée{'s' if dropped > 1 else ''}")
    story: list[Any] = [
        para(
            f"Suites décidées en instance, dues ou faites en {data.year}, ou encore ouvertes : "
            + " ; ".join(parts)
            + f" (situation au {french_date(data.generated_on)}).",
            s.body,
        ),
        Spacer(1, 3),
    ]
    rows: list[list[Any]] = [
        [
            para("Échéance", s.cell_head),
            para("Suite à donner", s.cell_head),
            para("Qui", s.cell_head),
            para("État", s.cell_head),
        ]
    ]
    extra: list[tuple[Any, ...]] = []
    for follow_up in follow_ups[:MAX_ROWS]:
        if follow_up.state is FollowUpState.DONE and follow_up.done_on is not None:
            state = para(f"Fait le {french_date(follow_up.done_on)}", s.cell)
        elif follow_up.overdue:
            state = _markup(
                f"<font color='{MISSING_INK}'><b>{follow_up.state_label} – en retard</b></font>",
                s.cell,
            )
            extra.append(("BACKGROUND", (0, len(rows)), (-1, len(rows)), MISSING_FILL))
        else:
            state = para(follow_up.state_label, s.cell)
        rows.append(
            [
                para(french_date(follow_up.due_on) if follow_up.due_on else "sans date", s.cell),
                para(follow_up.what, s.cell),
                para(follow_up.who or "—", s.cell),
                state,
            ]
        )
    w = [1.9 * cm, 4.2 * cm, 3.2 * cm]
    story.append(
        pdf.data_table(rows, [w[0], width - sum(w), w[1], w[2]], banded=False, extra=extra)
    )
    if len(follow_ups) > MAX_ROWS:
        story.append(para(f"… et {len(follow_ups) - MAX_ROWS} autres suites.", s.muted))
    return story


__all__ = [
    "author_of",
    "context_section",
    "key_figures",
    "money_group_table",
    "money_text",
    "percent_text",
    "priority_label",
    "render_annual_report",
    "save_annual_report",
]
