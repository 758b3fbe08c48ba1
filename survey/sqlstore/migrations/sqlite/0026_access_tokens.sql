-- 0026: personal access tokens (survey/tokens.go, docs/api.md). Only the
-- SHA-256 of a token is kept; hint is its first characters, to recognise it
-- by on the account page. A revoked token keeps its row (revoked_at) so that
-- the owner sees what they revoked and when; rows of a deleted user go too.
CREATE TABLE access_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 400),
    scope        TEXT    NOT NULL CHECK (scope IN ('read', 'write')),
    token_hash   TEXT    NOT NULL UNIQUE,
    hint         TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    expires_at   TEXT    NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX access_tokens_user ON access_tokens (user_id, id);
