-- Embargo schema, version 2 (postgres). Keep in step with the other tree's 0002.
-- Each project's OpenPGP key that signs its security.txt. The secret key is stored
-- ASCII-armored with its secret material encrypted under a passphrase derived from the
-- instance secret, which is not in the database.

CREATE TABLE project_signing_keys (
    project_id     TEXT PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    fingerprint    TEXT NOT NULL,
    secret_armored TEXT NOT NULL,
    public_armored TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
