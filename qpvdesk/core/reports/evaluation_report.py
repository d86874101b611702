"""The evaluation over a span of years: its PDF, from `services.evaluation.evaluation_data`.

The contract plans a mid-term evaluation (2027, on 2024–2026) and a final one,
around three evaluative questions. For the years evaluated this report gives: the
money mobilised year by year (droit commun and crédits spécifiques) and per
priority, each evaluative question with the indicators and actions linked to it
and their trajectories year by year (tables and small planned / achieved charts),
the coverage of the operational objectives and the residents' participation per
year, and the context figures of the neighbourhood over the period.

Beyond five years (the final evaluation: 2024–2030) the pages are landscape so that
every year keeps its column.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qpvdesk.core.reports.annual_report import (
    amount_width,
    author_of,
    context_section,
    decimal_text,
    french_date,
    key_figures,
    money_text,
    neighbourhood_text,
    percent_text,
    plural,
    share_text,
    signed,
    sources_note,
    subheading,
    total_row_style,
)
from qpvdesk.core.services.evaluation import (
    ActionTrajectory,
    EvaluationReport,
    IndicatorTrajectory,
    QuestionSection,
    YearMoney,
)
from qpvdesk.core.services.finance import Amounts

if TYPE_CHECKING:
    from qpvdesk.core.reports.pdf import Styles

# Beyond this many years the report is laid out in landscape.
PORTRAIT_YEARS = 5
# Small multiples per drawing (a drawing never splits across pages).
PANEL_ROWS_PER_DRAWING = 2
QUESTION_FILL = "#eef3f9"
MUTED_HEX = "#5f6b7a"


def title_of(data: EvaluationReport) -> str:
    return f"Évaluation {span_text(data)} – {data.header.contract_name}"


def span_text(data: EvaluationReport) -> str:
    if data.first_year == data.last_year:
        return str(data.first_year)
    return f"{data.first_year}–{data.last_year}"


def kind_text(data: EvaluationReport) -> str:
    """« Évaluation finale » when the whole contract is covered, else the years."""
    header = data.header
    if data.first_year <= header.start_year and data.last_year >= header.end_year:
        return "Évaluation finale du contrat de ville"
    if data.first_year == data.last_year:
        return f"Évaluation du contrat de ville, année {data.first_year}"
    return f"Évaluation du contrat de ville, années {data.first_year} à {data.last_year}"


def render_evaluation_report(data: EvaluationReport, *, invariant: bool = False) -> bytes:
    """The evaluation as PDF bytes (A4; landscape beyond five years)."""
    from reportlab.lib.units import cm
    from reportlab.platypus import CondPageBreak, PageBreak, Spacer

    from qpvdesk.core.reports import pdf
    from qpvdesk.core.reports.pdf import para

    s = pdf.styles()
    orientation = pdf.PORTRAIT if len(data.years) <= PORTRAIT_YEARS else pdf.LANDSCAPE
    width = pdf.frame_width(orientation)
    header = data.header
    story: list[Any] = []

    story.append(para(header.contract_name, s.muted))
    story.append(para(f"Évaluation {span_text(data)}", s.title))
    story.append(para(kind_text(data), s.subtitle, markup="<b>{}</b>"))
    story.append(Spacer(1, 4))
    code = f" ({header.contract_code})" if header.contract_code else ""
    story.append(
        pdf.key_values(
            [
                ("Commune", header.town or "—"),
                ("Quartier prioritaire", neighbourhood_text(header)),
                (
                    "Contrat",
                    f"{header.contract_name}{code}, {header.start_year}–{header.end_year}",
                ),
                ("Années évaluées", ", ".join(str(year) for year in data.years)),
                ("Établi le", french_date(data.generated_on)),
            ],
            width,
            s,
        )
    )
    story.append(Spacer(1, 8))
    story.append(para(f"L'essentiel de {span_text(data)}", s.heading))
    story.append(key_figures(_tiles(data), width))
    story.append(Spacer(1, 4))
    story.append(
        para(
            "Ce document rassemble, pour les années évaluées, les moyens mobilisés par le "
            "contrat de ville, les indicateurs et les actions reliés à chacune des questions "
            "évaluatives, la couverture des objectifs, la participation des habitants et "
            "l'évolution du quartier. Il sert de base au travail d'évaluation ; il ne le "
            "remplace pas.",
            s.muted,
        )
    )

    # 1. Money
    story.append(CondPageBreak(9 * cm))
    story.append(para("1. Les moyens mobilisés", s.heading))
    story.extend(_money_section(data, width, s))

    # 2. Questions
    story.append(PageBreak())
    story.append(para("2. Les questions évaluatives", s.heading))
    if not data.questions:
        story.append(para("Aucune question évaluative n'est enregistrée.", s.muted))
    for index, section in enumerate(data.questions):
        if index:
            story.append(CondPageBreak(9 * cm))
        story.extend(_question_section(section, data, width, s))

    # 3. Coverage and participation
    story.append(CondPageBreak(7 * cm))
    story.append(para("3. La couverture des objectifs et la participation", s.heading))
    story.extend(_coverage_section(data, width, s))

    # 4. Context
    story.append(CondPageBreak(8 * cm))
    context_heading = para("4. L'évolution du quartier", s.heading)
    if data.context:
        intro = para(
            f"Données de contexte renseignées entre {data.first_year} et {data.last_year} "
            "et connues sur au moins deux années.",
            s.muted,
        )
        lead = [context_heading, intro, Spacer(1, 6)]
        story.extend(context_section(data.context, width, s, lead=lead))
        story.append(sources_note(s))
    else:
        story.append(context_heading)
        story.append(
            para(
                "Aucune donnée de contexte n'a été renseignée sur la période pour un "
                "indicateur connu sur plusieurs années.",
                s.muted,
            )
        )

    info = pdf.PdfInfo(
        title=title_of(data),
        author=author_of(header),
        subject=f"{header.contract_name} – {kind_text(data).lower()}",
        footer=header.contract_name,
        generated_on=data.generated_on,
        running_title=title_of(data),
        keywords=("évaluation", span_text(data), "questions évaluatives", "contrat de ville"),
    )
    return pdf.build_pdf(story, info, first=orientation, invariant=invariant)


def save_evaluation_report(data: EvaluationReport, path: Path) -> Path:
    """Render and save the evaluation at *path* atomically; returns the path written."""
    from qpvdesk.core.reports.pdf import save_pdf

    return save_pdf(render_evaluation_report(data), Path(path))


def _tiles(data: EvaluationReport) -> list[tuple[str, str, str]]:
    total = data.total
    common_law = sum((y.common_law for y in data.money_by_year), Amounts.zero())
    specific = sum((y.specific for y in data.money_by_year), Amounts.zero())
    events = sum(p.events for p in data.participation)
    participants = sum(p.participants for p in data.participation)
    last = data.coverage[-1] if data.coverage else None
    linked_indicators = sum(len(q.indicators) for q in data.questions)
    linked_actions = len({a.action_id for q in data.questions for a in q.actions})
    return [
        (money_text(total.committed), "engagés", f"demandés : {money_text(total.requested)}"),
        (money_text(total.paid), "versés", f"accordés : {money_text(total.granted)}"),
        (
            money_text(common_law.committed),
            "droit commun",
            f"{share_text(common_law.committed, total.committed)} de l'engagé",
        ),
        (
            money_text(specific.committed),
            "crédits spécifiques",
            f"{share_text(specific.committed, total.committed)} de l'engagé",
        ),
        (
            "—" if last is None else f"{last.covered} / {last.objectives}",
            "objectifs opérationnels couverts",
            "" if last is None else f"en {last.year}",
        ),
        (
            str(len(data.questions)),
            "questions évaluatives",
            f"{plural(linked_indicators, 'indicateur')}, {plural(linked_actions, 'action')} reliés",
        ),
        (str(events), "temps de participation", plural(participants, "participant")),
        (str(len(data.context)), "données de contexte suivies", "comparées entre territoires"),
    ]


def _year_money_table(
    money: Sequence[YearMoney], width: float, s: Styles, *, first_head: str = "Année"
) -> Any:
    from reportlab.lib.units import cm

    from qpvdesk.core.reports import pdf
    from qpvdesk.core.reports.pdf import para

    heads = ("Demandé", "Droit commun", "Crédits spécifiques", "Total engagé", "Accordé", "Versé")
    common_law = sum((m.common_law for m in money), Amounts.zero())
    specific = sum((m.specific for m in money), Amounts.zero())
    total = common_law + specific
    amount_w = amount_width([total.requested, total.committed, total.granted, total.paid], 2.3 * cm)
    rows: list[list[Any]] = [
        [para(first_head, s.cell_head), *(para(h, s.cell_head_right) for h in heads)]
    ]

    def cells(common_law: Amounts, specific: Amounts, bold: bool) -> list[Any]:
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

    for item in money:
        rows.append([para(str(item.year), s.cell), *cells(item.common_law, item.specific, False)])
    rows.append([para("Total", s.cell_head), *cells(common_law, specific, True)])
    return pdf.data_table(
        rows, [width - amount_w * len(heads)] + [amount_w] * len(heads), extra=total_row_style()
    )


def _money_section(data: EvaluationReport, width: float, s: Styles) -> list[Any]:
    from reportlab.lib.units import cm
    from reportlab.platypus import KeepTogether, Spacer

    from qpvdesk.core.reports import charts, pdf
    from qpvdesk.core.reports.pdf import para

    years = [str(year) for year in data.years]
    story: list[Any] = []
    nature_chart = charts.vertical_bars(
        years,
        [
            charts.Series(
                "Droit commun",
                tuple(m.common_law.committed.cents / 100 for m in data.money_by_year),
                charts.COMMON_LAW_COLOUR,
            ),
            charts.Series(
                "Crédits spécifiques",
                tuple(m.specific.committed.cents / 100 for m in data.money_by_year),
                charts.SPECIFIC_COLOUR,
            ),
        ],
        width,
        6.0 * cm,
        totals=[money_text(m.total.committed) for m in data.money_by_year],
    )
    story.append(
        KeepTogether(
            [
                subheading("Montants engagés par année", s),
                nature_chart,
                Spacer(1, 6),
                _year_money_table(data.money_by_year, width, s),
                Spacer(1, 3),
                para(
                    "Engagé : le montant accordé, ou le montant proposé tant que rien n'est "
                    "accordé. Un financement compte dans son exercice.",
                    s.muted,
                ),
            ]
        )
    )
    # Priorities × years
    priorities = data.money_by_priority
    if priorities:
        label_w = 5.2 * cm
        total_w = amount_width([data.total.committed], 2.4 * cm)
        year_w = (width - label_w - total_w) / max(1, len(data.years))
        rows: list[list[Any]] = [
            [
                para("Priorité", s.cell_head),
                *(para(year, s.cell_head_right) for year in years),
                para("Total", s.cell_head_right),
            ]
        ]
        for priority in priorities:
            label = f"{priority.code} – {priority.label}" if priority.code else priority.label
            rows.append(
                [
                    para(label, s.cell),
                    *(para(money_text(y.total.committed), s.cell_right) for y in priority.years),
                    para(money_text(priority.total.committed), s.cell_head_right),
                ]
            )
        rows.append(
            [
                para("Total", s.cell_head),
                *(
                    para(money_text(m.total.committed), s.cell_head_right)
                    for m in data.money_by_year
                ),
                para(money_text(data.total.committed), s.cell_head_right),
            ]
        )
        table = pdf.data_table(
            rows, [label_w] + [year_w] * len(data.years) + [total_w], extra=total_row_style()
        )
        chart = charts.vertical_bars(
            years,
            [
                charts.Series(
                    f"{p.code} – {p.label}" if p.code else p.label,
                    tuple(y.total.committed.cents / 100 for y in p.years),
                    charts.colour(index),
                )
                for index, p in enumerate(priorities)
            ],
            width,
            6.5 * cm,
            totals=[money_text(m.total.committed) for m in data.money_by_year],
        )
        story.append(
            KeepTogether(
                [
                    subheading("Montants engagés par priorité, année par année", s),
                    chart,
                    Spacer(1, 6),
                    table,
                ]
            )
        )
    return story


def _question_section(
    section: QuestionSection, data: EvaluationReport, width: float, s: Styles
) -> list[Any]:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

    from qpvdesk.core.reports import pdf
    from qpvdesk.core.reports.pdf import para

    question_style = ParagraphStyle(
        "question", parent=s.body, fontName=pdf.FONT_BOLD, fontSize=10.5, leading=14,
        textColor=pdf.INK, spaceAfter=0,
    )  # fmt: skip
    box = Table(
        [
            [para(f"Question évaluative n° {section.number}", s.small, markup="<b>{}</b>")],
            [para(section.text, question_style)],
        ],
        colWidths=[width],
        hAlign="LEFT",
    )
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), QUESTION_FILL),
                ("LINEBEFORE", (0, 0), (0, -1), 3, pdf.ACCENT),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    story: list[Any] = [Spacer(1, 8), box, Spacer(1, 4)]
    if not section.indicators and not section.actions:
        story.append(
            para(
                "Aucun indicateur ni aucune action ne sont encore reliés à cette question "
                "(page Évaluation).",
                s.muted,
            )
        )
        return story
    summary = (
        f"{plural(len(section.indicators), 'indicateur')} et "
        f"{plural(len(section.actions), 'action')} reliés à cette question"
    )
    if section.actions:
        summary += f", {money_text(section.total.committed)} engagés sur la période"
    story.append(para(summary + ".", s.muted))

    # Indicators: table, then small multiples
    if section.indicators:
        story.append(subheading("Indicateurs, année par année", s))
        story.append(_indicator_table(section.indicators, data, width, s))
        story.append(
            para(
                "Par année : le réalisé (en gras) et le prévu. Évolution : dernier réalisé "
                "moins la valeur de référence (à défaut, le premier réalisé) ; part de la "
                "cible atteinte.",
                s.muted,
            )
        )
        story.append(Spacer(1, 6))
        story.extend(_panels(section.indicators, data, width))
    else:
        story.append(
            para(
                "Aucun indicateur n'est encore relié à cette question (page Évaluation).",
                s.muted,
            )
        )

    # Actions
    if section.actions:
        story.append(
            KeepTogether(
                [
                    subheading("Actions, année par année", s),
                    _action_table(section, data, width, s),
                ]
            )
        )
    else:
        story.append(
            para("Aucune action n'est encore reliée à cette question (page Évaluation).", s.muted)
        )
    return story


def _value_cell(achieved: Decimal | None, planned: Decimal | None, s: Styles) -> Any:
    from reportlab.platypus import Paragraph

    if achieved is None and planned is None:
        return Paragraph("—", s.cell_right)
    text = f"<b>{decimal_text(achieved)}</b>"
    if planned is not None:
        text += f"<br/><font size='6.3' color='{MUTED_HEX}'>prévu {decimal_text(planned)}</font>"
    return Paragraph(text, s.cell_right)


def _indicator_table(
    indicators: Sequence[IndicatorTrajectory], data: EvaluationReport, width: float, s: Styles
) -> Any:
    from reportlab.lib.units import cm

    from qpvdesk.core.reports import pdf
    from qpvdesk.core.reports.pdf import escape_text, para

    reference_w, year_w, change_w = 1.75 * cm, 1.6 * cm, 2.1 * cm
    name_w = width - 2 * reference_w - year_w * len(data.years) - change_w
    rows: list[list[Any]] = [
        [
            para("Indicateur (action ou objectif)", s.cell_head),
            para("Référence", s.cell_head_right),
            para("Cible", s.cell_head_right),
            *(para(str(year), s.cell_head_right) for year in data.years),
            para("Évolution", s.cell_head_right),
        ]
    ]
    for item in indicators:
        unit = f" ({escape_text(item.unit)})" if item.unit else ""
        name = (
            f"<b>{escape_text(item.name)}</b>{unit}"
            f"<br/><font color='{MUTED_HEX}'>{escape_text(item.owner_label)}</font>"
        )
        change = item.change
        evolution = "—" if change is None else signed(change, item.unit)
        if item.target_rate is not None:
            evolution += f"\n{percent_text(item.target_rate)} de la cible"
        rows.append(
            [
                _paragraph(name, s.cell),
                para(decimal_text(item.baseline), s.cell_right),
                para(decimal_text(item.target), s.cell_right),
                *(_value_cell(point.achieved, point.planned, s) for point in item.points),
                para(evolution, s.cell_right),
            ]
        )
    return pdf.data_table(
        rows, [name_w, reference_w, reference_w] + [year_w] * len(data.years) + [change_w]
    )


def _paragraph(markup: str, style: Any) -> Any:
    from reportlab.platypus import Paragraph

    return Paragraph(markup, style)


def _panels(
    indicators: Sequence[IndicatorTrajectory], data: EvaluationReport, width: float
) -> list[Any]:
    from reportlab.platypus import Spacer

    from qpvdesk.core.reports import charts

    columns = 3 if width < 600 else 4
    panels = [
        charts.Panel(
            title=item.name,
            subtitle=item.owner_label,
            years=tuple(point.year for point in item.points),
            planned=tuple(point.planned for point in item.points),
            achieved=tuple(point.achieved for point in item.points),
            unit=item.unit,
            target=item.target,
        )
        for item in indicators
    ]
    per_drawing = columns * PANEL_ROWS_PER_DRAWING
    story: list[Any] = []
    for start in range(0, len(panels), per_drawing):
        story.append(
            charts.panel_grid(
                panels[start : start + per_drawing], width, columns=columns, legend=start == 0
            )
        )
        story.append(Spacer(1, 2))
    return story


def _action_table(section: QuestionSection, data: EvaluationReport, width: float, s: Styles) -> Any:
    from reportlab.lib.units import cm

    from qpvdesk.core.reports import pdf
    from qpvdesk.core.reports.pdf import escape_text, para

    year_w, total_w = 2.0 * cm, 2.2 * cm
    name_w = width - year_w * len(data.years) - total_w
    rows: list[list[Any]] = [
        [
            para("Action (porteur, objectif)", s.cell_head),
            *(para(str(year), s.cell_head_right) for year in data.years),
            para("Total", s.cell_head_right),
        ]
    ]
    for action in section.actions:
        rows.append(
            [
                _paragraph(_action_label(action, escape_text), s.cell),
                *(_action_point(action, index, s) for index in range(len(data.years))),
                para(money_text(action.total.committed), s.cell_head_right),
            ]
        )
    rows.append(
        [
            para("Total des actions reliées", s.cell_head),
            *(para(money_text(m.total.committed), s.cell_head_right) for m in section.money),
            para(money_text(section.total.committed), s.cell_head_right),
        ]
    )
    return pdf.data_table(
        rows, [name_w] + [year_w] * len(data.years) + [total_w], extra=total_row_style()
    )


def _action_label(action: ActionTrajectory, escape: Any) -> str:
    details = [action.holder_name or "porteur non renseigné"]
    if action.objective_code:
        details.append(action.objective_code)
    details.append(action.kind_label.lower())
    details.append(action.state_label.lower())
    return (
        f"<b>{escape(action.title)}</b>"
        f"<br/><font color='{MUTED_HEX}'>{escape(' · '.join(details))}</font>"
    )


def _action_point(action: ActionTrajectory, index: int, s: Styles) -> Any:
    from qpvdesk.core.reports.pdf import escape_text

    point = action.points[index]
    if not point.total.committed and not point.dossier_references:
        return _paragraph("—", s.cell_right)
    text = escape_text(money_text(point.total.committed))
    if point.dossier_state_labels:
        states = ", ".join(point.dossier_state_labels)
        text += f"<br/><font size='6.3' color='{MUTED_HEX}'>{escape_text(states)}</font>"
    return _paragraph(text, s.cell_right)


def _coverage_section(data: EvaluationReport, width: float, s: Styles) -> list[Any]:
    from reportlab.lib.units import cm
    from reportlab.platypus import Spacer

    from qpvdesk.core.reports import pdf
    from qpvdesk.core.reports.pdf import para

    story: list[Any] = [subheading("Objectifs opérationnels ayant au moins une action", s)]
    rows: list[list[Any]] = [
        [
            para("Année", s.cell_head),
            para("Couverts", s.cell_head_right),
            para("Part", s.cell_head_right),
            para("Objectifs sans action", s.cell_head),
        ]
    ]
    for item in data.coverage:
        share = (
            percent_text(Decimal(item.covered * 100) / Decimal(item.objectives))
            if item.objectives
            else "—"
        )
        rows.append(
            [
                para(str(item.year), s.cell),
                para(f"{item.covered} / {item.objectives}", s.cell_right),
                para(share, s.cell_right),
                para(", ".join(item.uncovered_codes) or "aucun", s.cell),
            ]
        )
    w = [1.6 * cm, 2.0 * cm, 1.8 * cm]
    story.append(pdf.data_table(rows, [*w, width - sum(w)]))
    story.append(Spacer(1, 6))
    story.append(subheading("Participation des habitants", s))
    rows = [
        [
            para("Année", s.cell_head),
            para("Temps de participation", s.cell_head_right),
            para("Participants", s.cell_head_right),
        ]
    ]
    for year in data.participation:
        rows.append(
            [
                para(str(year.year), s.cell),
                para(str(year.events), s.cell_right),
                para(str(year.participants), s.cell_right),
            ]
        )
    rows.append(
        [
            para("Total", s.cell_head),
            para(str(sum(p.events for p in data.participation)), s.cell_head_right),
            para(str(sum(p.participants for p in data.participation)), s.cell_head_right),
        ]
    )
    story.append(pdf.data_table(rows, [1.6 * cm, 3.6 * cm, 3.0 * cm], extra=total_row_style()))
    return story


__all__ = [
    "render_evaluation_report",
    "save_evaluation_report",
    "title_of",
]
