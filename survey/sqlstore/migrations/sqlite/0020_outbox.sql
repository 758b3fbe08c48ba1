-- 0020: e-mail through an outbox (issue 18, part 1; docs/mail.md).

-- Every message is written here in the same transaction as the change that
-- causes it (an invitation, a reset, a reminder…), then sent by the worker
-- (survey/mailer) with retries. A message is claimed with a lease before it
-- is sent: status 'sending', attempts + 1 and next_attempt_at = the end of
-- the lease are committed first, so a process that dies after the SMTP
-- server took the message but before 'sent' is recorded sends it once more
-- when the lease ends, with the same message_id (at-least-once, at most one
-- extra copy per crash).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
    recipient       TEXT    NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254),
    user_id         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    lang            TEXT    NOT NULL DEFAULT 'ar' CHECK (lang IN ('ar', 'en')),
    institution_id  INTEGER REFERENCES institutions (id) ON DELETE SET NULL,
    round_id        INTEGER REFERENCES rounds (id) ON DELETE SET NULL,
    -- The page the message links to, under /{lang}/ (e.g. "invite/{secret}").
    link            TEXT    NOT NULL DEFAULT '' CHECK (length(link) <= 500),
    -- A one-time token that the link carries (invitations, resets): kept
    -- only until the message is sent, then cleared; the stored rendered copy
    -- has it masked. Only its hash is kept elsewhere.
    secret          TEXT    CHECK (secret IS NULL OR length(secret) <= 200),
    params          TEXT    NOT NULL DEFAULT '{}' CHECK (length(params) <= 8192 AND json_valid(params)),
    -- At most one message per key: a second enqueue with the same key does
    -- nothing (e.g. one reminder a day per institution).
    dedupe_key      TEXT    UNIQUE CHECK (dedupe_key IS NULL OR length(dedupe_key) <= 200),
    message_id      TEXT    NOT NULL UNIQUE CHECK (length(message_id) <= 200),
    status          TEXT    NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '' CHECK (length(last_error) <= 1000),
    created_at      TEXT    NOT NULL,
    sent_at         TEXT,
    subject         TEXT    NOT NULL DEFAULT '' CHECK (length(subject) <= 1000),
    body_text       TEXT    NOT NULL DEFAULT '' CHECK (length(body_text) <= 65536),
    body_html       TEXT    NOT NULL DEFAULT '' CHECK (length(body_html) <= 131072)
) STRICT;

-- The worker's question: what is due now (queued, or sending past its lease).
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status IN ('queued', 'sending');
-- The outbox page: newest first, by status.
CREATE INDEX outbox_status ON outbox (status, id);

-- The language of the messages a person receives, and whether they turned
-- off the optional ones (reminders, notifications: not invitations or
-- password resets).
ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT 'ar' CHECK (lang IN ('ar', 'en'));
ALTER TABLE users ADD COLUMN mail_optout INTEGER NOT NULL DEFAULT 0 CHECK (mail_optout IN (0, 1));

