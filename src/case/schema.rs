//! The case-file schema: the tables of each format version and the forward
//! migrations between them. `docs/case-file.md` documents every table.

use rusqlite::Connection;

/// `PRAGMA application_id` of every Hydrascope case file ("HydS").
pub const APPLICATION_ID: i32 = 0x4879_6453;

/// The derived tables import computes from `exchanges` (see `docs/case-file.md`).
pub const ROLLUP_TABLES: &[&str] = &[
    "account_summary",
    "account_hourly",
    "account_model_hourly",
    "account_origins",
    "account_templates",
    "account_client_fps",
    "account_models",
    "account_capabilities",
    "template_stats",
    "template_profiles",
    "model_hourly",
    "account_minutes",
    "account_api_keys",
];

/// The newest case-file format this build reads and writes.
pub const SCHEMA_VERSION: i32 = 12;

/// Format 1: the imported data, its dictionaries, and the per-account rollups.
const V1: &str = r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

CREATE TABLE models (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE origins (
    id INTEGER PRIMARY KEY,
    ip TEXT,
    asn INTEGER,
    family INTEGER,
    prefix TEXT,
    UNIQUE (ip, asn)
);
CREATE TABLE cot_values (id INTEGER PRIMARY KEY, value REAL NOT NULL UNIQUE);
CREATE TABLE api_keys (id INTEGER PRIMARY KEY, key_id TEXT NOT NULL UNIQUE);
CREATE TABLE client_fingerprints (id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL UNIQUE);
CREATE TABLE templates (id INTEGER PRIMARY KEY, simhash INTEGER NOT NULL UNIQUE, hex TEXT NOT NULL);
CREATE TABLE capabilities (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE excerpts (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    org_name TEXT,
    email_domain TEXT,
    payment_fingerprint TEXT,
    signup_ip TEXT,
    billing_country TEXT,
    access_path TEXT,
    verification TEXT,
    extra_json TEXT
);

CREATE TABLE exchanges (
    id INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL,
    account INTEGER NOT NULL,
    ts_ms INTEGER NOT NULL,
    model INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    origin INTEGER,
    api_key INTEGER,
    client_fp INTEGER,
    template INTEGER,
    capability INTEGER,
    cot INTEGER,
    excerpt INTEGER
);
CREATE VIEW exchanges_readable AS
SELECT e.id, e.request_id, a.account_id,
       strftime('%Y-%m-%dT%H:%M:%fZ', e.ts_ms / 1000.0, 'unixepoch') AS ts,
       m.name AS model, e.input_tokens, e.output_tokens, o.ip, o.asn,
       k.key_id AS api_key_id, f.fingerprint AS client_fingerprint, t.hex AS prompt_template,
       c.name AS capability, v.value AS cot_elicitation, x.text AS prompt_excerpt
FROM exchanges e
JOIN accounts a ON a.id = e.account
JOIN models m ON m.id = e.model
LEFT JOIN origins o ON o.id = e.origin
LEFT JOIN api_keys k ON k.id = e.api_key
LEFT JOIN client_fingerprints f ON f.id = e.client_fp
LEFT JOIN templates t ON t.id = e.template
LEFT JOIN capabilities c ON c.id = e.capability
LEFT JOIN cot_values v ON v.id = e.cot
LEFT JOIN excerpts x ON x.id = e.excerpt;
CREATE TABLE exchange_extra (exchange INTEGER PRIMARY KEY, extra_json TEXT NOT NULL);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    ts_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    model TEXT,
    account_id TEXT,
    account INTEGER,
    text TEXT,
    extra_json TEXT
);
CREATE TABLE indicators (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    source TEXT,
    note TEXT,
    extra_json TEXT
);

CREATE TABLE account_summary (
    account INTEGER PRIMARY KEY,
    exchanges INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    first_ms INTEGER,
    last_ms INTEGER,
    active_hours INTEGER NOT NULL,
    distinct_origins INTEGER NOT NULL,
    distinct_templates INTEGER NOT NULL,
    distinct_models INTEGER NOT NULL,
    distinct_api_keys INTEGER NOT NULL,
    cot_mean REAL,
    top_capability INTEGER
);
CREATE TABLE account_hourly (
    account INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    exchanges INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    PRIMARY KEY (account, hour)
) WITHOUT ROWID;
CREATE TABLE account_origins (
    account INTEGER NOT NULL, origin INTEGER NOT NULL, exchanges INTEGER NOT NULL,
    PRIMARY KEY (account, origin)
) WITHOUT ROWID;
CREATE TABLE account_templates (
    account INTEGER NOT NULL, template INTEGER NOT NULL, exchanges INTEGER NOT NULL,
    PRIMARY KEY (account, template)
) WITHOUT ROWID;
CREATE TABLE account_client_fps (
    account INTEGER NOT NULL, client_fp INTEGER NOT NULL, exchanges INTEGER NOT NULL,
    PRIMARY KEY (account, client_fp)
) WITHOUT ROWID;
CREATE TABLE account_models (
    account INTEGER NOT NULL, model INTEGER NOT NULL, exchanges INTEGER NOT NULL,
    PRIMARY KEY (account, model)
) WITHOUT ROWID;
CREATE TABLE account_capabilities (
    account INTEGER NOT NULL, capability INTEGER NOT NULL, exchanges INTEGER NOT NULL,
    cot_sum REAL NOT NULL, cot_count INTEGER NOT NULL,
    PRIMARY KEY (account, capability)
) WITHOUT ROWID;
"#;

/// The hour bucket of `ts_ms` in SQL, floored also before 1970.
pub const SQL_HOUR_OF_TS: &str = "((ts_ms - ((ts_ms % 3600000) + 3600000) % 3600000) / 3600000)";

/// Format 2 adds case-wide rollups for the timelines and the template table,
/// backfilled from `exchanges` for files made by format 1.
fn v2() -> String {
    format!(
        r#"
CREATE TABLE template_stats (
    template INTEGER PRIMARY KEY,
    exchanges INTEGER NOT NULL,
    accounts INTEGER NOT NULL,
    first_ms INTEGER NOT NULL,
    last_ms INTEGER NOT NULL
);
INSERT INTO template_stats
    SELECT template, count(*), count(DISTINCT account), min(ts_ms), max(ts_ms)
    FROM exchanges WHERE template IS NOT NULL GROUP BY template;
CREATE TABLE model_hourly (
    model INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    exchanges INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    PRIMARY KEY (model, hour)
) WITHOUT ROWID;
INSERT INTO model_hourly
    SELECT model, {SQL_HOUR_OF_TS}, count(*), sum(input_tokens), sum(output_tokens)
    FROM exchanges GROUP BY 1, 2;
"#
    )
}

/// Format 3 adds the analysis results (replaced by each run) and a log of runs.
const V3: &str = r#"
CREATE TABLE analysis_runs (
    id INTEGER PRIMARY KEY,
    finished_at TEXT NOT NULL,
    params_json TEXT NOT NULL,
    stats_json TEXT NOT NULL
);
CREATE TABLE clusters (
    id TEXT PRIMARY KEY,
    run INTEGER NOT NULL,
    size INTEGER NOT NULL,
    exchanges INTEGER NOT NULL,
    score REAL NOT NULL,
    suspected INTEGER NOT NULL,
    coordination REAL NOT NULL,
    extraction REAL NOT NULL,
    automation REAL NOT NULL,
    evasion REAL NOT NULL,
    release_pivot REAL NOT NULL,
    partner REAL NOT NULL,
    reasons_json TEXT NOT NULL
);
CREATE TABLE cluster_members (account INTEGER PRIMARY KEY, cluster TEXT NOT NULL);
CREATE INDEX cluster_members_by_cluster ON cluster_members (cluster, account);
CREATE TABLE links (
    a INTEGER NOT NULL,
    b INTEGER NOT NULL,
    weight REAL NOT NULL,
    PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE TABLE link_evidence (
    a INTEGER NOT NULL,
    b INTEGER NOT NULL,
    kind TEXT NOT NULL,
    shared INTEGER NOT NULL,
    weight REAL NOT NULL,
    example TEXT NOT NULL,
    PRIMARY KEY (a, b, kind)
) WITHOUT ROWID;
"#;

/// Format 4 adds what the workbench keeps: account positions of the graph
/// layout, each cluster's traffic per model and hour (the selection's model
/// mix on the timeline) and one prompt excerpt per template, all written
/// with the analysis they belong to.
const V4: &str = r#"
CREATE TABLE layout (
    account INTEGER PRIMARY KEY,
    x REAL NOT NULL,
    y REAL NOT NULL
);
CREATE TABLE cluster_model_hourly (
    cluster TEXT NOT NULL,
    model INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    exchanges INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    PRIMARY KEY (cluster, model, hour)
) WITHOUT ROWID;
CREATE TABLE template_examples (
    template INTEGER PRIMARY KEY,
    excerpt INTEGER NOT NULL
);
"#;

/// Format 5 adds case work: analyst tags, the accounts an analyst placed by
/// hand (`account_pins`, which a re-analysis honours), a flag on clusters
/// whose membership was edited after they were scored, and the append-only
/// audit log of every analyst action.
const V5: &str = r#"
ALTER TABLE clusters ADD COLUMN edited INTEGER NOT NULL DEFAULT 0;
CREATE TABLE tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cluster TEXT,
    label TEXT NOT NULL,
    capability TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'confirmed', 'dismissed')),
    confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    actor TEXT NOT NULL,
    notes TEXT NOT NULL,
    analyst TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX tags_by_cluster ON tags (cluster);
