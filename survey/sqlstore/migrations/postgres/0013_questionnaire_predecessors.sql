-- PostgreSQL form of migrations/sqlite/0013_questionnaire_predecessors.sql
-- (types as 0001 says); the notes below are that file's.

-- 0013: which questionnaire version continues which (issue 16, part 2).
-- Change over time is measured only between comparable questionnaires: the
-- same version, or versions the coordinator declared comparable, each
-- recording its predecessor (survey/comparable.go). Versions themselves are
-- immutable (questionnaires_immutable), and the declaration may be set or
-- corrected later, so it lives in a table of its own; every change to it is
-- audited by the store.
CREATE TABLE questionnaire_predecessors (
    questionnaire_id BIGINT PRIMARY KEY REFERENCES questionnaires (id),
    predecessor_id   BIGINT NOT NULL REFERENCES questionnaires (id),
    set_at           TEXT COLLATE "C" NOT NULL,
    set_by           BIGINT REFERENCES users (id),
    CHECK (questionnaire_id <> predecessor_id)
);

-- A declaration changes which rounds are compared and the changes every
-- ranking measures: the cached rankings (round_scores_versions, 0011) and
-- the cached pages and API answers (scores_version) must all be rebuilt.
-- Declarations are rare, so every round's counter moves.
CREATE FUNCTION questionnaire_predecessors_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE settings SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'scores_version';
    UPDATE round_scores_versions SET version = version + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER questionnaire_predecessors_ai AFTER INSERT ON questionnaire_predecessors FOR EACH ROW EXECUTE FUNCTION questionnaire_predecessors_bump();
CREATE TRIGGER questionnaire_predecessors_au AFTER UPDATE ON questionnaire_predecessors FOR EACH ROW EXECUTE FUNCTION questionnaire_predecessors_bump();
CREATE TRIGGER questionnaire_predecessors_ad AFTER DELETE ON questionnaire_predecessors FOR EACH ROW EXECUTE FUNCTION questionnaire_predecessors_bump();
