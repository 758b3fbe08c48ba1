-- 0005 (PostgreSQL): migrations/sqlite/0005_rounds_version.sql.
CREATE TRIGGER rounds_ai_version AFTER INSERT ON rounds FOR EACH ROW EXECUTE FUNCTION bump_setting('scores_version');
CREATE TRIGGER rounds_au_version AFTER UPDATE ON rounds FOR EACH ROW EXECUTE FUNCTION bump_setting('scores_version');
CREATE TRIGGER rounds_ad_version AFTER DELETE ON rounds FOR EACH ROW EXECUTE FUNCTION bump_setting('scores_version');
