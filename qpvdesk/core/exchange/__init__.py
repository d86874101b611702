"""Excel and CSV imports and exports."""
