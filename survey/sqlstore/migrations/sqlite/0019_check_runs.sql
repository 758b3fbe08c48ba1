-- 0019: observed service checks, continued (issue 17, part 2; docs/checks.md).

-- Check runs: when each started and finished, by hand or on the schedule,
-- how many URLs it visited and how many answered. The admin catalog page
-- reads the last one from here, so what it says survives a restart; a run
-- with no finished_at whose server stopped is shown as interrupted.
CREATE TABLE check_runs (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT    NOT NULL,
    finished_at TEXT    NOT NULL DEFAULT '',
    by_hand     INTEGER NOT NULL DEFAULT 0,
    started_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    urls        INTEGER NOT NULL DEFAULT 0,
    reachable   INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0
) STRICT;

-- A published round's observed figures (survey.RoundObserved as JSON: the
-- observed technology score and the discrepancies over the round's
-- window), written the first time they are read after publication and
-- never changed: checks recorded later or a catalog edited do not move
-- what was published.
CREATE TABLE round_observed (
    round_id         INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    institution_code TEXT    NOT NULL CHECK (length(institution_code) <= 64),
    body             TEXT    NOT NULL,
    frozen_at        TEXT    NOT NULL,
    PRIMARY KEY (round_id, institution_code)
) STRICT;
CREATE TRIGGER round_observed_immutable BEFORE UPDATE ON round_observed BEGIN
    SELECT RAISE(ABORT, 'published observed figures are kept as they were');
END;

-- Cached pages that show observed figures (the scorecard) are made again
-- after a check run: PagesVersion includes this counter.
INSERT INTO settings (key, value) VALUES ('checks_version', '0');
