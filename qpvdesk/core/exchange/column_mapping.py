"""Other people's headings → our fields: synonyms, the header row, and the user's corrections.

A heading is recognised whatever its wording, accents, case or line breaks:
« Structure », « Porteur de projet », « Organisme », « Association » are the holder;
« Montant sollicité » is the requested amount; « Subvention » alone is what was
granted; « N° Dauphin » the State portal's number… (`SYNONYMS`). A heading is
normalised (`normalise`: folded, punctuation and filler words out, « n° » read as
« numéro »), then compared with every synonym: equal, or holding all its words
(« Montant demandé 2025 (€) »). When two fields claim a heading equally, the more
specific one wins (an identifier over a name, a code over a title); a real tie is
left unrecognised and reported, never guessed.

`find_header` finds the header row below a title block (the row naming the most
fields among the first `HEADER_SCAN_ROWS`). The band above it, when it names
different things over the amount columns (our programmation sheet: a funder over its
four amounts), says whose amounts they are: a *wide* sheet.

The user corrects what was recognised with `parse_mapping_options` (the command
line's ``--map "Montant sollicité=demande"``, either way round), which the window's
mapping step will fill the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from qpvdesk.core.domain.text import fold
from qpvdesk.core.errors import ValidationError
from qpvdesk.core.exchange.workbook_reading import cell_text, column_letter

HEADER_SCAN_ROWS = 30


class Kind(Enum):
    """How a field's cells are read."""

    TEXT = "text"
    AMOUNT = "amount"
    DATE = "date"
    YEAR = "year"


class Field(Enum):
    """What a column of an imported programmation can hold.

    The value is the key typed on the command line (``--map``); `label` is French.
    """

    REFERENCE = "reference"
    PORTAL_NUMBER = "numero_portail"
    YEAR = "annee"
    LAST_YEAR = "derniere_annee"
    HOLDER = "porteur"
    SIRET = "siret"
    RNA = "rna"
    ACTION = "action"
    PRIORITY = "priorite"
    OBJECTIVE_CODE = "code_objectif"
    OBJECTIVE = "objectif"
    THEMES = "axes"
    STATE_THEME = "thematique_etat"
    TOTAL_COST = "cout_total"
    RECEIVED_ON = "date_reception"
    STATE = "etat"
    OPINION = "avis"
    FUNDER = "financeur"
    LINE = "ligne"
    LINE_CODE = "code_ligne"
    NATURE = "nature"
    FUNDING_YEAR = "annee_financement"
    REQUESTED = "demande"
    PROPOSED = "propose"
    GRANTED = "accorde"
    PAID = "verse"
    PAID_ON = "date_versement"
    DECISION = "decision"
    DECIDED_ON = "date_decision"
    #: Headings known to carry nothing to import (totals, modification dates…).
    IGNORED = "ignorer"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def kind(self) -> Kind:
        return _KINDS.get(self, Kind.TEXT)

    @property
    def is_amount(self) -> bool:
        return self.kind is Kind.AMOUNT and self is not Field.TOTAL_COST


_LABELS = {
    Field.REFERENCE: "Référence",
    Field.PORTAL_NUMBER: "N° Dauphin",
    Field.YEAR: "Année",
    Field.LAST_YEAR: "Dernière année",
    Field.HOLDER: "Porteur",
    Field.SIRET: "SIRET",
    Field.RNA: "RNA",
    Field.ACTION: "Action",
    Field.PRIORITY: "Priorité",
    Field.OBJECTIVE_CODE: "Code objectif",
    Field.OBJECTIVE: "Objectif opérationnel",
    Field.THEMES: "Axes transversaux",
    Field.STATE_THEME: "Thématique de l'État",
    Field.TOTAL_COST: "Coût total",
    Field.RECEIVED_ON: "Reçu le",
    Field.STATE: "État",
    Field.OPINION: "Avis",
    Field.FUNDER: "Financeur",
    Field.LINE: "Ligne budgétaire",
    Field.LINE_CODE: "Code ligne",
    Field.NATURE: "Nature",
    Field.FUNDING_YEAR: "Année du financement",
    Field.REQUESTED: "Demandé",
    Field.PROPOSED: "Proposé",
    Field.GRANTED: "Accordé",
    Field.PAID: "Versé",
    Field.PAID_ON: "Dernier versement le",
    Field.DECISION: "Décision du financeur",
    Field.DECIDED_ON: "Décidé le",
    Field.IGNORED: "(ignorée)",
}

