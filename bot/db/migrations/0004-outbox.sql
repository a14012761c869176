-- What the bot owes a chat: each message or edit, written in the transaction of the change it
-- reports and delivered afterwards in id order; marked sent with the id Telegram gave it.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    chat_id       INTEGER NOT NULL,
    thread_id     INTEGER,                       -- forum topic thread, if any
    reply_to      INTEGER,
    edit_id       INTEGER,                       -- edit this message; a new one if it is gone
    text          TEXT    NOT NULL,              -- HTML, rendered in the chat's language
    markup        TEXT,                          -- {"kind": "inline"|"force", "data": {...}}
    remember      TEXT,                          -- purpose of the message, once sent
    remember_ref  TEXT    NOT NULL DEFAULT '',
    -- 'sending' while a request is out. A process that finds one from the run before sends an
    -- edit or a card again, and takes any other message as delivered ('unsure').
    status        TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sending', 'sent', 'unsure', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT    NOT NULL,
    sent_at       TEXT,
    message_id    INTEGER
);

CREATE INDEX outbox_pending ON outbox (status, chat_id, id);
