"""Text helpers shared by the domain: folding for search and duplicate detection."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Case- and accent-free form of *text* (``"Élodie"`` → ``"elodie"``), for search columns."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.replace("œ", "oe").replace("æ", "ae").split())
