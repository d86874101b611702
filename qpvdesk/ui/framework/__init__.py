"""The "Cadre stratégique" screen: the objective tree, its detail panel and its editing."""
