// a library that re-exports the runtime under its own path
use keepalive_runtime::prelude::*;
use core::time::Duration;

mod my_lib {
    pub mod keepalive {
        pub use keepalive_runtime::*;
    }
}

#[keepalive(timeout = "30s", retries = 3, crate = "my_lib::keepalive")]
struct Conn {
    stream: std::net::TcpStream,
}

#[keepalive(timeout = keepalive_org_policy::IDLE, crate = "crate::my_lib::keepalive")]
struct Checked {
    stream: std::net::TcpStream,
}

fn main() {
    assert_eq!(<Conn as my_lib::keepalive::KeepAlivePolicy>::POLICY.retries(), Some(3));
    assert_eq!(Checked::POLICY.timeout(), Some(Duration::from_secs(60)));
}
