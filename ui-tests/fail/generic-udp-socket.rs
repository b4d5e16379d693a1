// a generic connection instantiated with a UDP socket
use keepalive_runtime::keepalive;

use keepalive_runtime::KeepAlive;

#[keepalive(timeout = "30s")]
struct Conn<S> {
    #[keepalive(socket)]
    transport: S,
}

fn policy_of<C: KeepAlive>() -> keepalive_runtime::Policy {
    C::POLICY
}

fn main() {
    let _ = policy_of::<Conn<std::net::UdpSocket>>();
}
