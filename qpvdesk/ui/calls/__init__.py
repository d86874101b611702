"""The "Appels à projets" screen: yearly and thematic calls."""
