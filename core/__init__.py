"""Channel-free domain core: appeal lifecycle, numbering, drafts, history events, services.

Nothing in this package imports aiogram, SQLAlchemy/SQLModel, Redis or Vosk; channels (bot,
voice line, CLI) call the service functions, and storage implements the ports in `core.ports`.
"""
