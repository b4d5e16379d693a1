// A server whose accepted sockets carry the idle time and the retransmission bound: on Apple
// the accept path sets TCP_KEEPALIVE and TCP_RXT_CONNDROPTIME, which XNU does not copy from
// the listener (the plans are unit-tested in keepalive-core's plan module); on NetBSD it
// sets every timing; elsewhere accepted sockets inherit them. The same code compiles for
// every target.
//@ x86_64-unknown-netbsd ok
//@ x86_64-apple-darwin ok
//@ aarch64-apple-ios ok
//@ x86_64-unknown-linux-gnu ok
//@ x86_64-pc-windows-gnu ok
//@ x86_64-unknown-freebsd ok
use keepalive_runtime::prelude::*;
use keepalive_runtime::Listener;

#[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "50s", best_effort = true)]
struct Server;

fn main() -> Result<(), keepalive_runtime::Error> {
    let listener = Listener::bind("127.0.0.1:0", Server::policy())?;
    for accepted in listener.incoming() {
        let _stream = accepted?;
    }
    Ok(())
}
