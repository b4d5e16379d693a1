// a policy with no socket, declared once and applied to sockets of any kind
use core::time::Duration;
use keepalive_runtime::{ApplyAt, KeepAlivePolicy, Policy, apply, keepalive};

#[keepalive(timeout = "30s", interval = "5s", retries = 4, apply = "after_connect")]
struct Api;

#[keepalive(timeout = "1m", best_effort = true)]
pub struct Lenient {}

#[keepalive]
struct Bare();

fn policy_of<P: KeepAlivePolicy>() -> Policy {
    P::POLICY
}

fn main() {
    assert_eq!(Api::POLICY.timeout(), Some(Duration::from_secs(30)));
    assert_eq!(Api::APPLY, ApplyAt::AfterConnect);
    assert!(!Api::ENFORCEMENT.is_best_effort() && Lenient::ENFORCEMENT.is_best_effort());
    assert_eq!(policy_of::<Bare>(), Policy::new());
    let _ = |s: &socket2::Socket| apply(s, Api::policy());
    let _ = |s: &std::net::TcpStream| apply(s, Lenient::policy());
}
