-- A version of each round's scores, so that a cached ranking is recomputed
-- only when its own round changes. With scores_version alone, every
-- response submitted in the open round made every published round's
-- ranking stale, and the next page that read one (a respondent's work page
-- reads the latest published result) recomputed 1,500 institutions' scores
-- (issue 15). scores_version stays, for what depends on every round.
CREATE TABLE round_scores_versions (
    round_id INTEGER PRIMARY KEY REFERENCES rounds (id) ON DELETE CASCADE,
    version  INTEGER NOT NULL
) STRICT;

CREATE TRIGGER scores_ai_round AFTER INSERT ON scores BEGIN
    INSERT INTO round_scores_versions (round_id, version)
        SELECT round_id, 1 FROM responses WHERE id = NEW.response_id
        ON CONFLICT (round_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER scores_au_round AFTER UPDATE ON scores BEGIN
    INSERT INTO round_scores_versions (round_id, version)
        SELECT round_id, 1 FROM responses WHERE id = NEW.response_id
        ON CONFLICT (round_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER scores_ad_round AFTER DELETE ON scores BEGIN
    INSERT INTO round_scores_versions (round_id, version)
        SELECT round_id, 1 FROM responses WHERE id = OLD.response_id
        ON CONFLICT (round_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER responses_status_au_round AFTER UPDATE OF status ON responses BEGIN
    INSERT INTO round_scores_versions (round_id, version) VALUES (NEW.round_id, 1)
        ON CONFLICT (round_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER responses_ad_round AFTER DELETE ON responses BEGIN
    INSERT INTO round_scores_versions (round_id, version) VALUES (OLD.round_id, 1)
        ON CONFLICT (round_id) DO UPDATE SET version = version + 1;
END;
