//! RFC 3339 timestamps <-> milliseconds since the Unix epoch (UTC).
//!
//! Hand-written because import parses one timestamp per exchange (tens of
//! millions per case) and a general date library costs several times more.

/// The current time as RFC 3339 UTC, to the millisecond.
pub fn now_rfc3339() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    format_rfc3339_ms(ms)
}

/// The current UTC time as a picture's caption writes it ("2026-11-22 14:03").
pub fn now_for_caption() -> String {
    let now = now_rfc3339();
    now.get(..16).unwrap_or(&now).replacen('T', " ", 1)
}

/// Parses an RFC 3339 timestamp (`2026-02-03T12:34:56.789Z`, or with an
/// offset such as `+08:00`) into milliseconds since the epoch, UTC.
///
/// `T` may also be `t` or a space, `Z` may be `z`. Fractions finer than a
/// millisecond are truncated toward the past. Returns `None` for anything that
/// is not a valid date and time.
pub fn parse_rfc3339_ms(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let year = digits(b, 0, 4)? as i64;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    // RFC 3339 allows a leap second (60); it is folded into the next second.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut pos = 19;
    let mut millis: i64 = 0;
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let start = pos;
        while pos < b.len() && b[pos].is_ascii_digit() {
            if pos - start < 3 {
                millis = millis * 10 + i64::from(b[pos] - b'0');
            }
            pos += 1;
        }
        let n = pos - start;
        if n == 0 || n > 9 {
            return None;
        }
        for _ in n..3 {
            millis *= 10;
        }
    }
    let offset_secs: i64 = match b.get(pos)? {
        b'Z' | b'z' => {
            pos += 1;
            0
        }
        sign @ (b'+' | b'-') => {
            if b.len() < pos + 6 || b[pos + 3] != b':' {
                return None;
            }
            let oh = digits(b, pos + 1, 2)?;
            let om = digits(b, pos + 4, 2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            pos += 6;
            let secs = i64::from(oh * 3600 + om * 60);
            if *sign == b'+' { secs } else { -secs }
        }
        _ => return None,
    };
    if pos != b.len() {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset_secs;
    Some(secs * 1000 + millis)
}

/// Formats milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC).
pub fn format_rfc3339_ms(ms: i64) -> String {
    let mut out = String::with_capacity(24);
    write_rfc3339_ms(&mut out, ms);
    out
}

/// Appends the RFC 3339 form of `ms` to `out` (no allocation when `out` has room).
pub fn write_rfc3339_ms(out: &mut String, ms: i64) {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let buf = [
        pad4(y),
        [b'-', b'0' + (m / 10) as u8, b'0' + (m % 10) as u8, b'-'],
        [
            b'0' + (d / 10) as u8,
            b'0' + (d % 10) as u8,
            b'T',
            b'0' + (sod / 36_000) as u8,
        ],
        [
            b'0' + (sod / 3600 % 10) as u8,
            b':',
            b'0' + (sod % 3600 / 600) as u8,
            b'0' + (sod % 3600 / 60 % 10) as u8,
        ],
        [
            b':',
            b'0' + (sod % 60 / 10) as u8,
            b'0' + (sod % 10) as u8,
            b'.',
        ],
        [
            b'0' + (millis / 100) as u8,
            b'0' + (millis / 10 % 10) as u8,
            b'0' + (millis % 10) as u8,
            b'Z',
        ],
    ];
    for chunk in buf {
        for byte in chunk {
            out.push(byte as char);
        }
    }
}

fn pad4(y: i64) -> [u8; 4] {
    let y = y.clamp(0, 9999) as u32;
    [
        b'0' + (y / 1000) as u8,
        b'0' + (y / 100 % 10) as u8,
        b'0' + (y / 10 % 10) as u8,
        b'0' + (y % 10) as u8,
    ]
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let mut v = 0u32;
    for &c in b.get(at..at + n)? {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month, day) of a day number since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_utc_and_offsets_to_the_same_instant() {
        let utc = parse_rfc3339_ms("2026-02-03T12:34:56.789Z").unwrap();
        assert_eq!(utc, 1_770_122_096_789);
        assert_eq!(parse_rfc3339_ms("2026-02-03T20:34:56.789+08:00"), Some(utc));
        assert_eq!(parse_rfc3339_ms("2026-02-03 12:34:56.789z"), Some(utc));
        assert_eq!(parse_rfc3339_ms("2026-02-03T12:34:56.7891234Z"), Some(utc));
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339_ms("1969-12-31T23:59:59.5Z"), Some(-500));
    }

    #[test]
    fn rejects_impossible_dates_and_garbage() {
        for bad in [
            "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-02-03T24:00:00Z",
            "2026-02-03T12:34:56",
            "2026-02-03T12:34:56.Z",
            "2026-02-03T12:34:56Zjunk",
            "yesterday",
            "2026-02-03",
            "1770122096789",
        ] {
            assert_eq!(parse_rfc3339_ms(bad), None, "{bad}");
        }
        assert!(parse_rfc3339_ms("2024-02-29T00:00:00Z").is_some());
        assert!(parse_rfc3339_ms("2023-02-29T00:00:00Z").is_none());
    }

    #[test]
    fn formatting_round_trips_over_a_wide_range() {
        for ms in [
            0,
            1,
            -1,
            951_782_400_000,
            1_770_122_096_789,
            4_102_444_799_999,
            -2_208_988_800_000,
        ] {
            let text = format_rfc3339_ms(ms);
            assert_eq!(parse_rfc3339_ms(&text), Some(ms), "{text}");
        }
        assert_eq!(
            format_rfc3339_ms(1_770_122_096_789),
            "2026-02-03T12:34:56.789Z"
        );
    }
}
