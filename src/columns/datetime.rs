//! Datetimes in payloads: strings that filters and datetime indexes read as instants.
//!
//! Accepted as Qdrant accepts them: RFC 3339 (`2024-05-01T10:00:00Z`, `...+02:00`, fractional
//! seconds), the same with a space instead of `T`, without a zone (read as UTC), or a bare date
//! (midnight UTC). An instant is kept as microseconds since the Unix epoch.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// The instant `text` names, in microseconds since the Unix epoch (UTC), or `None` when it is not
/// a datetime in one of the accepted forms.
#[must_use]
pub fn parse_datetime(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.timestamp_micros());
    }
    if let Ok(dt) = DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z") {
        return Some(dt.timestamp_micros());
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(text, format) {
            return Some(dt.and_utc().timestamp_micros());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc().timestamp_micros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_and_qdrant_forms_name_the_same_instant() {
        let z = parse_datetime("2024-05-01T10:00:00Z");
        assert_eq!(z, Some(1_714_557_600_000_000));
        assert_eq!(parse_datetime("2024-05-01T12:00:00+02:00"), z);
        assert_eq!(parse_datetime("2024-05-01 10:00:00"), z);
        assert_eq!(parse_datetime("2024-05-01T10:00:00"), z);
        assert_eq!(parse_datetime("2024-05-01T10:00"), z);
        assert_eq!(
            parse_datetime("2024-05-01T10:00:00.5Z"),
            z.map(|t| t + 500_000)
        );
        assert_eq!(parse_datetime("2024-05-01"), Some(1_714_521_600_000_000));
        for bad in [
            "",
            "yesterday",
            "2024-13-01",
            "2024-05-01T25:00:00Z",
            "1714557600",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad:?}");
        }
    }
}