_KINDS = {
    Field.YEAR: Kind.YEAR,
    Field.LAST_YEAR: Kind.YEAR,
    Field.FUNDING_YEAR: Kind.YEAR,
    Field.TOTAL_COST: Kind.AMOUNT,
    Field.REQUESTED: Kind.AMOUNT,
    Field.PROPOSED: Kind.AMOUNT,
    Field.GRANTED: Kind.AMOUNT,
    Field.PAID: Kind.AMOUNT,
    Field.RECEIVED_ON: Kind.DATE,
    Field.PAID_ON: Kind.DATE,
    Field.DECIDED_ON: Kind.DATE,
}

#: Fields that describe a funding row (the others describe the dossier).
FUNDING_FIELDS = frozenset(
    {
        Field.FUNDER,
        Field.LINE,
        Field.LINE_CODE,
        Field.NATURE,
        Field.FUNDING_YEAR,
        Field.REQUESTED,
        Field.PROPOSED,
        Field.GRANTED,
        Field.PAID,
        Field.PAID_ON,
        Field.DECISION,
        Field.DECIDED_ON,
    }
)
AMOUNT_FIELDS = (Field.REQUESTED, Field.PROPOSED, Field.GRANTED, Field.PAID)
#: Fields that make a row a header when recognised (at least one is needed).
KEY_FIELDS = frozenset(
    {Field.HOLDER, Field.ACTION, Field.REFERENCE, Field.PORTAL_NUMBER, Field.SIRET}
)

