-- 0013: which questionnaire version continues which (issue 16, part 2).
-- Change over time is measured only between comparable questionnaires: the
-- same version, or versions the coordinator declared comparable, each
-- recording its predecessor (survey/comparable.go). Versions themselves are
-- immutable (questionnaires_immutable), and the declaration may be set or
-- corrected later, so it lives in a table of its own; every change to it is
-- audited by the store.
CREATE TABLE questionnaire_predecessors (
    questionnaire_id INTEGER PRIMARY KEY REFERENCES questionnaires (id),
    predecessor_id   INTEGER NOT NULL REFERENCES questionnaires (id),
    set_at           TEXT    NOT NULL,
    set_by           INTEGER REFERENCES users (id),
    CHECK (questionnaire_id <> predecessor_id)
) STRICT;

-- A declaration changes which rounds are compared and the changes every
-- ranking measures: the cached rankings (round_scores_versions, 0011) and
-- the cached pages and API answers (scores_version) must all be rebuilt.
-- Declarations are rare, so every round's counter moves.
CREATE TRIGGER questionnaire_predecessors_ai AFTER INSERT ON questionnaire_predecessors BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'scores_version';
    UPDATE round_scores_versions SET version = version + 1;
END;
CREATE TRIGGER questionnaire_predecessors_au AFTER UPDATE ON questionnaire_predecessors BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'scores_version';
    UPDATE round_scores_versions SET version = version + 1;
END;
CREATE TRIGGER questionnaire_predecessors_ad AFTER DELETE ON questionnaire_predecessors BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'scores_version';
    UPDATE round_scores_versions SET version = version + 1;
END;
