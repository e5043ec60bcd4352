//! An account's active minutes as `account_minutes.minutes_json` holds
//! them: a JSON array whose first number is the first minute the account
//! sent a request in (minutes since 1970-01-01 UTC) and each next number
//! the distance to the next such minute. Deltas keep the text short (most
//! are one or two digits), and the `sqlite3` shell reads them back with
//! `json_each` and a running `sum()` (docs/case-file.md).

use std::fmt::Write;

/// The JSON text of `minutes`, which must be sorted and free of repeats.
pub fn encode(minutes: &[u32]) -> String {
    let mut out = String::with_capacity(minutes.len() * 3 + 2);
    out.push('[');
    let mut before = 0u32;
    for (i, &m) in minutes.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{}", m - before);
        before = m;
    }
    out.push(']');
    out
}

/// The minutes `text` holds, or what is wrong with it: not an array of
/// whole numbers, a minute beyond 2^32 − 1, or a delta of 0 (a repeat) after
/// the first.
pub fn decode(text: &str) -> Result<Vec<u32>, String> {
    let inner = text
        .trim()
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .ok_or("not a JSON array")?
        .trim();
    if inner.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::with_capacity(inner.len() / 2);
    let mut at = 0u64;
    for (i, part) in inner.split(',').enumerate() {
        let part = part.trim();
        let delta: u64 = part
            .parse()
            .map_err(|_| format!("item {} ({part:?}) is not a whole number ≥ 0", i + 1))?;
        if i > 0 && delta == 0 {
            return Err(format!("item {} repeats the minute before it", i + 1));
        }
        at += delta;
        let minute = u32::try_from(at)
            .map_err(|_| format!("item {} reaches minute {at}, beyond 2^32 - 1", i + 1))?;
        out.push(minute);
    }
    Ok(out)
}

/// The minute of `ts_ms` (floored; before 1970 taken as minute 0).
pub fn minute_of_ms(ts_ms: i64) -> u32 {
    ts_ms.div_euclid(60_000).clamp(0, i64::from(u32::MAX)) as u32
}

/// `a` and `b` (each sorted, without repeats) as one such list.
pub fn union(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_go_through_their_json_and_back() {
        let minutes = [29_512_345, 29_512_346, 29_512_400, 29_600_000];
        let text = encode(&minutes);
        assert_eq!(text, "[29512345,1,54,87600]");
        assert_eq!(decode(&text).unwrap(), minutes);
        assert_eq!(decode("[]").unwrap(), Vec::<u32>::new());
        assert_eq!(encode(&[]), "[]");
        assert_eq!(decode(" [ 5 , 2 ] ").unwrap(), vec![5, 7]);
    }

    #[test]
    fn damaged_minutes_are_refused_with_the_item() {
        assert!(decode("5,2").unwrap_err().contains("array"));
        assert!(decode("[5,x]").unwrap_err().contains("item 2"));
        assert!(decode("[5,0]").unwrap_err().contains("repeats"));
        assert!(decode("[5,-1]").unwrap_err().contains("item 2"));
        assert!(decode("[4294967295,1]").unwrap_err().contains("beyond"));
        assert!(decode("[1.5]").is_err());
    }

    #[test]
    fn union_keeps_order_and_drops_repeats() {
        assert_eq!(union(&[1, 3, 5], &[2, 3, 9]), vec![1, 2, 3, 5, 9]);
        assert_eq!(union(&[], &[4]), vec![4]);
    }
}
