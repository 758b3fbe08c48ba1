-- 0018: evidence files on initiatives and success stories (issue 17,
-- part 1). The files themselves are the ones of 0016 (evidence_files, kept
-- once by SHA-256, in chunks); this is one file attached to one initiative.
--
-- An initiative has no round, yet the institution's per-round total must
-- count its files: round_id is the round that was open when the file was
-- attached (the newest open, non-test one), and the file counts in that
-- round's total. With no round open it is NULL, and the files attached
-- outside any round share one allowance of the same size
-- (docs/evidence.md).
--
-- round_id has no foreign key on purpose: DeleteRound deletes every row
-- that refers to the round (it follows the schema's foreign keys), and an
-- initiative's files outlive rounds. A trigger moves them to the
-- allowance outside rounds instead.
CREATE TABLE initiative_evidence (
    id            INTEGER PRIMARY KEY,
    initiative_id INTEGER NOT NULL REFERENCES initiatives (id) ON DELETE CASCADE,
    round_id      INTEGER,
    sha256        TEXT    NOT NULL REFERENCES evidence_files (sha256),
    title         TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    filename      TEXT    NOT NULL DEFAULT '' CHECK (length(filename) <= 255),
    uploaded_by   INTEGER REFERENCES users (id),
    uploaded_at   TEXT    NOT NULL
) STRICT;
CREATE INDEX initiative_evidence_initiative ON initiative_evidence (initiative_id);
CREATE INDEX initiative_evidence_sha256 ON initiative_evidence (sha256);
CREATE INDEX initiative_evidence_round ON initiative_evidence (round_id);

CREATE TRIGGER rounds_bd_initiative_evidence BEFORE DELETE ON rounds BEGIN
    UPDATE initiative_evidence SET round_id = NULL WHERE round_id = OLD.id;
END;

-- A file goes with its last attachment, of an answer or an initiative.
DROP TRIGGER answer_evidence_ad_file;
CREATE TRIGGER answer_evidence_ad_file AFTER DELETE ON answer_evidence
WHEN NOT EXISTS (SELECT 1 FROM answer_evidence WHERE sha256 = OLD.sha256)
 AND NOT EXISTS (SELECT 1 FROM initiative_evidence WHERE sha256 = OLD.sha256)
BEGIN
    DELETE FROM evidence_files WHERE sha256 = OLD.sha256;
END;
CREATE TRIGGER initiative_evidence_ad_file AFTER DELETE ON initiative_evidence
WHEN NOT EXISTS (SELECT 1 FROM answer_evidence WHERE sha256 = OLD.sha256)
 AND NOT EXISTS (SELECT 1 FROM initiative_evidence WHERE sha256 = OLD.sha256)
BEGIN
    DELETE FROM evidence_files WHERE sha256 = OLD.sha256;
END;
