"""The web side of Priemnaya (aiohttp): the ЦУР analytics dashboard, and the application that
other web parts (Open311, health and metrics) are set up on."""
