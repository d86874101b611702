"""The "Partenaires" screen: organisations, contacts and their documents."""
