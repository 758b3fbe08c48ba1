-- PostgreSQL form of migrations/sqlite/0008_obstacle_version.sql
-- (types as 0001 says); the notes below are that file's.

-- Obstacles of the standard list carry a version, so that a coordinator's
-- save based on an old reading of one is refused, not applied over a
-- colleague's newer change.
ALTER TABLE obstacles ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
