"""Command line: `qpvdesk [--db PATH] [COMMAND]`; no command opens the window.

Every command speaks French, exits 0 on success and non-zero with a one-line
French error otherwise. Each runs the same services the window uses.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from qpvdesk import __version__
from qpvdesk.core.errors import UnusableFileError, UserFacingError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class FrenchHelpFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
        return super().add_usage(
            usage, actions, groups, "Utilisation : " if prefix is None else prefix
        )


class FrenchArgumentParser(argparse.ArgumentParser):
    """argparse with French help titles and one-line French usage errors."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("formatter_class", FrenchHelpFormatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        self.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte")

    def error(self, message: str) -> None:  # type: ignore[override]
        translations = {
            "the following arguments are required": "arguments obligatoires manquants",
            "unrecognized arguments": "arguments inconnus",
            "invalid choice": "choix invalide",
            "expected one argument": "une valeur est attendue",
            "not allowed with argument": "incompatible avec l'option",
            "choose from": "choix possibles :",
            "invalid int value": "nombre entier invalide",
            "one of the arguments": "indiquez l'un de ces arguments :",
            " is required": "",
        }
        for english, french in translations.items():
            message = message.replace(english, french)
        self.exit(EXIT_USAGE, f"qpvdesk : erreur : {message} (voir « qpvdesk --help »)\n")


def _add_window_options(parser: argparse.ArgumentParser) -> None:
    """The options that open the window as well as the commands."""
    parser.add_argument(
        "--db",
        type=Path,
        metavar="FICHIER",
        help="fichier de données (par défaut : qpvdesk.sqlite dans le dossier de données "
        "de l'utilisateur)",
    )
    parser.add_argument(
        "--lecture-seule",
        dest="read_only",
        action="store_true",
        help="ouvre la fenêtre sans rien pouvoir modifier",
    )


def window_options(argv: Sequence[str]) -> argparse.Namespace | None:
    """*argv* parsed when it only opens the window, else None (a command, help, an error).

    The window's start, where every millisecond shows, does without the full parser: it
    builds one parser per command, a few milliseconds. The full parser handles the rest.
    """
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False, exit_on_error=False)
    _add_window_options(parser)
    parser.set_defaults(command=None)
    try:
        options, rest = parser.parse_known_args(argv)
    except argparse.ArgumentError:
        return None
    return None if rest else options


