-- 0004: scores of responses (DESIGN.md §4). Each row records the scoring
-- version and the questionnaire hash that produced it.

CREATE TABLE scores (
    response_id        INTEGER NOT NULL REFERENCES responses (id),
    kind               TEXT    NOT NULL CHECK (kind IN ('self', 'verified')),
    scoring_version    TEXT    NOT NULL,
    questionnaire_hash TEXT    NOT NULL,
    index_value        REAL    NOT NULL,
    level              TEXT    NOT NULL,
    result             TEXT    NOT NULL,  -- the whole Result as JSON: dimensions and items
    computed_at        TEXT    NOT NULL,
    PRIMARY KEY (response_id, kind)
) STRICT;
