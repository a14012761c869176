-- When the bot was removed from a group: its data is erased a set time after that
-- (WHEELBOT_RETENTION_DAYS) unless the bot is added again. Groups already left count from their
-- last change.
ALTER TABLE chats ADD COLUMN removed_at TEXT;
UPDATE chats SET removed_at = updated_at WHERE active = 0;
