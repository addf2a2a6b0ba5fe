"""Access to the web dashboard: one-time sign-in links an operator asks for in Slack."""
