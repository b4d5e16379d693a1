//! The duration grammar shared by the attribute, configuration files and the environment.
//!
//! A duration is one or more `<number><unit>` components, largest unit first, each unit at
//! most once, optionally separated by white space: `"2h"`, `"1h 30m"`, `"90s"`, `"1s 500ms"`.
//! Units: `ms`, `s`, `m` (or `min`), `h`. The resolution is one millisecond and the largest
//! value is `u64::MAX` milliseconds.

use core::fmt;
use core::time::Duration;

use crate::text::Text;

/// A unit of the grammar, from smallest to largest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TimeUnit {
    /// `ms`
    Millis,
    /// `s`
    Seconds,
    /// `m` or `min`
    Minutes,
    /// `h`
    Hours,
}

impl TimeUnit {
    /// The canonical spelling, as [`format_duration`] writes it.
    pub const fn symbol(self) -> &'static str {
        match self {
            TimeUnit::Millis => "ms",
            TimeUnit::Seconds => "s",
            TimeUnit::Minutes => "m",
            TimeUnit::Hours => "h",
        }
    }

    /// Milliseconds in one of this unit.
    pub const fn millis(self) -> u64 {
        match self {
            TimeUnit::Millis => 1,
            TimeUnit::Seconds => 1_000,
            TimeUnit::Minutes => 60_000,
            TimeUnit::Hours => 3_600_000,
        }
    }
}

/// What is wrong with a duration string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationErrorKind {
    /// Nothing but white space.
    Empty,
    /// A unit or other character where a number belongs.
    ExpectedNumber,
    /// A leading `-`.
    Negative,
    /// A decimal point: the grammar takes whole numbers of a smaller unit instead.
    Fraction,
    /// A number with no unit after it.
    MissingUnit {
        /// The number, so the message can suggest `<number>s`.
        value: u64,
    },
    /// A unit the grammar does not know.
    UnknownUnit {
        /// The canonical unit the text most likely meant, if any (`hrs` -> `h`).
        suggestion: Option<TimeUnit>,
    },
    /// A unit that repeats or comes after a smaller one (`30m 1h`, `1s 2s`).
    UnitOrder {
        /// The unit out of place.
        unit: TimeUnit,
        /// The unit before it.
        after: TimeUnit,
    },
    /// The total does not fit in `u64::MAX` milliseconds.
    Overflow,
}

/// A rejected duration string: what is wrong, where (byte offset and length), and what to
/// write instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationError {
    pub(crate) kind: DurationErrorKind,
    pub(crate) offset: usize,
    pub(crate) len: usize,
    pub(crate) found: Text<16>,
}

impl DurationError {
    const fn new(kind: DurationErrorKind, input: &[u8], offset: usize, end: usize) -> Self {
        DurationError {
            kind,
            offset,
            len: end - offset,
            found: Text::from_bytes(input, offset, end),
        }
    }

    /// What is wrong.
    pub const fn kind(&self) -> DurationErrorKind {
        self.kind
    }

    /// Byte offset of the offending part in the input.
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// Byte length of the offending part (at least 1 unless the input is empty).
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether the offending part is empty (only for [`DurationErrorKind::Empty`]).
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }
}

const fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

const fn skip_space(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_space(b[i]) {
        i += 1;
    }
    i
}

