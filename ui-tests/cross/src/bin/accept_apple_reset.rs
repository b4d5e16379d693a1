// A server whose accepted sockets carry the idle time and the retransmission bound: on Apple
// the accept path sets TCP_KEEPALIVE and TCP_RXT_CONNDROPTIME again, since XNU does not copy
// them from the listener (the option list is unit-tested in keepalive-runtime's sys module);
// elsewhere accepted sockets inherit both. The same code compiles for every target.
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
    let listener = Listener::<Server>::bind("127.0.0.1:0")?;
    for accepted in listener.incoming() {
        let _stream = accepted?;
    }
    Ok(())
}
