-- 0016: evidence files attached to answers (issue 17, part 1).
--
-- A file is kept once, by the SHA-256 of its content, in chunks of at most
-- 256 KB (evidence_chunks): SQLite's driver reads and writes a BLOB whole,
-- so chunks keep an upload's and a download's memory to one chunk. Files
-- live in the database so that `marsad backup` (VACUUM INTO) copies them
-- with everything else and a restored database serves them (docs/evidence.md).
CREATE TABLE evidence_files (
    sha256       TEXT    PRIMARY KEY CHECK (length(sha256) = 64),
    size         INTEGER NOT NULL CHECK (size > 0),
    content_type TEXT    NOT NULL CHECK (length(content_type) BETWEEN 1 AND 100),
    created_at   TEXT    NOT NULL
) STRICT;

CREATE TABLE evidence_chunks (
    sha256 TEXT    NOT NULL REFERENCES evidence_files (sha256) ON DELETE CASCADE,
    seq    INTEGER NOT NULL CHECK (seq >= 0),
    data   BLOB    NOT NULL CHECK (length(data) <= 262144),
    PRIMARY KEY (sha256, seq)
) STRICT, WITHOUT ROWID;

-- One file attached to one answer: the answer's version when it was
-- attached says which answer the file was given for.
CREATE TABLE answer_evidence (
    id             INTEGER PRIMARY KEY,
    response_id    INTEGER NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    item_id        TEXT    NOT NULL CHECK (length(item_id) BETWEEN 1 AND 100),
    sha256         TEXT    NOT NULL REFERENCES evidence_files (sha256),
    title          TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    filename       TEXT    NOT NULL DEFAULT '' CHECK (length(filename) <= 255),
    answer_version INTEGER NOT NULL DEFAULT 0,
    uploaded_by    INTEGER REFERENCES users (id),
    uploaded_at    TEXT    NOT NULL
) STRICT;
CREATE INDEX answer_evidence_response ON answer_evidence (response_id, item_id);
CREATE INDEX answer_evidence_sha256 ON answer_evidence (sha256);

-- A file goes with its last attachment, however that goes (detached, or
-- its response deleted with its round); its chunks follow by cascade.
CREATE TRIGGER answer_evidence_ad_file AFTER DELETE ON answer_evidence
WHEN NOT EXISTS (SELECT 1 FROM answer_evidence WHERE sha256 = OLD.sha256)
BEGIN
    DELETE FROM evidence_files WHERE sha256 = OLD.sha256;
END;

-- The limits, in bytes: one file, and one institution's files in a round.
INSERT INTO settings (key, value) VALUES ('evidence_file_max_bytes', '10485760'), ('evidence_round_max_bytes', '104857600');
