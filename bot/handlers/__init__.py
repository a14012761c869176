"""Thin Telegram handlers: read the update, run a flow in its turn (``turn.py``), render and send.

Commands have a handler per feature; every button press and every reply to a bot message goes
through the route table in ``routes.py``."""
