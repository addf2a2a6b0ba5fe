"""Monitoring: system events POSTed by monitoring: parsing, history, rules, service."""
