//! Random attribute and item input through the whole macro: it must answer every input
//! with tokens (errors included), never a panic or an overflow.
//!
//! The inputs come from a seeded generator, so a run is reproducible:
//! `FUZZ_INPUTS=1000000 FUZZ_SEED=1 cargo test -p keepalive-macro-oracle --release --test fuzz -- --nocapture`.
//! Without `FUZZ_INPUTS` a short run (20 000 inputs) is part of the normal test suite.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;

use proc_macro2::TokenStream;

use keepalive_macro_oracle::expand;
use keepalive_macro_oracle::seeded::{Rng, env_or};

/// Pieces of attributes: real keys and values, near misses, and things that do not belong.
const ATTR_TOKENS: &[&str] = &[
    "timeout",
    "interval",
    "retries",
    "user_timeout",
    "enabled",
    "apply",
    "max_detect",
    "bounds",
    "crate",
    "socket",
    "best_effort",
    "detect_idle_only",
    "r#timeout",
    "policy",
    "idle",
    "probes",
    "intvl",
    "timout",
    "=",
    "=",
    "=",
    ",",
    ",",
    ",",
    "\"2h\"",
    "\"1h 30m\"",
    "\"90s\"",
    "\"500ms\"",
    "\"0s\"",
    "\"-5s\"",
    "\"5\"",
    "\"2hrs\"",
    "\"1.5s\"",
    "\"99999999999999999999h\"",
    "\"18446744073709551615ms\"",
    "\"\"",
    "\" \"",
    "\"30m 1h\"",
    "2h",
    "90s",
    "500ms",
    "5min",
    "0s",
    "5",
    "0",
    "1",
    "127",
    "128",
    "4294967295",
    "4294967296",
    "18446744073709551616",
    "-1",
    "-5s",
    "1.5",
    "1e3",
    "true",
    "false",
    "\"before_connect\"",
    "\"after_connect\"",
    "\"sideways\"",
    "\"keepalive_runtime\"",
    "\"::a::b\"",
    "\"1 + 1\"",
    "IDLE",
    "crate::IDLE",
    "org::PRODUCTION",
    "::core::time::Duration::MAX",
    "Self",
    "Self::IDLE",
    "<Defaults as Limits>::IDLE",
    "<T>::X",
    "5u8",
    "0x1E",
    "1e3ms",
    "\"1_000ms\"",
    "\"1h\u{a0}30m\"",
    "30 s",
    "after_connect",
    "'a",
    "b'x'",
    "'c'",
    "r#\"x\"#",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "(1)",
    "[2h]",
    "{ 3 }",
    ";",
    ":",
    "::",
    "#",
    "!",
    "&",
    "-",
    "+",
    "*",
    "/",
    "<",
    ">",
    "..",
    "=>",
    "@",
    "?",
    "$",
    "~",
];

/// Items: structs of every shape the macro meets, and things it must refuse.
const ITEMS: &[&str] = &[
    "struct Conn { stream: std::net::TcpStream }",
    "struct Conn(std::net::TcpStream);",
    "struct Conn { #[keepalive(socket)] s: Custom, name: String }",
    "struct Conn<S> where S: Clone { #[keepalive(socket)] s: S }",
    "struct Conn { a: TcpStream, b: TcpStream }",
    "struct Conn { a: TcpStream, #[keepalive(socket)] b: TcpStream, #[keepalive(socket)] c: TcpStream }",
    "struct Conn { s: std::net::UdpSocket }",
    "struct Conn;",
    "struct Conn {}",
    "enum Conn { A(TcpStream) }",
    "union Conn { a: u32 }",
    "fn conn() {}",
    "struct Conn { #[keepalive(timeout = \"1s\")] s: TcpStream }",
    "struct Conn { #[keepalive] s: TcpStream }",
    "struct Conn { #[keepalive(socket = 1)] s: TcpStream }",
    "struct Conn<'a> { s: &'a TcpStream }",
    "struct Conn(#[cfg(any())] u8, std::net::TcpStream);",
    "struct Conn(#[cfg(a)] u8, #[cfg(b)] u8, #[cfg(c)] u8, #[cfg(d)] u8, #[cfg(e)] u8, TcpStream);",
    "struct Conn { #[cfg(unix)] stream: TcpStream, #[cfg(not(unix))] stream: TcpStream }",
    "struct Conn { #[cfg_attr(all(), keepalive(socket))] a: Io, #[cfg_attr(any(), cfg_attr(all(), keepalive(socket)))] b: Io }",
    "struct Conn { #[cfg_attr(x, keepalive(socket = tcp_of), allow(dead_code))] a: Tls }",
    "struct Conn { #[keepalive(socket = <Tls as AsRef<TcpStream>>::as_ref)] tls: Tls }",
    "struct Conn<S> { #[keepalive(socket = Tls::get_ref)] tls: Tls<S> }",
    "struct Conn { #[ka(socket)] s: Io, #[keepalive_runtime::keepalive(socket)] t: Io }",
    "struct Conn { s: std::sync::Mutex<TcpStream>, v: Vec<TcpStream> }",
    "struct Conn { s: mio::net::TcpStream }",
    "struct P<T>(core::marker::PhantomData<T>);",
    "#[keepalive(timeout = \"1s\")] struct Conn { s: TcpStream }",
    "",
    "struct",
];

fn random_attr(rng: &mut Rng) -> String {
    let len = rng.below(14);
    let mut out = String::new();
    for _ in 0..len {
        out.push_str(rng.pick(ATTR_TOKENS));
        out.push(' ');
    }
    out
}

fn random_bytes(rng: &mut Rng) -> String {
    let len = rng.below(24);
    let bytes: Vec<u8> = (0..len).map(|_| (rng.next_u64() >> 56) as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Runs `count` inputs from `seed`; returns how many reached the macro (the rest did not
/// lex as Rust tokens, which rustc would refuse before any macro runs).
fn run(seed: u64, count: u64) -> u64 {
    let mut rng = Rng(seed.max(1));
    let mut reached = 0;
    for i in 0..count {
        let attr = match rng.below(10) {
            0 => random_bytes(&mut rng),
            _ => random_attr(&mut rng),
        };
        let item = match rng.below(20) {
            0 => random_bytes(&mut rng),
            _ => rng.pick(ITEMS).to_owned(),
        };
        let (Ok(args), Ok(tokens)) = (TokenStream::from_str(&attr), TokenStream::from_str(&item))
        else {
            continue;
        };
        reached += 1;
        let outcome = catch_unwind(AssertUnwindSafe(|| expand(args, tokens)));
        assert!(
            outcome.is_ok(),
            "input {i} of seed {seed} panicked:\n  #[keepalive({attr})]\n  {item}"
        );
    }
    reached
}

#[test]
fn fuzz_attribute_and_item() {
    let (seed, count) = (env_or("FUZZ_SEED", 1), env_or("FUZZ_INPUTS", 20_000));
    let start = std::time::Instant::now();
    let reached = run(seed, count);
    println!(
        "fuzz: {count} inputs from seed {seed}, {reached} reached the macro, no panic, {:.1?}",
        start.elapsed()
    );
    // Most generated input lexes; if it stopped doing so the test would prove nothing.
    assert!(
        reached * 2 > count,
        "only {reached} of {count} inputs lexed"
    );
}
