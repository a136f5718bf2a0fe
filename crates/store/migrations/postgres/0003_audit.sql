-- Embargo schema, version 3 (postgres). Keep in step with the other tree's 0003.
-- The append-only, hash-chained audit log (domain::audit). `audit_head` holds the last
-- event's seq and hash in one row: appending updates it first, which serialises writers
-- on both databases, so the chain never forks.

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);

INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_events (
    seq       BIGINT PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    data      TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);

CREATE INDEX audit_events_subject ON audit_events (subject, seq);
