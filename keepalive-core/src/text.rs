//! Fixed-size, const-evaluable text. Messages are built by `const fn`s so that the same words
//! reach a user from the macro, from a failed constant evaluation and from the runtime.

use core::time::Duration;

/// A short copy of (a prefix of) some input bytes, kept inline so errors stay `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Text<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Text<N> {
    /// Copies `input[start..end]`, cut at `N` bytes on a character boundary.
    pub(crate) const fn from_bytes(input: &[u8], start: usize, end: usize) -> Self {
        let mut bytes = [0u8; N];
        let mut len = 0;
        while start + len < end && len < N {
            bytes[len] = input[start + len];
            len += 1;
        }
        // Never end inside a multi-byte character.
        if start + len < end {
            while len > 0 && (input[start + len] & 0b1100_0000) == 0b1000_0000 {
                len -= 1;
            }
        }
        Text { bytes, len }
    }

    pub(crate) const fn as_str(&self) -> &str {
        let (head, _) = self.bytes.split_at(self.len);
        match core::str::from_utf8(head) {
            Ok(s) => s,
            Err(_) => "<non-UTF-8 input>",
        }
    }
}

/// Appends pieces to a [`Message`] in `const` context, in order: a string literal as it is,
/// `key(k)` a knob's key, `dur(d)` a duration and `val(v)` a knob's value as a user writes
/// them, `num(n)` a number, `str(s)` any other string. The one way messages are written.
macro_rules! say {
    ($m:ident;) => {()};
    ($m:ident; $s:literal $($rest:tt)*) => {{ $m.push($s); say!($m; $($rest)*) }};
    ($m:ident; key($k:expr) $($rest:tt)*) => {{ $m.push($k.key()); say!($m; $($rest)*) }};
    ($m:ident; dur($d:expr) $($rest:tt)*) => {{ $m.push_duration($d); say!($m; $($rest)*) }};
    ($m:ident; val($v:expr) $($rest:tt)*) => {{ $m.push_value($v); say!($m; $($rest)*) }};
    ($m:ident; num($n:expr) $($rest:tt)*) => {{ $m.push_u64($n as u64); say!($m; $($rest)*) }};
    ($m:ident; str($s:expr) $($rest:tt)*) => {{ $m.push($s); say!($m; $($rest)*) }};
}
pub(crate) use say;

/// User input as a message quotes it: cut after [`SHOWN_CHARS`] characters with `…`, so a
/// megabyte value (from a file, the environment or an attribute) is not echoed back whole.
/// The one rule for the macro's errors and the run-time ones.
pub fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => std::borrow::Cow::Owned(format!("{}…", &text[..cut])),
        None => std::borrow::Cow::Borrowed(text),
    }
}

/// How many characters of user input a message quotes ([`shown`]).
pub const SHOWN_CHARS: usize = 40;

/// A message under construction. Long enough for every message of this crate; anything
/// beyond the capacity is cut on a character boundary rather than lost with a panic.
#[derive(Debug, Clone, Copy)]
pub struct Message {
    bytes: [u8; Message::CAPACITY],
    len: usize,
}

impl Default for Message {
    fn default() -> Self {
        Self::new()
    }
}

impl Message {
    const CAPACITY: usize = 1024;

    /// An empty message.
    pub const fn new() -> Self {
        Message {
            bytes: [0; Self::CAPACITY],
            len: 0,
        }
    }

    /// Appends a string.
    pub const fn push(&mut self, s: &str) {
        let s = s.as_bytes();
        let mut i = 0;
        while i < s.len() {
            if self.len == Self::CAPACITY {
                // Back off to a character boundary.
                while self.len > 0 && (self.bytes[self.len - 1] & 0b1100_0000) == 0b1000_0000 {
                    self.len -= 1;
                }
                if self.len > 0 && self.bytes[self.len - 1] >= 0b1100_0000 {
                    self.len -= 1;
                }
                return;
            }
            self.bytes[self.len] = s[i];
            self.len += 1;
            i += 1;
        }
    }

    /// Appends a number in decimal.
    pub const fn push_u64(&mut self, mut n: u64) {
        let mut digits = [0u8; 20];
        let mut count = 0;
        loop {
            digits[19 - count] = b'0' + (n % 10) as u8;
            count += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let (_, tail) = digits.split_at(20 - count);
        match core::str::from_utf8(tail) {
            Ok(s) => self.push(s),
            Err(_) => unreachable!(),
        }
    }

    /// Appends a duration in the grammar of [`crate::parse_duration`] (`1h 30m`, `500ms`).
    pub const fn push_duration(&mut self, d: Duration) {
        let total = d.as_millis();
        let hours = total / 3_600_000;
        let parts = [
            ((total / 60_000 % 60) as u64, "m"),
            ((total / 1_000 % 60) as u64, "s"),
            ((total % 1_000) as u64, "ms"),
        ];
        let mut first = true;
        if hours > 0 {
            // Durations beyond u64 hours do not exist (Duration's seconds are a u64).
            self.push_u64(hours as u64);
            self.push("h");
            first = false;
        }
        let mut i = 0;
        while i < parts.len() {
            let (value, unit) = parts[i];
            if value > 0 {
                if !first {
                    self.push(" ");
                }
                self.push_u64(value);
                self.push(unit);
                first = false;
            }
            i += 1;
        }
        if first {
            self.push("0s");
        }
    }

    /// Appends a knob's value as a user writes it: a quoted duration (`"1h 30m"`) or a
    /// count.
    pub const fn push_value(&mut self, value: crate::KnobValue) {
        match value {
            crate::KnobValue::Time(d) => {
                self.push("\"");
                self.push_duration(d);
                self.push("\"");
            }
            crate::KnobValue::Count(n) => self.push_u64(n as u64),
        }
    }

    /// The text so far.
    pub const fn as_str(&self) -> &str {
        let (head, _) = self.bytes.split_at(self.len);
        match core::str::from_utf8(head) {
            Ok(s) => s,
            // Only whole strings and ASCII digits are pushed, and cuts respect boundaries.
            Err(_) => "<message cut inside a character>",
        }
    }
}

/// Whether two strings are equal, in `const` context (`==` on `str` is not `const`).
pub(crate) const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_durations() {
        let mut m = Message::new();
        m.push_u64(0);
        m.push(" ");
        m.push_u64(u64::MAX);
        m.push(" ");
        m.push_duration(Duration::from_millis(3_723_004));
        assert_eq!(m.as_str(), "0 18446744073709551615 1h 2m 3s 4ms");
    }

    #[test]
    fn overlong_text_is_cut_on_a_boundary() {
        let mut m = Message::new();
        for _ in 0..600 {
            m.push("é");
        }
        assert!(m.as_str().len() <= Message::CAPACITY);
        assert!(m.as_str().chars().all(|c| c == 'é'));
        let t: Text<3> = Text::from_bytes("aé".as_bytes(), 0, 3);
        assert_eq!(t.as_str(), "aé");
        let t: Text<2> = Text::from_bytes("aé".as_bytes(), 0, 3);
        assert_eq!(t.as_str(), "a");
    }
}
