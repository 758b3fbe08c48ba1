-- 0023: a response's answers version (issue 15; docs/architecture.md, "Caches").
--
-- Every change to a response's answers — a save, an import, a review mark,
-- a removal — moves its counter, by triggers, so no writer can forget it.
-- A server keeps a response's answers in memory under this counter and
-- reads the answers again only when the counter in the database has moved:
-- one lookup by primary key instead of every answer on each page, and
-- correct with several servers on one database (issue 20), since the
-- counter is in the database, not in any server's memory.
ALTER TABLE responses ADD COLUMN answers_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER answers_version_ai AFTER INSERT ON answers BEGIN
    UPDATE responses SET answers_version = answers_version + 1 WHERE id = NEW.response_id;
END;
CREATE TRIGGER answers_version_au AFTER UPDATE ON answers BEGIN
    UPDATE responses SET answers_version = answers_version + 1 WHERE id = NEW.response_id;
END;
CREATE TRIGGER answers_version_ad AFTER DELETE ON answers BEGIN
    UPDATE responses SET answers_version = answers_version + 1 WHERE id = OLD.response_id;
END;
