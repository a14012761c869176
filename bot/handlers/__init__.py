"""Thin Telegram handlers: read the update, run a flow in a transaction, render and send."""
