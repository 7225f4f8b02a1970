//! `INTERVAL '...'` text: a fixed length of time, as `'7 days'` or `'1 hour 30 minutes'`.
//! Months and years are refused: their length depends on the date they are added to.

use super::ast::Interval;

/// Why an interval text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntervalError {
    /// Not `number unit [number unit ...]`.
    #[error(
        "INTERVAL '{0}' is not a length of time: write a whole number and a unit (microseconds, \
         milliseconds, seconds, minutes, hours, days or weeks), e.g. '7 days'"
    )]
    Malformed(String),
    /// Months or years.
    #[error("INTERVAL '{0}': months and years have no fixed length; write days instead")]
    Calendar(String),
    /// Longer than `i64` microseconds.
    #[error("INTERVAL '{0}' is too long")]
    Overflow(String),
}

/// Reads `text` (the part between the quotes).
///
/// # Errors
/// [`IntervalError`] when it is not a fixed length of time or does not fit in `i64` microseconds.
pub fn parse_interval(text: &str) -> Result<Interval, IntervalError> {
    let malformed = || IntervalError::Malformed(text.to_owned());
    let mut words = text.split_whitespace();
    let mut micros: i64 = 0;
    let mut any = false;
    while let Some(amount) = words.next() {
        // '7days' is accepted as well as '7 days'.
        let digits = amount
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(amount.len());
        let (number, glued) = amount.split_at(digits);
        let unit = if glued.is_empty() {
            words.next().ok_or_else(malformed)?
        } else {
            glued
        };
        if number.is_empty() {
            return Err(malformed());
        }
        let n: i64 = number
            .parse()
            .map_err(|_| IntervalError::Overflow(text.to_owned()))?;
        let per = unit_micros(&unit.to_ascii_lowercase()).ok_or_else(|| {
            if is_calendar(&unit.to_ascii_lowercase()) {
                IntervalError::Calendar(text.to_owned())
            } else {
                malformed()
            }
        })?;
        micros = n
            .checked_mul(per)
            .and_then(|m| micros.checked_add(m))
            .ok_or_else(|| IntervalError::Overflow(text.to_owned()))?;
        any = true;
    }
    if !any {
        return Err(malformed());
    }
    Ok(Interval {
        text: text.to_owned(),
        micros,
    })
}

fn unit_micros(unit: &str) -> Option<i64> {
    Some(match unit {
        "microsecond" | "microseconds" | "us" => 1,
        "millisecond" | "milliseconds" | "ms" => 1_000,
        "second" | "seconds" | "sec" | "secs" | "s" => 1_000_000,
        "minute" | "minutes" | "min" | "mins" | "m" => 60_000_000,
        "hour" | "hours" | "h" => 3_600_000_000,
        "day" | "days" | "d" => 86_400_000_000,
        "week" | "weeks" | "w" => 604_800_000_000,
        _ => return None,
    })
}

fn is_calendar(unit: &str) -> bool {
    matches!(
        unit,
        "month" | "months" | "mon" | "mons" | "year" | "years" | "y"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_add_up_over_units() {
        let micros = |t: &str| parse_interval(t).map(|i| i.micros);
        assert_eq!(micros("7 days"), Ok(7 * 86_400_000_000));
        assert_eq!(micros("1 Hour 30 minutes"), Ok(5_400_000_000));
        assert_eq!(micros("  90s "), Ok(90_000_000));
        assert_eq!(micros("2 weeks 1 ms"), Ok(1_209_600_001_000));
    }

    #[test]
    fn malformed_calendar_and_huge_intervals_are_refused() {
        for bad in [
            "",
            "days",
            "7",
            "7 fortnights",
            "-1 day",
            "1.5 hours",
            "seven days",
        ] {
            assert!(
                matches!(parse_interval(bad), Err(IntervalError::Malformed(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            parse_interval("1 month"),
            Err(IntervalError::Calendar(_))
        ));
        assert!(matches!(
            parse_interval("99999999999 weeks"),
            Err(IntervalError::Overflow(_))
        ));
        assert!(matches!(
            parse_interval("99999999999999999999 us"),
            Err(IntervalError::Overflow(_))
        ));
    }
}
