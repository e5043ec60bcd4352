//! An index of the request ids a case holds, so that an append refuses a
//! repeated request id without reading the case's exchanges
//! (`request_keys`, case format 12).
//!
//! Each request id's 64-bit hash ([`request_hash`]) is kept: its top 16
//! bits choose the row's `bucket`, its low 48 bits are stored, 6 bytes
//! little-endian each and ascending, in the row's `hashes`. Every import or
//! append that stores exchanges adds one `run` (a row per bucket it
//! touches); past [`MAX_RUNS`] runs they are merged into one. A hash found
//! in the index makes a suspect, not a verdict: the append then compares
//! the request ids themselves (a repeat always has the same hash; two
//! different ids have it about once in 2^64 pairs).
//!
//! `meta.request_keys = 'complete'` says every exchange of the case is in
//! the index. Without it (a file of an older format, an export, a repair)
//! an append reads the exchanges, as before, and writes the index whole.
//! The index of a case from elsewhere is data like its rollups: one that
//! lies can let an appended row repeat a request id the case holds, which
//! its sender could as well have written into `exchanges` itself.

use rusqlite::{Connection, OptionalExtension, params};
use rustc_hash::FxHashSet;

use super::CaseError;

/// Bits of the hash that choose the bucket.
const BUCKET_BITS: u32 = 16;
/// Bytes stored per hash (the bits the bucket does not say).
const ENTRY_BYTES: usize = 6;

/// What a damaged index's error tells the analyst to do.
const REPAIR: &str = " (the index of request ids is damaged: `hydrascope repair` drops it, and the next append writes it again from the exchanges)";
/// Runs kept apart before they are merged into one.
pub const MAX_RUNS: i64 = 16;
/// `meta` key whose value `complete` says the index holds every exchange.
pub const COMPLETE_KEY: &str = "request_keys";
/// `meta` key holding the number of runs.
const RUNS_KEY: &str = "request_key_runs";
/// Above this many buckets wanted, one pass over the index in key order
/// costs less than a lookup per bucket.
const SCAN_ABOVE_BUCKETS: usize = 4096;

/// The 64-bit hash of a request id that the index and duplicate detection
/// key on (XXH3-64 of its UTF-8 bytes).
pub fn request_hash(request_id: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(request_id)
}

fn bucket_of(hash: u64) -> i64 {
    (hash >> (64 - BUCKET_BITS)) as i64
}

fn low_bits(hash: u64) -> u64 {
    hash & ((1u64 << (64 - BUCKET_BITS)) - 1)
}

/// Whether `meta` says the index holds every exchange of the case.
pub fn is_complete(conn: &Connection) -> Result<bool, CaseError> {
    let value: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [COMPLETE_KEY],
            |r| r.get(0),
        )
        .optional()?;
    Ok(value.as_deref() == Some("complete"))
}

/// Forgets the index (for a file whose exchanges were copied or repaired
/// without it): the next append reads the exchanges and writes it whole.
pub fn forget(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM request_keys", [])?;
    conn.execute(
        "DELETE FROM meta WHERE key IN (?1, ?2)",
        params![COMPLETE_KEY, RUNS_KEY],
    )?;
    Ok(())
}

/// Adds `hashes` (of the exchanges just stored, in any order) to the index
/// as a new run, or, with `whole`, replaces the index by them (they are
/// then every exchange's); then marks the index complete. Runs past
/// [`MAX_RUNS`] are merged into one.
pub fn write_run(conn: &Connection, hashes: &mut [u64], whole: bool) -> Result<(), CaseError> {
    let runs = if whole {
        forget(conn)?;
        0
    } else {
        // From the rows themselves, not `meta`'s count, which a hand-edited
        // case may have wrong.
        conn.query_row("SELECT coalesce(max(run), 0) FROM request_keys", [], |r| {
            r.get::<_, i64>(0)
        })?
    };
    if runs >= MAX_RUNS {
        let mut all = read_all(conn)?;
        all.extend_from_slice(hashes);
        forget(conn)?;
        insert_run(conn, &mut all, 1)?;
    } else if hashes.is_empty() {
        // Nothing stored: no run, but the index is still whole.
        set_meta(conn, runs)?;
        return Ok(());
    } else {
        insert_run(conn, hashes, runs + 1)?;
    }
    Ok(())
}

