-- 0006: what the conference comes to discuss besides scores: institutions'
-- digital initiatives (some told as success stories), the obstacles they
-- face each round, and the action plans they commit to.

CREATE TABLE initiatives (
    id              INTEGER PRIMARY KEY,
    institution_id  INTEGER NOT NULL REFERENCES institutions (id),
    title_ar        TEXT    NOT NULL,
    title_en        TEXT    NOT NULL DEFAULT '',
    summary_ar      TEXT    NOT NULL DEFAULT '',
    summary_en      TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL CHECK (status IN ('planned', 'in_progress', 'done')),
    start_month     TEXT    NOT NULL DEFAULT '',  -- YYYY-MM or ''
    end_month       TEXT    NOT NULL DEFAULT '',
    budget_band     TEXT    NOT NULL DEFAULT 'unknown'
                    CHECK (budget_band IN ('unknown', 'lt_100k', '100k_500k', '500k_2m', 'gt_2m')),
    outcome_ar      TEXT    NOT NULL DEFAULT '',
    outcome_en      TEXT    NOT NULL DEFAULT '',
    -- A success story: a narrative and a before/after figure, public once
    -- the coordinator approves it.
    story           INTEGER NOT NULL DEFAULT 0 CHECK (story IN (0, 1)),
    story_status    TEXT    NOT NULL DEFAULT 'none' CHECK (story_status IN ('none', 'pending', 'approved', 'rejected')),
    story_ar        TEXT    NOT NULL DEFAULT '',
    story_en        TEXT    NOT NULL DEFAULT '',
    figure_label_ar TEXT    NOT NULL DEFAULT '',
    figure_label_en TEXT    NOT NULL DEFAULT '',
    figure_before   REAL,
    figure_after    REAL,
    review_note     TEXT    NOT NULL DEFAULT '',
    reviewed_at     TEXT,
    archived        INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
) STRICT;
CREATE INDEX initiatives_institution ON initiatives (institution_id);
CREATE INDEX initiatives_story ON initiatives (story_status) WHERE story = 1;

CREATE TABLE initiative_services (
    initiative_id INTEGER NOT NULL REFERENCES initiatives (id) ON DELETE CASCADE,
    service_id    INTEGER NOT NULL REFERENCES services (id),
    PRIMARY KEY (initiative_id, service_id)
) STRICT;

CREATE TABLE initiative_partners (
    initiative_id INTEGER NOT NULL REFERENCES initiatives (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    type          TEXT    NOT NULL CHECK (type IN ('private', 'university', 'donor', 'ngo', 'public')),
    name          TEXT    NOT NULL,
    PRIMARY KEY (initiative_id, position)
) STRICT;

-- The standard list of obstacles, editable by the coordinator; answered per
-- round with a severity of 1 to 3 (not scored).
CREATE TABLE obstacles (
    id         INTEGER PRIMARY KEY,
    code       TEXT    NOT NULL UNIQUE,
    kind       TEXT    NOT NULL CHECK (kind IN ('internal', 'external')),
    label_ar   TEXT    NOT NULL,
    label_en   TEXT    NOT NULL DEFAULT '',
    position   INTEGER NOT NULL DEFAULT 0,
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
) STRICT;

CREATE TABLE response_obstacles (
    response_id INTEGER NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    obstacle_id INTEGER NOT NULL REFERENCES obstacles (id),
    severity    INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 3),
    PRIMARY KEY (response_id, obstacle_id)
) STRICT;
-- The obstacles of a response are saved as one set; its version guards
-- against overwriting someone else's newer choice.
ALTER TABLE responses ADD COLUMN obstacles_version INTEGER NOT NULL DEFAULT 0;

