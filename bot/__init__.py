"""ClubOS Tickets: app assembly, configuration, domain services."""
