"""The tests' people and chats: ``bot.simulated``, which ``wheelbot demo`` plays with too."""

from bot.offline.people import Group, User

__all__ = ["Group", "User"]
