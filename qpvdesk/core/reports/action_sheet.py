"""The fiche action: one page about an action, for a partner or a commission.

From `services.evaluation.action_sheet_data`: who carries the action and where it
sits in the contract's framework (priority, strategic and operational objectives,
cross-cutting themes, the State's nomenclature), its period, place, public and
description, its funding year by year (per funder and budget line, droit commun or
crédits spécifiques), its indicators planned and achieved, the compte rendu
financier (CERFA 15059) of each dossier whose report arrived, and the latest
progress notes. Several sheets make one PDF, each starting on its own page.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qpvdesk.core.reports.annual_report import (
    author_of,
    decimal_text,
    french_date,
    money_text,
    percent_text,
    subheading,
    total_row_style,
)
from qpvdesk.core.services.evaluation import ActionSheet
from qpvdesk.core.services.finance import Amounts
from qpvdesk.core.services.indicators import FinancialReport, ReportLine, ReportTotal

if TYPE_CHECKING:
    from qpvdesk.core.reports.pdf import Styles

# The latest progress notes printed (the Actions page has them all).
MAX_NOTES = 4
MUTED_HEX = "#5f6b7a"
# Space above a section title: tight, so that a sheet holds on one page.
SPACE = 5.0


def title_of(sheet: ActionSheet) -> str:
    return f"Fiche action – {sheet.action.title}"


def render_action_sheets(sheets: Sequence[ActionSheet], *, invariant: bool = False) -> bytes:
    """The fiches of *sheets* as one PDF (A4 portrait), each on its own page(s)."""
    from reportlab.platypus import PageBreak

    from qpvdesk.core.reports import pdf

    if not sheets:
        raise ValueError("no action sheet to render")
    s = pdf.styles()
    width = pdf.frame_width(pdf.PORTRAIT)
    story: list[Any] = []
    for index, sheet in enumerate(sheets):
        if index:
            story.append(PageBreak())
        story.extend(_sheet(sheet, width, s))
    first = sheets[0]
    header = first.header
    if len(sheets) == 1:
        title = title_of(first)
        subject = f"{header.contract_name} – fiche de l'action « {first.action.title} »"
    else:
        title = f"Fiches actions ({len(sheets)}) – {header.contract_name}"
        subject = f"{header.contract_name} – {len(sheets)} fiches actions"
    info = pdf.PdfInfo(
        title=title,
        author=author_of(header),
        subject=subject,
        footer=header.contract_name,
        generated_on=first.generated_on,
        running_title=title,
        keywords=("fiche action", header.contract_name),
    )
    return pdf.build_pdf(story, info, invariant=invariant)


def render_action_sheet(sheet: ActionSheet, *, invariant: bool = False) -> bytes:
    """One fiche action as PDF bytes."""
    return render_action_sheets([sheet], invariant=invariant)


def save_action_sheets(sheets: Sequence[ActionSheet], path: Path) -> Path:
    """Render and save the fiches at *path* atomically; returns the path written."""
    from qpvdesk.core.reports.pdf import save_pdf

    return save_pdf(render_action_sheets(sheets), Path(path))


def _sheet(sheet: ActionSheet, width: float, s: Styles) -> list[Any]:
    from reportlab.platypus import Spacer

    from qpvdesk.core.reports.pdf import para

    action = sheet.action
    row = action.row
    story: list[Any] = [
        para(f"{sheet.header.contract_name} · fiche action", s.muted),
        para(action.title, s.title),
        para(row.holder_name or "Porteur non renseigné", s.subtitle, markup="<b>{}</b>"),
        Spacer(1, 4),
    ]
    operational = (
        f"{row.objective_code} – {row.objective_title}"
        if row.objective_code and row.objective_title
        else row.objective_title or row.objective_code or "non rattachée"
    )
    facts: list[Fact] = [
        ("Type", f"{row.kind_label} · {row.state_label.lower()}", "Période", row.period_label),
    ]
    if action.priority_code:
        facts.append(("Priorité", f"{action.priority_code} – {action.priority_title}", None, None))
    if action.strategic_code:
        strategic = f"{action.strategic_code} – {action.strategic_title}"
        facts.append(("Objectif stratégique", strategic, None, None))
    facts.append(("Objectif opérationnel", operational, None, None))
    facts.append(
        (
            "Axes transversaux",
            ", ".join(row.theme_titles) or "—",
            "Nomenclature de l'État",
            action.state_theme_label or "—",
        )
    )
    facts.append(("Lieu", row.place or "—", "Public", row.public or "—"))
    if action.questions:
        questions = "\n".join(f"n° {q.number} : {q.text}" for q in action.questions)
        facts.append(("Questions évaluatives", questions, None, None))
    story.append(_facts(facts, width, s))
    if action.description:
        story.append(subheading("Description", s, SPACE))
        story.append(para(action.description, s.small))
    story.extend(_funding(sheet, width, s))
    story.extend(_indicators(sheet, width, s))
    for report in sheet.reports:
        story.extend(_report(report, width, s))
    story.extend(_notes(sheet, s))
    return story


Fact = tuple[str, str, str | None, str | None]


def _facts(facts: Sequence[Fact], width: float, s: Styles) -> Any:
    """A box of labels and values, two pairs a row; a pair alone spans the row."""
    from reportlab.lib.units import cm

    from qpvdesk.core.reports import pdf
    from qpvdesk.core.reports.pdf import para

    label_w = 3.2 * cm
    value_w = (width - 2 * label_w) / 2
    rows: list[list[Any]] = []
    extra: list[tuple[Any, ...]] = [("BACKGROUND", (0, 0), (0, -1), pdf.HEADER_FILL)]
    for label, value, other_label, other_value in facts:
        index = len(rows)
        if other_label is None:
            rows.append([para(label, s.cell_head), para(value, s.cell), "", ""])
            extra.append(("SPAN", (1, index), (3, index)))
        else:
            rows.append(
                [
                    para(label, s.cell_head),
                    para(value or "—", s.cell),
                    para(other_label, s.cell_head),
                    para(other_value or "—", s.cell),
                ]
            )
            extra.append(("BACKGROUND", (2, index), (2, index), pdf.HEADER_FILL))
    return pdf.data_table(
        rows,
        [label_w, value_w, label_w, value_w],
        header_rows=0,
        banded=False,
        extra=[("INNERGRID", (0, 0), (-1, -1), 0.25, pdf.RULE), *extra],
    )


def _funding(sheet: ActionSheet, width: float, s: Styles) -> list[Any]:
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph

    from qpvdesk.core.reports import pdf
    from qpvdesk.core.reports.pdf import escape_text, para

    action = sheet.action
    story: list[Any] = [subheading("Financements, année par année", s, SPACE)]
    dossiers = action.row.dossiers
    if dossiers:
        listed = ", ".join(
            f"{d.reference} ({d.years_label}, {d.state_label.lower()})" for d in dossiers
        )
        story.append(para(f"Dossiers : {listed}.", s.small))
    if not action.funding:
        story.append(para("Aucun financement n'est enregistré pour cette action.", s.muted))
        return story
    heads = ("Demandé", "Accordé", "Engagé", "Versé")
    amount_w = 1.8 * cm
    year_w, nature_w = 1.2 * cm, 2.9 * cm
    line_w = width - year_w - nature_w - amount_w * len(heads)
    rows: list[list[Any]] = [
        [
            para("Année", s.cell_head),
            para("Financeur et ligne budgétaire", s.cell_head),
            para("Nature", s.cell_head),
            *(para(h, s.cell_head_right) for h in heads),
        ]
    ]
    extra: list[tuple[Any, ...]] = []
    start = 1
    years: dict[int, Amounts] = {}
    for index, funding in enumerate(action.funding):
        first_of_year = index == 0 or action.funding[index - 1].year != funding.year
        if first_of_year and index:
            if len(rows) - start > 1:
                extra.append(("SPAN", (0, start), (0, len(rows) - 1)))
            start = len(rows)
        line = escape_text(funding.line_name)
        if funding.line_code and _bare(funding.line_code) not in _bare(funding.line_name):
            line = f"{line} ({escape_text(funding.line_code)})"
        rows.append(
            [
                para(str(funding.year) if first_of_year else "", s.cell_bold),
                Paragraph(
                    f"{escape_text(funding.funder_name)}"
                    f"<br/><font color='{MUTED_HEX}'>{line}</font>",
                    s.cell,
                ),
                para(funding.nature_label, s.cell),
                para(pdf.money(funding.requested), s.cell_right),
                para(pdf.money(funding.granted), s.cell_right),
                para(money_text(funding.committed), s.cell_right),
                para(money_text(funding.paid), s.cell_right),
            ]
        )
    if len(rows) - start > 1:
        extra.append(("SPAN", (0, start), (0, len(rows) - 1)))
    for item in sheet.years:
        years[item.year] = item.total
    total = sheet.total
    rows.append(
        [
            para("Total", s.cell_head),
            para(
                "engagé "
                + " · ".join(f"{year} : {money_text(a.committed)}" for year, a in years.items())
                if len(years) > 1
                else "",
                s.cell,
            ),
            para("", s.cell),
            para(money_text(total.requested), s.cell_head_right),
            para(money_text(total.granted), s.cell_head_right),
            para(money_text(total.committed), s.cell_head_right),
            para(money_text(total.paid), s.cell_head_right),
        ]
    )
    extra += [*total_row_style(), ("SPAN", (1, len(rows) - 1), (2, len(rows) - 1))]
    story.append(
        pdf.data_table(
            rows,
            [year_w, line_w, nature_w] + [amount_w] * len(heads),
            banded=False,
            extra=extra,
        )
    )
    return story


def _indicators(sheet: ActionSheet, width: float, s: Styles) -> list[Any]:
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph

    from qpvdesk.core.reports import pdf
    from qpvdesk.core.reports.pdf import para

    indicators = sheet.indicators
    if not indicators:
        return []
    row = sheet.action.row
    years = sorted({value.year for item in indicators for value in item.values})
    if not years and row.start_year is not None:
        years = list(range(row.start_year, (row.end_year or row.start_year) + 1))
    years = years[-6:]  # the latest years when an action lasts long
    unit_w, ref_w, year_w = 1.9 * cm, 1.75 * cm, 1.7 * cm
    name_w = width - unit_w - 2 * ref_w - year_w * len(years)
    rows: list[list[Any]] = [
        [
            para("Indicateur", s.cell_head),
            para("Unité", s.cell_head),
            para("Référence", s.cell_head_right),
            para("Cible", s.cell_head_right),
            *(para(str(year), s.cell_head_right) for year in years),
        ]
    ]
    for item in indicators:
        cells = []
        for year in years:
            value = item.value(year)
            if value.planned is None and value.achieved is None:
                cells.append(para("—", s.cell_right))
                continue
            text = f"<b>{decimal_text(value.achieved)}</b>"
            if value.planned is not None:
                text += (
                    f"<br/><font size='6.3' color='{MUTED_HEX}'>"
                    f"prévu {decimal_text(value.planned)}</font>"
                )
            cells.append(Paragraph(text, s.cell_right))
        rows.append(
            [
                para(item.name, s.cell_bold),
                para(item.unit or "", s.cell),
                para(decimal_text(item.baseline), s.cell_right),
                para(decimal_text(item.target), s.cell_right),
                *cells,
            ]
        )
    return [
        subheading("Indicateurs : réalisé (en gras) et prévu", s, SPACE),
        pdf.data_table(rows, [name_w, unit_w, ref_w, ref_w] + [year_w] * len(years)),
    ]


def _report(report: FinancialReport, width: float, s: Styles) -> list[Any]:
    """The CERFA 15059 planned vs achieved: charges and products side by side."""
    from reportlab.lib.units import cm
    from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

    from qpvdesk.core.reports import pdf
    from qpvdesk.core.reports.pdf import para

    received = (
        f", reçu le {french_date(report.report_received_on)}" if report.report_received_on else ""
    )
    heading = subheading(
        f"Compte rendu financier (CERFA 15059) du dossier {report.reference}{received}", s, SPACE
    )
    gap = 0.4 * cm
    half = (width - gap) / 2
    amount_w, rate_w = 1.65 * cm, 1.55 * cm

    def side(
        title: str,
        lines: Sequence[ReportLine],
        total: ReportTotal,
        extras: Sequence[ReportTotal],
    ) -> Any:
        rows: list[list[Any]] = [
            [
                para(title, s.cell_head),
                para("Prévu", s.cell_head_right),
                para("Réalisé", s.cell_head_right),
                para("%", s.cell_head_right),
            ]
        ]
        bold: list[int] = []
        entries: list[tuple[ReportLine | ReportTotal, bool]] = [(line, False) for line in lines]
        entries += [(total, True)] + [(extra, False) for extra in extras]
        for item, is_total in entries:
            label = item.heading_label if isinstance(item, ReportLine) else item.label
            style = s.cell_head_right if is_total else s.cell_right
            if is_total:
                bold.append(len(rows))
            rows.append(
                [
                    para(label, s.cell_head if is_total else s.cell),
                    para(pdf.money(item.planned), style),
                    para(pdf.money(item.achieved), style),
                    para(percent_text(_rate(item.achieved, item.planned)), style),
                ]
            )
        return pdf.data_table(
            rows,
            [half - 2 * amount_w - rate_w, amount_w, amount_w, rate_w],
            banded=False,
            extra=[("BACKGROUND", (0, i), (-1, i), pdf.HEADER_FILL) for i in bold],
        )

    contributions = bool(report.contributions_used or report.contributions_received)
    charges = side(
        "Charges",
        report.charges,
        report.total_charges,
        [report.total_contributions_used] if contributions else [],
    )
    products = side(
        "Produits",
        report.products,
        report.total_products,
        [report.total_contributions_received] if contributions else [],
    )
    pair = Table([[charges, "", products]], colWidths=[half, gap, half], hAlign="LEFT")
    pair.setStyle(
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
    facts = [
        f"Subvention accordée : {money_text(report.granted)}",
        f"versé : {money_text(report.paid)}",
    ]
    if report.subsidy_share is not None:
        facts.append(f"soit {percent_text(report.subsidy_share)} des produits")
    if report.achieved_balance is not None:
        balance = money_text_signed(report.achieved_balance)
        facts.append(f"solde réalisé (produits − charges) : {balance}")
    story: list[Any] = [
        KeepTogether([heading, pair]),
        Spacer(1, 2),
        para(" ; ".join(facts) + ".", s.small),
    ]
    if report.report_text:
        story.append(Spacer(1, 2))
        story.append(para(report.report_text, s.note, markup="« {} »"))
    return story


def _bare(text: str) -> str:
    return "".join(text.split()).casefold()


def money_text_signed(value: Any) -> str:
    """A balance: ``-1 234 €`` with a real minus sign."""
    text = money_text(value)
    return text.replace("-", "−", 1) if text.startswith("-") else text


def _rate(achieved: Any, planned: Any) -> Decimal | None:
    if achieved is None or planned is None or not planned.cents:
        return None
    return Decimal(achieved.cents * 100) / Decimal(planned.cents)


def _notes(sheet: ActionSheet, s: Styles) -> list[Any]:
    from reportlab.platypus import Paragraph

    from qpvdesk.core.reports.pdf import escape_text

    notes = sorted(sheet.action.notes, key=lambda n: (n.written_on, n.id), reverse=True)
    if not notes:
        return []
    story: list[Any] = [subheading("Suivi de l'action (dernières notes)", s, SPACE)]
    for note in notes[:MAX_NOTES]:
        story.append(
            Paragraph(f"<b>{french_date(note.written_on)}</b> – {escape_text(note.text)}", s.small)
        )
    if len(notes) > MAX_NOTES:
        story.append(Paragraph(f"… et {len(notes) - MAX_NOTES} notes plus anciennes.", s.muted))
    return story


__all__ = [
    "render_action_sheet",
    "render_action_sheets",
    "save_action_sheets",
    "title_of",
]
