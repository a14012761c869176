-- Earlier agreements can be kept, changed or dropped, and keep their history.
-- The table is rebuilt to widen the status CHECK: 'changed' (a confirmed change replaced it) and
-- 'dropped' (both organisations let it lapse). Every column and row is kept; new columns:
--   replaces  the confirmed agreement a proposal would change or drop (NULL: a new agreement);
--   lapse     1 for a proposal to let `replaces` lapse (its text is that agreement's text);
--   ended_at  when a confirmed agreement was changed or dropped.
-- Nothing references agreements, so dropping the old table under foreign_keys=ON is safe.
CREATE TABLE agreements_rebuilt (
    id              INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    topic_id        TEXT    NOT NULL,
    text            TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'proposed'
                    CHECK (status IN ('proposed', 'confirmed', 'withdrawn', 'changed', 'dropped')),
    proposed_by     INTEGER NOT NULL,
    proposer_slot   INTEGER NOT NULL,
    proposed_at     TEXT    NOT NULL,
    confirmed_by    INTEGER,
    confirmed_at    TEXT,
    withdrawn_at    TEXT,
    from_issue      INTEGER REFERENCES open_issues (id),
    revision        INTEGER NOT NULL DEFAULT 0,
    replaces        INTEGER REFERENCES agreements_rebuilt (id),
    lapse           INTEGER NOT NULL DEFAULT 0 CHECK (lapse IN (0, 1)),
    ended_at        TEXT
);
INSERT INTO agreements_rebuilt (id, chat_id, topic_id, text, status, proposed_by, proposer_slot,
    proposed_at, confirmed_by, confirmed_at, withdrawn_at, from_issue, revision)
SELECT id, chat_id, topic_id, text, status, proposed_by, proposer_slot, proposed_at,
    confirmed_by, confirmed_at, withdrawn_at, from_issue, revision FROM agreements;
DROP TABLE agreements;
ALTER TABLE agreements_rebuilt RENAME TO agreements;
CREATE INDEX agreements_by_chat ON agreements (chat_id, status);
CREATE INDEX agreements_replacing ON agreements (replaces) WHERE replaces IS NOT NULL;

-- "Still holds": one row per press that counted, by a representative of `slot`. A check is
-- complete when both organisations have pressed since the last complete one.
CREATE TABLE agreement_holds (
    id            INTEGER PRIMARY KEY,
    chat_id       INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    agreement_id  INTEGER NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    slot          INTEGER NOT NULL CHECK (slot IN (1, 2)),
    user_id       INTEGER NOT NULL,
    held_at       TEXT    NOT NULL
);
CREATE INDEX agreement_holds_by_agreement ON agreement_holds (agreement_id, id);
