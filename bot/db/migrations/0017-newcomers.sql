-- Newcomers: someone who taps an organisation that already has a representative, once the group
-- has started, asks to join it; a colleague (a representative of that organisation) confirms
-- them or says they are not a colleague. Until then they do not represent it. ``status``:
-- 'pending', 'confirmed', 'declined', or 'withdrawn' (they left, tapped again, or the request
-- was overtaken). A confirmed newcomer's briefing link (``links.kind = 'briefing'``,
-- ``links.ref`` = this id) opens only for them. Erasing the group erases these rows (cascade);
-- /forgetme deletes a person's requests and forgets who decided.
CREATE TABLE newcomers (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    user_id     INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    username    TEXT,
    slot        INTEGER NOT NULL CHECK (slot IN (1, 2)),
    asked_at    TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'confirmed', 'declined', 'withdrawn')),
    decided_by  INTEGER,                         -- NULL once that person asked to be forgotten
    decided_at  TEXT
);
CREATE INDEX newcomers_by_person ON newcomers (chat_id, user_id, status);
CREATE INDEX newcomers_by_user ON newcomers (user_id);