def build_parser() -> argparse.ArgumentParser:
    parser = FrenchArgumentParser(
        prog="qpvdesk",
        description="qpvdesk : pilotage du contrat de ville (cadre stratégique, programmation, "
        "instances, évaluation).\nSans commande, ouvre la fenêtre.",
    )
    _add_window_options(parser)
    parser.add_argument(
        "--version",
        action="version",
        version=f"qpvdesk {__version__}",
        help="affiche la version et quitte",
    )
    commands = parser.add_subparsers(
        dest="command", title="commandes", metavar="COMMANDE", parser_class=FrenchArgumentParser
    )

    init = commands.add_parser(
        "init",
        help="crée une base (refuse d'écraser un fichier)",
        description="Crée une nouvelle base de données. Par défaut elle "
        "contient le contrat de ville de Clermont l'Hérault.",
    )
    content = init.add_mutually_exclusive_group()
    content.add_argument(
        "--empty", action="store_true", help="base vide (sans contrat, pour en importer un autre)"
    )
    content.add_argument(
        "--demo", action="store_true", help="ajoute une programmation fictive de démonstration"
    )
    content.add_argument(
        "--framework",
        type=Path,
        metavar="FICHIER.xlsx",
        help="contrat et cadre stratégique d'une autre ville, lus dans un classeur modèle "
        "(voir « export framework »)",
    )

    info = commands.add_parser(
        "info",
        help="résumé de la base",
        description="Contrat, version du schéma, effectifs, dernière sauvegarde.",
    )
    info.add_argument("--json", action="store_true", help="sortie JSON pour les scripts")

    commands.add_parser(
        "check",
        help="vérifie l'intégrité, le journal d'audit et la version du schéma",
        description="Vérifie l'intégrité du fichier, la chaîne d'empreintes du journal d'audit "
        "(nomme la première entrée modifiée ou effacée) et sa version de schéma.",
    )

    backup = commands.add_parser(
        "backup",
        help="sauvegarde la base",
        description="Sauvegarde vérifiée (dans backups/ à côté du "
        "fichier, ou dans le fichier indiqué).",
    )
    backup.add_argument(
        "-o", "--output", type=Path, metavar="FICHIER", help="fichier de sauvegarde à créer"
    )

    restore = commands.add_parser(
        "restore",
        help="restaure une sauvegarde (ou annule la dernière restauration)",
        description="Remplace la base par une sauvegarde ; le fichier actuel est conservé à "
        "côté (…-avant-restauration-…) et peut lui-même être restauré : « --annuler » remet "
        "en place celui de la dernière restauration. Les effacements RGPD faits depuis la "
        "sauvegarde sont aussitôt refaits.",
    )
    which = restore.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "backup_file", type=Path, nargs="?", metavar="FICHIER", help="sauvegarde à restaurer"
    )
    which.add_argument(
        "--annuler",
        dest="undo",
        action="store_true",
        help="annule la dernière restauration (remet le fichier qu'elle avait mis de côté)",
    )
    which.add_argument(
        "--liste",
        dest="list",
        action="store_true",
        help="liste les sauvegardes et les fichiers mis de côté par les restaurations",
    )

    contact = commands.add_parser(
        "contact",
        help="données personnelles d'un contact : export ou effacement (RGPD)",
        description="Droit d'accès : « contact export » écrit en JSON tout ce que la base "
        "contient sur une personne. Droit à l'effacement : « contact erase » remplace la "
        "personne par « Ancien membre » dans les comptes rendus (qui gardent leur sens) et "
        "efface son nom, son adresse, son téléphone et ses notes de tout le fichier ; c'est "
        "définitif. « contact list » donne le numéro de chaque contact.",
    )
    contact_actions = contact.add_subparsers(
        dest="contact_action", title="actions", metavar="ACTION", parser_class=FrenchArgumentParser
    )
    contact_actions.required = True
    contact_list = contact_actions.add_parser(
        "list",
        help="liste les contacts avec leur numéro",
        description="Liste les contacts (nom, structure, numéro) ; avec un texte, ceux dont "
        "le nom, la fonction, l'adresse ou la structure contiennent tous ses mots.",
    )
    contact_list.add_argument("search", nargs="?", metavar="TEXTE", help="mots à chercher")
    contact_export = contact_actions.add_parser(
        "export",
        help="exporte en JSON les données d'un contact",
        description="Écrit en JSON (UTF-8) l'identité, les coordonnées, la structure, les "
        "sièges en instance, les séances suivies, les brouillons de courriel qui lui sont "
        "adressés et les textes qui le nomment.",
    )
    contact_export.add_argument("contact_id", type=int, metavar="NUMÉRO", help="numéro du contact")
    contact_export.add_argument(
        "-o", "--output", type=Path, metavar="FICHIER.json",
        help="fichier à écrire (par défaut : la sortie standard)",
    )  # fmt: skip
    contact_erase = contact_actions.add_parser(
        "erase",
        help="efface définitivement les données d'un contact",
        description="Efface définitivement les données personnelles d'un contact (une "
        "sauvegarde est faite juste avant ; si elle est restaurée, l'effacement est refait).",
    )
    contact_erase.add_argument("contact_id", type=int, metavar="NUMÉRO", help="numéro du contact")
    contact_erase.add_argument(
        "--yes", "--oui", dest="yes", action="store_true",
        help="ne demande pas de confirmation (scripts)",
    )  # fmt: skip

    meetings = commands.add_parser(
        "meetings",
        help="liste les séances des instances",
        description="Liste les séances (COPIL, COTECH, commissions…) avec leur numéro, "
        "leur instance, leur date et leur état.",
    )
    meetings.add_argument("--json", action="store_true", help="sortie JSON pour les scripts")

    record = commands.add_parser(
        "releve",
        help="produit le relevé de décision d'une séance (PDF, courriel .eml)",
        description="Produit le relevé de décision d'une séance en PDF et, avec --eml, le "
        "brouillon de courriel (.eml, pièce jointe, destinataires : membres du COPIL et du "
        "COTECH) à envoyer depuis la messagerie.",
    )
    record.add_argument(
        "meeting_id", type=int, metavar="SEANCE", help="numéro de la séance (voir « meetings »)"
    )
    record.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FICHIER.pdf",
        required=True,
        help="fichier PDF à écrire (remplacé s'il existe)",
    )
    record.add_argument(
        "--eml", type=Path, metavar="FICHIER.eml", help="écrit aussi le brouillon de courriel"
    )
    _add_exchange_commands(commands)
    _add_report_commands(commands)
    commands.add_parser(
        "selftest",
        help="vérifie que l'installation fonctionne (sans écran)",
        description="Vérifie l'installation sans écran ni fichier de l'utilisateur : crée une "
        "base de démonstration dans un dossier temporaire, ouvre la fenêtre et chacune de ses "
        "pages, produit un relevé de décision (PDF) et le tableau de programmation (Excel), "
        "les relit, puis supprime le dossier. Une ligne par vérification ; code de sortie 1 "
        "si l'une échoue.",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = window_options(sys.argv[1:] if argv is None else argv)
    if args is None:
        args = build_parser().parse_args(argv)
    if args.command is None:
        # Qt first, the core (SQLAlchemy, the models) only once the window's frame is shown
        # (`run_gui`). Imported after PySide6, the core takes a little longer (PySide6 reads
        # the source of every module imported after it, looking for its `__feature__`
        # switches), but she sees the window without waiting for it.
        from qpvdesk.ui.app import run_gui

        return run_gui(args.db, read_only=args.read_only)
    from qpvdesk.core.log_redaction import log_warnings_to_stderr

    log_warnings_to_stderr()
    try:
        return COMMANDS[args.command](args)
    except UserFacingError as error:
        print(f"qpvdesk : {error.message}", file=sys.stderr)
        if isinstance(error, UnusableFileError):
            _print_backups_of(_db_path(args))
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("qpvdesk : interrompu.", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # `qpvdesk meetings | head`: the reader left. Point stdout at devnull so that the
        # interpreter's final flush does not fail again (the recipe of Python's signal docs).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _print_json(payload: object) -> None:
    import json  # for `--json` only: not loaded when the window starts

    print(json.dumps(payload, ensure_ascii=False, indent=2))


@contextlib.contextmanager
def _reading(args: argparse.Namespace) -> Iterator[Session]:
    """A read-only session on the --db file (works while the window holds it open)."""
    from qpvdesk.core.storage.database import open_database

    path = _db_path(args)
    _require_existing(path)
    database = open_database(path, read_only=True)
    try:
        with database.read() as session:
            yield session
    finally:
        database.close()


def _print_backups_of(path: Path) -> None:
    """After a refused file: its backups, newest first, and how to put one back."""
    from qpvdesk.core.storage.backups import list_backups

    found = list_backups(path)
    if not found:
        return
    print("Sauvegardes de ce fichier (la plus récente d'abord) :", file=sys.stderr)
    for info in found[:5]:
        print(f"  {info.taken_at:%d/%m/%Y %H:%M}  {info.path}", file=sys.stderr)
    if len(found) > 5:
        print(f"  … et {len(found) - 5} autres.", file=sys.stderr)
    print(
        f"Pour en remettre une en place : qpvdesk --db {path} restore <sauvegarde>",
        file=sys.stderr,
    )


def _db_path(args: argparse.Namespace) -> Path:
    from qpvdesk.paths import default_db_path

    return Path(args.db) if args.db is not None else default_db_path()


def _require_existing(path: Path) -> None:
    if not path.exists():
        raise UserFacingError(
            f"la base « {path} » n'existe pas ; créez-la avec « qpvdesk --db {path} init »."
        )


def cmd_init(args: argparse.Namespace) -> int:
    from qpvdesk.core.services.setup import create_new_database

    path = _db_path(args)
    if args.db is None:
        path.parent.mkdir(parents=True, exist_ok=True)
    if args.framework is not None:
        return _init_with_framework(path, args.framework)
    content = "empty" if args.empty else "demo" if args.demo else "builtin"
    create_new_database(path, content)
    labels = {
        "empty": "vide",
        "demo": "avec la démonstration",
        "builtin": "avec le contrat intégré",
    }
    print(f"Base créée ({labels[content]}) : {path}")
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    from qpvdesk.core.services.setup import describe_database

    path = _db_path(args)
    _require_existing(path)
    info = describe_database(path)
    if args.json:
        _print_json(info.as_json())
        return EXIT_OK
    objectives = info.objectives
    last = info.last_backup.strftime("%d/%m/%Y %H:%M") if info.last_backup else "aucune"
    print(f"Fichier           : {path}")
    print(f"Contrat           : {info.contract or '(aucun)'}")
    print(f"Version du schéma : {info.schema_version}")
    print(
        f"Cadre stratégique : {objectives['priority']} priorités, "
        f"{objectives['strategic']} objectifs stratégiques, "
        f"{objectives['operational']} objectifs opérationnels, "
        f"{objectives['item']} pistes d'action"
    )
    print(f"Structures        : {info.organisations}")
    dossiers = ", ".join(f"{year} : {n}" for year, n in info.dossiers.items()) or "aucun"
    print(f"Dossiers          : {dossiers}")
    print(f"Séances           : {info.meetings}")
    print(f"Dernière sauvegarde : {last}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from qpvdesk.core.storage.checks import full_check

    path = _db_path(args)
    _require_existing(path)
    report = full_check(path)
    for line in report.lines:
        print(line)
    if not report.ok:
        print("qpvdesk : la vérification a échoué.", file=sys.stderr)
        _print_backups_of(path)
        return EXIT_ERROR
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    from qpvdesk.core.storage.database import open_database

    path = _db_path(args)
    _require_existing(path)
    database = open_database(path, backup_on_open=False)
    try:
        target = database.backup_to(args.output) if args.output else database.backup("manuelle")
    finally:
        database.close()
    print(f"Sauvegarde vérifiée : {target}")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from qpvdesk.core.services.restoring import restore, restore_points, undo_last_restore

    path = _db_path(args)
    if args.list:
        points = restore_points(path)
        if not points:
            print("Aucune sauvegarde.")
        for point in points:
            moment = point.taken_at.strftime("%d/%m/%Y %H:%M:%S")
            print(f"{moment}  {point.reason:<20}  {point.path}")
        return EXIT_OK
    if args.undo:
        outcome = undo_last_restore(path)
        print(f"Dernière restauration annulée : {path} est revenu à son état d'avant.")
    else:
        outcome = restore(path, args.backup_file)
        print(f"Sauvegarde restaurée dans {path}")
    for line in outcome.summary():
        print(line)
    return EXIT_OK


def cmd_contact(args: argparse.Namespace) -> int:
    from qpvdesk.core.services.contact_privacy import UnknownContactError

    try:
        if args.contact_action == "list":
            return _contact_list(args)
        if args.contact_action == "export":
            return _contact_export(args)
        return _contact_erase(args)
    except UnknownContactError as error:
        print(f"qpvdesk : {error.message}", file=sys.stderr)
        return EXIT_USAGE


def _contact_list(args: argparse.Namespace) -> int:
    from qpvdesk.core.services.partners import contact_rows

    with _reading(args) as session:
        rows = contact_rows(session, search=args.search)
    if not rows:
        print("Aucun contact.")
    for row in rows:
        where = f" ({row.organisation_name})" if row.organisation_name else ""
        print(f"{row.id:>5}  {row.full_name}{where}")
    return EXIT_OK


def _contact_export(args: argparse.Namespace) -> int:
    from qpvdesk.core.services.contact_privacy import (
        contact_export_json,
        export_contact,
        write_contact_export,
    )

    with _reading(args) as session:
        data = export_contact(session, args.contact_id)
    if args.output is None:
        sys.stdout.write(contact_export_json(data))
    else:
        written = write_contact_export(data, args.output)
        print(f"Données du contact n° {args.contact_id} enregistrées : {written}")
    return EXIT_OK


def _contact_erase(args: argparse.Namespace) -> int:
    from qpvdesk.core.services.contact_privacy import describe_contact, erase_contact
    from qpvdesk.core.storage.database import open_database

    with _reading(args) as session:
        who = describe_contact(session, args.contact_id)
    if not args.yes:
        if not sys.stdin.isatty():
            print(
                f"qpvdesk : l'effacement de {who} est définitif ; confirmez-le avec « --yes » "
                "(l'entrée standard n'est pas un terminal, la question ne peut pas être posée).",
                file=sys.stderr,
            )
            return EXIT_ERROR
        answer = input(
            f"Effacer définitivement les données personnelles de {who} ? Son nom, son adresse, "
            "son téléphone et ses notes disparaîtront du fichier ; les comptes rendus "
            "afficheront « Ancien membre ». Cela ne peut pas être annulé. [o/N] "
        )
        if answer.strip().casefold() not in ("o", "oui", "y", "yes"):
            print("Effacement abandonné : rien n'a été modifié.")
            return EXIT_OK
    database = open_database(_db_path(args), backup_on_open=False)
    try:
        result = erase_contact(database, args.contact_id)
    finally:
        database.close()
    for line in result.summary():
        print(line)
    return EXIT_OK


def cmd_meetings(args: argparse.Namespace) -> int:
    from qpvdesk.core.services.meetings import local_time, meeting_rows

    with _reading(args) as session:
        rows = meeting_rows(session)
    if args.json:
        payload = [
            {
                "id": row.id,
                "committee": row.committee_name,
                "committee_kind": row.committee_kind.value,
                "date": local_time(row.starts_at).isoformat(),
                "state": row.state.value,
                "state_label": row.state_label,
                "place": row.place,
                "agenda_items": row.agenda_count,
                "decisions": row.decision_count,
            }
            for row in rows
        ]
        _print_json(payload)
        return EXIT_OK
    if not rows:
        print("Aucune séance.")
        return EXIT_OK
    for row in rows:
        moment = local_time(row.starts_at).strftime("%d/%m/%Y %H:%M")
        print(f"{row.id:>5}  {moment}  {row.state_label:<14}  {row.committee_name}")
    return EXIT_OK


def cmd_releve(args: argparse.Namespace) -> int:
    from datetime import date

    from qpvdesk.core.domain.models import Meeting
    from qpvdesk.core.reports.decision_record import decision_record_data, render_decision_record
    from qpvdesk.core.reports.mail import (
        decision_record_email,
        decision_record_recipients,
        write_eml,
    )
    from qpvdesk.core.reports.pdf import save_pdf

    today = date.today()
    with _reading(args) as session:
        if session.get(Meeting, args.meeting_id) is None:
            raise UserFacingError(
                f"aucune séance n° {args.meeting_id} ; « qpvdesk meetings » les liste."
            )
        data = decision_record_data(session, args.meeting_id, generated_on=today)
        recipients = decision_record_recipients(session, on=today) if args.eml else None
    pdf_bytes = render_decision_record(data)
    written = save_pdf(pdf_bytes, args.output)
    print(f"Relevé de décision enregistré : {written}")
    if args.eml is not None and recipients is not None:
        message = decision_record_email(data, pdf_bytes, recipients)
        eml = write_eml(message, args.eml)
        count = len(recipients.addresses)
        plural = "s" if count > 1 else ""
        print(f"Brouillon de courriel enregistré : {eml} ({count} destinataire{plural})")
        if recipients.warning:
            print(f"Attention : {recipients.warning}", file=sys.stderr)
    return EXIT_OK


# --- exports and imports (Excel, CSV) ---------------------------------------------------------


def _add_exchange_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    export = commands.add_parser(
        "export",
        help="exporte un classeur Excel (programmation, partenaires…) ou le CSV open data",
        description="Exporte les données pour les partenaires : tableau de programmation, "
        "annuaire des partenaires, suivi des versements, cadre stratégique, indicateurs, "
        "subventions au format open data SCDL.",
    )
    kinds = export.add_subparsers(
        dest="export_kind", title="exports", metavar="EXPORT", parser_class=FrenchArgumentParser
    )
    kinds.required = True

    def output(sub: argparse.ArgumentParser, suffix: str = "xlsx") -> None:
        sub.add_argument(
            "-o",
            "--output",
            type=Path,
            metavar=f"FICHIER.{suffix}",
            required=True,
            help="fichier à écrire (remplacé s'il existe)",
        )

    def years(sub: argparse.ArgumentParser, what: str) -> None:
        sub.add_argument(
            "--year",
            "--annee",
            dest="years",
            type=int,
            action="append",
            metavar="ANNÉE",
            help=f"{what} (répétable ; par défaut toutes les années)",
        )

    programmation = kinds.add_parser(
        "programmation",
        help="tableau de programmation (un dossier par ligne, un groupe de colonnes par "
        "financeur)",
        description="Tableau de programmation : une ligne par dossier, pour chaque financeur "
        "les montants demandé, proposé, accordé et versé, une ligne de totaux ; une feuille "
        "par financeur ; la feuille « Lignes de financement », que « import programmation » "
        "relit.",
    )
    years(programmation, "année des dossiers")
    output(programmation)
    partners = kinds.add_parser(
        "partenaires",
        help="annuaire des partenaires (structures et contacts)",
        description="Annuaire des partenaires : structures et contacts (sans les habitants).",
    )
    output(partners)
    payments = kinds.add_parser(
        "versements",
        help="suivi des versements et reste à verser",
        description="Suivi des versements : chaque versement (fait ou à faire) et, par "
        "financement accordé, ce qui reste à verser.",
    )
    years(payments, "année des financements")
    output(payments)
    framework = kinds.add_parser(
        "framework",
        help="cadre stratégique (classeur modèle, relu par « import framework »)",
        description="Cadre stratégique au format des tableaux du contrat : priorités, objectifs "
        "stratégiques et opérationnels, pistes d'action, avec le contrat, les quartiers et "
        "les axes transversaux. Une autre ville peut le remplir et le charger avec « init "
        "--framework ».",
    )
    output(framework)
    indicators = kinds.add_parser(
        "indicateurs",
        help="indicateurs des actions et objectifs, données de contexte",
        description="Indicateurs (valeurs prévues et réalisées par année) et données de "
        "contexte du quartier.",
    )
    years(indicators, "année des valeurs")
    output(indicators)
    scdl = kinds.add_parser(
        "scdl",
        help="subventions accordées au format open data SCDL (CSV)",
        description="Subventions accordées une année, au format « Subventions » du socle "
        "commun des données locales (décret 2017-779) : CSV UTF-8, séparateur virgule. Les "
        "subventions dont un SIRET ou la date de convention manque sont laissées de côté et "
        "listées.",
    )
    scdl.add_argument(
        "--year",
        "--annee",
        dest="year",
        type=int,
        required=True,
        metavar="ANNÉE",
        help="année des financements",
    )
    scdl.add_argument(
        "--financeur",
        action="append",
        metavar="NOM",
        help="seulement les subventions de ce financeur (nom ou sigle ; répétable)",
    )
    output(scdl, "csv")

    imports = commands.add_parser(
        "import",
        help="importe un tableau de programmation ou un cadre stratégique",
        description="Importe un classeur. Tout ou rien : une seule ligne en erreur et rien "
        "n'est enregistré ; une sauvegarde est faite avant d'écrire.",
    )
    import_kinds = imports.add_subparsers(
        dest="import_kind", title="imports", metavar="IMPORT", parser_class=FrenchArgumentParser
    )
    import_kinds.required = True
    programme = import_kinds.add_parser(
        "programmation",
        help="tableau de programmation (le nôtre ou celui d'un partenaire)",
        description="Importe un tableau de programmation : celui qu'exporte qpvdesk, ou le "
        "classeur d'un partenaire (intitulés reconnus quelle que soit leur formulation, ligne "
        "d'intitulés trouvée sous un titre, cellules fusionnées, montants en chiffres ou en "
        "texte). Les structures sont reconnues par SIRET, RNA puis nom, les dossiers par "
        "référence, n° Dauphin, ou année, structure et action : importer deux fois le même "
        "classeur ne change rien la seconde fois.",
    )
    programme.add_argument("file", type=Path, metavar="FICHIER", help="classeur .xlsx ou .csv")
    programme.add_argument(
        "--dry-run",
        "--simulation",
        dest="dry_run",
        action="store_true",
        help="affiche ce qui serait créé ou modifié, sans rien enregistrer",
    )
    programme.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="\"Intitulé=champ\"",
        help="indique le champ d'une colonne (« Nom de l'asso=porteur », ou champ=Intitulé ; "
        "répétable ou séparé par des virgules ; champ « ignorer » pour écarter une colonne). "
        "Champs : reference, numero_portail, annee, porteur, siret, rna, action, "
        "code_objectif, objectif, axes, cout_total, date_reception, etat, avis, financeur, "
        "ligne, code_ligne, nature, annee_financement, demande, propose, accorde, verse…",
    )
    programme.add_argument(
        "--feuille",
        metavar="NOM",
        help="feuille à lire (par défaut : « Lignes de financement », sinon la mieux reconnue)",
    )
    programme.add_argument(
        "--annee", type=int, metavar="ANNÉE", help="année des lignes qui n'en indiquent pas"
    )
    programme.add_argument(
        "--ligne",
        action="append",
        metavar="CODE",
        help="ligne budgétaire (code ou nom) des lignes qui ne la précisent pas : celle de leur "
        "financeur, ou la seule donnée pour les lignes sans financeur (répétable)",
    )
    programme.add_argument(
        "--erreurs", type=Path, metavar="FICHIER.xlsx", help="enregistre la liste des erreurs"
    )
    programme.add_argument(
        "--detail", action="store_true", help="affiche toutes les lignes de l'aperçu"
    )
    framework_import = import_kinds.add_parser(
        "framework",
        help="cadre stratégique d'un classeur modèle, dans une base sans cadre",
        description="Charge un cadre stratégique (classeur modèle de « export framework ») "
        "dans une base qui n'en a pas encore (« init --empty »).",
    )
    framework_import.add_argument("file", type=Path, metavar="FICHIER", help="classeur .xlsx")


def cmd_export(args: argparse.Namespace) -> int:

    with _reading(args) as session:
        return _run_export(session, args)


def _run_export(session: object, args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    kind = args.export_kind
    target = args.output
    years = set(args.years) if getattr(args, "years", None) else None
    if kind == "programmation":
        from qpvdesk.core.exchange.programmation_export import export_programmation

        written = export_programmation(session, target, years)
        print(f"Tableau de programmation enregistré : {written}")
    elif kind == "partenaires":
        from qpvdesk.core.exchange.directory_export import export_directory

        print(f"Annuaire des partenaires enregistré : {export_directory(session, target)}")
    elif kind == "versements":
        from qpvdesk.core.exchange.payments_export import export_payments

        print(f"Suivi des versements enregistré : {export_payments(session, target, years)}")
    elif kind == "framework":
        from qpvdesk.core.exchange.framework_exchange import export_framework

        print(f"Cadre stratégique enregistré : {export_framework(session, target)}")
    elif kind == "indicateurs":
        from qpvdesk.core.exchange.indicators_export import export_indicators

        print(f"Indicateurs enregistrés : {export_indicators(session, target, years)}")
    else:
        return _export_scdl(session, args)
    return EXIT_OK


def _export_scdl(session: object, args: argparse.Namespace) -> int:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from qpvdesk.core.domain.models import Organisation
    from qpvdesk.core.domain.text import fold
    from qpvdesk.core.exchange.scdl import export_scdl

    assert isinstance(session, Session)
    funders: set[int] | None = None
    if args.financeur:
        funders = set()
        known = session.execute(
            select(Organisation.id, Organisation.name, Organisation.acronym)
        ).all()
        for wanted in args.financeur:
            found = [
                organisation_id
                for organisation_id, name, acronym in known
                if fold(wanted) in (fold(name), fold(acronym or ""))
            ]
            if not found:
                raise UserFacingError(f"aucun financeur ne s'appelle « {wanted} ».")
            funders.update(found)
    data = export_scdl(session, args.year, args.output, funders)
    count = len(data.rows)
    print(
        f"{count} subvention{'s' if count > 1 else ''} {args.year} enregistrée"
        f"{'s' if count > 1 else ''} au format SCDL : {args.output}"
    )
    if data.left_out:
        left = len(data.left_out)
        print(
            f"{left} subvention{'s' if left > 1 else ''} laissée{'s' if left > 1 else ''} de "
            "côté (le fichier doit être valide) :"
        )
        for item in data.left_out[:30]:
            print(f"  {item.describe()}")
        if left > 30:
            print(f"  … et {left - 30} autres.")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from qpvdesk.core.storage.database import open_database

    path = _db_path(args)
    _require_existing(path)
    if args.import_kind == "framework":
        from qpvdesk.core.exchange.framework_exchange import FrameworkRefused, import_framework

        database = open_database(path, backup_on_open=False)
        try:
            loaded = import_framework(database, args.file)
        except FrameworkRefused as refused:
            _print_errors([error.describe() for error in refused.errors])
            raise
        finally:
            database.close()
        print(f"Cadre stratégique importé : {loaded.describe()}.")
        return EXIT_OK
    return _import_programmation(path, args)


def _print_errors(lines: Sequence[str], limit: int = 100) -> None:
    print("Erreurs :", file=sys.stderr)
    for line in lines[:limit]:
        print(f"  {line}", file=sys.stderr)
    if len(lines) > limit:
        print(f"  … et {len(lines) - limit} autres.", file=sys.stderr)


def _import_programmation(path: Path, args: argparse.Namespace) -> int:
    from qpvdesk.core.exchange.column_mapping import parse_mapping_options
    from qpvdesk.core.exchange.programmation_import import (
        ImportOptions,
        describe_preview,
        import_programmation,
        write_error_report,
    )
    from qpvdesk.core.storage.database import open_database

    options = ImportOptions(
        mapping=parse_mapping_options(args.map),
        sheet=args.feuille,
        default_year=args.annee,
        default_lines=tuple(args.ligne or ()),
    )
    database = open_database(path, backup_on_open=False)
    try:
        result = import_programmation(database, args.file, options, dry_run=args.dry_run)
    finally:
        database.close()
    preview = result.preview
    for line in describe_preview(preview, limit=None if args.detail else 60):
        print(line)
    if not preview.ok:
        if args.erreurs is not None:
            saved = write_error_report(preview.errors, args.erreurs)
            print(f"Liste des erreurs enregistrée : {saved}")
        count = len(preview.errors)
        print(
            f"qpvdesk : import refusé, {count} erreur{'s' if count > 1 else ''} ; rien n'a été "
            "enregistré.",
            file=sys.stderr,
        )
        return EXIT_ERROR
    print()
    if args.dry_run:
        print("Simulation : rien n'a été enregistré.")
    elif result.written:
        print(f"Import terminé. Sauvegarde faite avant l'import : {result.backup}")
    else:
        print("Rien à changer : la base contient déjà tout ce que dit le classeur.")
    return EXIT_OK


def _init_with_framework(path: Path, template: Path) -> int:
    from qpvdesk.core.exchange.framework_exchange import (
        FrameworkRefused,
        create_database_with_framework,
    )

    try:
        loaded = create_database_with_framework(path, template)
    except FrameworkRefused as refused:
        _print_errors([error.describe() for error in refused.errors])
        raise
    print(f"Base créée avec le cadre de « {template.name} » ({loaded.describe()}) : {path}")
    return EXIT_OK


# --- reports of the evaluation (bilan annuel, évaluation, fiche action) -------------------------


def _add_report_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    def output(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "-o",
            "--output",
            type=Path,
            metavar="FICHIER.pdf",
            required=True,
            help="fichier PDF à écrire (remplacé s'il existe)",
        )

    bilan = commands.add_parser(
        "bilan",
        help="produit le bilan annuel pour le COPIL (PDF)",
        description="Produit le bilan annuel d'une année pour le comité de pilotage : "
        "programmation (dossiers par état, financements par priorité, par financeur, droit "
        "commun et crédits spécifiques, avec graphiques), couverture des objectifs, "
        "indicateurs prévus et réalisés, participation des habitants, suites à donner, "
        "données de contexte comparées aux années précédentes.",
    )
    bilan.add_argument(
        "--year", "--annee", dest="year", type=int, required=True, metavar="ANNÉE",
        help="année du bilan (exercice)",
    )  # fmt: skip
    output(bilan)

    evaluation = commands.add_parser(
        "evaluation",
        help="produit le document d'évaluation d'une période (PDF)",
        description="Produit le document d'évaluation d'une période (2024 à 2026 pour "
        "l'évaluation à mi-parcours, tout le contrat pour l'évaluation finale) : chaque "
        "question évaluative avec ses indicateurs et ses actions, leurs trajectoires année "
        "par année, les financements par priorité et par année, la couverture des objectifs, "
        "la participation et les données de contexte.",
    )
    evaluation.add_argument(
        "--from", dest="first_year", type=int, metavar="ANNÉE",
        help="première année évaluée (par défaut : la première année du contrat)",
    )  # fmt: skip
    evaluation.add_argument(
        "--to", dest="last_year", type=int, metavar="ANNÉE",
        help="dernière année évaluée (par défaut : l'année en cours, dans la limite du contrat)",
    )  # fmt: skip
    output(evaluation)

    actions = commands.add_parser(
        "actions",
        help="liste les actions avec leur numéro (pour « fiche-action »)",
        description="Liste les actions du contrat (ou celles d'une année) avec leur numéro, "
        "leur objectif, leur type, leur état, leur période et leur porteur.",
    )
    actions.add_argument(
        "--year", "--annee", dest="year", type=int, metavar="ANNÉE",
        help="seulement les actions de cette année (dossier ou financement)",
    )  # fmt: skip
    actions.add_argument("--json", action="store_true", help="sortie JSON pour les scripts")

    sheet = commands.add_parser(
        "fiche-action",
        help="produit la fiche d'une ou plusieurs actions (PDF)",
        description="Produit la fiche action (une page par action) pour un partenaire ou une "
        "commission : porteur, objectifs, période, description, public, financements par "
        "année, indicateurs, compte rendu financier s'il a été reçu. Plusieurs numéros : "
        "une fiche par action, dans un seul PDF.",
    )
    sheet.add_argument(
        "action_ids", type=int, nargs="+", metavar="ACTION",
        help="numéro de l'action (répétable)",
    )  # fmt: skip
    output(sheet)


def _contract_years(session: object) -> tuple[int, int]:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from qpvdesk.core.domain.models import Contract

    assert isinstance(session, Session)
    contract = session.scalars(select(Contract)).first()
    if contract is None:
        raise UserFacingError("la base ne contient pas de contrat de ville.")
    return contract.start_year, contract.end_year


def _check_year(year: int, first: int, last: int) -> None:
    if not first <= year <= last:
        raise UserFacingError(f"l'année {year} est hors de la période du contrat ({first}–{last}).")


def cmd_bilan(args: argparse.Namespace) -> int:
    from datetime import date

    from qpvdesk.core.reports.annual_report import render_annual_report
    from qpvdesk.core.reports.pdf import save_pdf
    from qpvdesk.core.services.evaluation import annual_report_data

    with _reading(args) as session:
        _check_year(args.year, *_contract_years(session))
        data = annual_report_data(session, args.year, today=date.today())
    written = save_pdf(render_annual_report(data), args.output)
    print(f"Bilan annuel {args.year} enregistré : {written}")
    return EXIT_OK


def cmd_evaluation(args: argparse.Namespace) -> int:
    from datetime import date

    from qpvdesk.core.reports.evaluation_report import render_evaluation_report
    from qpvdesk.core.reports.pdf import save_pdf
    from qpvdesk.core.services.evaluation import evaluation_data

    today = date.today()
    with _reading(args) as session:
        start, end = _contract_years(session)
        first = start if args.first_year is None else args.first_year
        last = min(max(today.year, start), end) if args.last_year is None else args.last_year
        _check_year(first, start, end)
        _check_year(last, start, end)
        data = evaluation_data(session, first, last, today=today)
    written = save_pdf(render_evaluation_report(data), args.output)
    print(f"Évaluation {first}–{last} enregistrée : {written}")
    return EXIT_OK


def cmd_actions(args: argparse.Namespace) -> int:
    from qpvdesk.core.services.actions import action_rows

    with _reading(args) as session:
        rows = action_rows(session, year=args.year)
    if args.json:
        payload = [
            {
                "id": row.id,
                "title": row.title,
                "holder": row.holder_name,
                "objective": row.objective_code,
                "kind": row.kind.value,
                "state": row.state.value,
                "start_year": row.start_year,
                "end_year": row.end_year,
            }
            for row in rows
        ]
        _print_json(payload)
        return EXIT_OK
    if not rows:
        print("Aucune action.")
        return EXIT_OK
    for row in rows:
        code = row.objective_code or "—"
        holder = f" ({row.holder_name})" if row.holder_name else ""
        print(
            f"{row.id:>5}  {code:<8}  {row.kind_label:<15}  {row.state_label:<9}  "
            f"{row.period_label:<10}  {row.title}{holder}"
        )
    return EXIT_OK


def cmd_action_sheet(args: argparse.Namespace) -> int:
    from datetime import date

    from qpvdesk.core.domain.models import Action
    from qpvdesk.core.reports.action_sheet import render_action_sheets
    from qpvdesk.core.reports.pdf import save_pdf
    from qpvdesk.core.services.evaluation import action_sheet_data

    today = date.today()
    with _reading(args) as session:
        for action_id in args.action_ids:
            if session.get(Action, action_id) is None:
                raise UserFacingError(
                    f"aucune action n° {action_id} ; « qpvdesk actions » les liste."
                )
        sheets = [action_sheet_data(session, a, today=today) for a in args.action_ids]
    written = save_pdf(render_action_sheets(sheets), args.output)
    count = len(sheets)
    label = "Fiche action enregistrée" if count == 1 else f"{count} fiches actions enregistrées"
    print(f"{label} : {written}")
    return EXIT_OK


def cmd_selftest(_args: argparse.Namespace) -> int:
    # Qt is loaded only for this command (and the window), not for the other commands.
    from qpvdesk.ui.selftest import run_selftest

    return run_selftest()


COMMANDS = {
    "init": cmd_init,
    "info": cmd_info,
    "check": cmd_check,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "contact": cmd_contact,
    "meetings": cmd_meetings,
    "releve": cmd_releve,
    "export": cmd_export,
    "import": cmd_import,
    "bilan": cmd_bilan,
    "evaluation": cmd_evaluation,
    "actions": cmd_actions,
    "fiche-action": cmd_action_sheet,
    "selftest": cmd_selftest,
}

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
