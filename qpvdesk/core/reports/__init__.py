"""Report data builders and their PDF, .eml and .ics renderings."""
