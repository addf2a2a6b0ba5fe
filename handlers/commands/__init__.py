"""The `/ticket` slash command: its listener, and the parser of its text."""
