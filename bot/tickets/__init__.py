"""Tickets: the domain (enums, TicketDraft, errors), the status machine, the ticket service
(private to the features: adapters call `usecases` and `reads`), notices, permissions,
ticket JSON, import and export, the App Home page."""
