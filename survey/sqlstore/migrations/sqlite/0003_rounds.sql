-- 0003: questionnaire versions, survey rounds, responses and answers (docs/questionnaire.md).

-- A questionnaire version is immutable: its canonical JSON and the hash of it.
CREATE TABLE questionnaires (
    id         INTEGER PRIMARY KEY,
    hash       TEXT    NOT NULL UNIQUE,
    def_id     TEXT    NOT NULL,
    version    TEXT    NOT NULL,
    title_ar   TEXT    NOT NULL,
    title_en   TEXT    NOT NULL DEFAULT '',
    body       TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    created_by INTEGER REFERENCES users (id)
) STRICT;
CREATE TRIGGER questionnaires_immutable BEFORE UPDATE ON questionnaires BEGIN
    SELECT RAISE(ABORT, 'questionnaire versions are immutable');
END;

CREATE TABLE rounds (
    id               INTEGER PRIMARY KEY,
    name             TEXT    NOT NULL UNIQUE,
    questionnaire_id INTEGER NOT NULL REFERENCES questionnaires (id),
    status           TEXT    NOT NULL CHECK (status IN ('draft', 'open', 'closed', 'published')),
    public           INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
    deadline         TEXT    NOT NULL DEFAULT '',
    opened_at        TEXT,
    closed_at        TEXT,
    published_at     TEXT,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
) STRICT;

CREATE TABLE responses (
    id               INTEGER PRIMARY KEY,
    round_id         INTEGER NOT NULL REFERENCES rounds (id),
    institution_id   INTEGER NOT NULL REFERENCES institutions (id),
    status           TEXT    NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'accepted')),
    catalog_snapshot TEXT,  -- JSON of the institution's services, frozen at submission
    submitted_at     TEXT,
    accepted_at      TEXT,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    UNIQUE (round_id, institution_id)
) STRICT;

-- One row per answered item. version grows with every save, so a save
-- based on an older version is refused instead of overwriting silently.
CREATE TABLE answers (
    response_id    INTEGER NOT NULL REFERENCES responses (id),
    item_id        TEXT    NOT NULL,
    value          TEXT    NOT NULL DEFAULT '',  -- several choices separated by a newline
    na             INTEGER NOT NULL DEFAULT 0 CHECK (na IN (0, 1)),
    evidence       TEXT    NOT NULL DEFAULT '',
    comment        TEXT    NOT NULL DEFAULT '',
    version        INTEGER NOT NULL,
    updated_at     TEXT    NOT NULL,
    updated_by     INTEGER REFERENCES users (id),
    review_status  TEXT    NOT NULL DEFAULT '' CHECK (review_status IN ('', 'approved', 'issues')),
    review_comment TEXT    NOT NULL DEFAULT '',
    reviewed_by    INTEGER REFERENCES users (id),
    reviewed_at    TEXT,
    PRIMARY KEY (response_id, item_id)
) STRICT, WITHOUT ROWID;
