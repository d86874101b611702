"""The "Instances et séances" screen: committees, meetings and the meeting mode."""
