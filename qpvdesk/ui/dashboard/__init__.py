"""The "Tableau de bord" screen: the year at a glance and what is due."""