SYNONYMS: dict[Field, tuple[str, ...]] = {
    Field.REFERENCE: (
        "Référence",
        "Réf.",
        "Référence du dossier",
        "Référence qpvdesk",
        "N° dossier",
        "N° de dossier",
        "Numéro de dossier",
        "Numéro du dossier",
        "Code dossier",
        "Identifiant du dossier",
    ),
    Field.PORTAL_NUMBER: (
        "N° Dauphin",
        "Numéro Dauphin",
        "N° dossier Dauphin",
        "Dossier Dauphin",
        "Dauphin",
        "N° portail",
        "Numéro portail",
        "N° de demande",
        "Numéro de demande",
        "N° Osiris",
        "N° Chorus",
        "N° de subvention",
    ),
    Field.YEAR: (
        "Année",
        "Exercice",
        "Année de programmation",
        "Exercice budgétaire",
        "Millésime",
        "Année de la demande",
        "Année du dossier",
        "Année de l'appel à projets",
        "Year",
    ),
    Field.LAST_YEAR: ("Dernière année", "Année de fin", "Fin de convention", "Dernier exercice"),
    Field.HOLDER: (
        "Porteur",
        "Porteur de projet",
        "Porteuse",
        "Structure",
        "Structure porteuse",
        "Nom de la structure",
        "Organisme",
        "Organisme porteur",
        "Association",
        "Nom de l'association",
        "Bénéficiaire",
        "Nom du bénéficiaire",
        "Raison sociale",
        "Opérateur",
        "Demandeur",
        "Nom du porteur",
        "Partenaire porteur",
        "nomBeneficiaire",
    ),
    Field.SIRET: ("SIRET", "N° SIRET", "Numéro SIRET", "SIRET du porteur", "idBeneficiaire"),
    Field.RNA: ("RNA", "N° RNA", "Numéro RNA", "N° W", "Numéro d'association", "RNA du porteur"),
    Field.ACTION: (
        "Action",
        "Intitulé",
        "Intitulé de l'action",
        "Intitulé du projet",
        "Libellé de l'action",
        "Libellé",
        "Projet",
        "Nom du projet",
        "Nom de l'action",
        "Titre",
        "Titre de l'action",
        "Objet",
        "Objet de la demande",
        "Objet de la subvention",
        "Action proposée",
    ),
    Field.PRIORITY: ("Priorité", "Pilier", "Axe stratégique", "Axe du contrat de ville"),
    Field.OBJECTIVE_CODE: (
        "Code objectif",
        "Code de l'objectif",
        "Code objectif opérationnel",
        "N° objectif",
    ),
    Field.OBJECTIVE: (
        "Objectif opérationnel",
        "Objectif",
        "Objectif du contrat de ville",
        "Intitulé de l'objectif",
    ),
    Field.THEMES: ("Axes transversaux", "Axe transversal", "Enjeux transversaux"),
    Field.STATE_THEME: (
        "Thématique de l'État",
        "Thématique",
        "Thématique ANCT",
        "Sous-thème",
        "Nomenclature",
    ),
    Field.TOTAL_COST: (
        "Coût total",
        "Coût total de l'action",
        "Coût du projet",
        "Budget total",
        "Budget de l'action",
        "Budget prévisionnel",
        "Montant total du projet",
        "Coût global",
    ),
    Field.RECEIVED_ON: (
        "Reçu le",
        "Date de réception",
        "Date de dépôt",
        "Déposé le",
        "Date de la demande",
        "Date d'arrivée",
    ),
    Field.STATE: ("État", "Statut", "État du dossier", "Statut du dossier", "Situation"),
    Field.OPINION: ("Avis", "Avis du comité", "Avis technique", "Avis de l'instance"),
    Field.FUNDER: (
        "Financeur",
        "Co-financeur",
        "Organisme financeur",
        "Partenaire financeur",
        "Attribuant",
        "nomAttribuant",
    ),
    Field.LINE: (
        "Ligne budgétaire",
        "Ligne",
        "Dispositif",
        "Programme",
        "Ligne de crédits",
        "Enveloppe",
        "BOP",
    ),
    Field.LINE_CODE: ("Code ligne", "Code de la ligne", "Code dispositif"),
    Field.NATURE: ("Nature", "Nature des crédits", "Type de crédits"),
    Field.FUNDING_YEAR: (
        "Année du financement",
        "Année de financement",
        "Exercice du financement",
        "Année de la tranche",
    ),
    Field.REQUESTED: (
        "Demandé",
        "Montant demandé",
        "Sollicité",
        "Montant sollicité",
        "Subvention demandée",
        "Subvention sollicitée",
        "Montant de la demande",
        "Demande",
    ),
    Field.PROPOSED: (
        "Proposé",
        "Montant proposé",
        "Proposition",
        "Montant proposé par le comité",
        "Subvention proposée",
        "Avis financier",
    ),
    Field.GRANTED: (
        "Accordé",
        "Montant accordé",
        "Attribué",
        "Montant attribué",
        "Subvention",
        "Subvention accordée",
        "Subvention attribuée",
        "Montant alloué",
        "Montant voté",
        "Montant notifié",
        "Montant de la subvention",
    ),
    Field.PAID: ("Versé", "Montant versé", "Déjà versé"),
    Field.PAID_ON: (
        "Dernier versement le",
        "Date du dernier versement",
        "Date de versement",
        "Versé le",
    ),
    Field.DECISION: ("Décision du financeur", "Décision", "Décision de financement"),
    Field.DECIDED_ON: (
        "Décidé le",
        "Date de décision",
        "Date de la décision",
        "Date de notification",
    ),
    Field.IGNORED: (
        "Total demandé",
        "Total proposé",
        "Total accordé",
        "Total versé",
        "Reçu après clôture",
        "Dernière modification",
    ),
}

#: When two fields claim a heading with as many words, the higher number wins.
_PRECEDENCE = {
    Field.IGNORED: 9,
    Field.SIRET: 8,
    Field.RNA: 8,
    Field.PORTAL_NUMBER: 8,
    Field.FUNDING_YEAR: 7,
    Field.LAST_YEAR: 7,
    Field.OBJECTIVE_CODE: 7,
    Field.LINE_CODE: 7,
    Field.REFERENCE: 6,
    Field.PAID_ON: 6,
    Field.DECIDED_ON: 6,
    Field.RECEIVED_ON: 6,
    Field.TOTAL_COST: 5,
    Field.FUNDER: 5,
}

