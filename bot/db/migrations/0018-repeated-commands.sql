-- What the last answer to a read-only command (/status, /summary) said in a chat's
-- thread, as a digest, and when: the same answer asked for again within a minute is a reaction
-- on the command instead of a new message (a group may have about 20 a minute). One row per
-- chat, thread and command; no names or text, only a digest of the answer.
CREATE TABLE repeated_commands (
    chat_id      INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    thread_id    INTEGER NOT NULL DEFAULT 0,
    command      TEXT    NOT NULL,
    digest       TEXT    NOT NULL,
    answered_at  TEXT    NOT NULL,
    PRIMARY KEY (chat_id, thread_id, command)
);
