"""The PySide6 window: application context, main window and one package per screen."""
