"""The SQLite file: engine, migrations, lock, backups and checks."""
