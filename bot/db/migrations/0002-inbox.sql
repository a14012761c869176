-- The durable inbox: every update as Telegram sent it, stored before Telegram is told it arrived.
-- handled_at is set in the transaction of the change the update causes; handled rows stay a
-- while so that an update Telegram delivers again is recognised, then they are pruned.
CREATE TABLE inbox (
    update_id    INTEGER PRIMARY KEY,
    payload      TEXT    NOT NULL,               -- the update's JSON
    received_at  TEXT    NOT NULL,
    handled_at   TEXT
);

CREATE INDEX inbox_waiting ON inbox (handled_at, update_id);
