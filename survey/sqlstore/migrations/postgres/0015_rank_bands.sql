-- PostgreSQL form of migrations/sqlite/0015_rank_bands.sql
-- (types as 0001 says); the notes below are that file's.

-- 0015: how sure a round's ranking is (issue 16, part 4; docs/uncertainty.md).
-- The uncertainty and sensitivity analysis of a round's ranking
-- (survey.AnalyseRanks), computed when the round closes or is published
-- and when it is rescored, never per request. One analysis per round,
-- index and scoring version: a rescore under a new version adds one and
-- keeps the one before, as the scores before are kept (0012).
--
-- fingerprint identifies the scores analysed (survey.ScoresFingerprint): a
-- ranking shows the bands only while its scores have the same one, so a
-- band never sits beside figures it was not computed from.
CREATE TABLE rank_analyses (
    round_id           BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    kind               TEXT COLLATE "C" NOT NULL CHECK (kind IN ('self', 'verified')),
    scoring_version    TEXT COLLATE "C" NOT NULL,
    fingerprint        TEXT COLLATE "C" NOT NULL,
    seed               TEXT COLLATE "C" NOT NULL,  -- the draws' seed, hexadecimal (survey.RankSeed)
    replicates         BIGINT NOT NULL,
    weight_spread      DOUBLE PRECISION NOT NULL,  -- ±share of each dimension weight
    mean_shift         DOUBLE PRECISION NOT NULL,  -- mean absolute rank shift over the replicates
    aggregation_effect DOUBLE PRECISION NOT NULL,  -- first-order effect of arithmetic vs geometric mean
    na_effect          DOUBLE PRECISION NOT NULL,  -- first-order effect of N/A dropped vs scored 0
    computed_at        TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (round_id, kind, scoring_version)
);

-- Each institution's rank band: median and 5th–95th percentile rank, with
-- its published rank when the analysis was made.
CREATE TABLE rank_bands (
    round_id        BIGINT NOT NULL,
    kind            TEXT COLLATE "C" NOT NULL,
    scoring_version TEXT COLLATE "C" NOT NULL,
    institution_id  BIGINT NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    rank            BIGINT NOT NULL,
    median          BIGINT NOT NULL,
    p5              BIGINT NOT NULL,
    p95             BIGINT NOT NULL,
    PRIMARY KEY (round_id, kind, scoring_version, institution_id),
    FOREIGN KEY (round_id, kind, scoring_version) REFERENCES rank_analyses (round_id, kind, scoring_version) ON DELETE CASCADE
);

-- Each dimension's first-order effect on the ranking's movement.
CREATE TABLE rank_sensitivity (
    round_id        BIGINT NOT NULL,
    kind            TEXT COLLATE "C" NOT NULL,
    scoring_version TEXT COLLATE "C" NOT NULL,
    section         TEXT COLLATE "C" NOT NULL,
    position        BIGINT NOT NULL,  -- the dimension's place in the questionnaire
    effect          DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (round_id, kind, scoring_version, section),
    FOREIGN KEY (round_id, kind, scoring_version) REFERENCES rank_analyses (round_id, kind, scoring_version) ON DELETE CASCADE
);

-- The bands are part of a round's ranking and score pages: a new analysis
-- must reach the caches that hold them (rankings by round_scores_versions,
-- pages and the API by scores_version; 0004, 0011).
CREATE FUNCTION rank_analyses_ai() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE settings SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'scores_version';
    INSERT INTO round_scores_versions (round_id, version) VALUES (NEW.round_id, 1)
        ON CONFLICT (round_id) DO UPDATE SET version = round_scores_versions.version + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER rank_analyses_ai AFTER INSERT ON rank_analyses FOR EACH ROW EXECUTE FUNCTION rank_analyses_ai();
-- A deleted analysis whose round stays (not one deleted with its round,
-- whose versions 0014 keeps as a floor).
-- PostgreSQL runs a cascade's deletes after the round's row is gone, as
-- SQLite does: an analysis deleted with its round adds no counter row.
CREATE FUNCTION rank_analyses_ad() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE settings SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'scores_version';
    INSERT INTO round_scores_versions (round_id, version)
        SELECT OLD.round_id, 1 WHERE EXISTS (SELECT 1 FROM rounds WHERE id = OLD.round_id)
        ON CONFLICT (round_id) DO UPDATE SET version = round_scores_versions.version + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER rank_analyses_ad AFTER DELETE ON rank_analyses FOR EACH ROW EXECUTE FUNCTION rank_analyses_ad();
