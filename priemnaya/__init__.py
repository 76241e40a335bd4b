"""Priemnaya: the application shell — settings, composition root and the `priemnaya` command."""
