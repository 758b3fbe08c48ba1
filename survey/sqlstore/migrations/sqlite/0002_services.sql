-- 0002: the e-services catalog (docs/api.md, services).

CREATE TABLE services (
    id                 INTEGER PRIMARY KEY,
    institution_id     INTEGER NOT NULL REFERENCES institutions (id),
    code               TEXT    NOT NULL,
    name_ar            TEXT    NOT NULL,
    name_en            TEXT    NOT NULL DEFAULT '',
    description_ar     TEXT    NOT NULL DEFAULT '',
    description_en     TEXT    NOT NULL DEFAULT '',
    category           TEXT    NOT NULL,
    -- Multiple choices are stored as ",a,b," so that a LIKE '%,a,%' test is exact.
    audience           TEXT    NOT NULL DEFAULT '',
    channels           TEXT    NOT NULL DEFAULT '',
    stage              INTEGER NOT NULL CHECK (stage BETWEEN 0 AND 5),
    online_url         TEXT    NOT NULL DEFAULT '',
    e_payment          INTEGER NOT NULL DEFAULT 0 CHECK (e_payment IN (0, 1)),
    e_id               INTEGER NOT NULL DEFAULT 0 CHECK (e_id IN (0, 1)),
    abroad             INTEGER NOT NULL DEFAULT 0 CHECK (abroad IN (0, 1)),
    no_visit           INTEGER NOT NULL DEFAULT 0 CHECK (no_visit IN (0, 1)),
    mobile_friendly    INTEGER NOT NULL DEFAULT 0 CHECK (mobile_friendly IN (0, 1)),
    languages          TEXT    NOT NULL DEFAULT '',
    fee_ils            REAL    NOT NULL DEFAULT 0 CHECK (fee_ils >= 0),
    processing_days    INTEGER NOT NULL DEFAULT 0 CHECK (processing_days >= 0),
    yearly_volume      INTEGER NOT NULL DEFAULT 0 CHECK (yearly_volume >= 0),
    online_share       REAL    NOT NULL DEFAULT 0 CHECK (online_share BETWEEN 0 AND 100),
    uses_data_exchange INTEGER NOT NULL DEFAULT 0 CHECK (uses_data_exchange IN (0, 1)),
    last_reviewed      TEXT    NOT NULL DEFAULT '',
    status             TEXT    NOT NULL CHECK (status IN ('active', 'planned', 'retired')),
    -- search_text is Fold(names, descriptions, code): what catalog search matches.
    search_text        TEXT    NOT NULL DEFAULT '',
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    UNIQUE (institution_id, code)
) STRICT;
CREATE INDEX services_status ON services (status, institution_id);

-- catalog_version changes with every write to the catalog or to the
-- institutions, from this process or any other (a command-line import, say),
-- so the in-memory search index knows when to rebuild.
INSERT INTO settings (key, value) VALUES ('catalog_version', '0');
CREATE TRIGGER services_ai AFTER INSERT ON services BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'catalog_version';
END;
CREATE TRIGGER services_au AFTER UPDATE ON services BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'catalog_version';
END;
CREATE TRIGGER services_ad AFTER DELETE ON services BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'catalog_version';
END;
CREATE TRIGGER institutions_ai AFTER INSERT ON institutions BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'catalog_version';
END;
CREATE TRIGGER institutions_au AFTER UPDATE ON institutions BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'catalog_version';
END;
CREATE TRIGGER institutions_ad AFTER DELETE ON institutions BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'catalog_version';
END;
