// a policy type with a type parameter, holding only PhantomData
use core::marker::PhantomData;
use keepalive_runtime::{KeepAlivePolicy, keepalive};

#[keepalive(timeout = "30s")]
struct Policy<T>(PhantomData<T>);

#[keepalive(interval = "5s")]
struct Tagged<A, B> {
    _a: PhantomData<A>,
    _b: PhantomData<fn() -> B>,
}

fn connects<P: keepalive_runtime::socket::ConnectPolicy>() {}
fn listens<P: keepalive_runtime::socket::ListenPolicy>() {}

fn main() {
    connects::<Policy<u8>>();
    listens::<Tagged<u8, String>>();
    assert_eq!(Policy::<u8>::POLICY.timeout(), Some(core::time::Duration::from_secs(30)));
}