CREATE TABLE tag_accounts (
    tag INTEGER NOT NULL,
    account INTEGER NOT NULL,
    PRIMARY KEY (tag, account)
) WITHOUT ROWID;
CREATE TABLE account_pins (
    account INTEGER PRIMARY KEY,
    cluster TEXT NOT NULL
);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    analyst TEXT NOT NULL,
    origin TEXT NOT NULL,
    session TEXT NOT NULL,
    action TEXT NOT NULL,
    clusters TEXT NOT NULL,
    summary TEXT NOT NULL,
    before_json TEXT NOT NULL,
    after_json TEXT NOT NULL,
    reverts INTEGER
);
CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"#;

/// Format 6 adds merging another analyst's case: a log of merges, the
/// merge each tag and audit entry came from (NULL for those made here), the
/// copied entries' ids in their source, and the conflicts a merge found
/// between its tags and the case's with their resolutions.
const V6: &str = r#"
CREATE TABLE merges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    analyst TEXT NOT NULL,
    session TEXT NOT NULL,
    source_name TEXT NOT NULL,
    source_analysts TEXT NOT NULL,
    tags_added INTEGER NOT NULL,
    tags_on_clusters INTEGER NOT NULL,
    tags_skipped INTEGER NOT NULL,
    entries_added INTEGER NOT NULL,
    entries_skipped INTEGER NOT NULL,
    conflicts INTEGER NOT NULL,
    audit_id INTEGER
);
ALTER TABLE tags ADD COLUMN merged_from INTEGER;
ALTER TABLE audit_log ADD COLUMN merged_from INTEGER;
ALTER TABLE audit_log ADD COLUMN source_id INTEGER;
CREATE TABLE merge_conflicts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    merge INTEGER NOT NULL,
    ours INTEGER NOT NULL,
    theirs INTEGER NOT NULL,
    ours_json TEXT NOT NULL,
    theirs_json TEXT NOT NULL,
    overlap INTEGER NOT NULL,
    fields TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'kept_ours', 'kept_theirs', 'kept_both')),
    resolved_by TEXT,
    resolved_at TEXT
);
CREATE INDEX merge_conflicts_by_tag ON merge_conflicts (ours, theirs);
"#;

