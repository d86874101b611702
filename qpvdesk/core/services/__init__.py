"""Use cases: writes take a Session and never commit; queries return frozen rows."""
