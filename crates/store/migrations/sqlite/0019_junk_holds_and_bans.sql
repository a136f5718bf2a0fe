-- Embargo schema, version 19 (sqlite). Keep in step with the other tree's 0019.
-- Junk costs nobody's attention: what intake holds back until the triage or a person
-- decides (the reporter's receipt and the members' "new report" e-mail), and the
-- instance-wide ban list.

-- One row per report filed since this version. `pending`: waiting for the triage;
-- `held`: the triage labelled it junk, nothing goes out until a person decides; `blocked`:
-- a filter rule or a ban matched its sender, nothing goes out until a person decides;
-- `released`: the receipt (if any) is queued and the members were told; `dropped`: closed
-- as spam, the receipt is never sent. The receipt is kept here until it is released (then
-- it is queued in `emails` under `receipt_id`), and kept after, so nothing is lost.
CREATE TABLE intake_holds (
    report_id     TEXT PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    status        TEXT NOT NULL
                  CHECK (status IN ('pending', 'held', 'blocked', 'released', 'dropped')),
    reason        TEXT,
    receipt_id    TEXT,
    receipt_to    TEXT,
    receipt_subject TEXT,
    receipt_body  TEXT,
    receipt_auto_submitted TEXT,
    -- Whether the receipt went into the outbox at intake (projects that do not hold it).
    receipt_sent  BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    decided_at    BIGINT,
    decided_by    TEXT
);
CREATE INDEX intake_holds_status ON intake_holds (status, report_id);

-- The instance's ban list (administrators): a sender address, a domain (and its
-- subdomains), or a regular expression on the sender's display name.
CREATE TABLE instance_bans (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('address', 'domain', 'name')),
    pattern       TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    created_by    TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at    BIGINT NOT NULL,
    match_count   BIGINT NOT NULL DEFAULT 0,
    last_match_at BIGINT,
    UNIQUE (kind, pattern)
);