fn insert_run(conn: &Connection, hashes: &mut [u64], run: i64) -> Result<(), CaseError> {
    hashes.sort_unstable();
    let mut stmt =
        conn.prepare_cached("INSERT INTO request_keys (bucket, run, hashes) VALUES (?1, ?2, ?3)")?;
    let mut blob = Vec::new();
    for group in hashes.chunk_by(|a, b| bucket_of(*a) == bucket_of(*b)) {
        blob.clear();
        for &h in group {
            blob.extend_from_slice(&low_bits(h).to_le_bytes()[..ENTRY_BYTES]);
        }
        stmt.execute(params![bucket_of(group[0]), run, blob])?;
    }
    set_meta(conn, run)?;
    Ok(())
}

fn set_meta(conn: &Connection, runs: i64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, 'complete'), (?2, ?3)",
        params![COMPLETE_KEY, RUNS_KEY, runs.to_string()],
    )?;
    Ok(())
}

/// The hashes one row holds, checked: a blob of whole entries, in
/// ascending order.
fn decode(
    bucket: i64,
    run: i64,
    value: rusqlite::types::ValueRef<'_>,
    out: &mut Vec<u64>,
) -> Result<(), CaseError> {
    let rusqlite::types::ValueRef::Blob(blob) = value else {
        return Err(CaseError::Invalid(format!(
            "request_keys: bucket {bucket}, run {run} holds no blob{REPAIR}"
        )));
    };
    if blob.len() % ENTRY_BYTES != 0 {
        return Err(CaseError::Invalid(format!(
            "request_keys: bucket {bucket}, run {run} holds {} bytes, not whole {ENTRY_BYTES}-byte hashes{REPAIR}",
            blob.len()
        )));
    }
    let high = (bucket as u64) << (64 - BUCKET_BITS);
    let start = out.len();
    for entry in blob.chunks_exact(ENTRY_BYTES) {
        let mut bytes = [0u8; 8];
        bytes[..ENTRY_BYTES].copy_from_slice(entry);
        out.push(high | u64::from_le_bytes(bytes));
    }
    if !out[start..].is_sorted() {
        return Err(CaseError::Invalid(format!(
            "request_keys: bucket {bucket}, run {run} is not in ascending order{REPAIR}"
        )));
    }
    Ok(())
}

fn check_bucket(bucket: i64) -> Result<(), CaseError> {
    if (0..1i64 << BUCKET_BITS).contains(&bucket) {
        Ok(())
    } else {
        Err(CaseError::Invalid(format!(
            "request_keys: bucket {bucket} is outside 0..{}{REPAIR}",
            (1i64 << BUCKET_BITS) - 1
        )))
    }
}

/// Every hash in the index.
fn read_all(conn: &Connection) -> Result<Vec<u64>, CaseError> {
    let mut stmt = conn.prepare("SELECT bucket, run, hashes FROM request_keys")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let (bucket, run): (i64, i64) = (r.get(0)?, r.get(1)?);
        check_bucket(bucket)?;
        decode(bucket, run, r.get_ref(2)?, &mut out)?;
    }
    Ok(out)
}

