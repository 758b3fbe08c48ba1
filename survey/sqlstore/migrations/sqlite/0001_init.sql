-- 0001: institutions, accounts, sessions, invitations, sign-in throttling, audit log.
-- Released migrations are never edited: add a new numbered file instead.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE institutions (
    id         INTEGER PRIMARY KEY,
    code       TEXT    NOT NULL UNIQUE,
    name_ar    TEXT    NOT NULL,
    name_en    TEXT    NOT NULL DEFAULT '',
    kind       TEXT    NOT NULL CHECK (kind IN ('ministry', 'agency', 'municipality', 'other')),
    sector     TEXT    NOT NULL DEFAULT '',
    region     TEXT    NOT NULL CHECK (region IN ('national', 'west-bank', 'gaza', 'jerusalem', 'abroad')),
    website    TEXT    NOT NULL DEFAULT '',
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
) STRICT;

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    email          TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL DEFAULT '',
    password_hash  TEXT    NOT NULL,
    role           TEXT    NOT NULL CHECK (role IN ('admin', 'respondent', 'viewer')),
    institution_id INTEGER REFERENCES institutions (id),
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at     TEXT    NOT NULL,
    -- A respondent belongs to exactly one institution; other roles to none.
    CHECK ((role = 'respondent') = (institution_id IS NOT NULL))
) STRICT;

-- Only a SHA-256 hash of each secret token is stored, so a copy of the
-- database (a backup, say) cannot be used to sign in or accept an invitation.
CREATE TABLE sessions (
    token_hash   TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('web', 'api')),
    csrf_token   TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    last_seen_at TEXT    NOT NULL,
    expires_at   TEXT    NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE invitations (
    id             INTEGER PRIMARY KEY,
    token_hash     TEXT    NOT NULL UNIQUE,
    email          TEXT    NOT NULL,
    role           TEXT    NOT NULL CHECK (role IN ('admin', 'respondent', 'viewer')),
    institution_id INTEGER REFERENCES institutions (id),
    created_by     INTEGER REFERENCES users (id),
    created_at     TEXT    NOT NULL,
    expires_at     TEXT    NOT NULL,
    used_at        TEXT,
    used_by        INTEGER REFERENCES users (id),
    revoked_at     TEXT,
    CHECK ((role = 'respondent') = (institution_id IS NOT NULL))
) STRICT;

CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
) STRICT;

-- Failed sign-ins per e-mail address (known or not), for throttling.
CREATE TABLE login_failures (
    email TEXT NOT NULL,
    at    TEXT NOT NULL
) STRICT;
CREATE INDEX login_failures_email_at ON login_failures (email, at);

CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    actor_id    INTEGER REFERENCES users (id),
    action      TEXT    NOT NULL,
    entity      TEXT    NOT NULL,
    entity_key  TEXT    NOT NULL,
    before_json TEXT,
    after_json  TEXT
) STRICT;
CREATE INDEX audit_events_entity ON audit_events (entity, entity_key);
