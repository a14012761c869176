"""Conversation flows: they decide what happens and what to say, without importing ``telegram``.

A flow takes plain values and an open transaction and returns ``Reply`` objects for ``render``.
"""
