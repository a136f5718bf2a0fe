-- Embargo schema, version 9 (sqlite). Keep in step with the other tree's 0009.
-- Each report's reply address security+TOKEN@domain: the token is derived from the instance
-- secret and the report id when Embargo first mails the reporter, and only its SHA-256 is
-- kept here, so mail to the address finds the report without the token being stored.
-- disabled: mail to the address is refused (e.g. the reporter was blocked); a report
-- disabled before any token was issued has a row without a hash, so none is ever issued.

CREATE TABLE reply_tokens (
    report_id  TEXT PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    token_hash TEXT UNIQUE,
    disabled   INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
);
