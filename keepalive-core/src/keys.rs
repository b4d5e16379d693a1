//! The keys of the attribute and of configuration, in one place, with the "did you mean"
//! that both give for a near miss.

/// `timeout`: idle time before the first probe.
pub const TIMEOUT: &str = "timeout";
/// `interval`: time between unanswered probes.
pub const INTERVAL: &str = "interval";
/// `retries`: unanswered probes before the connection is dropped.
pub const RETRIES: &str = "retries";
/// `user_timeout`: longest time sent data may stay unacknowledged.
pub const USER_TIMEOUT: &str = "user_timeout";
/// `enabled`: `false` records that keep-alive is deliberately off.
pub const ENABLED: &str = "enabled";
/// `apply`: when the connect path sets the options.
pub const APPLY: &str = "apply";
/// `max_detect`: compile-time bound on the worst-case detection time.
pub const MAX_DETECT: &str = "max_detect";
/// `bounds`: organisation bounds the policy opts into.
pub const BOUNDS: &str = "bounds";
/// `best_effort`: knobs the target has no option for are left out and reported at run time
/// instead of failing the build.
pub const BEST_EFFORT: &str = "best_effort";
/// `detect_idle_only`: `max_detect` is stated for idle connections only, so it needs no
/// per-socket bound on retransmission.
pub const DETECT_IDLE_ONLY: &str = "detect_idle_only";
/// `crate`: path of the runtime crate.
pub const CRATE: &str = "crate";

/// The keys a policy override (configuration, environment) accepts.
pub const POLICY_KEYS: &[&str] = &[TIMEOUT, INTERVAL, RETRIES, USER_TIMEOUT, ENABLED];

/// Every key of the attribute.
pub const ATTRIBUTE_KEYS: &[&str] = &[
    TIMEOUT,
    INTERVAL,
    RETRIES,
    USER_TIMEOUT,
    ENABLED,
    APPLY,
    MAX_DETECT,
    DETECT_IDLE_ONLY,
    BOUNDS,
    BEST_EFFORT,
    CRATE,
];

/// Names other tools and OSes use for the same knobs.
const SYNONYMS: &[(&str, &str)] = &[
    ("idle", TIMEOUT),
    ("time", TIMEOUT),
    ("keepidle", TIMEOUT),
    ("tcp_keepidle", TIMEOUT),
    ("keepalive_time", TIMEOUT),
    ("idle_time", TIMEOUT),
    ("keepalive", TIMEOUT),
    ("probes", RETRIES),
    ("retry", RETRIES),
    ("count", RETRIES),
    ("keepcnt", RETRIES),
    ("tcp_keepcnt", RETRIES),
    ("keepalive_probes", RETRIES),
    ("intvl", INTERVAL),
    ("keepintvl", INTERVAL),
    ("tcp_keepintvl", INTERVAL),
    ("keepalive_intvl", INTERVAL),
    ("tcp_user_timeout", USER_TIMEOUT),
    ("usertimeout", USER_TIMEOUT),
    ("max_detection", MAX_DETECT),
    ("idle_only", DETECT_IDLE_ONLY),
    ("max_detect_idle_only", DETECT_IDLE_ONLY),
    ("policy", BOUNDS),
    ("enable", ENABLED),
    ("on", ENABLED),
];

/// The key among `candidates` that `unknown` most likely meant: a known synonym
/// (`idle` -> `timeout`, `probes` -> `retries`), else the nearest key within an edit
/// distance of two or sharing its stem (case and `-`/`_` ignored).
pub fn suggest_key(unknown: &str, candidates: &[&'static str]) -> Option<&'static str> {
    // No key or synonym is this long; a longer input (a 1 MiB identifier) would only cost
    // time in the edit distance below.
    const LONGEST: usize = 32;
    if unknown.len() > LONGEST {
        return None;
    }
    let normal: String = unknown.to_ascii_lowercase().replace('-', "_");
    if let Some(&(_, key)) = SYNONYMS.iter().find(|(s, _)| *s == normal) {
        if candidates.contains(&key) {
            return Some(key);
        }
    }
    // A longer or shorter spelling of a key (`max_detection`, `user`).
    let stem =
        |key: &str| normal.len() >= 4 && (normal.starts_with(key) || key.starts_with(&normal));
    if let Some(&key) = candidates.iter().find(|&&key| stem(key)) {
        return Some(key);
    }
    candidates
        .iter()
        .map(|&key| (edit_distance(&normal, key), key))
        .filter(|&(d, key)| d <= 2 && d < key.len())
        .min_by_key(|&(d, _)| d)
        .map(|(_, key)| key)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonyms_and_near_misses() {
        let cases = [
            ("idle", Some(TIMEOUT)),
            ("keepidle", Some(TIMEOUT)),
            ("time", Some(TIMEOUT)),
            ("probes", Some(RETRIES)),
            ("count", Some(RETRIES)),
            ("KEEPCNT", Some(RETRIES)),
            ("intvl", Some(INTERVAL)),
            ("timout", Some(TIMEOUT)),
            ("retry", Some(RETRIES)),
            ("user-timeout", Some(USER_TIMEOUT)),
            ("max_detection", Some(MAX_DETECT)),
            ("colour", None),
            (&"timeout".repeat(1 << 17), None),
            ("x", None),
        ];
        for (unknown, expected) in cases {
            assert_eq!(suggest_key(unknown, ATTRIBUTE_KEYS), expected, "{unknown}");
        }
        // Only keys of the caller's language are offered.
        assert_eq!(suggest_key("aply", POLICY_KEYS), None);
        assert_eq!(suggest_key("aply", ATTRIBUTE_KEYS), Some(APPLY));
    }
}