_STOP_WORDS = frozenset(
    {
        "de", "du", "des", "d", "la", "le", "les", "l", "en", "a", "au", "aux", "par",
        "pour", "et", "the", "of", "eur", "euros", "euro", "e", "ttc", "en euros", "s",
    }
)  # fmt: skip
#: Words beside an amount's name that do not name a funder (« Montant demandé total »).
_NOT_A_FUNDER = frozenset(
    {"total", "ttc", "ht", "previsionnel", "global", "montant", "initial", "definitif",
     "annee", "exercice", "euro", "eur", "k"}
)  # fmt: skip
_NUMBER_WORDS = re.compile(r"\b(?:n|no|num|nr)\s*(?:°|º|o\b)")
_WORD = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> str:
    """A heading as compared: folded, « n° » as « numero », punctuation and filler words out."""
    folded = fold(text.replace("\n", " ").replace("°", "° "))
    folded = _NUMBER_WORDS.sub(" numero ", folded)
    folded = folded.replace("°", " ").replace("º", " ")
    words = [word for word in _WORD.findall(folded) if word not in _STOP_WORDS]
    return " ".join(words)


def _words(text: str) -> tuple[str, ...]:
    return tuple(normalise(text).split())


_INDEX: dict[str, Field] = {}
_TOKENS: list[tuple[frozenset[str], int, Field]] = []
for _field, _synonyms in SYNONYMS.items():
    for _synonym in (*_synonyms, _field.label, _field.value.replace("_", " ")):
        _key = normalise(_synonym)
        if _key and _key not in _INDEX:
            _INDEX[_key] = _field
            _TOKENS.append((frozenset(_key.split()), len(_key.split()), _field))


@dataclass(frozen=True, slots=True)
class Match:
    """A heading recognised: its field, and the words the synonym did not use."""

    field: Field
    exact: bool
    extra: str


def match_heading(heading: str) -> Match | None:
    """The field *heading* names, or None when none (or several equally) do."""
    key = normalise(heading)
    if not key:
        return None
    found = _INDEX.get(key)
    if found is not None:
        return Match(found, True, "")
    words = key.split()
    present = set(words)
    best: list[tuple[int, int, Field, frozenset[str]]] = []
    for tokens, size, field in _TOKENS:
        if tokens <= present:
            best.append((size, _PRECEDENCE.get(field, 0), field, tokens))
    if not best:
        return None
    best.sort(key=lambda item: (item[0], item[1]), reverse=True)
    size, precedence, field, tokens = best[0]
    rivals = {f for s, p, f, _ in best if s == size and p == precedence and f is not field}
    if rivals:
        return None
    extra = " ".join(
        word
        for word in words
        if word not in tokens and not word.isdigit() and word not in _NOT_A_FUNDER
    )
    return Match(field, False, extra)


def field_named(text: str) -> Field | None:
    """The field a user names on the command line: its key, its label or a synonym."""
    cleaned = text.strip()
    for field in Field:
        if cleaned.casefold() == field.value or fold(cleaned) == fold(field.label):
            return field
    if fold(cleaned) in ("ignore", "-", "aucun"):
        return Field.IGNORED
    return _INDEX.get(normalise(cleaned))


def field_help() -> str:
    """The fields and their keys, for ``--help`` and error messages."""
    return ", ".join(f"{field.value} ({field.label})" for field in Field)


# --- the user's corrections ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MappingOverrides:
    """What the user said about some headings: this heading (or column letter) is that field."""

    by_heading: tuple[tuple[str, Field], ...] = ()

    def field_for(self, heading: str, letter: str) -> Field | None:
        key = normalise(heading)
        for wanted, field in self.by_heading:
            if normalise(wanted) == key and key:
                return field
        for wanted, field in self.by_heading:
            if wanted.strip().upper() == letter:
                return field
        return None

    @property
    def is_empty(self) -> bool:
        return not self.by_heading


