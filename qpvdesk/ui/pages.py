"""Which screen shows each section of the navigation list."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from qpvdesk.ui.actions.actions_screen import ActionsScreen
from qpvdesk.ui.calls.calls_screen import CallsScreen
from qpvdesk.ui.context import AppContext
from qpvdesk.ui.dashboard.dashboard_screen import DashboardScreen
from qpvdesk.ui.dossiers.dossiers_screen import DossiersScreen
from qpvdesk.ui.evaluation.evaluation_screen import EvaluationScreen
from qpvdesk.ui.finance.finance_screen import FinanceScreen
from qpvdesk.ui.framework.framework_screen import FrameworkScreen
from qpvdesk.ui.meetings.meetings_screen import MeetingsScreen
from qpvdesk.ui.observation.observation_screen import ObservationScreen
from qpvdesk.ui.partners.partners_screen import PartnersScreen
from qpvdesk.ui.sections import DASHBOARD, FRAMEWORK, Section

# One line per built screen: section key -> factory taking the application context.
PAGES: dict[str, Callable[[AppContext], QWidget]] = {
    DASHBOARD: DashboardScreen,
    FRAMEWORK: FrameworkScreen,
    "funding": FinanceScreen,
    "partners": PartnersScreen,
    "calls": CallsScreen,
    "dossiers": DossiersScreen,
    "actions": ActionsScreen,
    "evaluation": EvaluationScreen,
    "observation": ObservationScreen,
    "committees": MeetingsScreen,
}


def make_page(section: Section, context: AppContext) -> QWidget:
    """The screen of *section*."""
    return PAGES[section.key](context)
