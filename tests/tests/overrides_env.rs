//! Overrides from the environment go through the type's `policy_with`, like any other: a
//! variable can change a library type's timings but never take it past the organisation's
//! bound or the type's `max_detect`. The test runs alone in a child process started with the
//! variables it reads, so no other test sees them and none is set at run time.
#![cfg(target_os = "linux")]

use crate::support;

use keepalive_defaults_lib::ApiConn;
use keepalive_runtime::KeepAlivePolicy;
use keepalive_runtime::config::from_env;
use support::{api_conn_kernel_with_30s_timeout_60s_user_timeout, connect_accepted, kernel};

#[test]
fn environment_overrides_are_held_to_the_type_s_bounds() {
    support::alone(
        module_path!(),
        "environment_overrides_are_held_to_the_type_s_bounds",
        &[
            ("APICONN_A_INTERVAL", "1s"),
            ("APICONN_A_RETRIES", "8"),
            ("APICONN_A_USER_TIMEOUT", "68s"),
            ("APICONN_B_TIMEOUT", "90s"),
            ("APICONN_B_USER_TIMEOUT", "2m"),
            ("APICONN_C_TIMEOUT", "30s"),
            ("APICONN_C_USER_TIMEOUT", "60s"),
        ],
        held_to_the_type_s_bounds,
    );
}

fn held_to_the_type_s_bounds() {
    let bound = ApiConn::policy_with(&from_env("APICONN_A_").unwrap()).unwrap_err();
    let text = bound.to_string();
    assert!(
        text.contains(
            "this policy breaks keepalive-defaults-lib::PRODUCTION: `retries = 8` is above its maximum of 5"
        ),
        "{text}"
    );

    let detect = ApiConn::policy_with(&from_env("APICONN_B_").unwrap()).unwrap_err();
    let text = detect.to_string();
    assert!(
        text.contains("= 2m exceeds `max_detect = \"1m 40s\"`")
            && text.contains(
                "(the environment set `APICONN_B_TIMEOUT=\"1m 30s\"`, `APICONN_B_USER_TIMEOUT=\"2m\"`"
            ),
        "{text}"
    );

    let change = from_env("APICONN_C_").unwrap();
    let (conn, _server) = connect_accepted(|addr| ApiConn::connect(addr, &change)).unwrap();
    assert_eq!(
        kernel(conn.stream()),
        api_conn_kernel_with_30s_timeout_60s_user_timeout()
    );
}
