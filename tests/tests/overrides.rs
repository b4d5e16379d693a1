//! A library ships a connection type with keep-alive defaults; an application replaces
//! them from a TOML table and from a builder. The result is read back from the kernel with
//! raw getsockopt, and every invalid override is refused with a message naming the key.
#![cfg(target_os = "linux")]

mod support;

use std::time::Duration;

use keepalive_defaults_lib::DbConn;
use keepalive_runtime::{Error, PolicyConfig, PolicyOverride};
use support::{Kernel, kernel, listener};

fn from_toml(text: &str) -> Result<PolicyOverride, toml::de::Error> {
    let mut table: toml::Table = toml::from_str(text)?;
    let section = table.remove("keepalive").expect("a [keepalive] table");
    Ok(section.try_into::<PolicyConfig>()?.into())
}

fn connect(overrides: &PolicyOverride) -> Result<(DbConn, std::net::TcpStream), Error> {
    let l = listener();
    let conn = DbConn::connect(l.local_addr().unwrap(), overrides)?;
    let (server, _) = l.accept().unwrap();
    Ok((conn, server))
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
        .timeout(Duration::from_secs(45))
        .retries(3);
    let (conn, _server) = connect(&change).unwrap();
    let k = kernel(conn.stream());
    // interval is the library's 1 s; timeout and retries are the application's.
    assert_eq!((k.keepalive, k.idle_s, k.intvl_s, k.cnt), (true, 45, 1, 3));
}

#[test]
fn toml_can_turn_keep_alive_off() {
    let change = from_toml("[keepalive]\nenabled = false\n").unwrap();
    let (conn, _server) = connect(&change).unwrap();
    assert!(!kernel(conn.stream()).keepalive);
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
        "keep-alive override rejected: `timeout = \"10h\"` is above the maximum Linux accepts for TCP_KEEPIDLE (32767 s); write at most \"9h 6m 7s\""
    );
}

#[test]
fn a_user_timeout_shorter_than_the_probes_is_refused() {
    let change = PolicyOverride::new().user_timeout(Duration::from_secs(10));
    let e = DbConn::policy_with(&change).unwrap_err();
    assert_eq!(
        e.to_string(),
        "keep-alive override rejected: `user_timeout = \"10s\"` is shorter than timeout + interval × retries = 2h 10s, so the user timeout wins (Linux TCP_USER_TIMEOUT replaces TCP_KEEPCNT) and the connection ends after 2h 1s, before `retries = 10` is reached; write `user_timeout = \"2h 10s\"` to match, or remove `retries`"
    );
}
