"""The permission matrix: every changing use case and every changing surface refuses a
non-operator (and lets an operator change), and conflicting updates lose nothing."""
