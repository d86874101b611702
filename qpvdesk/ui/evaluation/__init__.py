"""The "Évaluation" screen: evaluative questions, indicator trajectories and financial reports."""
