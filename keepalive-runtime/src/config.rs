//! Policy overrides from outside the code: configuration files (feature `serde`) and the
//! environment. Values use the attribute's duration grammar and are checked by the same
//! rules (keepalive-core's [`PolicyOverride`]).

use keepalive_core::PolicyOverride;
pub use keepalive_core::{DurationError, OverrideError, format_duration, parse_duration};

/// Reads an override from environment variables named `<prefix><KEY>`, such as
/// `MYAPP_KEEPALIVE_TIMEOUT=30s` for the prefix `MYAPP_KEEPALIVE_`. The key is read without
/// regard to case or `-`/`_`; every variable with the prefix counts, so an unknown key (with
/// a suggestion), a name that is not UTF-8, or one key under two names
/// (`MYAPP_KEEPALIVE_TIMEOUT` and `MYAPP_KEEPALIVE_timeout`) is an error, never ignored.
/// The prefix itself is matched as given, since variable names are case-sensitive; a
/// variable that has it in another case and names a key (`myapp_keepalive_timeout`) is an
/// error saying so. Errors name the variables (`MYAPP_KEEPALIVE_RETRIES`).
///
/// The change goes through the type it changes, `C::policy_with`, which holds it to every
/// rule the type's attribute enforced (its `max_detect`, its `bounds`):
///
/// ```
/// use keepalive_runtime::prelude::*;
///
/// #[keepalive(timeout = "2h", interval = "1s", retries = 10)]
/// struct DbConn;
///
/// # // SAFETY: the doc test runs single-threaded before reading the variable.
/// # unsafe { std::env::set_var("DOC_KEEPALIVE_TIMEOUT", "30s") };
/// let change = keepalive_runtime::config::from_env("DOC_KEEPALIVE_")?;
/// let policy = DbConn::policy_with(&change)?;
/// assert_eq!(policy.timeout(), Some(std::time::Duration::from_secs(30)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn from_env(prefix: &str) -> Result<PolicyOverride, OverrideError> {
    from_vars(prefix, std::env::vars_os())
}

fn from_vars(
    prefix: &str,
    vars: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
) -> Result<PolicyOverride, OverrideError> {
    let mut change = PolicyOverride::new().with_env_prefix(prefix);
    let mut spellings = Spellings::default();
    for (name, value) in vars {
        let bytes = name.as_encoded_bytes();
        if !bytes.starts_with(prefix.as_bytes()) {
            // A near miss: the prefix in another case, followed by a key.
            let near = bytes.len() > prefix.len()
                && bytes[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes());
            if let (true, Some(name)) = (near, name.to_str()) {
                let rest = name.get(prefix.len()..).unwrap_or_default();
                if keepalive_core::policy_key(rest).is_ok() {
                    return Err(OverrideError::PrefixCase {
                        name: name.to_owned(),
                        prefix: prefix.to_owned(),
                    });
                }
            }
            continue;
        }
        let Some(name) = name.to_str() else {
            return Err(OverrideError::NotUnicode {
                name: name.to_string_lossy().into_owned(),
            });
        };
        let key = name[prefix.len()..].to_ascii_lowercase();
        let key = spellings.record(&key, name)?;
        change
            .set(key, &value.to_string_lossy())
            .map_err(|error| OverrideError::Variable {
                name: name.to_owned(),
                error: Box::new(error),
            })?;
    }
    Ok(change)
}

