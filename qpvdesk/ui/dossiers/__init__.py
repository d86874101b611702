"""The "Dossiers" screen: the list of funding requests, its filters and export."""
