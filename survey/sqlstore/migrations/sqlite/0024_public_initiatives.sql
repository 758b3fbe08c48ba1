-- 0024: the public registry of initiatives (issue 19, §1). The coordinator
-- marks an initiative public (audited); anyone may then read it, with the
-- fields a partner needs (survey.PublicInitiative), at /{lang}/initiatives
-- and /api/v1/open/initiatives. Nothing is public until the coordinator
-- says so.
ALTER TABLE initiatives ADD COLUMN public INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1));
CREATE INDEX initiatives_public ON initiatives (public, archived) WHERE public = 1;