/// Format 7 adds campaigns above clusters (each a group of clusters with a
/// score and reasons of its own, replaced by each run) and two more
/// sub-scores of clusters: scale and exculpation.
const V7: &str = r#"
ALTER TABLE clusters ADD COLUMN scale REAL NOT NULL DEFAULT 0;
ALTER TABLE clusters ADD COLUMN exculpation REAL NOT NULL DEFAULT 0;
CREATE TABLE campaigns (
    id TEXT PRIMARY KEY,
    run INTEGER NOT NULL,
    clusters INTEGER NOT NULL,
    size INTEGER NOT NULL,
    exchanges INTEGER NOT NULL,
    score REAL NOT NULL,
    suspected INTEGER NOT NULL,
    cohesion REAL NOT NULL,
    coordination REAL NOT NULL,
    extraction REAL NOT NULL,
    automation REAL NOT NULL,
    evasion REAL NOT NULL,
    release_pivot REAL NOT NULL,
    partner REAL NOT NULL,
    scale REAL NOT NULL,
    exculpation REAL NOT NULL,
    reasons_json TEXT NOT NULL
);
CREATE TABLE campaign_clusters (
    cluster TEXT PRIMARY KEY,
    campaign TEXT NOT NULL,
    rank INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX campaign_clusters_by_campaign ON campaign_clusters (campaign, rank);
"#;

/// Format 8 records which case a merge read: the fingerprint it had (see
/// `Case::fingerprint`), so what came in by merge says whose claim it is
/// (empty for merges made before format 8).
const V8: &str = r#"
ALTER TABLE merges ADD COLUMN source_fingerprint TEXT NOT NULL DEFAULT '';
"#;

/// `account_model_hourly` from the exchanges.
pub const ACCOUNT_MODEL_HOURLY_FROM_EXCHANGES: &str = "INSERT INTO account_model_hourly \
    SELECT account, ((ts_ms - ((ts_ms % 3600000) + 3600000) % 3600000) / 3600000), model, \
           count(*), sum(input_tokens), sum(output_tokens) \
    FROM exchanges GROUP BY 1, 2, 3";

/// `template_profiles` from the exchanges (format 9's backfill, and a
/// subset export's).
pub const TEMPLATE_PROFILES_FROM_EXCHANGES: &str = "INSERT INTO template_profiles \
    SELECT e.template, coalesce(e.capability, -1), count(*), count(v.id), \
           coalesce(sum(v.value >= 0.5), 0), sum(max(e.input_tokens, 0)), sum(max(e.output_tokens, 0)) \
    FROM exchanges e LEFT JOIN cot_values v ON v.id = e.cot \
    WHERE e.template IS NOT NULL GROUP BY 1, 2";

/// `template_stats.example` from the exchanges: the excerpt of each
/// template's first exchange (by id) that has one.
pub const TEMPLATE_EXAMPLE_FROM_EXCHANGES: &str = "UPDATE template_stats SET example = x.excerpt \
    FROM (SELECT template, excerpt, min(id) FROM exchanges \
          WHERE template IS NOT NULL AND excerpt IS NOT NULL GROUP BY template) AS x \
    WHERE x.template = template_stats.template";

/// `account_summary.cot_scored` and `cot_high` from the exchanges.
pub const ACCOUNT_COT_FROM_EXCHANGES: &str = "UPDATE account_summary \
    SET cot_scored = c.scored, cot_high = c.high \
    FROM (SELECT e.account AS account, count(*) AS scored, sum(v.value >= 0.5) AS high \
          FROM exchanges e JOIN cot_values v ON v.id = e.cot GROUP BY e.account) AS c \
    WHERE c.account = account_summary.account";

/// Format 9 adds what the analysis would otherwise read every exchange
/// for: each account's traffic per hour and model (`account_model_hourly`,
/// what `account_hourly` sums over models: its clusters' series), what the
/// exchanges on each template asked for (`template_profiles`), each
/// template's example excerpt (`template_stats.example`) and each
/// account's chain-of-thought counts (`account_summary.cot_scored`,
/// `cot_high`); backfilled from `exchanges` when an older file is opened.
fn v9() -> String {
    format!(
        r#"
CREATE TABLE account_model_hourly (
    account INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    model INTEGER NOT NULL,
    exchanges INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    PRIMARY KEY (account, hour, model)
) WITHOUT ROWID;
{ACCOUNT_MODEL_HOURLY_FROM_EXCHANGES};
CREATE TABLE template_profiles (
    template INTEGER NOT NULL,
    capability INTEGER NOT NULL,
    exchanges INTEGER NOT NULL,
    cot_scored INTEGER NOT NULL,
    cot_high INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    PRIMARY KEY (template, capability)
) WITHOUT ROWID;
{TEMPLATE_PROFILES_FROM_EXCHANGES};
ALTER TABLE template_stats ADD COLUMN example INTEGER;
ALTER TABLE account_summary ADD COLUMN cot_scored INTEGER NOT NULL DEFAULT 0;
ALTER TABLE account_summary ADD COLUMN cot_high INTEGER NOT NULL DEFAULT 0;
{TEMPLATE_EXAMPLE_FROM_EXCHANGES};
{ACCOUNT_COT_FROM_EXCHANGES};
"#
    )
}

/// Format 10 adds the analyst's notes (on an account, a link between two
/// accounts, a cluster, a campaign or a time range; a note on a cluster or
/// a campaign keeps the accounts it held when written, in
/// `note_accounts`, so that it finds them again after a re-analysis) and
/// named saved views (what the workbench showed: settings, selection, time
/// window, camera; the selected accounts in `saved_view_accounts`), both
/// case work like tags; and what a merge brought of each.
const V10: &str = r#"
CREATE TABLE notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    target TEXT NOT NULL CHECK (target IN ('account', 'link', 'cluster', 'campaign', 'time')),
    account INTEGER,
    other INTEGER,
    cluster TEXT,
    campaign TEXT,
    from_ms INTEGER,
    to_ms INTEGER,
    text TEXT NOT NULL,
    analyst TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    merged_from INTEGER
);
CREATE INDEX notes_by_account ON notes (account);
CREATE TABLE note_accounts (
    note INTEGER NOT NULL,
    account INTEGER NOT NULL,
    PRIMARY KEY (note, account)
) WITHOUT ROWID;
CREATE TABLE saved_views (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    view_json TEXT NOT NULL,
    analyst TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    merged_from INTEGER
);
CREATE TABLE saved_view_accounts (
    view INTEGER NOT NULL,
    account INTEGER NOT NULL,
    PRIMARY KEY (view, account)
) WITHOUT ROWID;
ALTER TABLE merges ADD COLUMN notes_added INTEGER NOT NULL DEFAULT 0;
ALTER TABLE merges ADD COLUMN views_added INTEGER NOT NULL DEFAULT 0;
"#;

