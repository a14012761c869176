-- Facilitators: people the person who set the group up named to steer the session. A facilitator
-- represents neither partner (``slot`` stays NULL) and never answers, proposes, confirms or rates.
-- NULL: not a facilitator; otherwise when they were named.
ALTER TABLE members ADD COLUMN facilitator_since TEXT;

-- Action items: an open issue that one organisation (``owner`` 1 or 2) or both (0) picks up by a
-- date. One per open issue; choosing again changes it. ``due_local`` is a wall time in the
-- group's zone ('YYYY-MM-DDTHH:MM', 10:00 unless a time was given), NULL while only the owner is
-- chosen. The reminder falls due at that moment (``utc_of``, as a check-up's date); ``reminded_at``
-- says it was claimed, its message in the outbox in the same transaction.
CREATE TABLE action_items (
    issue_id     INTEGER PRIMARY KEY REFERENCES open_issues (id) ON DELETE CASCADE,
    chat_id      INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    owner        INTEGER NOT NULL CHECK (owner IN (0, 1, 2)),
    due_local    TEXT,
    status       TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'not-feasible')),
    set_by       INTEGER,                        -- NULL once that person asked to be forgotten
    set_at       TEXT    NOT NULL,
    reminded_at  TEXT,
    closed_by    INTEGER,                        -- who said done or not feasible
    closed_at    TEXT
);
CREATE INDEX action_items_due ON action_items (status, due_local);
CREATE INDEX action_items_by_chat ON action_items (chat_id);
