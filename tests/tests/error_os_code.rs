//! `?` from this crate's `Error` into `io::Error` keeps the OS error: a real EMFILE from
//! a connect path still reads as EMFILE (`raw_os_error`) after the conversion, so an
//! accept or connect loop that backs off on it keeps working.
//!
//! The descriptor table is filled in a child process of this test binary (this test
//! re-runs itself, alone, with a lowered RLIMIT_NOFILE), so no other test loses
//! descriptors.
#![cfg(unix)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Command;

use keepalive_runtime::prelude::*;

#[keepalive(timeout = "30s")]
struct Api;

const CHILD: &str = "KEEPALIVE_TESTS_EMFILE_CHILD";

/// What the child's loop does: connect until the OS refuses a descriptor, with `?` into
/// `io::Result` as an application writes it.
fn open(addr: SocketAddr) -> std::io::Result<TcpStream> {
    Ok(keepalive_runtime::connect(addr, Api::policy())?.stream)
}

fn lower_nofile(to: libc::rlim_t) {
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `rl` is a live, writable rlimit.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) }, 0);
    rl.rlim_cur = to.min(rl.rlim_max);
    // SAFETY: `rl` is a valid rlimit whose soft limit does not exceed its hard limit.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &rl) }, 0);
}

#[test]
fn emfile_from_connect_keeps_its_os_code_through_question_mark() {
    if std::env::var_os(CHILD).is_some() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        lower_nofile(64);
        let mut open_streams = Vec::new();
        let error = loop {
            match open(addr) {
                Ok(stream) => open_streams.push(stream),
                Err(e) => break e,
            }
            assert!(open_streams.len() < 64, "64 descriptors and no EMFILE");
        };
        println!(
            "after {} connections: {error} (kind {:?}, os error {:?})",
            open_streams.len(),
            error.kind(),
            error.raw_os_error()
        );
        assert_eq!(error.raw_os_error(), Some(libc::EMFILE), "{error}");
        assert_eq!(
            error.kind(),
            std::io::Error::from_raw_os_error(libc::EMFILE).kind()
        );
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args([
            "emfile_from_connect_keeps_its_os_code_through_question_mark",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .output()
        .expect("run the child");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{text}");
    assert!(out.status.success(), "the child failed:\n{text}");
    assert!(text.contains("1 passed"), "the child ran no test:\n{text}");
    assert!(text.contains("os error Some("), "{text}");
}
