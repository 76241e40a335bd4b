"""Storage adapters: SQLModel tables, async engine, repositories, unit of work, Redis."""
