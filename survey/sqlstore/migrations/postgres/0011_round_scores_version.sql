-- PostgreSQL form of migrations/sqlite/0011_round_scores_version.sql
-- (types as 0001 says); the notes below are that file's.

-- A version of each round's scores, so that a cached ranking is recomputed
-- only when its own round changes. With scores_version alone, every
-- response submitted in the open round made every published round's
-- ranking stale, and the next page that read one (a respondent's work page
-- reads the latest published result) recomputed 1,500 institutions' scores
-- (issue 15). scores_version stays, for what depends on every round.
-- round_id, a rowid alias in SQLite, is no identity here: it is always
-- given (it is the round's id), as in 0013, 0021.
CREATE TABLE round_scores_versions (
    round_id BIGINT PRIMARY KEY REFERENCES rounds (id) ON DELETE CASCADE,
    version  BIGINT NOT NULL
);

-- A score inserted or updated: one function for both triggers.
CREATE FUNCTION scores_ai_round() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO round_scores_versions (round_id, version)
        SELECT round_id, 1 FROM responses WHERE id = NEW.response_id
        ON CONFLICT (round_id) DO UPDATE SET version = round_scores_versions.version + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER scores_ai_round AFTER INSERT ON scores FOR EACH ROW EXECUTE FUNCTION scores_ai_round();
CREATE TRIGGER scores_au_round AFTER UPDATE ON scores FOR EACH ROW EXECUTE FUNCTION scores_ai_round();
CREATE FUNCTION scores_ad_round() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO round_scores_versions (round_id, version)
        SELECT round_id, 1 FROM responses WHERE id = OLD.response_id
        ON CONFLICT (round_id) DO UPDATE SET version = round_scores_versions.version + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER scores_ad_round AFTER DELETE ON scores FOR EACH ROW EXECUTE FUNCTION scores_ad_round();
CREATE FUNCTION responses_status_au_round() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO round_scores_versions (round_id, version) VALUES (NEW.round_id, 1)
        ON CONFLICT (round_id) DO UPDATE SET version = round_scores_versions.version + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER responses_status_au_round AFTER UPDATE OF status ON responses FOR EACH ROW EXECUTE FUNCTION responses_status_au_round();
CREATE FUNCTION responses_ad_round() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO round_scores_versions (round_id, version) VALUES (OLD.round_id, 1)
        ON CONFLICT (round_id) DO UPDATE SET version = round_scores_versions.version + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER responses_ad_round AFTER DELETE ON responses FOR EACH ROW EXECUTE FUNCTION responses_ad_round();
