//! Property tests of keepalive-core's duration grammar: generated durations round-trip
//! through display and parse, and arbitrary input never panics.

use std::time::Duration;

use keepalive_core::{DurationErrorKind, format_duration, parse_duration};
use proptest::prelude::*;

/// `cases` per property, or `PROPTEST_CASES` for a longer run (see `.ci/fuzz`).
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(10_000))]

    #[test]
    fn display_then_parse_is_identity(millis in any::<u64>()) {
        let d = Duration::from_millis(millis);
        let shown = format_duration(d).to_string();
        prop_assert_eq!(parse_duration(&shown), Ok(d), "shown as {}", shown);
    }

    #[test]
    fn small_durations_round_trip(millis in 0u64..10_000_000) {
        let d = Duration::from_millis(millis);
        prop_assert_eq!(parse_duration(&format_duration(d).to_string()), Ok(d));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
        let text = String::from_utf8_lossy(&bytes);
        if let Err(e) = parse_duration(&text) {
            prop_assert!(e.offset() <= text.len());
            prop_assert!(e.offset() + e.len() <= text.len());
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn grammar_shaped_text_never_panics(text in "[0-9 hmsin.\\-]{0,30}") {
        match parse_duration(&text) {
            Ok(d) => prop_assert_eq!(parse_duration(&format_duration(d).to_string()), Ok(d)),
            Err(e) => prop_assert!(e.offset() + e.len() <= text.len()),
        }
    }

    #[test]
    fn components_add_up(h in 0u64..10_000, m in 0u64..60, s in 0u64..60, ms in 0u64..1000) {
        let text = format!("{h}h {m}m {s}s {ms}ms");
        let expected = Duration::from_millis(((h * 60 + m) * 60 + s) * 1000 + ms);
        prop_assert_eq!(parse_duration(&text), Ok(expected));
    }

    #[test]
    fn huge_numbers_overflow_instead_of_wrapping(n in (u64::MAX / 3_600_000 + 1)..=u64::MAX) {
        let e = parse_duration(&format!("{n}h")).unwrap_err();
        prop_assert_eq!(e.kind(), DurationErrorKind::Overflow);
    }
}
