//! Range checks for typed values: what CPython's constructors would reject on load is `invalid-value` at
//! encode time, so wandguard never writes a pickle that fails (or loads differently) in CPython.

/// `datetime.date` fields.
pub(crate) fn date(year: u16, month: u8, day: u8) -> Result<(), String> {
    if !(1..=9999).contains(&year) {
        return Err(format!("year {year} is outside 1..=9999"));
    }
    if !(1..=12).contains(&month) {
        return Err(format!("month {month} is outside 1..=12"));
    }
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=days).contains(&day) {
        return Err(format!("day {day} is outside 1..={days} for {year:04}-{month:02}"));
    }
    Ok(())
}

/// `datetime.time` fields.
pub(crate) fn time(hour: u8, minute: u8, second: u8, microsecond: u32) -> Result<(), String> {
    if hour > 23 || minute > 59 || second > 59 || microsecond > 999_999 {
        return Err(format!("time {hour:02}:{minute:02}:{second:02}.{microsecond:06} is out of range"));
    }
    Ok(())
}

/// `datetime.timedelta` in CPython's normalized form.
pub(crate) fn timedelta(days: i32, seconds: i32, microseconds: i32) -> Result<(), String> {
    if !(-999_999_999..=999_999_999).contains(&days) {
        return Err(format!("timedelta days {days} is outside -999999999..=999999999"));
    }
    if !(0..86_400).contains(&seconds) || !(0..1_000_000).contains(&microseconds) {
        return Err(format!(
            "timedelta({days}, {seconds}, {microseconds}) is not normalized (seconds in 0..86400, microseconds in \
             0..1000000)"
        ));
    }
    Ok(())
}

/// A `datetime.timezone` offset: strictly between -24 and +24 hours.
pub(crate) fn timezone_offset(days: i32, seconds: i32, microseconds: i32) -> Result<(), String> {
    timedelta(days, seconds, microseconds)?;
    let inside = days == 0 || (days == -1 && (seconds > 0 || microseconds > 0));
    if !inside {
        return Err(format!("timezone offset timedelta({days}, {seconds}, {microseconds}) is not within ±24 hours"));
    }
    Ok(())
}

/// A `decimal.Decimal` string CPython's constructor accepts, in canonical form: an optional sign, then
/// digits with an optional point and exponent, or Infinity / Inf / NaN / sNaN with optional payload digits.
pub(crate) fn decimal(text: &str) -> Result<(), String> {
    let bad = || Err(format!("{text:?} is not a decimal number"));
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Ok(());
    }
    for prefix in ["snan", "nan"] {
        if let Some(payload) = lower.strip_prefix(prefix) {
            return if payload.bytes().all(|b| b.is_ascii_digit()) { Ok(()) } else { bad() };
        }
    }
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (lower.as_str(), None),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits_ok(int_part) || !digits_ok(frac_part) || int_part.len() + frac_part.len() == 0 {
        return bad();
    }
    if let Some(exp) = exponent {
        let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        if exp.is_empty() || !digits_ok(exp) {
            return bad();
        }
    }
    Ok(())
}

/// A `collections.deque`: its maxlen must hold its items (a longer deque would lose its first items on load).
pub(crate) fn deque(maxlen: Option<i64>, len: usize) -> Result<(), String> {
    match maxlen {
        Some(m) if m < 0 => Err(format!("deque maxlen {m} is negative")),
        Some(m) if u64::try_from(len).unwrap_or(u64::MAX) > m.unsigned_abs() => {
            Err(format!("deque holds {len} items but its maxlen is {m}"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times() {
        assert!(date(2024, 2, 29).is_ok());
        assert!(date(2023, 2, 29).is_err());
        assert!(date(1900, 2, 29).is_err());
        assert!(date(2000, 2, 29).is_ok());
        assert!(date(0, 1, 1).is_err());
        assert!(date(9999, 12, 31).is_ok());
        assert!(date(2020, 13, 1).is_err());
        assert!(time(23, 59, 59, 999_999).is_ok());
        assert!(time(24, 0, 0, 0).is_err());
        assert!(time(0, 0, 0, 1_000_000).is_err());
    }

    #[test]
    fn deltas_and_offsets() {
        assert!(timedelta(-999_999_999, 0, 0).is_ok());
        assert!(timedelta(1_000_000_000, 0, 0).is_err());
        assert!(timedelta(0, 86_400, 0).is_err());
        assert!(timezone_offset(0, 3600, 0).is_ok());
        assert!(timezone_offset(-1, 1, 0).is_ok());
        assert!(timezone_offset(-1, 0, 0).is_err());
        assert!(timezone_offset(1, 0, 0).is_err());
    }

    #[test]
    fn decimals() {
        for ok in ["1.5", "-0", "1E+3", "1e-7", ".5", "5.", "Infinity", "-Inf", "NaN", "sNaN12", "-nan", "0.000"] {
            assert!(decimal(ok).is_ok(), "{ok}");
        }
        for bad in ["", "abc", "1.2.3", "1e", "--1", "1e+-2", "NaNx", " 1", "."] {
            assert!(decimal(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn deques() {
        assert!(deque(None, 5).is_ok());
        assert!(deque(Some(5), 5).is_ok());
        assert!(deque(Some(4), 5).is_err());
        assert!(deque(Some(-1), 0).is_err());
    }
}
