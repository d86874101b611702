"""The "Actions" screen: every action, its notes, funding, indicators and coverage."""
