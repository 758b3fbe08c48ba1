-- 0004 (PostgreSQL): migrations/sqlite/0004_scores.sql.

CREATE TABLE scores (
    response_id        BIGINT NOT NULL REFERENCES responses (id),
    kind               TEXT COLLATE "C" NOT NULL CHECK (kind IN ('self', 'verified')),
    scoring_version    TEXT COLLATE "C" NOT NULL,
    questionnaire_hash TEXT COLLATE "C" NOT NULL,
    index_value        DOUBLE PRECISION NOT NULL,
    level              TEXT COLLATE "C" NOT NULL,
    dimensions         TEXT COLLATE "C" NOT NULL,
    result             TEXT COLLATE "C" NOT NULL,
    computed_at        TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (response_id, kind)
);

INSERT INTO settings (key, value) VALUES ('scores_version', '0');
CREATE TRIGGER scores_ai AFTER INSERT ON scores FOR EACH ROW EXECUTE FUNCTION bump_setting('scores_version');
CREATE TRIGGER scores_au AFTER UPDATE ON scores FOR EACH ROW EXECUTE FUNCTION bump_setting('scores_version');
-- UPDATE OF fires, in both, when status is in the SET list, changed or not.
CREATE TRIGGER responses_status_au AFTER UPDATE OF status ON responses FOR EACH ROW EXECUTE FUNCTION bump_setting('scores_version');
