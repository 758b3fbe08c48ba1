-- PostgreSQL form of migrations/sqlite/0010_login_failures_hashed.sql
-- (types as 0001 says); the notes below are that file's.

-- 0010: failed sign-ins are kept under a fixed-size key, not the address
-- as typed. The old table stored the e-mail exactly as sent, up to the
-- request body's limit: a few clients grew the database by hundreds of MB.
-- Now the key is the first 128 bits of SHA-256 of the normalised address
-- (lower-cased, trimmed) in hex, 32 characters, whatever was sent; the rows
-- are pruned by age and by count (survey/signin.go), and no client address
-- is stored. What the old table held only throttled sign-ins for 15
-- minutes: it is dropped, not converted.
DROP TABLE login_failures;

CREATE TABLE login_failures (
    key TEXT COLLATE "C" NOT NULL CHECK (length(key) = 32),
    at  TEXT COLLATE "C" NOT NULL CHECK (length(at) = 24)
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);
CREATE INDEX login_failures_at ON login_failures (at);
