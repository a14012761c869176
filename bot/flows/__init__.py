"""Conversation flows: they decide what happens and what to say, without importing ``telegram``.

A flow takes the update's ``Turn`` (``turn.py``: the open transaction, who acts, where, when) and
plain values, and returns ``Reply`` objects for ``render``.
"""
