// NetBSD stores TCP_KEEPIDLE in slow-timer ticks of 500 ms (tcp_usrreq.c, tcp_timer.h): the
// crate sends 1.5 s as 3 ticks, and a value between ticks is refused with both neighbours.
//@ x86_64-unknown-netbsd error: NetBSD counts `timeout` in steps of 500 ms (TCP_KEEPIDLE), so 1s 250ms would be cut; write "1s" or "1s 500ms"
//@ x86_64-unknown-freebsd error: FreeBSD counts `timeout` in whole seconds (TCP_KEEPIDLE), so 1s 250ms would be cut; write "1s" or "2s"
//@ x86_64-pc-windows-gnu ok
use keepalive_runtime::keepalive;

#[keepalive(timeout = "1250ms")]
#[allow(dead_code)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}
