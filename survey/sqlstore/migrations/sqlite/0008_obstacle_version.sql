-- Obstacles of the standard list carry a version, so that a coordinator's
-- save based on an old reading of one is refused, not applied over a
-- colleague's newer change.
ALTER TABLE obstacles ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
