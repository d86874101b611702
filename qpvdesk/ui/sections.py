"""The sections of the application, in the order of the navigation list."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

DASHBOARD = "dashboard"
FRAMEWORK = "framework"
DOSSIERS = "dossiers"


@dataclass(frozen=True)
class Section:
    """One entry of the navigation list; `summary` says what a section still to come will hold."""

    key: str
    title: str
    summary: str = ""


def _tr(text: str) -> str:
    return QCoreApplication.translate("Sections", text)


def all_sections() -> list[Section]:
    """Every section, translated now (call it once a QApplication exists)."""
    return [
        Section(DASHBOARD, _tr("Tableau de bord")),
        Section(FRAMEWORK, _tr("Cadre stratégique")),
        Section("calls", _tr("Appels à projets"), _tr(
            "l'appel à projets annuel, avec ses dates d'ouverture et de clôture, ses enveloppes "
            "par financeur et les priorités qu'il cible.")),
        Section(DOSSIERS, _tr("Dossiers"), _tr(
            "les demandes de subvention (CERFA 12156) des porteurs de projet : enregistrement, "
            "recevabilité, instruction et suivi de chaque dossier jusqu'à sa clôture.")),
        Section("actions", _tr("Actions"), _tr(
            "les actions menées dans le quartier, financées ou relevant du droit commun, avec "
            "leurs conventions, leurs bilans et leurs indicateurs.")),
        Section("funding", _tr("Financements"), _tr(
            "les financements de chaque action par financeur et par ligne budgétaire (droit "
            "commun et crédits spécifiques) : demandé, proposé, accordé et versé, face aux "
            "enveloppes.")),
        Section("committees", _tr("Instances et séances"), _tr(
            "le COPIL, le COTECH, les commissions thématiques et leurs séances : présences, avis, "
            "décisions et relevés de décision.")),
        Section("partners", _tr("Partenaires"), _tr(
            "l'annuaire des structures (financeurs, porteurs de projet, signataires) et de leurs "
            "contacts.")),
        Section("evaluation", _tr("Évaluation"), _tr(
            "les indicateurs par action et par objectif, le bilan annuel pour le COPIL et les "
            "évaluations à mi-parcours (2027) et finale.")),
        Section("observation", _tr("Observation"), _tr(
            "les données de contexte du quartier au fil des années (taux de pauvreté, chômage, "
            "revenu médian…) et les temps de participation des habitants.")),
    ]
