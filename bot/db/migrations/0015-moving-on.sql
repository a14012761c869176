-- Who moves on, nudges and small celebrations (issue #26).

-- A member's Telegram username, to mention them as @username; NULL for people without one,
-- who are mentioned by a link to their id instead.
ALTER TABLE members ADD COLUMN username TEXT;

-- Whether the bot invites the quieter organisation on a topic by itself (/nudge auto on|off).
ALTER TABLE chats ADD COLUMN nudge_auto INTEGER NOT NULL DEFAULT 0;

-- Each organisation's Ready on a topic in a round: one from each moves the group on.
CREATE TABLE ready_marks (
    chat_id    INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    topic_id   TEXT    NOT NULL,
    round      INTEGER NOT NULL,
    slot       INTEGER NOT NULL CHECK (slot IN (1, 2)),
    user_id    INTEGER,                        -- who pressed; NULL once they asked to be forgotten
    marked_at  TEXT    NOT NULL,
    PRIMARY KEY (chat_id, topic_id, round, slot)
);

-- A topic's card in a round, as the facilitator watches it: when it was opened (the ten
-- minutes of the gentle reminder count from there), when the reminder went out, when the
-- quieter organisation was invited, whether the card marks the stage's halfway point, and
-- when the group moved on from it (the card then reads as closed; opened again, it is open).
CREATE TABLE card_watch (
    chat_id      INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    topic_id     TEXT    NOT NULL,
    round        INTEGER NOT NULL,
    opened_at    TEXT    NOT NULL,
    reminded_at  TEXT,
    invited_at   TEXT,
    halfway      INTEGER NOT NULL DEFAULT 0,
    closed_at    TEXT,
    PRIMARY KEY (chat_id, topic_id, round)
);
-- The job's look: cards not reminded yet, oldest first.
CREATE INDEX card_watch_waiting ON card_watch (opened_at) WHERE reminded_at IS NULL;
