-- 0004: scores of responses (docs/scoring.md). Each row records the scoring
-- version and the questionnaire hash that produced it.

CREATE TABLE scores (
    response_id        INTEGER NOT NULL REFERENCES responses (id),
    kind               TEXT    NOT NULL CHECK (kind IN ('self', 'verified')),
    scoring_version    TEXT    NOT NULL,
    questionnaire_hash TEXT    NOT NULL,
    index_value        REAL    NOT NULL,
    level              TEXT    NOT NULL,
    dimensions         TEXT    NOT NULL,  -- dimension scores for rankings: "STR=0.51;SRV=-" (- dropped)
    result             TEXT    NOT NULL,  -- the whole Result as JSON: dimensions and items, for scorecards
    computed_at        TEXT    NOT NULL,
    PRIMARY KEY (response_id, kind)
) STRICT;

-- scores_version changes with every score written and every response status
-- change, from any process, so cached rankings know when to recompute.
INSERT INTO settings (key, value) VALUES ('scores_version', '0');
CREATE TRIGGER scores_ai AFTER INSERT ON scores BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'scores_version';
END;
CREATE TRIGGER scores_au AFTER UPDATE ON scores BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'scores_version';
END;
CREATE TRIGGER responses_status_au AFTER UPDATE OF status ON responses BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'scores_version';
END;
