-- Embargo schema, version 23. Keep the SQLite and PostgreSQL trees in step.
-- Account security: a user an administrator disabled (no sign-in; sessions and tokens
-- stop working), when each API token was last used, and single-use password-reset links
-- (only their hash is stored; expiry and use recorded).
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT;
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id);
