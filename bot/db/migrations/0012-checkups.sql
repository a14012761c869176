-- Agreement check-ups. Every confirmed agreement has a review date: the local day (in the
-- group's time zone) on which the partners check together whether it is kept. Agreements
-- confirmed before check-ups existed get theirs three months after their confirmation.
ALTER TABLE agreements ADD COLUMN review_due TEXT;  -- 'YYYY-MM-DD', NULL until confirmed
UPDATE agreements SET review_due = date(confirmed_at, '+3 months')
    WHERE status = 'confirmed' AND confirmed_at IS NOT NULL;

-- One check-up message (or a few, when long): posted when review dates fell due ('due'), or
-- asked for with /checkup ('asked').
CREATE TABLE checkups (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('due', 'asked')),
    day         TEXT    NOT NULL,                -- 'YYYY-MM-DD', the group's local day
    asked_by    INTEGER,                         -- who sent /checkup (NULL: the job, or forgotten)
    created_at  TEXT    NOT NULL
);
CREATE INDEX checkups_by_chat ON checkups (chat_id, id);

-- The agreements a check-up lists, in its order, and in which of its messages (part).
CREATE TABLE checkup_items (
    checkup_id    INTEGER NOT NULL REFERENCES checkups (id) ON DELETE CASCADE,
    agreement_id  INTEGER NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,              -- its number in the check-up, from 1
    part          INTEGER NOT NULL,              -- which message of the check-up, from 0
    -- The review date this item answers: the job posts an agreement once per review date.
    -- NULL for an agreement /checkup listed before its date.
    review_due    TEXT,
    completed_at  TEXT,                          -- when both organisations had marked it
    PRIMARY KEY (checkup_id, agreement_id)
);
CREATE INDEX checkup_items_by_agreement ON checkup_items (agreement_id, review_due);

-- Each organisation's mark on an agreement in a check-up; a colleague's later press replaces it.
CREATE TABLE checkup_marks (
    checkup_id    INTEGER NOT NULL,
    agreement_id  INTEGER NOT NULL,
    slot          INTEGER NOT NULL CHECK (slot IN (1, 2)),
    mark          TEXT    NOT NULL CHECK (mark IN ('kept', 'partly', 'not-kept')),
    marked_by     INTEGER,                       -- NULL once that person asked to be forgotten
    marked_at     TEXT    NOT NULL,
    PRIMARY KEY (checkup_id, agreement_id, slot),
    FOREIGN KEY (checkup_id, agreement_id)
        REFERENCES checkup_items (checkup_id, agreement_id) ON DELETE CASCADE
);
