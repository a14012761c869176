-- In a forum supergroup: the topic thread where the set-up began, where the session's cards go.
ALTER TABLE chats ADD COLUMN thread_id INTEGER;
