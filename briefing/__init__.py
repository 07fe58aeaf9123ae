"""briefing: a daily briefing generator (collect, summarize, group, publish)."""

__version__ = "0.1.0"