const fn eq_ignore_case(a: &[u8], start: usize, end: usize, word: &str) -> bool {
    let w = word.as_bytes();
    if end - start != w.len() {
        return false;
    }
    let mut i = 0;
    while i < w.len() {
        if a[start + i].to_ascii_lowercase() != w[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn eq_exact(a: &[u8], start: usize, end: usize, word: &str) -> bool {
    let w = word.as_bytes();
    if end - start != w.len() {
        return false;
    }
    let mut i = 0;
    while i < w.len() {
        if a[start + i] != w[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn any_of(a: &[u8], start: usize, end: usize, words: &[&str]) -> bool {
    let mut i = 0;
    while i < words.len() {
        if eq_ignore_case(a, start, end, words[i]) {
            return true;
        }
        i += 1;
    }
    false
}

/// Reads a unit. `Ok` only for the exact, lower-case spellings; `Err` carries the canonical
/// unit that a near miss (`hrs`, `sec`, `MS`) most likely meant.
const fn read_unit(b: &[u8], start: usize, end: usize) -> Result<TimeUnit, Option<TimeUnit>> {
    if eq_exact(b, start, end, "ms") {
        Ok(TimeUnit::Millis)
    } else if eq_exact(b, start, end, "s") {
        Ok(TimeUnit::Seconds)
    } else if eq_exact(b, start, end, "m") || eq_exact(b, start, end, "min") {
        Ok(TimeUnit::Minutes)
    } else if eq_exact(b, start, end, "h") {
        Ok(TimeUnit::Hours)
    } else if any_of(
        b,
        start,
        end,
        &[
            "ms",
            "msec",
            "msecs",
            "milli",
            "millis",
            "millisecond",
            "milliseconds",
        ],
    ) {
        Err(Some(TimeUnit::Millis))
    } else if any_of(b, start, end, &["s", "sec", "secs", "second", "seconds"]) {
        Err(Some(TimeUnit::Seconds))
    } else if any_of(b, start, end, &["m", "min", "mins", "minute", "minutes"]) {
        Err(Some(TimeUnit::Minutes))
    } else if any_of(b, start, end, &["h", "hr", "hrs", "hour", "hours"]) {
        Err(Some(TimeUnit::Hours))
    } else {
        Err(None)
    }
}

/// Parses a duration in the crate's grammar. `const`, so a policy written as a string can be
/// checked during constant evaluation.
///
/// ```
/// use core::time::Duration;
/// use keepalive_runtime::config::parse_duration;
///
/// assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
/// assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
/// let err = parse_duration("5").unwrap_err();
/// assert_eq!(err.to_string(), "`5` has no unit; write \"5s\" (units: ms, s, m, h) (at byte 0)");
/// ```
pub const fn parse_duration(input: &str) -> Result<Duration, DurationError> {
    let b = input.as_bytes();
    let mut i = skip_space(b, 0);
    if i == b.len() {
        return Err(DurationError::new(DurationErrorKind::Empty, b, 0, 0));
    }
    let mut total: u64 = 0;
    let mut previous: Option<TimeUnit> = None;
    while i < b.len() {
        let start = i;
        if b[i] == b'-' {
            return Err(DurationError::new(DurationErrorKind::Negative, b, i, i + 1));
        }
        if !b[i].is_ascii_digit() {
            let mut end = i + 1;
            while end < b.len() && !is_space(b[end]) && !b[end].is_ascii_digit() {
                end += 1;
            }
            return Err(DurationError::new(
                DurationErrorKind::ExpectedNumber,
                b,
                i,
                end,
            ));
        }
        let mut value: u64 = 0;
        let mut overflow = false;
        while i < b.len() && b[i].is_ascii_digit() {
            let digit = (b[i] - b'0') as u64;
            match value.checked_mul(10) {
                Some(v) => match v.checked_add(digit) {
                    Some(v) => value = v,
                    None => overflow = true,
                },
                None => overflow = true,
            }
            i += 1;
        }
        if overflow {
            return Err(DurationError::new(DurationErrorKind::Overflow, b, start, i));
        }
        if i < b.len() && (b[i] == b'.' || b[i] == b',') {
            let mut end = i + 1;
            while end < b.len() && b[end].is_ascii_digit() {
                end += 1;
            }
            return Err(DurationError::new(
                DurationErrorKind::Fraction,
                b,
                start,
                end,
            ));
        }
        let number_end = i;
        i = skip_space(b, i);
        let unit_start = i;
        while i < b.len() && b[i].is_ascii_alphabetic() {
            i += 1;
        }
        if i == unit_start && i < b.len() && !b[i].is_ascii_digit() {
            // Something other than a unit or the next number (`1979-05-27`): name it, not
            // the number before it.
            while i < b.len() && !is_space(b[i]) {
                i += 1;
            }
            let kind = DurationErrorKind::UnknownUnit { suggestion: None };
            return Err(DurationError::new(kind, b, unit_start, i));
        }
        if i == unit_start {
            let kind = DurationErrorKind::MissingUnit { value };
            return Err(DurationError::new(kind, b, start, number_end));
        }
        let unit = match read_unit(b, unit_start, i) {
            Ok(unit) => unit,
            Err(suggestion) => {
                let kind = DurationErrorKind::UnknownUnit { suggestion };
                return Err(DurationError::new(kind, b, unit_start, i));
            }
        };
        if let Some(after) = previous {
            if unit as u8 >= after as u8 {
                let kind = DurationErrorKind::UnitOrder { unit, after };
                return Err(DurationError::new(kind, b, unit_start, i));
            }
        }
        previous = Some(unit);
        let millis = match value.checked_mul(unit.millis()) {
            Some(m) => m,
            None => return Err(DurationError::new(DurationErrorKind::Overflow, b, start, i)),
        };
        total = match total.checked_add(millis) {
            Some(t) => t,
            None => return Err(DurationError::new(DurationErrorKind::Overflow, b, start, i)),
        };
        i = skip_space(b, i);
    }
    Ok(Duration::from_millis(total))
}

/// Writes a duration in the grammar: its non-zero components, largest first (`"1h 30m"`,
/// `"1s 500ms"`, `"0s"`). Parts below one millisecond are below the grammar's resolution
/// and are not shown; for every whole-millisecond duration up to `u64::MAX` ms,
/// `parse_duration(&format_duration(d).to_string()) == Ok(d)`.
///
/// ```
/// use core::time::Duration;
/// use keepalive_runtime::config::format_duration;
///
/// assert_eq!(format_duration(Duration::from_secs(5400)).to_string(), "1h 30m");
/// assert_eq!(format_duration(Duration::from_millis(1500)).to_string(), "1s 500ms");
/// ```
pub const fn format_duration(duration: Duration) -> FormattedDuration {
    FormattedDuration(duration)
}

/// A [`Duration`] shown in the crate's grammar; see [`format_duration`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormattedDuration(Duration);

impl fmt::Display for FormattedDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = crate::text::Message::new();
        out.push_duration(self.0);
        f.write_str(out.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn err(input: &str) -> DurationError {
        parse_duration(input).unwrap_err()
    }

    #[test]
    fn every_unit() {
        assert_eq!(parse_duration("250ms"), Ok(ms(250)));
        assert_eq!(parse_duration("90s"), Ok(ms(90_000)));
        assert_eq!(parse_duration("5m"), Ok(ms(300_000)));
        assert_eq!(parse_duration("5min"), Ok(ms(300_000)));
        assert_eq!(parse_duration("2h"), Ok(ms(7_200_000)));
    }

    #[test]
    fn combined_forms_and_white_space() {
        assert_eq!(parse_duration("1h 30m"), Ok(ms(5_400_000)));
        assert_eq!(parse_duration("1h30m"), Ok(ms(5_400_000)));
        assert_eq!(parse_duration("1h 2m 3s 4ms"), Ok(ms(3_723_004)));
        assert_eq!(parse_duration("  1s\t500ms \n"), Ok(ms(1_500)));
        assert_eq!(parse_duration("30 s"), Ok(ms(30_000)));
        assert_eq!(parse_duration("0s"), Ok(ms(0)));
        assert_eq!(parse_duration("007s"), Ok(ms(7_000)));
    }

    #[test]
    fn empty() {
        for input in ["", "   ", "\t\n"] {
            let e = err(input);
            assert_eq!(
                (e.kind(), e.offset(), e.len()),
                (DurationErrorKind::Empty, 0, 0)
            );
        }
    }

    #[test]
    fn missing_unit_suggests_seconds() {
        let e = err("5");
        assert_eq!(e.kind(), DurationErrorKind::MissingUnit { value: 5 });
        assert_eq!((e.offset(), e.len()), (0, 1));
        assert!(e.to_string().contains("write \"5s\""), "{e}");
        let e = err("1h 30");
        assert_eq!(e.kind(), DurationErrorKind::MissingUnit { value: 30 });
        assert_eq!((e.offset(), e.len()), (3, 2));
        let e = err("5 5s");
        assert_eq!(e.kind(), DurationErrorKind::MissingUnit { value: 5 });
    }

    #[test]
    fn a_date_is_not_a_number_without_unit() {
        let e = err("1979-05-27");
        assert_eq!(
            e.kind(),
            DurationErrorKind::UnknownUnit { suggestion: None }
        );
        assert_eq!((e.offset(), e.len()), (4, 6));
        assert_eq!(
            e.message().as_str(),
            "unknown unit `-05-27`; units are ms, s, m (or min) and h"
        );
    }

    #[test]
    fn near_miss_units_are_named() {
        let cases = [
            ("2hrs", TimeUnit::Hours, 1, 3),
            ("2 hours", TimeUnit::Hours, 2, 5),
            ("10sec", TimeUnit::Seconds, 2, 3),
            ("10 seconds", TimeUnit::Seconds, 3, 7),
            ("3mins", TimeUnit::Minutes, 1, 4),
            ("500msec", TimeUnit::Millis, 3, 4),
            ("5S", TimeUnit::Seconds, 1, 1),
            ("5MS", TimeUnit::Millis, 1, 2),
            ("1h 5M", TimeUnit::Minutes, 4, 1),
        ];
        for (input, unit, offset, len) in cases {
            let e = err(input);
            assert_eq!(
                (e.kind(), e.offset(), e.len()),
                (
                    DurationErrorKind::UnknownUnit {
                        suggestion: Some(unit)
                    },
                    offset,
                    len
                ),
                "{input}"
            );
            assert!(
                e.to_string()
                    .contains(&format!("write `{}`", unit.symbol())),
                "{e}"
            );
        }
        assert_eq!(
            err("2hrs").to_string(),
            "unknown unit `hrs`; write `h` (at byte 1)"
        );
    }

    #[test]
    fn unknown_units_list_the_grammar() {
        for (input, offset) in [("2d", 1), ("5us", 1), ("1h 3x", 4)] {
            let e = err(input);
            assert_eq!(
                e.kind(),
                DurationErrorKind::UnknownUnit { suggestion: None }
            );
            assert_eq!(e.offset(), offset, "{input}");
            assert!(e.to_string().contains("units are ms, s, m (or min) and h"));
        }
    }

    #[test]
    fn negative_fraction_and_stray_text() {
        let e = err("-5s");
        assert_eq!((e.kind(), e.offset()), (DurationErrorKind::Negative, 0));
        let e = err("1h -5m");
        assert_eq!((e.kind(), e.offset()), (DurationErrorKind::Negative, 3));
        let e = err("1.5s");
        assert_eq!(
            (e.kind(), e.offset(), e.len()),
            (DurationErrorKind::Fraction, 0, 3)
        );
        assert!(e.to_string().contains("1500ms"));
        let e = err("s");
        assert_eq!(
            (e.kind(), e.offset(), e.len()),
            (DurationErrorKind::ExpectedNumber, 0, 1)
        );
        let e = err("1h and 5m");
        assert_eq!(
            (e.kind(), e.offset(), e.len()),
            (DurationErrorKind::ExpectedNumber, 3, 3)
        );
        let e = err("+5s");
        assert_eq!(
            (e.kind(), e.offset()),
            (DurationErrorKind::ExpectedNumber, 0)
        );
    }

    #[test]
    fn units_go_largest_first_once() {
        let e = err("30m 1h");
        assert_eq!(
            (e.kind(), e.offset()),
            (
                DurationErrorKind::UnitOrder {
                    unit: TimeUnit::Hours,
                    after: TimeUnit::Minutes
                },
                5
            )
        );
        let e = err("1s 2s");
        assert_eq!(
            e.kind(),
            DurationErrorKind::UnitOrder {
                unit: TimeUnit::Seconds,
                after: TimeUnit::Seconds
            }
        );
        let e = err("1m 1min");
        assert_eq!(
            e.kind(),
            DurationErrorKind::UnitOrder {
                unit: TimeUnit::Minutes,
                after: TimeUnit::Minutes
            }
        );
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        let e = err("99999999999999999999h");
        assert_eq!(
            (e.kind(), e.offset(), e.len()),
            (DurationErrorKind::Overflow, 0, 20)
        );
        // Fits in u64 as a number, not once multiplied by the unit.
        let e = err("18446744073709551615h");
        assert_eq!(
            (e.kind(), e.offset(), e.len()),
            (DurationErrorKind::Overflow, 0, 21)
        );
        // Each part fits, the sum does not.
        let e = err("5124095576h 30m 18446744073709551615ms");
        assert_eq!((e.kind(), e.offset()), (DurationErrorKind::Overflow, 16));
        assert_eq!(parse_duration("18446744073709551615ms"), Ok(ms(u64::MAX)));
    }

    #[test]
    fn display_round_trips() {
        let cases = [
            (0, "0s"),
            (1, "1ms"),
            (1_500, "1s 500ms"),
            (60_000, "1m"),
            (5_400_000, "1h 30m"),
            (7_200_000, "2h"),
            (3_723_004, "1h 2m 3s 4ms"),
        ];
        for (millis, text) in cases {
            assert_eq!(format_duration(ms(millis)).to_string(), text);
            assert_eq!(parse_duration(text), Ok(ms(millis)));
        }
        let max = ms(u64::MAX);
        assert_eq!(parse_duration(&format_duration(max).to_string()), Ok(max));
    }

    #[test]
    fn usable_in_const_context() {
        const IDLE: Duration = match parse_duration("1h 30m") {
            Ok(d) => d,
            Err(_) => panic!("bad duration"),
        };
        assert_eq!(IDLE, Duration::from_secs(5_400));
    }
}