def parse_mapping_options(specs: Iterable[str]) -> MappingOverrides:
    """Read ``--map`` options: ``"Heading=field"`` or ``"field=Heading"``, comma-separated.

    Raises `ValidationError` (French) naming what is not understood.
    """
    pairs: list[tuple[str, Field]] = []
    for spec in specs:
        parts = [spec] if "=" not in spec else _split_pairs(spec)
        for part in parts:
            left, sep, right = part.partition("=")
            if not sep or not left.strip() or not right.strip():
                raise ValidationError(
                    f"--map : « {part.strip()} » n'est pas de la forme "
                    "« Intitulé de colonne=champ » (par exemple « Montant sollicité=demande »)."
                )
            left_field, right_field = field_named(left), field_named(right)
            left_key = _is_key(left)
            right_key = _is_key(right)
            if right_field is not None and (left_field is None or (right_key and not left_key)):
                pairs.append((left.strip(), right_field))
            elif left_field is not None and (right_field is None or left_key):
                pairs.append((right.strip(), left_field))
            else:
                raise ValidationError(
                    f"--map : ni « {left.strip()} » ni « {right.strip()} » n'est un champ "
                    f"connu. Champs : {field_help()}."
                )
    return MappingOverrides(tuple(pairs))


def _is_key(text: str) -> bool:
    return any(text.strip().casefold() == field.value for field in Field)


def _split_pairs(spec: str) -> list[str]:
    """``"A=b, C, D=e"`` → ``["A=b", "C, D=e"]``: a comma starts a new pair only before a ``=``."""
    pieces = spec.split(",")
    pairs: list[str] = []
    for piece in pieces:
        if (pairs and "=" not in piece) or (pairs and "=" not in pairs[-1]):
            pairs[-1] += "," + piece
        else:
            pairs.append(piece)
    return [pair for pair in pairs if pair.strip()]


# --- the header row ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MappedColumn:
    """One column of the header: its heading, and the field it was taken for (if any)."""

    index: int
    heading: str
    field: Field | None
    #: "exact", "approché", "choisi" (by the user), "en double", "inconnu", "ignoré"
    how: str
    #: Whose amounts a wide sheet's column holds (the funder named above or in the heading).
    funder: str | None = None

    @property
    def letter(self) -> str:
        return column_letter(self.index)

    def describe(self) -> str:
        """« F « Montant sollicité » → Demandé (approché) » for the preview."""
        name = f"{self.letter} « {self.heading} »"
        if self.field is None or self.field is Field.IGNORED:
            return f"{name} : {self.how}"
        funder = f", financeur « {self.funder} »" if self.funder else ""
        return f"{name} → {self.field.label} ({self.how}{funder})"


@dataclass(frozen=True, slots=True)
class HeaderMapping:
    """The header row found in a sheet and what each of its columns was taken for."""

    row: int
    columns: tuple[MappedColumn, ...]

    def column(self, field: Field) -> MappedColumn | None:
        """The column of *field* holding no funder's own amounts (the first one)."""
        return next((c for c in self.columns if c.field is field and c.funder is None), None)

    @property
    def fields(self) -> frozenset[Field]:
        return frozenset(c.field for c in self.columns if c.field is not None)

    @property
    def wide_funders(self) -> tuple[str, ...]:
        """Funders named over their own amount columns, in order (a wide sheet)."""
        seen: list[str] = []
        for column in self.columns:
            if column.funder is not None and column.funder not in seen:
                seen.append(column.funder)
        return tuple(seen)

    @property
    def recognised(self) -> tuple[MappedColumn, ...]:
        return tuple(c for c in self.columns if c.field not in (None, Field.IGNORED))

    @property
    def unrecognised(self) -> tuple[MappedColumn, ...]:
        return tuple(c for c in self.columns if c.field is None)


def _row_score(values: Sequence[Any], overrides: MappingOverrides) -> tuple[int, bool]:
    fields: set[Field] = set()
    for index, value in enumerate(values):
        text = cell_text(value)
        if text is None or len(text) > 120:
            continue
        field = overrides.field_for(text, column_letter(index))
        if field is None:
            found = match_heading(text)
            field = found.field if found else None
        if field is not None and field is not Field.IGNORED:
            fields.add(field)
    return len(fields), bool(fields & KEY_FIELDS)