/// `account_minutes` from the exchanges (format 11's backfill; a subset
/// export copies the kept accounts' rows): each account's distinct active
/// minutes as a JSON array of deltas ([`super::minutes`]).
pub const ACCOUNT_MINUTES_FROM_EXCHANGES: &str = "INSERT INTO account_minutes (account, minutes_json) \
    SELECT account, json_group_array(d ORDER BY m) FROM ( \
        SELECT account, m, m - coalesce(lag(m) OVER (PARTITION BY account ORDER BY m), 0) AS d \
        FROM (SELECT DISTINCT account, \
                     max(0, (ts_ms - ((ts_ms % 60000) + 60000) % 60000) / 60000) AS m \
              FROM exchanges)) \
    GROUP BY account";

/// Format 11 keeps each account's active minutes (`account_minutes`), the
/// last thing the analysis read `exchanges` for, so that it reads no
/// exchange at all and a case built from rollups elsewhere (`hydrascope
/// spark`) can be analysed; backfilled from `exchanges` on upgrade.
fn v11() -> String {
    format!(
        "CREATE TABLE account_minutes (
    account INTEGER PRIMARY KEY,
    minutes_json TEXT NOT NULL
);
{ACCOUNT_MINUTES_FROM_EXCHANGES};
"
    )
}