INSERT INTO obstacles (code, kind, label_ar, label_en, position, created_at, updated_at) VALUES
    ('skills',       'internal', 'نقص المهارات والكوادر الرقمية', 'Lack of digital skills and staff', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('budget',       'internal', 'محدودية الموازنة', 'Limited budget', 2, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('legacy',       'internal', 'أنظمة قديمة يصعب تطويرها أو ربطها', 'Legacy systems hard to change or connect', 3, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('procedures',   'internal', 'إجراءات ورقية معقدة لم تُبسَّط', 'Complex paper procedures not yet simplified', 4, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('legal',        'internal', 'غياب السند القانوني للمعاملات الإلكترونية', 'No legal basis for electronic transactions', 5, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('imports',      'external', 'القيود على إدخال الأجهزة والمعدات', 'Restrictions on importing equipment', 6, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('power',        'external', 'انقطاع الكهرباء والاتصالات', 'Power and connectivity cuts', 7, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('movement',     'external', 'القيود على الحركة بين الضفة الغربية وقطاع غزة', 'Movement restrictions between the West Bank and Gaza', 8, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('cyber',        'external', 'الهجمات الإلكترونية', 'Cyber attacks', 9, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'),
    ('donors',       'external', 'الاعتماد على تمويل المانحين', 'Dependence on donor funding', 10, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');

-- An action plan: improvement actions (or free text) an institution
-- commits to after a round, with an owner and a target round.
CREATE TABLE plan_actions (
    id             INTEGER PRIMARY KEY,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    round_id       INTEGER NOT NULL REFERENCES rounds (id),  -- the round whose scorecard it answers
    item_id        TEXT    NOT NULL DEFAULT '',              -- the questionnaire item, '' for free text
    text_ar        TEXT    NOT NULL DEFAULT '',
    text_en        TEXT    NOT NULL DEFAULT '',
    owner          TEXT    NOT NULL,
    target_round   TEXT    NOT NULL,                         -- a round's name; it may not exist yet
    progress       TEXT    NOT NULL DEFAULT 'planned' CHECK (progress IN ('planned', 'in_progress', 'done')),
    progress_note  TEXT    NOT NULL DEFAULT '',
    score_at_plan  REAL,                                      -- the item's score (0–1) when planned
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL
) STRICT;
CREATE INDEX plan_actions_round ON plan_actions (round_id, institution_id);
CREATE UNIQUE INDEX plan_actions_item ON plan_actions (institution_id, round_id, item_id) WHERE item_id != '';

-- Dashboards, slides and the home page show these too: a change to any of
-- them moves conference_version, so cached pages are made again (rankings,
-- which do not show them, are kept). Cited obstacles count once a response
-- is submitted, and a submission moves scores_version already: drafts being
-- filled in throw nothing away.
INSERT INTO settings (key, value) VALUES ('conference_version', '0');
CREATE TRIGGER initiatives_ai_version AFTER INSERT ON initiatives BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'conference_version';
END;
CREATE TRIGGER initiatives_au_version AFTER UPDATE ON initiatives BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'conference_version';
END;
CREATE TRIGGER initiatives_ad_version AFTER DELETE ON initiatives BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'conference_version';
END;
CREATE TRIGGER initiative_partners_ai_version AFTER INSERT ON initiative_partners BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'conference_version';
END;
CREATE TRIGGER initiative_partners_au_version AFTER UPDATE ON initiative_partners BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'conference_version';
END;
CREATE TRIGGER initiative_partners_ad_version AFTER DELETE ON initiative_partners BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'conference_version';
END;
CREATE TRIGGER obstacles_ai_version AFTER INSERT ON obstacles BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'conference_version';
END;
CREATE TRIGGER obstacles_au_version AFTER UPDATE ON obstacles BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'conference_version';
END;
CREATE TRIGGER obstacles_ad_version AFTER DELETE ON obstacles BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'conference_version';
END;
CREATE TRIGGER plan_actions_ai_version AFTER INSERT ON plan_actions BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'conference_version';
END;
CREATE TRIGGER plan_actions_au_version AFTER UPDATE ON plan_actions BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'conference_version';
END;
CREATE TRIGGER plan_actions_ad_version AFTER DELETE ON plan_actions BEGIN
    UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'conference_version';
END;
