"""`briefing serve`: the archive, sign-up, confirm and unsubscribe pages (an ASGI app on uvicorn)."""
