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
    round_id           INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    kind               TEXT    NOT NULL CHECK (kind IN ('self', 'verified')),
    scoring_version    TEXT    NOT NULL,
    fingerprint        TEXT    NOT NULL,
    seed               TEXT    NOT NULL,  -- the draws' seed, hexadecimal (survey.RankSeed)
    replicates         INTEGER NOT NULL,
    weight_spread      REAL    NOT NULL,  -- ±share of each dimension weight
    mean_shift         REAL    NOT NULL,  -- mean absolute rank shift over the replicates
    aggregation_effect REAL    NOT NULL,  -- first-order effect of arithmetic vs geometric mean
    na_effect          REAL    NOT NULL,  -- first-order effect of N/A dropped vs scored 0
    computed_at        TEXT    NOT NULL,
    PRIMARY KEY (round_id, kind, scoring_version)
) STRICT;

-- Each institution's rank band: median and 5th–95th percentile rank, with
-- its published rank when the analysis was made.
CREATE TABLE rank_bands (
    round_id        INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    scoring_version TEXT    NOT NULL,
    institution_id  INTEGER NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    rank            INTEGER NOT NULL,
    median          INTEGER NOT NULL,
    p5              INTEGER NOT NULL,
    p95             INTEGER NOT NULL,
    PRIMARY KEY (round_id, kind, scoring_version, institution_id),
    FOREIGN KEY (round_id, kind, scoring_version) REFERENCES rank_analyses (round_id, kind, scoring_version) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- Each dimension's first-order effect on the ranking's movement.
CREATE TABLE rank_sensitivity (
    round_id        INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    scoring_version TEXT    NOT NULL,
    section         TEXT    NOT NULL,
    position        INTEGER NOT NULL,  -- the dimension's place in the questionnaire
    effect          REAL    NOT NULL,
    PRIMARY KEY (round_id, kind, scoring_version, section),
    FOREIGN KEY (round_id, kind, scoring_version) REFERENCES rank_analyses (round_id, kind, scoring_version) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- The bands are part of a round's ranking and score pages: a new analysis
-- must reach the caches that hold them (rankings by round_scores_versions,
-- pages and the API by scores_version; 0004, 0011).
CREATE TRIGGER rank_analyses_ai AFTER INSERT ON rank_analyses BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'scores_version';
    INSERT INTO round_scores_versions (round_id, version) VALUES (NEW.round_id, 1)
        ON CONFLICT (round_id) DO UPDATE SET version = version + 1;
END;
-- A deleted analysis whose round stays (not one deleted with its round,
-- whose versions 0014 keeps as a floor).
CREATE TRIGGER rank_analyses_ad AFTER DELETE ON rank_analyses BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'scores_version';
    INSERT INTO round_scores_versions (round_id, version)
        SELECT OLD.round_id, 1 WHERE EXISTS (SELECT 1 FROM rounds WHERE id = OLD.round_id)
        ON CONFLICT (round_id) DO UPDATE SET version = version + 1;
END;
