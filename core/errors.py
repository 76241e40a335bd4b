"""Errors the core raises or expects from its adapters."""


class NotFound(LookupError):
    """The thing does not exist — or the caller may not see it (we never tell which)."""


class ConsentRequired(PermissionError):
    """Personal data cannot be stored before the citizen consents (152-ФЗ)."""


class Conflict(RuntimeError):
    """A uniqueness or version conflict in storage; the caller may retry."""


class UnknownSector(ValueError):
    """A sector code that is not in the catalogue."""
