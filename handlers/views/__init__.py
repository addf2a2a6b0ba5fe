"""Listeners for modal submissions: the new-ticket modal and the card's note, hold and
resolve modals."""
