//! What one struct expands to, and its size: the attribute's arguments and the item as
//! arguments, the expansion on stdout, its token and byte counts on stderr (and with
//! `EXPAND_REPEAT=n` the time of one expansion, over n).
//!
//! `cargo run -q -p keepalive-macro-oracle --example expand -- 'timeout = "2h"' 'struct Conn { stream: std::net::TcpStream }'`

use std::str::FromStr;

use proc_macro2::{TokenStream, TokenTree};

fn count(tokens: TokenStream) -> usize {
    tokens
        .into_iter()
        .map(|t| match t {
            TokenTree::Group(g) => 1 + count(g.stream()),
            _ => 1,
        })
        .sum()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(attr), Some(item)) = (args.next(), args.next()) else {
        eprintln!("usage: expand '<attribute arguments>' '<item>'");
        std::process::exit(2);
    };
    let attr = TokenStream::from_str(&attr).expect("the arguments lex");
    let item = TokenStream::from_str(&item).expect("the item lexes");
    // EXPAND_REPEAT=n: the expansion n times, and the time each took in this process
    // (proc-macro2's fallback, built as the command's profile builds it).
    let repeat: u32 = std::env::var("EXPAND_REPEAT")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let start = std::time::Instant::now();
    for _ in 1..repeat {
        keepalive_macro_oracle::expand(attr.clone(), item.clone());
    }
    let out = keepalive_macro_oracle::expand(attr, item);
    if repeat > 1 {
        eprintln!("{repeat} expansions, {:.1?} each", start.elapsed() / repeat);
    }
    let text = out.to_string();
    println!("{text}");
    let literal_bytes: usize = text
        .split('"')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s.len())
        .sum();
    eprintln!(
        "{} tokens, {} bytes printed, of them {} in string literals",
        count(out),
        text.len(),
        literal_bytes
    );
}