/// The spelling each key was first written with, so that a second spelling of the same key
/// is an error naming both rather than a winner picked by file or environ order.
#[derive(Default)]
struct Spellings(Vec<(&'static str, String)>);

impl Spellings {
    /// The policy key `written` names; `shown` is how the error quotes it.
    fn record(&mut self, written: &str, shown: &str) -> Result<&'static str, OverrideError> {
        let key = keepalive_core::policy_key(written)?;
        if let Some((_, first)) = self.0.iter().find(|(k, _)| *k == key) {
            return Err(OverrideError::Duplicate {
                key,
                first: first.clone(),
                second: shown.to_owned(),
            });
        }
        self.0.push((key, shown.to_owned()));
        Ok(key)
    }
}

/// A [`PolicyOverride`] read through serde, for a `[keepalive]` table in a configuration
/// file: `timeout = "30s"`, `interval = "5s"`, `retries = 4`, `user_timeout = "50s"`,
/// `enabled = true`. Keys are read without regard to case or `-`/`_`; an unknown key (with
/// a suggestion), one key in two spellings (`timeout` and `Timeout`) or a key with no value
/// (JSON `null`, an empty YAML value: leave the key out to keep the type's default) is an
/// error. The
/// change then goes through the type it changes, `C::policy_with`, which holds it to every
/// rule the type's attribute enforced ([`KeepAlivePolicy::policy_with`](crate::KeepAlivePolicy::policy_with)).
///
/// ```
/// use keepalive_runtime::PolicyOverride;
/// use keepalive_runtime::config::PolicyConfig;
///
/// let table: PolicyConfig = toml::from_str("timeout = \"30s\"\nretries = 4")?;
/// let change: PolicyOverride = table.into();
/// assert_eq!(change, PolicyOverride::new().with_timeout(std::time::Duration::from_secs(30)).with_retries(4));
///
/// let twice = toml::from_str::<PolicyConfig>("timeout = \"30s\"\nTimeout = \"1m\"").unwrap_err();
/// assert!(twice.message().contains("set twice, as `timeout` and as `Timeout`"), "{twice}");
/// # Ok::<(), toml::de::Error>(())
/// ```
#[cfg(feature = "serde")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "de::Table")]
pub struct PolicyConfig(pub PolicyOverride);

#[cfg(feature = "serde")]
impl From<PolicyConfig> for PolicyOverride {
    fn from(config: PolicyConfig) -> Self {
        config.0
    }
}

#[cfg(feature = "serde")]
mod de {
    use serde::Deserialize;
    use serde::de::IgnoredAny;

    use super::{OverrideError, PolicyConfig, PolicyOverride, Spellings};

    /// The table as written: each key in its own spelling (serde's derive reports a key
    /// written twice in the same spelling), every other spelling kept for [`Spellings`].
    #[derive(Deserialize)]
    pub(super) struct Table {
        // `present`: a key written with no value (JSON `null`, YAML `timeout:`) is a value
        // of its own, reported, not taken as "no change" (an `Option` would take it so).
        #[serde(default, deserialize_with = "present")]
        timeout: Option<Value>,
        #[serde(default, deserialize_with = "present")]
        interval: Option<Value>,
        #[serde(default, deserialize_with = "present")]
        retries: Option<Value>,
        #[serde(default, deserialize_with = "present")]
        user_timeout: Option<Value>,
        #[serde(default, deserialize_with = "present")]
        enabled: Option<Value>,
        #[serde(flatten)]
        other: Entries,
    }

    /// A value as configuration formats type it; what a key takes is checked by
    /// `PolicyOverride`, whose errors name the key.
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Value {
        Null,
        Bool(bool),
        Int(i64),
        UInt(u64),
        Text(String),
        Number(f64),
        List(#[allow(dead_code)] Vec<IgnoredAny>),
        // A table, or a TOML date (which serde sees as a table of one private key).
        Table(std::collections::BTreeMap<String, IgnoredAny>),
        Other(IgnoredAny),
    }

    fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
        Value::deserialize(d).map(Some)
    }

    /// What a number that is no `u64` or `i64` is, in words: past every count, negative
    /// zero, a whole number written with an exponent or a point, or a fraction.
    fn number(n: f64) -> &'static str {
        if n.is_sign_negative() {
            "a number with a sign"
        } else if n.fract() == 0.0 && n > f64::from(u32::MAX) {
            "a number above 4294967295 (the largest u32)"
        } else if n.fract() == 0.0 {
            "a number written with an exponent or a decimal point (write it in digits)"
        } else {
            "a fraction"
        }
    }

    /// The keys of no field, in order and with repeats (a map type would keep only one).
    struct Entries(Vec<(String, Value)>);

    impl<'de> Deserialize<'de> for Entries {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Visit;
            impl<'de> serde::de::Visitor<'de> for Visit {
                type Value = Entries;
                fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                    f.write_str(
                        "a keep-alive table (timeout, interval, retries, user_timeout, enabled)",
                    )
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Entries, A::Error> {
                    let mut entries = Vec::new();
                    while let Some(entry) = map.next_entry()? {
                        entries.push(entry);
                    }
                    Ok(Entries(entries))
                }
            }
            d.deserialize_map(Visit)
        }
    }

    impl TryFrom<Table> for PolicyConfig {
        type Error = OverrideError;

        fn try_from(table: Table) -> Result<Self, OverrideError> {
            let named = [
                ("timeout", table.timeout),
                ("interval", table.interval),
                ("retries", table.retries),
                ("user_timeout", table.user_timeout),
                ("enabled", table.enabled),
            ];
            let named = named
                .into_iter()
                .filter_map(|(key, value)| Some((key.to_owned(), value?)));
            let mut change = PolicyOverride::new();
            let mut spellings = Spellings::default();
            for (written, value) in named.chain(table.other.0) {
                let key = spellings.record(&written, &written)?;
                match value {
                    Value::Text(text) => change.set(key, &text),
                    Value::Int(n) => change.set_count(key, n.into()),
                    Value::UInt(n) => change.set_count(key, n.into()),
                    Value::Bool(b) => change.set_bool(key, b),
                    Value::Number(n) => Err(OverrideError::wrong_type(key, number(n))),
                    Value::Null => Err(OverrideError::wrong_type(
                        key,
                        "an empty value (null); leave the key out to keep the type's default",
                    )),
                    Value::List(_) => Err(OverrideError::wrong_type(key, "a list")),
                    Value::Table(t) if t.keys().any(|k| k.starts_with("$__toml_private")) => {
                        Err(OverrideError::wrong_type(key, "a date or a time of day"))
                    }
                    Value::Table(_) => Err(OverrideError::wrong_type(key, "a table")),
                    Value::Other(_) => {
                        Err(OverrideError::wrong_type(key, "a value of another type"))
                    }
                }?;
            }
            Ok(PolicyConfig(change))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;
    use std::time::Duration;

    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
        pairs.iter().map(|(k, v)| (k.into(), v.into())).collect()
    }

    #[test]
    fn env_keys_and_errors() {
        let change = from_vars(
            "APP_KA_",
            vars(&[
                ("APP_KA_TIMEOUT", "30s"),
                ("APP_KA_RETRIES", "4"),
                ("OTHER", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(
            change,
            PolicyOverride::new()
                .with_timeout(Duration::from_secs(30))
                .with_retries(4)
        );
        let e = from_vars("APP_KA_", vars(&[("APP_KA_PROBES", "4")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown keep-alive key `probes`; did you mean `retries`?"
        );
    }

    #[test]
    fn env_names_one_key_once() {
        let e = from_vars(
            "APP_KA_",
            vars(&[("APP_KA_TIMEOUT", "30s"), ("APP_KA_timeout", "1m")]),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "keep-alive key `timeout` is set twice, as `APP_KA_TIMEOUT` and as `APP_KA_timeout`; keep one"
        );
        let e = from_vars(
            "APP_KA_",
            vars(&[("APP_KA_USER-TIMEOUT", "5s"), ("APP_KA_USER_TIMEOUT", "5s")]),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("as `APP_KA_USER-TIMEOUT` and as `APP_KA_USER_TIMEOUT`"),
            "{e}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn env_name_not_utf8_is_an_error() {
        use std::os::unix::ffi::OsStringExt;
        let name = OsString::from_vec(b"APP_KA_TIME\xffOUT".to_vec());
        let e = from_vars("APP_KA_", [(name, "30s".into())]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "environment variable `APP_KA_TIME\u{fffd}OUT` has the keep-alive prefix but a name that is not UTF-8; rename or unset it"
        );
        // Without the prefix it is someone else's variable.
        let other = OsString::from_vec(b"OTHER\xff".to_vec());
        assert_eq!(
            from_vars("APP_KA_", [(other, "x".into())]),
            Ok(PolicyOverride::new())
        );
    }

    #[test]
    fn env_counts_take_no_sign() {
        let e = from_vars("APP_KA_", vars(&[("APP_KA_RETRIES", "+5")])).unwrap_err();
        assert!(e.to_string().contains("with no sign"), "{e}");
    }

    #[test]
    fn env_counts_say_what_is_wrong() {
        let cases = [
            (
                "4294967296",
                "expected a whole number of probes from 1 to 4294967295 (the largest u32); this one is out of range",
            ),
            (
                "18446744073709551616",
                "from 1 to 4294967295 (the largest u32); this one is out of range",
            ),
            (
                "1e2",
                "written out in digits, such as 100; an exponent is not read",
            ),
            ("-0", "with no sign, such as 5; this one has a sign"),
            ("2.5", "not a fraction"),
        ];
        for (value, message) in cases {
            let e = from_vars("APP_KA_", vars(&[("APP_KA_RETRIES", value)])).unwrap_err();
            assert!(e.to_string().contains(message), "{value}: {e}");
        }
    }

    /// A rejected environment override names the variables and asks only for what an
    /// override can do: here write `user_timeout`, not remove the type's `retries`.
    #[test]
    fn env_rejections_name_the_variable_and_advise_an_override() {
        use keepalive_core::{LINUX, Policy};
        let base = Policy::new()
            .with_timeout(Duration::from_secs(60))
            .with_interval(Duration::from_secs(5))
            .with_retries(3);
        let change = from_vars("KAT_", vars(&[("KAT_USER_TIMEOUT", "10s")])).unwrap();
        let e = change.apply_to(base, Some(&LINUX)).unwrap_err().to_string();
        assert!(
            e.ends_with("; write `user_timeout = \"1m 15s\"` to match (the environment set `KAT_USER_TIMEOUT=\"10s\"`; the type's default: `timeout = \"1m\"`, `interval = \"5s\"`, `retries = 3`)"),
            "{e}"
        );
        assert!(!e.contains("remove"), "{e}");
        // The same change from code names keys.
        let e = PolicyOverride::new()
            .with_user_timeout(Duration::from_secs(10))
            .apply_to(base, Some(&LINUX))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("(the override wrote `user_timeout = \"10s\"`;"),
            "{e}"
        );
        // A value the grammar refuses names its variable too.
        let e = from_vars("KAT_", vars(&[("KAT_RETRIES", "-0")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "environment variable `KAT_RETRIES`: keep-alive override `retries = \"-0\"`: expected a whole number of probes with no sign, such as 5; this one has a sign"
        );
    }

    /// Variable names are case-sensitive (two variables on Unix), so `kat_timeout` is not
    /// read under `KAT_`; it names a key, so it is reported rather than ignored.
    #[test]
    fn a_prefix_in_another_case_is_a_near_miss() {
        let e = from_vars("KAT_", vars(&[("kat_timeout", "30s")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "environment variable `kat_timeout` is not read: it differs from the keep-alive prefix `KAT_` only in case, and variable names are case-sensitive; rename it `KAT_TIMEOUT` or unset it"
        );
        // Another program's variable that names no key is left alone.
        assert_eq!(
            from_vars("KAT_", vars(&[("kat_home", "/x"), ("KATX", "1")])),
            Ok(PolicyOverride::new())
        );
    }

    #[test]
    fn hostile_values_are_not_echoed_whole() {
        let huge = "9".repeat(1 << 20);
        for name in ["APP_KA_RETRIES", "APP_KA_TIMEOUT"] {
            let e = from_vars("APP_KA_", vars(&[(name, &huge)])).unwrap_err();
            let text = e.to_string();
            assert!(text.len() < 400, "{name}: {} bytes", text.len());
            assert!(text.contains(&format!("{}…", &huge[..keepalive_core::SHOWN_CHARS])));
        }
        let name = format!("APP_KA_{}", "X".repeat(1 << 20));
        let e = from_vars("APP_KA_", vars(&[(&name, "1s")])).unwrap_err();
        assert!(e.to_string().len() < 400);
    }

    #[cfg(feature = "serde")]
    mod serde_config {
        use super::*;

        fn toml(text: &str) -> Result<PolicyOverride, String> {
            toml::from_str::<PolicyConfig>(text)
                .map(Into::into)
                .map_err(|e| e.message().to_owned())
        }

        fn json(text: &str) -> Result<PolicyOverride, String> {
            serde_json::from_str::<PolicyConfig>(text)
                .map(Into::into)
                .map_err(|e| e.to_string())
        }

        #[test]
        fn every_key_and_type() {
            let all = "timeout = \"30s\"\ninterval = \"5s\"\nretries = 4\nuser_timeout = \"50s\"\nenabled = true";
            assert_eq!(
                toml(all),
                Ok(PolicyOverride::new()
                    .with_timeout(Duration::from_secs(30))
                    .with_interval(Duration::from_secs(5))
                    .with_retries(4)
                    .with_user_timeout(Duration::from_secs(50))
                    .with_enabled(true))
            );
            // One spelling of a key in another case or with `-` is that key.
            assert_eq!(
                toml("User-Timeout = \"5s\""),
                Ok(PolicyOverride::new().with_user_timeout(Duration::from_secs(5)))
            );
            assert_eq!(
                json(r#"{"RETRIES": 3}"#),
                Ok(PolicyOverride::new().with_retries(3))
            );
        }

        #[test]
        fn two_spellings_of_one_key_are_an_error_naming_both() {
            let cases = [
                (
                    toml("timeout = \"1s\"\nTimeout = \"2s\"\nTIMEOUT = \"3s\""),
                    "keep-alive key `timeout` is set twice, as `timeout` and as `TIMEOUT`; keep one",
                ),
                (
                    toml("user-timeout = \"1s\"\nuser_timeout = \"2s\""),
                    "keep-alive key `user_timeout` is set twice, as `user_timeout` and as `user-timeout`; keep one",
                ),
                (
                    json(r#"{"Retries": 3, "RETRIES": 4}"#),
                    "keep-alive key `retries` is set twice, as `Retries` and as `RETRIES`; keep one",
                ),
                (
                    json(r#"{"Retries": 3, "Retries": 4}"#),
                    "keep-alive key `retries` is set twice, both times as `Retries`; keep one",
                ),
            ];
            for (result, message) in cases {
                let e = result.unwrap_err();
                assert!(e.contains(message), "{e}");
            }
            // The same spelling twice: serde's derive says so before any value is read.
            let e = json(r#"{"timeout": "1s", "timeout": "2s"}"#).unwrap_err();
            assert!(e.contains("duplicate field `timeout`"), "{e}");
        }

        #[test]
        fn numbers_say_what_is_wrong_with_them() {
            let cases = [
                (
                    r#"{"retries": 4294967296}"#,
                    "keep-alive override `retries = \"4294967296\"`: expected a whole number of probes from 1 to 4294967295 (the largest u32); this one is out of range",
                ),
                (
                    r#"{"retries": 18446744073709551616}"#,
                    "keep-alive override `retries`: expected a whole number of probes, such as 5, not a number above 4294967295 (the largest u32)",
                ),
                (
                    r#"{"retries": 1e2}"#,
                    "not a number written with an exponent or a decimal point (write it in digits)",
                ),
                (r#"{"retries": -0}"#, "not a number with a sign"),
                (r#"{"retries": 1.5}"#, "not a fraction"),
            ];
            for (text, message) in cases {
                let e = json(text).unwrap_err();
                assert!(e.contains(message), "{text}: {e}");
            }
        }

        #[test]
        fn a_key_without_a_value_is_an_error_not_no_change() {
            for text in [r#"{"timeout": null}"#, r#"{"Timeout": null}"#] {
                let e = json(text).unwrap_err();
                assert!(
                    e.contains("keep-alive override `timeout`: expected a duration with a unit, such as \"30s\", not an empty value (null); leave the key out to keep the type's default"),
                    "{text}: {e}"
                );
            }
            let e = json(r#"{"retries": {"n": 4}}"#).unwrap_err();
            assert!(e.contains("not a table"), "{e}");
        }

        #[test]
        fn a_date_through_a_generic_table_is_called_a_date() {
            let table: toml::Table = toml::from_str("timeout = 1979-05-27T07:32:00Z").unwrap();
            let e = table.try_into::<PolicyConfig>().unwrap_err();
            assert_eq!(
                e.message(),
                "keep-alive override `timeout = \"1979-05-27T07:32:00Z\"`: expected a duration with a unit, such as \"30s\", not a date or a time of day"
            );
        }

        #[test]
        fn values_of_the_wrong_type_name_the_key() {
            let cases = [
                (
                    "timeout = 30",
                    "keep-alive override `timeout = \"30\"`: expected a duration with a unit, such as \"30s\"",
                ),
                (
                    "timeout = 1979-05-27",
                    "keep-alive override `timeout`: expected a duration with a unit, such as \"30s\", not a date or a time of day",
                ),
                (
                    "timeout = 1.5",
                    "keep-alive override `timeout`: expected a duration with a unit, such as \"30s\", not a fraction",
                ),
                (
                    "retries = [4]",
                    "keep-alive override `retries`: expected a whole number of probes, such as 5, not a list",
                ),
                (
                    "retries = \"+5\"",
                    "expected a whole number of probes with no sign, such as 5",
                ),
                ("retries = -1", "keep-alive override `retries = \"-1\"`"),
                ("enabled = \"yes\"", "expected true or false"),
                (
                    "idle = \"30s\"",
                    "unknown keep-alive key `idle`; did you mean `timeout`?",
                ),
            ];
            for (text, message) in cases {
                let e = toml(text).unwrap_err();
                assert!(e.contains(message), "{text}: {e}");
            }
        }
    }
}
