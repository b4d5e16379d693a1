//! A library ships a connection type with keep-alive defaults; an application replaces
//! them from a TOML table and from a builder. The result is read back from the kernel with
//! raw getsockopt, and every invalid override is refused with a message naming the key.
#![cfg(target_os = "linux")]

use crate::support;

use std::time::Duration;

use keepalive_defaults_lib::{ApiConn, DbConn};
use keepalive_runtime::config::PolicyConfig;
use keepalive_runtime::{Error, KeepAlivePolicy, PolicyOverride};
use support::{
    Kernel, api_conn_kernel_with_30s_timeout_60s_user_timeout, connect_accepted, kernel,
};

fn from_toml(text: &str) -> Result<PolicyOverride, toml::de::Error> {
    let mut table: toml::Table = toml::from_str(text)?;
    let section = table.remove("keepalive").expect("a [keepalive] table");
    Ok(section.try_into::<PolicyConfig>()?.into())
}

fn connect(overrides: &PolicyOverride) -> Result<(DbConn, std::net::TcpStream), Error> {
    connect_accepted(|addr| DbConn::connect(addr, overrides))
}

#[test]
fn library_defaults_reach_the_kernel() {
    let (conn, _server) = connect(&PolicyOverride::new()).unwrap();
    let k = kernel(conn.stream());
    assert_eq!(
        (k.keepalive, k.idle_s, k.intvl_s, k.cnt),
        (true, 7200, 1, 10)
    );
}

#[test]
fn toml_overrides_reach_the_kernel() {
    let change = from_toml(
        r#"
        [keepalive]
        timeout = "30s"
        interval = "5s"
        retries = 4
        user_timeout = "50s"
        "#,
    )
    .unwrap();
    let (conn, _server) = connect(&change).unwrap();
    assert_eq!(
        kernel(conn.stream()),
        Kernel {
            keepalive: true,
            idle_s: 30,
            intvl_s: 5,
            cnt: 4,
            user_timeout_ms: 50_000
        }
    );
}

#[test]
fn builder_overrides_keep_the_rest_of_the_defaults() {
    let change = PolicyOverride::new()
        .with_timeout(Duration::from_secs(45))
        .with_retries(3);
    let (conn, _server) = connect(&change).unwrap();
    let k = kernel(conn.stream());
    // interval is the library's 1 s; timeout and retries are the application's.
    assert_eq!((k.keepalive, k.idle_s, k.intvl_s, k.cnt), (true, 45, 1, 3));
}

#[test]
fn toml_cannot_turn_keep_alive_off_under_max_detect() {
    // DbConn bounds detection; with keep-alive off a silent peer is never detected.
    let change = from_toml("[keepalive]\nenabled = false\n").unwrap();
    let e = connect(&change).unwrap_err();
    assert_eq!(
        e.to_string(),
        "keep-alive override rejected: the type's `max_detect` with `enabled = false`: with keep-alive off a silent peer is never detected; leave `enabled = false` out of the override (the override wrote `enabled = false`)"
    );
}

#[test]
fn a_bad_duration_is_refused_with_the_key() {
    let e = from_toml("[keepalive]\ntimeout = \"2hrs\"\n").unwrap_err();
    assert!(
        e.to_string()
            .contains("keep-alive override `timeout = \"2hrs\"`: unknown unit `hrs`; write `h`"),
        "{e}"
    );
    let e = from_toml("[keepalive]\ntimeout = 30\n").unwrap_err();
    assert!(
        e.to_string()
            .contains("expected a duration with a unit, such as \"30s\""),
        "{e}"
    );
    let e = from_toml("[keepalive]\nidle = \"30s\"\n").unwrap_err();
    assert!(
        e.to_string()
            .contains("unknown keep-alive key `idle`; did you mean `timeout`?"),
        "{e}"
    );
}

