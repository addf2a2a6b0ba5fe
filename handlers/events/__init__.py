"""Listeners for Events API events: relay messages, reactions, the App Home opened."""
