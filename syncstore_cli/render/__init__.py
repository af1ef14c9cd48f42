"""Output formats of what the application produces (reports)."""
