-- Reminders are found by the instant they fall due, in UTC: an index on local wall times cannot
-- order reminders across time zones. The local wall time and its zone stay, so a group that
-- changes its time zone keeps its reminders at the same time of day. ``utc_of`` is a function
-- the application registers on its connection (bot/db/reminders.py).
ALTER TABLE reminders ADD COLUMN due_utc TEXT;
-- What the group did with a reminder once it was sent: 'started', 'dismissed' (its buttons act
-- once); NULL while it waits for an answer.
ALTER TABLE reminders ADD COLUMN outcome TEXT;
UPDATE reminders SET due_utc = utc_of(local_time, timezone);
DROP INDEX reminders_due;
CREATE INDEX reminders_due ON reminders (status, due_utc);
