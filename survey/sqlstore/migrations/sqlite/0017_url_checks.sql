-- 0017: observed service checks (issue 17, part 2; survey/check.go,
-- survey/probe). One row per visit of a URL: a catalog service's online URL
-- (kind 'service', ref its id) or an institution's website (kind 'website',
-- ref its code). The history is kept, for uptime over 30 days and for the
-- round's observed score; rows of a service or institution outlive them
-- (a check is a fact about a URL at a time).
CREATE TABLE url_checks (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN ('service', 'website')),
    ref           TEXT    NOT NULL CHECK (length(ref) <= 64),
    url           TEXT    NOT NULL CHECK (length(url) <= 2048),
    checked_at    TEXT    NOT NULL,
    reachable     INTEGER NOT NULL,
    error         TEXT    NOT NULL DEFAULT '',
    status        INTEGER NOT NULL DEFAULT 0,
    final_url     TEXT    NOT NULL DEFAULT '' CHECK (length(final_url) <= 2048),
    redirects     TEXT    NOT NULL DEFAULT '[]',  -- JSON array of URLs, at most MaxRedirects
    https         INTEGER NOT NULL DEFAULT 0,
    http_upgrade  INTEGER,                        -- NULL: not known
    tls_version   TEXT    NOT NULL DEFAULT '',
    cert_expires  TEXT    NOT NULL DEFAULT '',
    cert_error    TEXT    NOT NULL DEFAULT '',
    hsts          INTEGER NOT NULL DEFAULT 0,
    ttfb_ms       INTEGER NOT NULL DEFAULT 0,
    total_ms      INTEGER NOT NULL DEFAULT 0,
    bytes         INTEGER NOT NULL DEFAULT 0,
    truncated     INTEGER NOT NULL DEFAULT 0,
    lang          TEXT    NOT NULL DEFAULT '',
    dir           TEXT    NOT NULL DEFAULT '',
    viewport      INTEGER NOT NULL DEFAULT 0,
    title         TEXT    NOT NULL DEFAULT '',
    not_found     TEXT    NOT NULL DEFAULT 'skipped',
    images_no_alt INTEGER NOT NULL DEFAULT 0,
    unlabelled    INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX url_checks_target ON url_checks (kind, ref, checked_at);
