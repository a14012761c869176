-- Links that open a private chat with the bot from a group ("Rate privately"): the start deep
-- link carries only a random token, looked up here, never a chat or check id taken as given.
-- ``kind`` says what the link opens (``position``: a position check), ``ref`` its id. Erasing
-- the group erases its links (cascade).
CREATE TABLE links (
    token       TEXT    PRIMARY KEY,
    chat_id     INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    kind        TEXT    NOT NULL,
    ref         INTEGER NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX links_chat ON links (chat_id);

-- Position checks: both organisations rate the twelve components of the paper's Table 2 from
-- 1 (transactional) to 4 (transformational), privately, and see both views together once each
-- organisation has at least one complete rating. A new /position supersedes a check still open;
-- /reset closes it; a revealed check stays, a point of the trajectory.
CREATE TABLE position_checks (
    id           INTEGER PRIMARY KEY,
    chat_id      INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    status       TEXT    NOT NULL DEFAULT 'open'
                 CHECK (status IN ('open', 'revealed', 'superseded', 'reset')),
    started_by   INTEGER,
    started_at   TEXT    NOT NULL,
    revealed_at  TEXT
);
CREATE INDEX position_checks_chat ON position_checks (chat_id, id);

-- One person's rating in a check: ``draft`` holds the answers given so far in the rating under
-- way (one character per component, in Table 2's order: '1'-'4', or '0' for "don't know");
-- ``answers`` the latest complete rating, which is what counts. ``user_id`` is NULL once the
-- person asked to be forgotten (their complete rating stays, as their organisation's).
CREATE TABLE position_ratings (
    id            INTEGER PRIMARY KEY,
    check_id      INTEGER NOT NULL REFERENCES position_checks (id) ON DELETE CASCADE,
    user_id       INTEGER,
    slot          INTEGER NOT NULL CHECK (slot IN (1, 2)),
    draft         TEXT    NOT NULL DEFAULT '',
    answers       TEXT,
    completed_at  TEXT,
    updated_at    TEXT    NOT NULL,
    UNIQUE (check_id, user_id)
);
