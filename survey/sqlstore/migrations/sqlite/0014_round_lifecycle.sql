-- 0014: a round's life under the coordinator's control (issue 16, part 3):
-- extensions of the deadline, archived and test rounds, and ranking caches
-- that stay right when a round is deleted.

-- More time for one institution in one round: answers are taken until the
-- end of `until` (a day, Palestine time; survey/deadline.go) instead of
-- the round's deadline. One per institution and round; revoking deletes it.
CREATE TABLE round_extensions (
    round_id       INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    until          TEXT    NOT NULL,
    reason         TEXT    NOT NULL DEFAULT '',
    granted_by     INTEGER REFERENCES users (id),
    granted_at     TEXT    NOT NULL,
    PRIMARY KEY (round_id, institution_id)
) STRICT;

-- A published round put away: hidden from lists, dashboards and trends,
-- kept whole and restorable. NULL while it is not archived.
ALTER TABLE rounds ADD COLUMN archived_at TEXT;
-- A rehearsal round: its answers never pre-fill a later round by default.
ALTER TABLE rounds ADD COLUMN test INTEGER NOT NULL DEFAULT 0 CHECK (test IN (0, 1));

-- Rankings are cached by round id and the round's version
-- (round_scores_versions, 0011). SQLite gives a new row the largest id
-- plus one, so a round created after the newest round was deleted takes
-- its id; were its version to start again at 1, it could meet a version
-- the deleted round had, and be served the deleted round's cached
-- ranking. So the last version of every round's counter that goes (with
-- its round, by cascade or not) is kept as a floor, and every new round
-- starts above it.
INSERT INTO settings (key, value) VALUES ('round_versions_floor', '0');
CREATE TRIGGER round_scores_versions_bd_floor BEFORE DELETE ON round_scores_versions BEGIN
    UPDATE settings SET value = CAST(max(CAST(value AS INTEGER), OLD.version) AS TEXT)
        WHERE key = 'round_versions_floor';
END;
CREATE TRIGGER rounds_ai_versions_floor AFTER INSERT ON rounds BEGIN
    INSERT INTO round_scores_versions (round_id, version)
        SELECT NEW.id, CAST(value AS INTEGER) + 1 FROM settings WHERE key = 'round_versions_floor'
        ON CONFLICT (round_id) DO UPDATE SET version = max(version, excluded.version);
END;
