-- 0005: a round opened, closed, published or made public changes what
-- score pages show (which rounds a trend line covers, who may see what), so
-- it moves scores_version like a score does.
CREATE TRIGGER rounds_ai_version AFTER INSERT ON rounds BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'scores_version';
END;
CREATE TRIGGER rounds_au_version AFTER UPDATE ON rounds BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'scores_version';
END;
CREATE TRIGGER rounds_ad_version AFTER DELETE ON rounds BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'scores_version';
END;
