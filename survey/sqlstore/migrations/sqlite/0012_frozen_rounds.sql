-- 0012: a published round never changes (issue 16, docs/architecture.md
-- "Frozen rounds"). The services figures of a closed or published round come
-- from the catalog snapshots its responses froze on submit; what else such a
-- round shows is frozen here.

-- The institutions a round was run with, recorded when it closes (again at
-- each close after a reopen): how many institutions it counts ("31 of 35
-- responded") no longer moves when an institution is added later. Rounds
-- already closed get today's active institutions, which is what they showed
-- until now.
CREATE TABLE round_institutions (
    round_id       INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    PRIMARY KEY (round_id, institution_id)
) STRICT, WITHOUT ROWID;
INSERT INTO round_institutions (round_id, institution_id)
    SELECT r.id, i.id FROM rounds r JOIN institutions i ON i.active = 1
    WHERE r.status IN ('closed', 'published');

-- Scores superseded by a rescore under a new scoring version, kept as they
-- were so that what was published stays readable (the API's
-- ?scoring_version=). A row of scores moves here, unchanged, when its
-- response is scored again under another version; `scores` keeps the
-- version shown. Rows are never changed.
CREATE TABLE previous_scores (
    response_id        INTEGER NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    kind               TEXT    NOT NULL CHECK (kind IN ('self', 'verified')),
    scoring_version    TEXT    NOT NULL,
    questionnaire_hash TEXT    NOT NULL,
    index_value        REAL    NOT NULL,
    level              TEXT    NOT NULL,
    dimensions         TEXT    NOT NULL,
    result             TEXT    NOT NULL,
    computed_at        TEXT    NOT NULL,
    superseded_at      TEXT    NOT NULL,
    PRIMARY KEY (response_id, kind, scoring_version)
) STRICT;
CREATE TRIGGER previous_scores_immutable BEFORE UPDATE ON previous_scores BEGIN
    SELECT RAISE(ABORT, 'previous scores are kept as they were');
END;