/// The hashes of `wanted` that the index holds. Reads only the buckets
/// `wanted` falls in (a large day: one pass over the index in key order).
pub fn matching(conn: &Connection, wanted: &FxHashSet<u64>) -> Result<FxHashSet<u64>, CaseError> {
    let mut wanted: Vec<u64> = wanted.iter().copied().collect();
    wanted.sort_unstable();
    let groups: Vec<&[u64]> = wanted
        .chunk_by(|a, b| bucket_of(*a) == bucket_of(*b))
        .collect();
    let mut found = FxHashSet::default();
    let mut stored = Vec::new();
    let mut join = |group: &[u64], stored: &[u64]| {
        let (mut i, mut j) = (0, 0);
        while i < group.len() && j < stored.len() {
            match group[i].cmp(&stored[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    found.insert(group[i]);
                    i += 1;
                }
            }
        }
    };
    if groups.len() > SCAN_ABOVE_BUCKETS {
        let mut stmt =
            conn.prepare("SELECT bucket, run, hashes FROM request_keys ORDER BY bucket, run")?;
        let mut rows = stmt.query([])?;
        let mut next = groups.iter().peekable();
        while let Some(r) = rows.next()? {
            let (bucket, run): (i64, i64) = (r.get(0)?, r.get(1)?);
            check_bucket(bucket)?;
            while next.next_if(|g| bucket_of(g[0]) < bucket).is_some() {}
            let Some(group) = next.peek() else { break };
            if bucket_of(group[0]) != bucket {
                continue;
            }
            stored.clear();
            decode(bucket, run, r.get_ref(2)?, &mut stored)?;
            join(group, &stored);
        }
    } else {
        let mut stmt =
            conn.prepare("SELECT run, hashes FROM request_keys WHERE bucket = ?1 ORDER BY run")?;
        for group in groups {
            let bucket = bucket_of(group[0]);
            let mut rows = stmt.query([bucket])?;
            while let Some(r) = rows.next()? {
                stored.clear();
                decode(bucket, r.get(0)?, r.get_ref(1)?, &mut stored)?;
                join(group, &stored);
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        super::super::schema::create(&conn, super::super::schema::SCHEMA_VERSION).unwrap();
        conn
    }

    fn ids(range: std::ops::Range<u32>) -> Vec<u64> {
        range
            .map(|i| request_hash(format!("req-{i}").as_bytes()))
            .collect()
    }

    fn set(hashes: &[u64]) -> FxHashSet<u64> {
        hashes.iter().copied().collect()
    }

    #[test]
    fn finds_exactly_the_stored_hashes_in_runs_and_after_merging() {
        let conn = index();
        assert!(!is_complete(&conn).unwrap());
        write_run(&conn, &mut ids(0..3000), true).unwrap();
        assert!(is_complete(&conn).unwrap());
        // More runs than kept apart: they are merged into one.
        for day in 0..MAX_RUNS + 2 {
            let start = 3000 + day as u32 * 100;
            write_run(&conn, &mut ids(start..start + 100), false).unwrap();
        }
        let runs: i64 = conn
            .query_row("SELECT count(DISTINCT run) FROM request_keys", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!((1..=MAX_RUNS).contains(&runs), "{runs} runs");
        let stored_upto = 3000 + (MAX_RUNS as u32 + 2) * 100;
        // A few wanted (a lookup per bucket) and many (one pass).
        for wanted in [ids(10..20), ids(0..stored_upto + 7000)] {
            let found = matching(&conn, &set(&wanted)).unwrap();
            let expected: FxHashSet<u64> = wanted
                .iter()
                .zip(0u32..)
                .filter(|(_, i)| *i < stored_upto)
                .map(|(h, _)| *h)
                .collect();
            assert_eq!(found, expected);
        }
        assert!(
            matching(&conn, &set(&ids(900_000..900_050)))
                .unwrap()
                .is_empty()
        );
        assert_eq!(read_all(&conn).unwrap().len(), stored_upto as usize);
    }

    #[test]
    fn a_damaged_row_is_named_not_trusted() {
        let conn = index();
        write_run(&conn, &mut ids(0..10), true).unwrap();
        let bucket = bucket_of(ids(0..1)[0]);
        conn.execute(
            "UPDATE request_keys SET hashes = x'0102030405' WHERE bucket = ?1",
            [bucket],
        )
        .unwrap();
        let err = matching(&conn, &set(&ids(0..1))).unwrap_err().to_string();
        assert!(
            err.contains(&format!("bucket {bucket}, run 1 holds 5 bytes")),
            "{err}"
        );
        conn.execute(
            "UPDATE request_keys SET hashes = x'020000000000010000000000' WHERE bucket = ?1",
            [bucket],
        )
        .unwrap();
        let err = matching(&conn, &set(&ids(0..1))).unwrap_err().to_string();
        assert!(err.contains("not in ascending order"), "{err}");
        forget(&conn).unwrap();
        assert!(!is_complete(&conn).unwrap());
    }
}