#[test]
fn an_out_of_range_value_is_refused_before_any_socket() {
    let change = from_toml("[keepalive]\ntimeout = \"10h\"\n").unwrap();
    let e = connect(&change).unwrap_err();
    assert!(matches!(e, Error::Override(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        "keep-alive override rejected: `timeout = \"10h\"` is above the maximum Linux accepts for TCP_KEEPIDLE (32767 s); write at most \"9h 6m 7s\"; and worst-case dead-peer detection timeout + interval × retries = 10h 10s exceeds `max_detect = \"2h 1m\"`; lower `timeout` (10h), the largest term (the override wrote `timeout = \"10h\"`; the type's default: `interval = \"1s\"`, `retries = 10`)"
    );
}

#[test]
fn a_user_timeout_shorter_than_the_probes_is_refused() {
    let change = PolicyOverride::new().with_user_timeout(Duration::from_secs(10));
    let e = DbConn::policy_with(&change).unwrap_err();
    assert_eq!(
        e.to_string(),
        "keep-alive override rejected: `user_timeout = \"10s\"` is shorter than timeout + interval × retries = 2h 10s, so the user timeout wins (Linux TCP_USER_TIMEOUT replaces TCP_KEEPCNT) and the connection ends after 2h 1s, before `retries = 10` is reached; write `user_timeout = \"2h 10s\"` to match (the override wrote `user_timeout = \"10s\"`; the type's default: `timeout = \"2h\"`, `interval = \"1s\"`, `retries = 10`)"
    );
}

fn api(overrides: &PolicyOverride) -> Result<(ApiConn, std::net::TcpStream), Error> {
    connect_accepted(|addr| ApiConn::connect(addr, overrides))
}

#[test]
fn a_toml_override_cannot_break_the_organisation_bound() {
    // Within max_detect (60 s + 8 × 1 s = 68 s), but retries above PRODUCTION's 5.
    let change =
        from_toml("[keepalive]\ninterval = \"1s\"\nretries = 8\nuser_timeout = \"68s\"\n").unwrap();
    let e = api(&change).unwrap_err();
    assert_eq!(
        e.to_string(),
        "keep-alive override rejected: this policy breaks keepalive-defaults-lib::PRODUCTION: `retries = 8` is above its maximum of 5; write at most 5 (the override wrote `interval = \"1s\"`, `retries = 8`, `user_timeout = \"1m 8s\"`; the type's default: `timeout = \"1m\"`)"
    );
}

#[test]
fn a_toml_override_cannot_break_max_detect() {
    // 90 s + 3 × 10 s = 2 m: within PRODUCTION's 2 m, past the type's own 100 s.
    let change = from_toml("[keepalive]\ntimeout = \"90s\"\nuser_timeout = \"2m\"\n").unwrap();
    let e = api(&change).unwrap_err();
    assert_eq!(
        e.to_string(),
        "keep-alive override rejected: worst-case dead-peer detection timeout + interval × retries = 2m exceeds `max_detect = \"1m 40s\"`; lower `timeout` (1m 30s), the largest term (the override wrote `timeout = \"1m 30s\"`, `user_timeout = \"2m\"`; the type's default: `interval = \"10s\"`, `retries = 3`)"
    );
    // Dropping the user timeout that bounds data in flight is refused too.
    let e = ApiConn::policy_with(
        &PolicyOverride::new()
            .with_enabled(true)
            .with_user_timeout(Duration::from_secs(200)),
    )
    .unwrap_err();
    assert!(e.to_string().contains("max_detect"), "{e}");
}

#[test]
fn a_toml_override_within_the_bounds_reaches_the_kernel() {
    let change = from_toml("[keepalive]\ntimeout = \"30s\"\nuser_timeout = \"60s\"\n").unwrap();
    let (conn, _server) = api(&change).unwrap();
    assert_eq!(
        kernel(conn.stream()),
        api_conn_kernel_with_30s_timeout_60s_user_timeout()
    );
}
