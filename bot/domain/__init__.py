"""The wheel and the rules of the game: pure data and decisions, no I/O, no Telegram."""
