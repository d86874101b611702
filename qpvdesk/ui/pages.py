"""Which screen shows each section of the navigation list.

A screen's module is imported when the screen is first built, so that starting the window
imports only the section it opens on.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import cast

from PySide6.QtWidgets import QWidget

from qpvdesk.ui.context import AppContext
from qpvdesk.ui.sections import DASHBOARD, FRAMEWORK, Section

# One line per built screen: section key -> "module:Class" taking the application context.
PAGES: dict[str, str] = {
    DASHBOARD: "qpvdesk.ui.dashboard.dashboard_screen:DashboardScreen",
    FRAMEWORK: "qpvdesk.ui.framework.framework_screen:FrameworkScreen",
    "funding": "qpvdesk.ui.finance.finance_screen:FinanceScreen",
    "partners": "qpvdesk.ui.partners.partners_screen:PartnersScreen",
    "calls": "qpvdesk.ui.calls.calls_screen:CallsScreen",
    "dossiers": "qpvdesk.ui.dossiers.dossiers_screen:DossiersScreen",
    "actions": "qpvdesk.ui.actions.actions_screen:ActionsScreen",
    "evaluation": "qpvdesk.ui.evaluation.evaluation_screen:EvaluationScreen",
    "observation": "qpvdesk.ui.observation.observation_screen:ObservationScreen",
    "committees": "qpvdesk.ui.meetings.meetings_screen:MeetingsScreen",
}


def make_page(section: Section, context: AppContext) -> QWidget:
    """The screen of *section* (its module is imported now)."""
    module_name, class_name = PAGES[section.key].split(":")
    screen = cast(Callable[[AppContext], QWidget],
                  getattr(importlib.import_module(module_name), class_name))
    return screen(context)
