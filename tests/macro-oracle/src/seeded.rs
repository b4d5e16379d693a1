//! What the fuzzers (`fuzz`, `oracle`) share: a seeded generator, so a failing input is
//! reproduced from its seed and index, and run sizes read from the environment.

use std::str::FromStr;

/// xorshift64*: tiny, deterministic, good enough to pick tokens and knob values.
#[derive(Debug)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// From `lo` to `hi` inclusive, with the ends drawn more often than their share.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        match self.below(8) {
            0 => lo,
            1 => hi,
            _ => lo + self.below(hi - lo + 1),
        }
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// The number in the environment variable `name`, or `default` when it is unset or not a
/// number.
pub fn env_or<T: FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
