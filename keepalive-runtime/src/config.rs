//! Policy overrides from outside the code: configuration files (feature `serde`) and the
//! environment. Values use the attribute's duration grammar and are checked by the same
//! rules (keepalive-core's [`PolicyOverride`]).

use keepalive_core::{OverrideError, PolicyOverride};

/// Reads an override from environment variables named `<prefix><KEY>`, such as
/// `MYAPP_KEEPALIVE_TIMEOUT=30s` for the prefix `MYAPP_KEEPALIVE_`. A variable with the
/// prefix but an unknown key is an error (with a suggestion), never ignored.
///
/// ```
/// # // SAFETY: the doc test runs single-threaded before reading the variable.
/// # unsafe { std::env::set_var("DOC_KEEPALIVE_TIMEOUT", "30s") };
/// let change = keepalive_runtime::overrides_from_env("DOC_KEEPALIVE_")?;
/// let policy = change.apply_to(keepalive_runtime::Policy::new(), None)?;
/// assert_eq!(policy.timeout(), Some(std::time::Duration::from_secs(30)));
/// # Ok::<(), keepalive_runtime::OverrideError>(())
/// ```
pub fn overrides_from_env(prefix: &str) -> Result<PolicyOverride, OverrideError> {
    overrides_from_vars(prefix, std::env::vars_os())
}

fn overrides_from_vars(
    prefix: &str,
    vars: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
) -> Result<PolicyOverride, OverrideError> {
    let mut change = PolicyOverride::new();
    for (name, value) in vars {
        let Some(key) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else {
            continue;
        };
        let value = value.to_string_lossy();
        change.set(&key.to_ascii_lowercase(), &value)?;
    }
    Ok(change)
}

/// A [`PolicyOverride`] read through serde, for a `[keepalive]` table in a configuration
/// file: `timeout = "30s"`, `interval = "5s"`, `retries = 4`, `user_timeout = "50s"`,
/// `enabled = true`. Unknown keys are errors with a suggestion.
#[cfg(feature = "serde")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PolicyConfig(pub PolicyOverride);

#[cfg(feature = "serde")]
impl From<PolicyConfig> for PolicyOverride {
    fn from(config: PolicyConfig) -> Self {
        config.0
    }
}

#[cfg(feature = "serde")]
mod de {
    use core::fmt;

    use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

    use super::{PolicyConfig, PolicyOverride};

    /// A value as configuration formats type it.
    enum Value {
        Text(String),
        Int(i128),
        Bool(bool),
    }

    impl<'de> Deserialize<'de> for Value {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = Value;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a duration string, a whole number or a bool")
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
                    Ok(Value::Text(v.to_owned()))
                }
                fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
                    Ok(Value::Int(v.into()))
                }
                fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
                    Ok(Value::Int(v.into()))
                }
                fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
                    Ok(Value::Bool(v))
                }
            }
            d.deserialize_any(V)
        }
    }

    impl<'de> Deserialize<'de> for PolicyConfig {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = PolicyConfig;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str(
                        "a keep-alive table (timeout, interval, retries, user_timeout, enabled)",
                    )
                }
                fn visit_map<A: MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<PolicyConfig, A::Error> {
                    let mut change = PolicyOverride::new();
                    while let Some(key) = map.next_key::<String>()? {
                        let result = match map.next_value::<Value>()? {
                            Value::Text(text) => change.set(&key, &text),
                            Value::Int(n) => change.set_count(&key, n),
                            Value::Bool(b) => change.set_bool(&key, b),
                        };
                        result.map_err(de::Error::custom)?;
                    }
                    Ok(PolicyConfig(change))
                }
            }
            d.deserialize_map(V)
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
        let change = overrides_from_vars(
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
                .timeout(Duration::from_secs(30))
                .retries(4)
        );
        let e = overrides_from_vars("APP_KA_", vars(&[("APP_KA_PROBES", "4")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown keep-alive key `probes`; did you mean `retries`?"
        );
    }
}
