"""The "Observation" screen: context figures of the neighbourhood and residents' participation."""
