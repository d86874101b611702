"""Command line: `qpvdesk [--db PATH] [COMMAND]`; no command opens the window.

Every command speaks French, exits 0 on success and non-zero with a one-line
French error otherwise. Each runs the same services the window uses.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from qpvdesk import __version__
from qpvdesk.core.errors import UserFacingError

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
        }
        for english, french in translations.items():
            message = message.replace(english, french)
        self.exit(EXIT_USAGE, f"qpvdesk : erreur : {message} (voir « qpvdesk --help »)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = FrenchArgumentParser(
        prog="qpvdesk",
        description="qpvdesk : pilotage du contrat de ville (cadre stratégique, programmation, "
        "instances, évaluation).\nSans commande, ouvre la fenêtre.",
    )
    parser.add_argument(
        "--db",
        type=Path,
        metavar="FICHIER",
        help="fichier de données (par défaut : qpvdesk.sqlite dans le dossier de données "
        "de l'utilisateur)",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"qpvdesk {__version__}",
        help="affiche la version et quitte",
    )
    parser.add_argument(
        "--lecture-seule",
        dest="read_only",
        action="store_true",
        help="ouvre la fenêtre sans rien pouvoir modifier",
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

    info = commands.add_parser(
        "info",
        help="résumé de la base",
        description="Contrat, version du schéma, effectifs, dernière sauvegarde.",
    )
    info.add_argument("--json", action="store_true", help="sortie JSON pour les scripts")

    commands.add_parser(
        "check",
        help="vérifie l'intégrité et la version du schéma",
        description="Vérifie l'intégrité du fichier et sa version de schéma.",
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
        help="restaure une sauvegarde",
        description="Remplace la base par une sauvegarde ; le fichier "
        "actuel est conservé à côté (…-avant-restauration-…).",
    )
    restore.add_argument("backup_file", type=Path, metavar="FICHIER", help="sauvegarde à restaurer")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        from qpvdesk.ui.app import run_gui

        return run_gui(args.db, read_only=args.read_only)
    try:
        return COMMANDS[args.command](args)
    except UserFacingError as error:
        print(f"qpvdesk : {error.message}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("qpvdesk : interrompu.", file=sys.stderr)
        return EXIT_ERROR


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
        print(json.dumps(info.as_json(), ensure_ascii=False, indent=2))
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
    from qpvdesk.core.storage.database import restore_database

    path = _db_path(args)
    aside = restore_database(path, args.backup_file)
    print(f"Sauvegarde restaurée dans {path}")
    if aside is not None:
        print(f"L'ancien fichier est conservé : {aside}")
    return EXIT_OK


COMMANDS = {
    "init": cmd_init,
    "info": cmd_info,
    "check": cmd_check,
    "backup": cmd_backup,
    "restore": cmd_restore,
}

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
