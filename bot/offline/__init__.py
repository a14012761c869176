"""Telegram without Telegram: the fake Bot API, simulated people and the demo."""
