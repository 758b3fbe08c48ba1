-- 0021: reminders and notifications (issue 18, §2): the automatic
-- reminders of a round, a record of every reminder sent (the board's "last
-- reminded", and the bound of one a day per institution), and the
-- coordinators who asked for the daily digest. The messages themselves
-- are in the outbox (0020), written in the same transaction.

-- A round's automatic reminders: first_days and second_days before the
-- deadline (an institution's extension moves its own), NULL = off. No row
-- = both off.
CREATE TABLE round_reminder_days (
    round_id    INTEGER PRIMARY KEY REFERENCES rounds (id) ON DELETE CASCADE,
    first_days  INTEGER CHECK (first_days BETWEEN 1 AND 60),
    second_days INTEGER CHECK (second_days BETWEEN 1 AND 60),
    updated_by  INTEGER REFERENCES users (id),
    updated_at  TEXT    NOT NULL,
    CHECK (first_days IS NULL OR second_days IS NULL OR first_days <> second_days)
) STRICT;

-- One row per institution reminded in a round on a day (the deployment's
-- time zone): the unique key is the bound "never more than one reminder a
-- day", kept by the database whichever server or run (manual or automatic)
-- comes first. recipients is how many messages went to the outbox.
CREATE TABLE reminders (
    id             INTEGER PRIMARY KEY,
    round_id       INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    day            TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('manual', 'automatic')),
    sent_by        INTEGER REFERENCES users (id),
    sent_at        TEXT    NOT NULL,
    recipients     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (round_id, institution_id, day)
) STRICT;
CREATE INDEX reminders_round_sent ON reminders (round_id, sent_at);

-- Coordinators who receive the daily digest of submissions and returns
-- (optional, off by default). since: when they asked for it.
CREATE TABLE mail_digests (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    since   TEXT    NOT NULL
) STRICT;