def find_header(
    rows: Sequence[tuple[int, tuple[Any, ...]]],
    overrides: MappingOverrides | None = None,
) -> HeaderMapping | None:
    """The header among the first rows (the one naming most fields), mapped; None if none.

    *rows* are (Excel row number, values) as `workbook_reading` gives them.
    """
    overrides = overrides or MappingOverrides()
    best: tuple[int, int] | None = None  # (score, position)
    for position, (_number, values) in enumerate(rows[:HEADER_SCAN_ROWS]):
        score, has_key = _row_score(values, overrides)
        if score >= 2 and has_key and (best is None or score > best[0]):
            best = (score, position)
    if best is None:
        return None
    position = best[1]
    number, values = rows[position]
    band: tuple[Any, ...] = ()
    if position > 0 and rows[position - 1][0] == number - 1:
        band = rows[position - 1][1]
    return map_header(number, values, band, overrides)


def map_header(
    number: int,
    values: Sequence[Any],
    band: Sequence[Any] = (),
    overrides: MappingOverrides | None = None,
) -> HeaderMapping:
    """Map one header row (and the band above it, if any) to fields."""
    overrides = overrides or MappingOverrides()
    columns: list[MappedColumn] = []
    for index, value in enumerate(values):
        text = cell_text(value)
        if text is None:
            continue
        heading = " ".join(text.split())
        chosen = overrides.field_for(heading, column_letter(index))
        if chosen is not None:
            columns.append(MappedColumn(index, heading, chosen, "choisi"))
            continue
        found = match_heading(heading)
        if found is None:
            columns.append(MappedColumn(index, heading, None, "non reconnue"))
        elif found.field is Field.IGNORED:
            columns.append(MappedColumn(index, heading, Field.IGNORED, "ignorée"))
        else:
            how = "exact" if found.exact else "approché"
            columns.append(MappedColumn(index, heading, found.field, how, found.extra or None))
    return HeaderMapping(number, _settle(columns, band))


def _settle(columns: list[MappedColumn], band: Sequence[Any]) -> tuple[MappedColumn, ...]:
    """Funders of a wide sheet's amount columns; duplicates left aside."""
    long_format = any(c.field is Field.FUNDER for c in columns)
    amount_columns = [c for c in columns if c.field is not None and c.field.is_amount]
    band_names = {
        c.index: cell_text(band[c.index]) if c.index < len(band) else None for c in amount_columns
    }
    distinct_band = {name for name in band_names.values() if name}
    settled: list[MappedColumn] = []
    for column in columns:
        funder: str | None = None
        if column.field is not None and column.field.is_amount and not long_format:
            if len(distinct_band) >= 2 and band_names.get(column.index):
                funder = band_names[column.index]
            elif column.how == "approché" and column.funder:
                funder = column.funder
        settled.append(MappedColumn(column.index, column.heading, column.field, column.how, funder))
    # A wide sheet whose amount columns name no funder keeps them as plain amounts; a
    # field claimed twice keeps its first column.
    seen: set[tuple[Field, str | None]] = set()
    final: list[MappedColumn] = []
    for column in settled:
        if column.field is None or column.field is Field.IGNORED:
            final.append(column)
            continue
        key = (column.field, column.funder)
        if key in seen:
            final.append(MappedColumn(column.index, column.heading, None, "en double"))
            continue
        seen.add(key)
        final.append(column)
    return tuple(final)


__all__ = [
    "AMOUNT_FIELDS",
    "FUNDING_FIELDS",
    "HEADER_SCAN_ROWS",
    "SYNONYMS",
    "Field",
    "HeaderMapping",
    "Kind",
    "MappedColumn",
    "MappingOverrides",
    "Match",
    "field_help",
    "field_named",
    "find_header",
    "map_header",
    "match_heading",
    "normalise",
    "parse_mapping_options",
]