/// Format 12 lets a day be appended at the cost of the day: each account's
/// API keys (`account_api_keys`, backfilled from `exchanges`) and an index
/// of the request ids' hashes (`request_keys`, [`super::request_keys`]),
/// so that an append need not read the case's exchanges. The index cannot
/// be made in SQL: an older file's is made by its first append (until
/// then `meta.request_keys` is not `complete` and an append reads the
/// exchanges, as before).
fn v12() -> String {
    format!(
        r#"
CREATE TABLE account_api_keys (
    account INTEGER NOT NULL,
    api_key INTEGER NOT NULL,
    PRIMARY KEY (account, api_key)
) WITHOUT ROWID;
{ACCOUNT_API_KEYS_FROM_EXCHANGES};
CREATE TABLE request_keys (
    bucket INTEGER NOT NULL,
    run INTEGER NOT NULL,
    hashes BLOB NOT NULL,
    PRIMARY KEY (bucket, run)
) WITHOUT ROWID;
DELETE FROM meta WHERE key IN ('request_keys', 'request_key_runs');
"#
    )
}

/// Each account's API keys, from its exchanges (format 12's migration, and
/// an export of an older case or of a subset).
pub(crate) const ACCOUNT_API_KEYS_FROM_EXCHANGES: &str = "INSERT INTO account_api_keys (account, api_key) \
     SELECT DISTINCT account, api_key FROM exchanges WHERE api_key IS NOT NULL";

/// The SQL that takes a file from `version - 1` to `version`.
fn migration_to(version: i32) -> Option<String> {
    match version {
        1 => Some(V1.to_string()),
        2 => Some(v2()),
        3 => Some(V3.to_string()),
        4 => Some(V4.to_string()),
        5 => Some(V5.to_string()),
        6 => Some(V6.to_string()),
        7 => Some(V7.to_string()),
        8 => Some(V8.to_string()),
        9 => Some(v9()),
        10 => Some(V10.to_string()),
        11 => Some(v11()),
        12 => Some(v12()),
        _ => None,
    }
}

