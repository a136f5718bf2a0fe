//! RFC 3339 §5.6 `date-time`, as RFC 9116 §2.5.5 imports it.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::Offset;

/// The outcome of reading an `Expires` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expiry {
    /// A strict RFC 3339 `date-time`.
    Valid(Timestamp),
    /// Valid except for a space where `T` belongs (accepted by `sectxt`, not by RFC 3339 §5.6).
    SpaceSeparator(Timestamp),
    /// Not a date-time; the string says why.
    Invalid(String),
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<i32> {
    let s = b.get(at..at + n)?;
    if !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0i32, |acc, d| acc * 10 + i32::from(d - b'0')))
}

fn expect(b: &[u8], at: usize, c: u8) -> Option<()> {
    (b.get(at) == Some(&c)).then_some(())
}

/// Reads `value` as an RFC 3339 `date-time`.
pub(crate) fn parse(value: &str) -> Expiry {
    match parse_inner(value) {
        Some((ts, space)) => {
            if space {
                Expiry::SpaceSeparator(ts)
            } else {
                Expiry::Valid(ts)
            }
        }
        None => Expiry::Invalid(format!(
            "'{}' is not of the form YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)",
            shorten(value)
        )),
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(57).collect();
        format!("{cut}…")
    } else {
        s.to_string()
    }
}

fn parse_inner(value: &str) -> Option<(Timestamp, bool)> {
    let b = value.as_bytes();
    let year = digits(b, 0, 4)?;
    expect(b, 4, b'-')?;
    let month = digits(b, 5, 2)?;
    expect(b, 7, b'-')?;
    let day = digits(b, 8, 2)?;
    let space = match b.get(10) {
        Some(b'T' | b't') => false,
        Some(b' ') => true,
        _ => return None,
    };
    let hour = digits(b, 11, 2)?;
    expect(b, 13, b':')?;
    let minute = digits(b, 14, 2)?;
    expect(b, 16, b':')?;
    let mut second = digits(b, 17, 2)?;
    let mut at = 19;
    let mut nanos: i32 = 0;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            if at - start < 9 {
                nanos = nanos * 10 + i32::from(b[at] - b'0');
            }
            at += 1;
        }
        let n = at - start;
        if n == 0 {
            return None;
        }
        for _ in n..9 {
            nanos *= 10;
        }
    }
    let offset_seconds = match b.get(at) {
        Some(b'Z' | b'z') => {
            at += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            let oh = digits(b, at + 1, 2)?;
            expect(b, at + 3, b':')?;
            let om = digits(b, at + 4, 2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            at += 6;
            let s = oh * 3600 + om * 60;
            if *sign == b'-' { -s } else { s }
        }
        _ => return None,
    };
    if at != b.len() {
        return None;
    }
    let leap = second == 60;
    if leap {
        // RFC 3339 §5.7 allows a leap second, which can only be 23:59:60 UTC; jiff does not
        // represent it, so it is read as 23:59:59.
        second = 59;
    }
    let year = i16::try_from(year).ok()?;
    let dt = DateTime::new(
        year,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second).ok()?,
        nanos,
    )
    .ok()?;
    let offset = Offset::from_seconds(offset_seconds).ok()?;
    let ts = offset.to_timestamp(dt).ok()?;
    if leap {
        let utc = Offset::UTC.to_datetime(ts);
        if (utc.hour(), utc.minute(), utc.second()) != (23, 59, 59) {
            return None;
        }
    }
    Some((ts, space))
}

/// The same UTC wall-clock time one year after `now` (29 February → 28 February), as
/// RFC 9116 §2.5.5's "less than a year" is read here.
pub(crate) fn one_year_after(now: Timestamp) -> Timestamp {
    let dt = Offset::UTC.to_datetime(now);
    let (year, month, mut day) = (dt.year().saturating_add(1), dt.month(), dt.day());
    if month == 2 && day == 29 {
        day = 28;
    }
    DateTime::new(
        year,
        month,
        day,
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.subsec_nanosecond(),
    )
    .ok()
    .and_then(|d| Offset::UTC.to_timestamp(d).ok())
    .unwrap_or(Timestamp::MAX)
}

/// Formats `ts` as RFC 9116 generators should: UTC, whole seconds, `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn format(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn strict_rfc3339() {
        assert_eq!(
            parse("2027-01-17T06:00:00.000Z"),
            Expiry::Valid(ts("2027-01-17T06:00:00Z"))
        );
        assert_eq!(
            parse("2027-01-17t06:00:00z"),
            Expiry::Valid(ts("2027-01-17T06:00:00Z"))
        );
        assert_eq!(
            parse("2027-01-17T07:00:00+01:00"),
            Expiry::Valid(ts("2027-01-17T06:00:00Z"))
        );
        assert_eq!(
            parse("2025-05-11 18:45:44+00:00"),
            Expiry::SpaceSeparator(ts("2025-05-11T18:45:44Z"))
        );
        assert_eq!(
            parse("2016-12-31T23:59:60Z"),
            Expiry::Valid(ts("2016-12-31T23:59:59Z"))
        );
        assert_eq!(
            parse("2016-12-31T18:59:60-05:00"),
            Expiry::Valid(ts("2016-12-31T23:59:59Z"))
        );
        for bad in [
            "Thu, 17 Mar 2022 12:00 +0100",
            "2027-01-17T06:00:00",
            "2027-01-17",
            "2027-02-30T00:00:00Z",
            "2027-13-01T00:00:00Z",
            "2027-01-17T24:00:00Z",
            "2027-01-17T06:00:00.Z",
            "2027-01-17T06:00:00+0100",
            "2027-01-17T06:00:00Z ",
            "2027-01-17T06:00:00+24:00",
            "２０２７-01-17T06:00:00Z",
            "2027-01-01T00:00:60Z",
        ] {
            assert!(matches!(parse(bad), Expiry::Invalid(_)), "{bad}");
        }
    }

    #[test]
    fn formats_utc_whole_seconds() {
        assert_eq!(
            format(ts("2027-01-17T06:00:00.123Z")),
            "2027-01-17T06:00:00Z"
        );
    }
}
