"""What the Actions page reads, as frozen rows built inside one read transaction.

`load_choices` gathers the pickers' lists (organisations, operational objectives,
cross-cutting themes, priorities, droit commun lines, the contract's years);
`load_action` everything the detail panel shows about one action.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from qpvdesk.core.domain.enums import FundingNature, ObjectiveLevel
from qpvdesk.core.domain.models import BudgetLine, CrossCuttingTheme, Organisation
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.services.actions import ActionDetail, action_detail
from qpvdesk.core.services.calls import contract_years
from qpvdesk.core.services.framework import objective_rows
from qpvdesk.core.services.indicators import IndicatorRow, indicator_rows


@dataclass(frozen=True, slots=True)
class Choice:
    """One entry of a picker: the id it stands for, the text shown, a tooltip."""

    id: int
    text: str
    tooltip: str = ""


@dataclass(frozen=True, slots=True)
class ActionChoices:
    """Everything the page's pickers offer."""

    holders: tuple[Choice, ...]
    objectives: tuple[Choice, ...]
    priorities: tuple[Choice, ...]
    themes: tuple[Choice, ...]
    common_law_lines: tuple[Choice, ...]
    first_year: int
    last_year: int

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(range(self.first_year, self.last_year + 1))

    def priority_code(self, priority_id: int) -> str | None:
        found = next((c for c in self.priorities if c.id == priority_id), None)
        return None if found is None else found.text.split(" ")[0]


def load_choices(session: Session) -> ActionChoices:
    """Plain id-and-name queries (the services' list rows count far more than a picker needs)."""
    holders = tuple(
        Choice(id, f"{name} ({acronym})" if acronym else name)
        for id, name, acronym in session.execute(
            select(Organisation.id, Organisation.name, Organisation.acronym)
            .order_by(Organisation.search_name, Organisation.id)
        )
    )
    objectives_rows = objective_rows(session)
    objectives = tuple(
        Choice(row.id, f"{row.code} – {row.short_title or row.title}", row.title)
        for row in objectives_rows if row.level is ObjectiveLevel.OPERATIONAL
    )
    priorities = tuple(
        Choice(row.id, f"{row.code} – {row.short_title or row.title}", row.title)
        for row in objectives_rows if row.level is ObjectiveLevel.PRIORITY
    )
    themes = tuple(
        Choice(theme_id, title, kind.label)
        for theme_id, title, kind in session.execute(
            select(CrossCuttingTheme.id, CrossCuttingTheme.title, CrossCuttingTheme.kind)
            .order_by(CrossCuttingTheme.position, CrossCuttingTheme.id)
        )
    )
    lines = tuple(
        Choice(line_id, f"{acronym or funder} — {name}" + (f" ({code})" if code else ""),
               funder)
        for line_id, funder, acronym, name, code in session.execute(
            select(BudgetLine.id, Organisation.name, Organisation.acronym, BudgetLine.name,
                   BudgetLine.code)
            .join(Organisation, Organisation.id == BudgetLine.funder_id)
            .where(BudgetLine.nature == FundingNature.COMMON_LAW, BudgetLine.active.is_(True))
            .order_by(Organisation.search_name, BudgetLine.name, BudgetLine.id)
        )
    )
    try:
        first, last = contract_years(session)
    except ValidationError:  # a file without contract: nothing can be created anyway
        first = last = 2024
    return ActionChoices(holders, objectives, priorities, themes, lines, first, last)


@dataclass(frozen=True, slots=True)
class ActionSnapshot:
    """One action as the detail panel shows it."""

    detail: ActionDetail
    indicators: tuple[IndicatorRow, ...]


def load_action(session: Session, action_id: int) -> ActionSnapshot:
    """Raises `ValidationError` when the action no longer exists."""
    return ActionSnapshot(
        detail=action_detail(session, action_id),
        indicators=tuple(indicator_rows(session, action_id=action_id)),
    )


__all__ = ["ActionChoices", "ActionSnapshot", "Choice", "load_action", "load_choices"]
