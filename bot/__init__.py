"""ClubOS Tickets features, one folder each: tickets, intake, triage, monitoring, followup;
beside them the club config (`club`), structured logs and the worker loop they share."""