/// Creates the tables of format `version` in an empty database (all steps
/// from format 1 on, so a new file and a migrated one are the same).
pub fn create(conn: &Connection, version: i32) -> rusqlite::Result<()> {
    migrate(conn, 0, version)?;
    let mut stmt = conn.prepare("INSERT INTO capabilities (id, name) VALUES (?1, ?2)")?;
    for cap in crate::logs::Capability::ALL {
        stmt.execute((i64::from(cap.code()), cap.as_str()))?;
    }
    Ok(())
}

/// Runs the migrations from `from` to `to` and records `to` as the file's
/// `user_version`. The caller holds the transaction.
pub fn migrate(conn: &Connection, from: i32, to: i32) -> rusqlite::Result<()> {
    for version in from + 1..=to {
        if let Some(sql) = migration_to(version) {
            conn.execute_batch(&sql)?;
        }
    }
    conn.pragma_update(None, "user_version", to)?;
    Ok(())
}

/// Sub-score columns of `clusters`, in order.
pub const INDICATOR_COLUMNS: [&str; 8] = [
    "coordination",
    "extraction",
    "automation",
    "evasion",
    "release_pivot",
    "partner",
    "scale",
    "exculpation",
];

/// Columns that name a row of another table: (table, column, target table,
/// target key column).
pub const REFERENCES: &[(&str, &str, &str, &str)] = &[
    ("exchanges", "account", "accounts", "id"),
    ("exchanges", "model", "models", "id"),
    ("exchanges", "origin", "origins", "id"),
    ("exchanges", "api_key", "api_keys", "id"),
    ("exchanges", "client_fp", "client_fingerprints", "id"),
    ("exchanges", "template", "templates", "id"),
    ("exchanges", "capability", "capabilities", "id"),
    ("exchanges", "cot", "cot_values", "id"),
    ("exchanges", "excerpt", "excerpts", "id"),
    ("exchange_extra", "exchange", "exchanges", "id"),
    ("events", "account", "accounts", "id"),
    ("account_summary", "account", "accounts", "id"),
    ("account_summary", "top_capability", "capabilities", "id"),
    ("account_hourly", "account", "accounts", "id"),
    ("account_model_hourly", "account", "accounts", "id"),
    ("account_model_hourly", "model", "models", "id"),
    ("account_origins", "account", "accounts", "id"),
    ("account_origins", "origin", "origins", "id"),
    ("account_templates", "account", "accounts", "id"),
    ("account_templates", "template", "templates", "id"),
    ("account_client_fps", "account", "accounts", "id"),
    (
        "account_client_fps",
        "client_fp",
        "client_fingerprints",
        "id",
    ),
    ("account_models", "account", "accounts", "id"),
    ("account_models", "model", "models", "id"),
    ("account_capabilities", "account", "accounts", "id"),
    ("account_capabilities", "capability", "capabilities", "id"),
    ("template_stats", "template", "templates", "id"),
    ("template_stats", "example", "excerpts", "id"),
    ("template_profiles", "template", "templates", "id"),
    ("account_minutes", "account", "accounts", "id"),
    ("account_api_keys", "account", "accounts", "id"),
    ("account_api_keys", "api_key", "api_keys", "id"),
    ("model_hourly", "model", "models", "id"),
    ("clusters", "run", "analysis_runs", "id"),
    ("cluster_members", "account", "accounts", "id"),
    ("cluster_members", "cluster", "clusters", "id"),
    ("links", "a", "accounts", "id"),
    ("links", "b", "accounts", "id"),
    ("link_evidence", "a", "accounts", "id"),
    ("link_evidence", "b", "accounts", "id"),
    ("layout", "account", "accounts", "id"),
    ("cluster_model_hourly", "cluster", "clusters", "id"),
    ("cluster_model_hourly", "model", "models", "id"),
    ("template_examples", "template", "templates", "id"),
    ("template_examples", "excerpt", "excerpts", "id"),
    ("tags", "cluster", "clusters", "id"),
    ("tag_accounts", "tag", "tags", "id"),
    ("tag_accounts", "account", "accounts", "id"),
    ("account_pins", "account", "accounts", "id"),
    ("account_pins", "cluster", "clusters", "id"),
    ("merge_conflicts", "merge", "merges", "id"),
    ("notes", "account", "accounts", "id"),
    ("notes", "other", "accounts", "id"),
    ("note_accounts", "note", "notes", "id"),
    ("note_accounts", "account", "accounts", "id"),
    ("saved_view_accounts", "view", "saved_views", "id"),
    ("saved_view_accounts", "account", "accounts", "id"),
];
