//! The Linux row of keepalive-core's platform table, held against the running kernel: the
//! largest value the table allows is accepted and the next one refused, and likewise at
//! the bottom, so the table cannot drift from what Linux really does.
#![cfg(any(target_os = "linux", target_os = "android"))]

use std::io;
use std::net::TcpListener;
use std::os::fd::AsRawFd;

use keepalive_core::{Knob, TARGET, Unit};

fn set(fd: i32, name: libc::c_int, value: i64) -> io::Result<()> {
    let value = value as libc::c_int;
    crate::support::sockopt::set(&fd, libc::IPPROTO_TCP, name, &value)
}

fn option_constant(name: &str) -> libc::c_int {
    match name {
        "TCP_KEEPIDLE" => libc::TCP_KEEPIDLE,
        "TCP_KEEPINTVL" => libc::TCP_KEEPINTVL,
        "TCP_KEEPCNT" => libc::TCP_KEEPCNT,
        "TCP_USER_TIMEOUT" => libc::TCP_USER_TIMEOUT,
        other => panic!("the Linux row names an option this test does not know: {other}"),
    }
}

#[test]
fn table_limits_are_the_kernel_limits() {
    let row = TARGET.expect("Linux has a row");
    let socket = TcpListener::bind("127.0.0.1:0").unwrap();
    let fd = socket.as_raw_fd();
    for knob in Knob::ALL {
        let spec = row
            .support(knob)
            .option()
            .expect("Linux supports every knob");
        let name = option_constant(spec.name);
        set(fd, name, spec.max as i64).unwrap_or_else(|e| {
            panic!(
                "{} = {} (the table's max) refused: {e}",
                spec.name, spec.max
            )
        });
        set(fd, name, spec.min as i64).unwrap_or_else(|e| {
            panic!(
                "{} = {} (the table's min) refused: {e}",
                spec.name, spec.min
            )
        });
        // One past the maximum: as a C int, i32::MAX + 1 wraps negative, which the kernel
        // refuses too, so the bound is tight either way.
        let above = set(fd, name, spec.max as i64 + 1).expect_err(spec.name);
        assert_eq!(
            above.raw_os_error(),
            Some(libc::EINVAL),
            "{} above max",
            spec.name
        );
        // Below the minimum: 0 is EINVAL for the keep-alive options; for TCP_USER_TIMEOUT
        // 0 means "system default", which is why the table starts at 1 ms and the crate
        // never sends 0 (it is rejected as a zero duration before any call).
        match spec.unit {
            Unit::Millis => set(fd, name, 0).expect("TCP_USER_TIMEOUT = 0 resets to default"),
            _ => {
                let below = set(fd, name, spec.min as i64 - 1).expect_err(spec.name);
                assert_eq!(
                    below.raw_os_error(),
                    Some(libc::EINVAL),
                    "{} below min",
                    spec.name
                );
            }
        }
    }
}
