-- Answering privately (a blind round, issue 26). With ``private_answers`` on, each topic card
-- carries an "Answer privately" start deep link into a private chat with the bot.
ALTER TABLE chats ADD COLUMN private_answers INTEGER NOT NULL DEFAULT 0;

-- An answer given in a private chat. Nobody sees what it says (not on the card, not in the
-- export, not on a later round's card) until both organisations have answered the topic in that
-- round; then the answers view shows it with the others.
ALTER TABLE answers ADD COLUMN private INTEGER NOT NULL DEFAULT 0;

-- A topic in a round of its stage that takes private answers: what an "Answer privately" link
-- opens (``links.kind = 'answer'``, ``links.ref`` = this id). Erasing the group erases them.
-- AUTOINCREMENT: a question asked in someone's private chat keeps this id; after its group was
-- erased, the id must never come to name another group's topic.
CREATE TABLE private_topics (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id     INTEGER NOT NULL REFERENCES chats (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
    topic_id    TEXT    NOT NULL,
    round       INTEGER NOT NULL CHECK (round >= 1),
    created_at  TEXT    NOT NULL,
    UNIQUE (chat_id, topic_id, round)
);
