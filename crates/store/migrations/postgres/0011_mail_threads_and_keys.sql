-- Embargo schema, version 11 (postgres). Keep in step with the other tree's 0011.
-- Outgoing mail says whether a program sent it on its own (RFC 3834 Auto-Submitted:
-- auto-replied for the receipt, auto-generated for notices; NULL when a person wrote it).
ALTER TABLE emails ADD COLUMN auto_submitted TEXT
    CHECK (auto_submitted IN ('auto-replied', 'auto-generated'));
CREATE INDEX emails_report ON emails (report_id, created_at);
CREATE INDEX inbound_messages_report ON inbound_messages (report_id, received_at);

-- The OpenPGP signature of an inbound message, checked against the keys known for its
-- sender: good, bad or unknown_key (NULL: not signed); the signer's fingerprint (or the
-- issuer the signature names) and, for a bad one, why.
ALTER TABLE inbound_messages ADD COLUMN signature_status TEXT
    CHECK (signature_status IN ('good', 'bad', 'unknown_key'));
ALTER TABLE inbound_messages ADD COLUMN signature_key TEXT;
ALTER TABLE inbound_messages ADD COLUMN signature_note TEXT;

-- Reporters' OpenPGP public keys, per report: pasted in the form or the API (form), attached
-- to their mail as application/pgp-keys (attachment), or carried by mail whose signature it
-- verifies (signed_mail). Replies to the reporter are encrypted to the newest usable one.
CREATE TABLE reporter_keys (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    report_id   TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    -- The reporter's address, lower case, when known.
    address     TEXT,
    fingerprint TEXT NOT NULL,
    armored     TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('form', 'attachment', 'signed_mail')),
    created_at  BIGINT NOT NULL,
    UNIQUE (report_id, fingerprint)
);
CREATE INDEX reporter_keys_address ON reporter_keys (project_id, address);
