-- PostgreSQL form of migrations/sqlite/0014_round_lifecycle.sql
-- (types as 0001 says); the notes below are that file's.

-- 0014: a round's life under the coordinator's control (issue 16, part 3):
-- extensions of the deadline, archived and test rounds, and ranking caches
-- that stay right when a round is deleted.

-- More time for one institution in one round: answers are taken until the
-- end of `until` (a day, Palestine time; survey/deadline.go) instead of
-- the round's deadline. One per institution and round; revoking deletes it.
CREATE TABLE round_extensions (
    round_id       BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    until          TEXT COLLATE "C" NOT NULL,
    reason         TEXT COLLATE "C" NOT NULL DEFAULT '',
    granted_by     BIGINT REFERENCES users (id),
    granted_at     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (round_id, institution_id)
);

-- A published round put away: hidden from lists, dashboards and trends,
-- kept whole and restorable. NULL while it is not archived.
ALTER TABLE rounds ADD COLUMN archived_at TEXT COLLATE "C";
-- A rehearsal round: its answers never pre-fill a later round by default.
ALTER TABLE rounds ADD COLUMN test BIGINT NOT NULL DEFAULT 0 CHECK (test IN (0, 1));

-- Rankings are cached by round id and the round's version
-- (round_scores_versions, 0011). SQLite gives a new row the largest id
-- plus one, so a round created after the newest round was deleted takes
-- its id; were its version to start again at 1, it could meet a version
-- the deleted round had, and be served the deleted round's cached
-- ranking. So the last version of every round's counter that goes (with
-- its round, by cascade or not) is kept as a floor, and every new round
-- starts above it.
INSERT INTO settings (key, value) VALUES ('round_versions_floor', '0');
CREATE FUNCTION round_scores_versions_bd_floor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE settings SET value = CAST(GREATEST(CAST(value AS BIGINT), OLD.version) AS TEXT)
        WHERE key = 'round_versions_floor';
    RETURN OLD;
END
$$;
CREATE TRIGGER round_scores_versions_bd_floor BEFORE DELETE ON round_scores_versions
    FOR EACH ROW EXECUTE FUNCTION round_scores_versions_bd_floor();
CREATE FUNCTION rounds_ai_versions_floor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO round_scores_versions (round_id, version)
        SELECT NEW.id, CAST(value AS BIGINT) + 1 FROM settings WHERE key = 'round_versions_floor'
        ON CONFLICT (round_id) DO UPDATE SET version = GREATEST(round_scores_versions.version, excluded.version);
    RETURN NULL;
END
$$;
CREATE TRIGGER rounds_ai_versions_floor AFTER INSERT ON rounds FOR EACH ROW EXECUTE FUNCTION rounds_ai_versions_floor();
