-- PostgreSQL form of migrations/sqlite/0022_teams.sql
-- (types as 0001 says); the notes below are that file's.

-- 0022: teams inside an institution (issue 18, part 3): focal points,
-- heads who sign off, sections assigned to colleagues, and a round's
-- optional sign-off before submission (docs/teams.md).
--
-- Independent of 0020 and 0021: it only adds columns and one table.

-- A focal point is a respondent who may invite and deactivate colleagues
-- of the institution and read its activity; a head (signoff) approves the
-- institution's response in a round that requires it. Both are flags the
-- coordinator sets, on respondents only.
ALTER TABLE users ADD COLUMN focal_point BIGINT NOT NULL DEFAULT 0 CHECK (focal_point IN (0, 1));
ALTER TABLE users ADD COLUMN signoff BIGINT NOT NULL DEFAULT 0 CHECK (signoff IN (0, 1));

-- A round that requires the head's sign-off refuses a direct submission.
ALTER TABLE rounds ADD COLUMN requires_signoff BIGINT NOT NULL DEFAULT 0 CHECK (requires_signoff IN (0, 1));

-- The sign-off of a response lives beside its status, not in it: widening
-- the status CHECK would rebuild the responses table and every table that
-- refers to it. '' = never sent; pending = waiting for the head; approved =
-- the head approved (and the response was submitted in that transaction);
-- sent_back = the head sent it back with signoff_comment.
-- signoff_mark is what the answers were when sent ("count:sum of
-- versions"): the head approves only what was sent.
ALTER TABLE responses ADD COLUMN signoff_state TEXT COLLATE "C" NOT NULL DEFAULT ''
    CHECK (signoff_state IN ('', 'pending', 'approved', 'sent_back'));
ALTER TABLE responses ADD COLUMN signoff_comment TEXT COLLATE "C" NOT NULL DEFAULT '' CHECK (length(signoff_comment) <= 2000);
ALTER TABLE responses ADD COLUMN signoff_mark TEXT COLLATE "C" NOT NULL DEFAULT '' CHECK (length(signoff_mark) <= 64);
ALTER TABLE responses ADD COLUMN signoff_requested_by BIGINT REFERENCES users (id);
ALTER TABLE responses ADD COLUMN signoff_requested_at TEXT COLLATE "C";
ALTER TABLE responses ADD COLUMN signoff_by BIGINT REFERENCES users (id);
ALTER TABLE responses ADD COLUMN signoff_at TEXT COLLATE "C";

-- A section of a round's questionnaire assigned to one colleague of the
-- institution, by round and institution (so that it can be made before the
-- response exists). Anyone of the institution may still edit any section.
CREATE TABLE section_assignments (
    round_id       BIGINT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    section_id     TEXT COLLATE "C" NOT NULL CHECK (length(section_id) BETWEEN 1 AND 100),
    user_id        BIGINT NOT NULL REFERENCES users (id),
    assigned_by    BIGINT REFERENCES users (id),
    assigned_at    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (round_id, institution_id, section_id)
);
CREATE INDEX section_assignments_user ON section_assignments (user_id);
