-- Erasure that erases (issue #25).
-- An update key no longer holds a chat id as text: in a private chat the chat id is the
-- person's Telegram id. ``processed_key`` (bot/db/processed.py, registered on the connection)
-- rewrites ``m:<chat id>:<message id>`` as ``h:<digest of the chat id>:<message id>``, the key
-- the bot now gives the same message, so an update delivered again is still recognised.
UPDATE processed_updates SET key = processed_key(key) WHERE key LIKE 'm:%';
-- A handled update keeps only its id (to recognise it when Telegram delivers it again), not
-- what people typed: the inbox holds an update's content only until it is handled.
UPDATE inbox SET payload = '{}' WHERE handled_at IS NOT NULL;
