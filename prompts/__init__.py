"""LLM prompt files, loaded by name."""
