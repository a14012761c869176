-- Chats the bot is in (groups and private chats), with the walk-through's position.
CREATE TABLE chats (
    chat_id     INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('private', 'group', 'supergroup', 'channel')),
    title       TEXT,
    language    TEXT    NOT NULL CHECK (language IN ('en', 'nl')),
    timezone    TEXT    NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,      -- 0 while the bot is not a member
    greeted_at  TEXT,                            -- set once per time the bot is added
    setup_by    INTEGER,                         -- user id of who ran the set-up
    setup_step  TEXT    NOT NULL DEFAULT 'none'
                CHECK (setup_step IN ('none', 'partner-1', 'partner-2', 'members', 'done')),
    stage       TEXT,                            -- current stage id
    topic       TEXT,                            -- current topic id
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

-- The two partner organisations of a chat.
CREATE TABLE partners (
    chat_id  INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    slot     INTEGER NOT NULL CHECK (slot IN (1, 2)),
    name     TEXT    NOT NULL,
    PRIMARY KEY (chat_id, slot)
);

-- People in a chat and the partner organisation they represent.
CREATE TABLE members (
    chat_id    INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    slot       INTEGER,
    name       TEXT    NOT NULL,
    joined_at  TEXT    NOT NULL,
    left_at    TEXT,
    PRIMARY KEY (chat_id, user_id),
    FOREIGN KEY (chat_id) REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    FOREIGN KEY (chat_id, slot) REFERENCES partners (chat_id, slot) ON UPDATE CASCADE
);

-- Where each topic of the wheel stands in a chat.
CREATE TABLE topic_states (
    chat_id     INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    topic_id    TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('open', 'answered', 'skipped')),
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (chat_id, topic_id)
);

-- One answer per member per topic; a new reply replaces the earlier one.
CREATE TABLE answers (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    topic_id    TEXT    NOT NULL,
    user_id     INTEGER NOT NULL,
    slot        INTEGER NOT NULL,
    text        TEXT    NOT NULL,
    message_id  INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    UNIQUE (chat_id, topic_id, user_id)
);

-- Open issues: what is still unresolved.
CREATE TABLE open_issues (
    id           INTEGER PRIMARY KEY,
    chat_id      INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    topic_id     TEXT    NOT NULL,
    text         TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    raised_by    INTEGER NOT NULL,
    raised_at    TEXT    NOT NULL,
    resolved_by  INTEGER,
    resolved_at  TEXT
);

-- Agreements: proposed by one partner, confirmed by the other.
CREATE TABLE agreements (
    id              INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    topic_id        TEXT    NOT NULL,
    text            TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'proposed'
                    CHECK (status IN ('proposed', 'confirmed', 'withdrawn')),
    proposed_by     INTEGER NOT NULL,
    proposer_slot   INTEGER NOT NULL,
    proposed_at     TEXT    NOT NULL,
    confirmed_by    INTEGER,
    confirmed_at    TEXT,
    withdrawn_at    TEXT,
    from_issue      INTEGER REFERENCES open_issues (id)
);

-- Reminders to revisit a stage: the local wall time they are meant for and its IANA timezone.
CREATE TABLE reminders (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    stage       TEXT    NOT NULL,
    local_time  TEXT    NOT NULL,                -- 'YYYY-MM-DDTHH:MM', wall time in `timezone`
    timezone    TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    created_by  INTEGER,
    created_at  TEXT    NOT NULL,
    sent_at     TEXT
);

-- Bot messages that wait for a reply or a press, and what they are for.
CREATE TABLE bot_messages (
    chat_id     INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    message_id  INTEGER NOT NULL,
    purpose     TEXT    NOT NULL,
    ref         TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);

-- Updates already acted on (per chat message or callback query), for idempotency.
CREATE TABLE processed_updates (
    key           TEXT PRIMARY KEY,
    processed_at  TEXT NOT NULL
);

CREATE INDEX answers_by_topic ON answers (chat_id, topic_id);
CREATE INDEX agreements_by_chat ON agreements (chat_id, status);
CREATE INDEX open_issues_by_chat ON open_issues (chat_id, status);
CREATE INDEX reminders_due ON reminders (status, local_time);
