"""The seam to Telegram: the durable inbox, per-chat ordering, the outbox, rate limits.

Named ``io`` and not ``telegram`` so that it never reads as python-telegram-bot's own package."""
