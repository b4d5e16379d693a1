//! Sets up one loopback connection, then does one thing to it, named by the argument, and
//! exits: what `benches/syscalls.sh` counts under strace. The `baseline` run does the setup
//! alone, so the difference between a run and the baseline is that one thing's cost.

use std::process::ExitCode;

use keepalive_benches::{
    Conn, UserTimeoutConn, pair, socket2_by_hand, socket2_by_hand_user_timeout,
    socket2_read_by_hand,
};
use keepalive_runtime::{KeepAlive, KeepAlivePolicy, apply};

const MODES: &str = "baseline | generated | generated-user-timeout | socket2 | \
                     socket2-user-timeout | runtime-socket2-socket | read-back | socket2-read";

fn main() -> ExitCode {
    let Some(mode) = std::env::args().nth(1) else {
        eprintln!("usage: apply_once {MODES}");
        return ExitCode::FAILURE;
    };
    let (client, _server) = pair().expect("loopback pair");
    match mode.as_str() {
        "baseline" => {}
        "generated" => {
            let conn = Conn { stream: client };
            let _ = apply(conn.socket().unwrap(), Conn::policy()).unwrap();
        }
        "generated-user-timeout" => {
            let conn = UserTimeoutConn { stream: client };
            let _ = apply(conn.socket().unwrap(), UserTimeoutConn::policy()).unwrap();
        }
        "socket2" => socket2_by_hand(&client).unwrap(),
        "socket2-user-timeout" => socket2_by_hand_user_timeout(&client).unwrap(),
        // A socket2::Socket does not guarantee a stream: one SO_TYPE check more.
        "runtime-socket2-socket" => {
            let _ = apply(&socket2::Socket::from(client), Conn::policy()).unwrap();
        }
        "read-back" => {
            let _ = Conn { stream: client }.keepalive_report().unwrap();
        }
        "socket2-read" => {
            let _ = socket2_read_by_hand(&client).unwrap();
        }
        other => {
            eprintln!("unknown mode {other:?}; one of {MODES}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
