"""Listeners for block actions: the ticket card, the closure suggestion, the App Home."""
