-- Rounds: each visit of a stage is a dated round, numbered 1, 2, ... per chat and stage. Answers
-- and topic states belong to a round (the round's number; the stage is the middle part of the
-- topic id, domain.stage.topic), so a later round keeps the earlier one beside it.
CREATE TABLE rounds (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    stage       TEXT    NOT NULL,
    number      INTEGER NOT NULL CHECK (number >= 1),
    started_at  TEXT    NOT NULL,
    UNIQUE (chat_id, stage, number)
);

-- What a chat did before rounds existed becomes round 1 of each stage it touched, started at
-- the earliest answer or topic state of that stage.
INSERT INTO rounds (chat_id, stage, number, started_at)
SELECT chat_id, stage, 1, min(at) FROM (
    SELECT chat_id,
           substr(substr(topic_id, instr(topic_id, '.') + 1), 1,
                  instr(substr(topic_id, instr(topic_id, '.') + 1), '.') - 1) AS stage,
           created_at AS at
    FROM answers
    UNION ALL
    SELECT chat_id,
           substr(substr(topic_id, instr(topic_id, '.') + 1), 1,
                  instr(substr(topic_id, instr(topic_id, '.') + 1), '.') - 1) AS stage,
           updated_at AS at
    FROM topic_states
)
GROUP BY chat_id, stage;

-- One state per topic per round.
CREATE TABLE topic_states_by_round (
    chat_id     INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    topic_id    TEXT    NOT NULL,
    round       INTEGER NOT NULL DEFAULT 1,
    status      TEXT    NOT NULL CHECK (status IN ('open', 'answered', 'skipped')),
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (chat_id, topic_id, round)
);
INSERT INTO topic_states_by_round (chat_id, topic_id, round, status, updated_at)
SELECT chat_id, topic_id, 1, status, updated_at FROM topic_states;
DROP TABLE topic_states;
ALTER TABLE topic_states_by_round RENAME TO topic_states;

-- One answer per member per topic per round; within a round a new reply replaces the earlier one.
CREATE TABLE answers_by_round (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    topic_id    TEXT    NOT NULL,
    round       INTEGER NOT NULL DEFAULT 1,
    user_id     INTEGER NOT NULL,
    slot        INTEGER NOT NULL,
    text        TEXT    NOT NULL,
    message_id  INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    UNIQUE (chat_id, topic_id, round, user_id)
);
INSERT INTO answers_by_round
    (id, chat_id, topic_id, round, user_id, slot, text, message_id, created_at, updated_at)
SELECT id, chat_id, topic_id, 1, user_id, slot, text, message_id, created_at, updated_at
FROM answers;
DROP TABLE answers;
ALTER TABLE answers_by_round RENAME TO answers;
CREATE INDEX answers_by_topic ON answers (chat_id, topic_id, round);
