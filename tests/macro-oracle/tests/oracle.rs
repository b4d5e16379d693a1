//! The oracle fuzzer: generated attributes whose meaning is known before the macro sees them.
//!
//! Valid attributes (random knobs within Linux's limits, every value form: string, suffixed
//! literal, const path, `macro_rules!` fragment) on varied items are expanded and compiled
//! with `cargo check` in batches, each struct followed by a const assertion that its
//! `POLICY` equals the intent, built from the generator's own numbers with `Policy`'s
//! builder (never through the duration grammar). Near misses (one mutation of a valid
//! attribute) go through the macro in-process and must produce errors that all lie on the
//! mutated tokens, and never a panic.
//!
//! `cargo test` runs the near misses (in-process); `.ci/run` the compiled leg, a short batch
//! (`cargo test -p keepalive-macro-oracle --test oracle -- --ignored`); `.ci/fuzz` the long one:
//! `ORACLE_VALID=10000 ORACLE_NEAR=10000 ORACLE_SEED=1 cargo test --release -p keepalive-macro-oracle --test oracle -- --include-ignored --nocapture`.

use std::fmt::Write as _;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use keepalive_core::rules::validate;
use keepalive_core::rules::{Enforcement, check};
use keepalive_core::{LINUX, Policy};
use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};

use keepalive_macro_oracle::expand;
use keepalive_macro_oracle::seeded::{Rng, env_or};

const HOUR: u64 = 3_600_000;
const MINUTE: u64 = 60_000;
const SECOND: u64 = 1_000;
/// Linux: TCP_KEEPIDLE and TCP_KEEPINTVL in whole seconds up to 32767, TCP_KEEPCNT up to
/// 127, TCP_USER_TIMEOUT in milliseconds up to i32::MAX.
const LINUX_MAX_SECONDS: u64 = 32_767;
const LINUX_MAX_RETRIES: u64 = 127;
const LINUX_MAX_USER_TIMEOUT_MS: u64 = i32::MAX as u64;

/// What an attribute means, drawn first; the text is written from it.
#[derive(Clone, Debug, Default)]
struct Intent {
    disabled: bool,
    timeout_ms: Option<u64>,
    interval_ms: Option<u64>,
    retries: Option<u32>,
    user_timeout_ms: Option<u64>,
    max_detect_ms: Option<u64>,
    idle_only: bool,
    after_connect: Option<bool>,
    best_effort: Option<bool>,
}

impl Intent {
    fn policy(&self) -> Policy {
        if self.disabled {
            return Policy::disabled();
        }
        let ms = core::time::Duration::from_millis;
        let mut p = Policy::new();
        if let Some(v) = self.timeout_ms {
            p = p.with_timeout(ms(v));
        }
        if let Some(v) = self.interval_ms {
            p = p.with_interval(ms(v));
        }
        if let Some(v) = self.retries {
            p = p.with_retries(v);
        }
        if let Some(v) = self.user_timeout_ms {
            p = p.with_user_timeout(ms(v));
        }
        p
    }

    fn draw(rng: &mut Rng) -> Intent {
        let mut intent = Intent {
            best_effort: rng.chance(15).then(|| rng.chance(50)),
            ..Intent::default()
        };
        if rng.chance(5) {
            // Beside `enabled = false` only `bounds` and `crate` may appear.
            intent.disabled = true;
            intent.best_effort = None;
            return intent;
        }
        let seconds = |rng: &mut Rng| rng.range(1, LINUX_MAX_SECONDS) * SECOND;
        intent.timeout_ms = rng.chance(60).then(|| seconds(rng));
        intent.interval_ms = rng.chance(60).then(|| seconds(rng));
        intent.retries = rng
            .chance(50)
            .then(|| rng.range(1, LINUX_MAX_RETRIES) as u32);
        intent.after_connect = rng.chance(20).then(|| rng.chance(50));
        if rng.chance(30) {
            intent.user_timeout_ms = Some(match intent.policy().probe_sequence_end() {
                // With retries written, the two must end the connection together.
                Ok(end) if intent.retries.is_some() => end.as_millis() as u64,
                _ => rng.range(1, LINUX_MAX_USER_TIMEOUT_MS),
            });
        }
        // Only rules, no grammar: a draw the rules refuse loses the knobs that broke them.
        if validate(&intent.policy(), Some(&LINUX)).is_err() {
            intent.user_timeout_ms = None;
        }
        if let Ok(worst) = intent.policy().worst_case_detection() {
            if rng.chance(30) {
                let bound = worst.as_millis() as u64 + rng.range(0, HOUR);
                // Core's driver for the host's target (Linux): with data in flight the
                // bound needs the user timeout there.
                let enforcement =
                    Enforcement::new().with_max_detect(core::time::Duration::from_millis(bound));
                let holds = |e: &Enforcement| check(&intent.policy(), Some(&LINUX), e).is_empty();
                if holds(&enforcement) {
                    intent.max_detect_ms = Some(bound);
                } else if holds(&enforcement.with_detect_idle_only(true)) {
                    // Without a user timeout the bound holds for idle connections only, and
                    // the attribute must say so.
                    intent.max_detect_ms = Some(bound);
                    intent.idle_only = true;
                }
            }
        }
        intent
    }
}

/// How a value is written.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Form {
    Str,
    Suffixed,
    Const,
}

/// A `macro_rules!` fragment kind a value can pass through.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fragment {
    Literal,
    Expr,
    Tt,
    Path,
}

impl Fragment {
    fn name(self) -> &'static str {
        match self {
            Fragment::Literal => "literal",
            Fragment::Expr => "expr",
            Fragment::Tt => "tt",
            Fragment::Path => "path",
        }
    }
}

/// One `key = value` of an attribute, as text.
#[derive(Clone, Debug)]
struct Entry {
    key: String,
    value: String,
    fragment: Option<Fragment>,
}

/// A duration in milliseconds written in the grammar, by this generator's own rules:
/// units from a random largest down to a random smallest that divides the value.
fn write_duration(rng: &mut Rng, ms: u64, spaces: bool) -> String {
    let units: [(u64, &[&str]); 4] = [
        (HOUR, &["h"]),
        (MINUTE, &["m", "min"]),
        (SECOND, &["s"]),
        (1, &["ms"]),
    ];
    let dividing: Vec<usize> = (0..4).filter(|&i| ms % units[i].0 == 0).collect();
    let smallest = rng.pick(&dividing);
    let largest = rng.below(smallest as u64 + 1) as usize;
    let mut rest = ms;
    let mut parts = Vec::new();
    for (size, names) in &units[largest..=smallest] {
        let n = rest / size;
        rest %= size;
        if n > 0 {
            let name = rng.pick(names);
            parts.push(format!("{n}{name}"));
        }
    }
    // `1min` followed by `30s` reads as `1mi` + `n30s` to no one: the grammar splits on
    // digits, so parts join without a space too.
    let separator = if spaces && rng.chance(70) { " " } else { "" };
    parts.join(separator)
}

/// Whether a suffixed literal can carry this text: rustc lexes `1h30m` as one integer
/// literal with suffix `h30m`, but a suffix cannot start with `e` or hold a space.
fn suffixable(text: &str) -> bool {
    !text.contains(' ')
}

/// A generated crate: consts and macros that values refer to, then the structs.
#[derive(Default)]
struct Batch {
    consts: String,
    /// Consts of the struct being written, for `Self::NAME` values.
    self_consts: String,
    items: String,
    count: usize,
    fragments: usize,
}

impl Batch {
    fn duration_value(&mut self, rng: &mut Rng, name: &str, ms: u64) -> (String, Form) {
        let form = match rng.below(10) {
            0..=4 => Form::Str,
            5..=7 => Form::Suffixed,
            _ => Form::Const,
        };
        match form {
            Form::Const => {
                let constant = format!("D{}_{name}", self.count);
                let value = format!("Duration::from_millis({ms})");
                (self.const_path(rng, &constant, "Duration", &value), form)
            }
            Form::Suffixed => {
                let text = write_duration(rng, ms, false);
                if suffixable(&text) {
                    (text, form)
                } else {
                    (format!("\"{text}\""), Form::Str)
                }
            }
            Form::Str => {
                let text = write_duration(rng, ms, true);
                let pad = if rng.chance(10) { " " } else { "" };
                (format!("\"{pad}{text}{pad}\""), form)
            }
        }
    }

    /// A const of type `ty` holding `value`, and the path a value names it by: a module's
    /// const, the struct's own (`Self::NAME`), or a trait's through a qualified path
    /// (`<c::Q as c::Get<u32>>::V`).
    fn const_path(&mut self, rng: &mut Rng, constant: &str, ty: &str, value: &str) -> String {
        match rng.below(3) {
            0 => {
                let _ = writeln!(self.consts, "    pub const {constant}: {ty} = {value};");
                format!("c::{constant}")
            }
            1 => {
                let _ = writeln!(self.self_consts, "    const {constant}: {ty} = {value};");
                format!("Self::{constant}")
            }
            _ => {
                let _ = writeln!(
                    self.consts,
                    "    pub struct Q{constant};\n    impl Get<{ty}> for Q{constant} {{ const V: {ty} = {value}; }}"
                );
                format!("<c::Q{constant} as c::Get<{ty}>>::V")
            }
        }
    }

    fn retries_value(&mut self, rng: &mut Rng, n: u32) -> (String, Form) {
        match rng.below(10) {
            0..=5 => (n.to_string(), Form::Suffixed),
            6..=7 => (format!("{n}u32"), Form::Suffixed),
            _ => {
                let constant = format!("R{}", self.count);
                let path = self.const_path(rng, &constant, "u32", &n.to_string());
                (path, Form::Const)
            }
        }
    }

    /// The attribute's entries for an intent, in a random order.
    fn entries(&mut self, rng: &mut Rng, intent: &Intent) -> Vec<Entry> {
        let mut out = Vec::new();
        let mut push = |key: &str, (value, form): (String, Form), rng: &mut Rng| {
            let fragment = rng.chance(15).then(|| match form {
                // A qualified path is no `path` fragment.
                Form::Const if rng.chance(50) && !value.starts_with('<') => Fragment::Path,
                Form::Const => Fragment::Expr,
                _ => rng.pick(&[Fragment::Literal, Fragment::Expr, Fragment::Tt]),
            });
            out.push(Entry {
                key: key.to_owned(),
                value,
                fragment,
            });
        };
        if intent.disabled {
            push("enabled", ("false".into(), Form::Suffixed), rng);
        } else if rng.chance(5) {
            push("enabled", ("true".into(), Form::Suffixed), rng);
        }
        let times = [
            ("timeout", intent.timeout_ms),
            ("interval", intent.interval_ms),
            ("user_timeout", intent.user_timeout_ms),
            ("max_detect", intent.max_detect_ms),
        ];
        for (key, ms) in times {
            if let Some(ms) = ms {
                let value = self.duration_value(rng, key, ms);
                push(key, value, rng);
            }
        }
        if let Some(n) = intent.retries {
            let value = self.retries_value(rng, n);
            push("retries", value, rng);
        }
        if intent.idle_only {
            push("detect_idle_only", ("true".into(), Form::Suffixed), rng);
        }
        if let Some(after) = intent.after_connect {
            let value = if after {
                "\"after_connect\""
            } else {
                "\"before_connect\""
            };
            push("apply", (value.into(), Form::Str), rng);
        }
        if let Some(on) = intent.best_effort {
            push("best_effort", (on.to_string(), Form::Suffixed), rng);
        }
        if rng.chance(5) {
            let path = rng.pick(&["\"::keepalive_runtime\"", "\"crate::rt\""]);
            push("crate", (path.into(), Form::Str), rng);
        }
        for i in (1..out.len()).rev() {
            out.swap(i, rng.below(i as u64 + 1) as usize);
        }
        out
    }

    /// One annotated struct and its assertions.
    fn push(&mut self, rng: &mut Rng, intent: &Intent) {
        let n = self.count;
        let entries = self.entries(rng, intent);
        let fragments: Vec<&Entry> = entries.iter().filter(|e| e.fragment.is_some()).collect();
        let mut args = String::new();
        for (i, e) in entries.iter().enumerate() {
            if i > 0 {
                args.push_str(", ");
            }
            match e.fragment {
                // `$crate` is taken: each fragment is `$v_<key>`.
                Some(_) => {
                    let _ = write!(args, "{} = $v_{}", e.key, e.key);
                }
                None => {
                    let _ = write!(args, "{} = {}", e.key, e.value);
                }
            }
        }
        if rng.chance(5) && !entries.is_empty() {
            args.push(',');
        }
        let attr = if entries.is_empty() && rng.chance(50) {
            "#[keepalive]".to_owned()
        } else {
            format!("#[keepalive({args})]")
        };
        let (item, ty, header) = random_item(rng, n);
        if !self.self_consts.is_empty() {
            let consts = std::mem::take(&mut self.self_consts);
            let _ = writeln!(self.items, "{header} {{\n{consts}}}");
        }
        self.fragments += usize::from(!fragments.is_empty());
        if fragments.is_empty() {
            let _ = writeln!(self.items, "{attr}\n{item}");
        } else {
            let params: Vec<String> = fragments
                .iter()
                .map(|e| format!("$v_{}:{}", e.key, e.fragment.unwrap().name()))
                .collect();
            let values: Vec<&str> = fragments.iter().map(|e| e.value.as_str()).collect();
            let _ = writeln!(
                self.items,
                "macro_rules! m{n} {{ ({}) => {{ {attr}\n{item} }}; }}\nm{n}!({});",
                params.join(", "),
                values.join(", ")
            );
        }
        let expected = expected_policy(intent);
        let apply = if intent.after_connect == Some(true) && !intent.disabled {
            "AfterConnect"
        } else {
            "BeforeConnect"
        };
        let best_effort = intent.best_effort.unwrap_or(false);
        let _ = writeln!(
            self.items,
            "const _: () = assert!(same(<{ty} as KeepAlivePolicy>::POLICY, {expected}), \"S{n}: POLICY differs from the intent\");\n\
             const _: () = assert!(matches!(<{ty} as KeepAlivePolicy>::APPLY, ApplyAt::{apply}), \"S{n}: APPLY differs\");\n\
             const _: () = assert!(<{ty} as KeepAlivePolicy>::ENFORCEMENT.is_best_effort() == {best_effort}, \"S{n}: best_effort differs\");"
        );
        self.count += 1;
    }

    fn source(&self) -> String {
        format!(
            "// Generated by keepalive-macros' oracle fuzzer.\n\
             #![allow(dead_code, unused_imports, non_camel_case_types)]\n\
             use ::core::time::Duration;\n\
             use ::keepalive_runtime::{{ApplyAt, KeepAlivePolicy, Policy, keepalive}};\n\
             use ::std::net::{{TcpListener, TcpStream}};\n\
             pub mod rt {{ pub use ::keepalive_runtime::*; }}\n\
             pub struct Framed<T>(T);\n\
             impl<T> Framed<T> {{ pub fn get_ref(&self) -> &T {{ &self.0 }} }}\n\
             impl<T> AsRef<T> for Framed<T> {{ fn as_ref(&self) -> &T {{ &self.0 }} }}\n\
             pub fn tcp_of(f: &Framed<TcpStream>) -> &TcpStream {{ &f.0 }}\n\
             mod c {{\n    use ::core::time::Duration;\n    pub trait Get<T> {{ const V: T; }}\n{}}}\n\
             const fn ms(d: Option<Duration>) -> u128 {{ match d {{ Some(d) => d.as_millis() + 1, None => 0 }} }}\n\
             const fn count(n: Option<u32>) -> u64 {{ match n {{ Some(n) => n as u64 + 1, None => 0 }} }}\n\
             const fn same(a: Policy, b: Policy) -> bool {{\n\
             \x20   a.is_enabled() == b.is_enabled()\n\
             \x20       && ms(a.timeout()) == ms(b.timeout())\n\
             \x20       && ms(a.interval()) == ms(b.interval())\n\
             \x20       && count(a.retries()) == count(b.retries())\n\
             \x20       && ms(a.user_timeout()) == ms(b.user_timeout())\n\
             }}\n\
             {}",
            self.consts, self.items
        )
    }
}

fn expected_policy(intent: &Intent) -> String {
    if intent.disabled {
        return "Policy::disabled()".into();
    }
    let mut out = "Policy::new()".to_owned();
    let times = [
        ("with_timeout", intent.timeout_ms),
        ("with_interval", intent.interval_ms),
        ("with_user_timeout", intent.user_timeout_ms),
    ];
    for (method, ms) in times {
        if let Some(ms) = ms {
            let _ = write!(out, ".{method}(Duration::from_millis({ms}))");
        }
    }
    if let Some(n) = intent.retries {
        let _ = write!(out, ".with_retries({n})");
    }
    out
}

/// A struct of a random shape, the type to name in its assertions, and the header of an
/// inherent impl for its `Self::` consts.
fn random_item(rng: &mut Rng, n: usize) -> (String, String, String) {
    let name = format!("S{n}");
    let plain = |item: String| (item, name.clone(), format!("impl {name}"));
    match rng.below(17) {
        0 => plain(format!("struct {name}(u8, ::std::net::TcpStream);")),
        1 => plain(format!(
            "struct {name} {{ name: String, #[keepalive(socket)] a: TcpStream, b: TcpStream }}"
        )),
        2 => (
            format!("struct {name}<S> {{ #[keepalive(socket)] inner: S, tag: u8 }}"),
            format!("{name}<TcpStream>"),
            format!("impl<S> {name}<S>"),
        ),
        3 => (
            format!(
                "struct {name}<'a, T: Clone> where T: Default {{ stream: &'a TcpStream, tag: T }}"
            ),
            format!("{name}<'static, u8>"),
            format!("impl<'a, T: Clone> {name}<'a, T> where T: Default"),
        ),
        4 => plain(format!("struct {name} {{ listener: TcpListener }}")),
        // A policy type: no socket, the attribute alone.
        7 => plain(format!("struct {name};")),
        8 => {
            let wrapper = rng.pick(&[
                "Box<TcpStream>",
                "Option<::std::sync::Arc<TcpStream>>",
                "::std::io::BufReader<TcpStream>",
                "::std::rc::Rc<TcpListener>",
            ]);
            plain(format!(
                "struct {name} {{ id: u64, #[keepalive(socket)] conn: {wrapper} }}"
            ))
        }
        9 => (
            format!("struct {name}<'a> {{ #[keepalive(socket)] conn: &'a mut TcpStream }}"),
            format!("{name}<'static>"),
            format!("impl<'a> {name}<'a>"),
        ),
        // A wrapper that names its way to the socket, by a path or a qualified path.
        10 => {
            let accessor = rng.pick(&[
                "Framed::get_ref",
                "<Framed<TcpStream>>::get_ref",
                "<Framed<TcpStream> as AsRef<TcpStream>>::as_ref",
                "tcp_of",
            ]);
            plain(format!(
                "struct {name} {{ #[keepalive(socket = {accessor})] conn: Framed<TcpStream>, n: u8 }}"
            ))
        }
        5 => plain(format!(
            "pub(crate) struct {name} {{ #[doc = \"the socket\"] stream: ::std::net::TcpStream }}"
        )),
        // Fields under #[cfg]: the generated code follows the ones that survive.
        11 => plain(format!("struct {name}(#[cfg(any())] u8, TcpStream);")),
        12 => plain(format!(
            "struct {name} {{ #[cfg(unix)] stream: TcpStream, #[cfg(not(unix))] stream: ::std::net::TcpStream }}"
        )),
        13 => plain(format!(
            "struct {name} {{ stream: TcpStream, #[cfg(any())] spare: TcpStream }}"
        )),
        14 => plain(format!(
            "struct {name} {{ #[cfg_attr(all(), keepalive(socket))] a: TcpStream, b: TcpStream }}"
        )),
        15 => plain(format!(
            "struct {name}(#[cfg(all())] u8, #[cfg(any())] u16, TcpListener);"
        )),
        _ => plain(format!("struct {name} {{ stream: TcpStream }}")),
    }
}

/// The generated crate, checked by cargo in a target directory of its own.
struct Oracle {
    dir: PathBuf,
}

impl Oracle {
    fn new() -> Oracle {
        // This crate is tests/macro-oracle.
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let workspace = workspace.canonicalize().unwrap();
        let workspace = workspace.as_path();
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace.join("target"));
        let dir = target.join("oracle-fuzz");
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let runtime = workspace.join("keepalive-runtime");
        std::fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"keepalive-oracle\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
                 [dependencies]\nkeepalive-runtime = {{ path = {:?} }}\n\n[workspace]\n",
                runtime.display().to_string()
            ),
        )
        .unwrap();
        // The workspace's versions, so the check needs no registry.
        std::fs::copy(workspace.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        Oracle { dir }
    }

    /// Checks one batch; returns the compiler's errors, if any.
    fn check(&self, source: &str) -> Result<(), String> {
        std::fs::write(self.dir.join("src/lib.rs"), source).unwrap();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = Command::new(cargo)
            .args([
                "check",
                "--quiet",
                "--offline",
                "--lib",
                "--message-format=short",
            ])
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", self.dir.join("target"))
            .output()
            .expect("cargo");
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }
}

/// How a near miss breaks an attribute, and where its error must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mutation {
    KeyTypo,
    UnknownKey,
    DuplicateKey,
    MissingValue,
    MissingEquals,
    MissingComma,
    BadUnit,
    NoUnit,
    Zero,
    Negative,
    Fraction,
    StringSuffix,
    AboveLinux,
    SubSecond,
    WrongType,
    BadApply,
    Sign,
    FieldMarker,
}

const MUTATIONS: &[Mutation] = &[
    Mutation::KeyTypo,
    Mutation::UnknownKey,
    Mutation::DuplicateKey,
    Mutation::MissingValue,
    Mutation::MissingEquals,
    Mutation::MissingComma,
    Mutation::BadUnit,
    Mutation::NoUnit,
    Mutation::Zero,
    Mutation::Negative,
    Mutation::Fraction,
    Mutation::StringSuffix,
    Mutation::AboveLinux,
    Mutation::SubSecond,
    Mutation::WrongType,
    Mutation::BadApply,
    Mutation::Sign,
    Mutation::FieldMarker,
];

/// Items that are wrong where the socket field is concerned, beside a valid attribute: the
/// item, the text its error must lie on, and whether that is the last occurrence of it.
const ITEM_MISSES: &[(&str, &str, bool)] = &[
    (
        "struct Conn { #[keepalive(sockt)] stream: TcpStream, name: String }",
        "sockt",
        false,
    ),
    (
        "struct Conn { #[keepalive(socket = 5)] stream: Framed<TcpStream> }",
        "5",
        false,
    ),
    (
        "struct Conn { #[keepalive(socket, socket)] stream: TcpStream }",
        "socket",
        true,
    ),
    (
        "struct Conn { #[keepalive()] stream: TcpStream }",
        "#[keepalive()]",
        false,
    ),
    (
        "struct Conn { #[keepalive(timeout = \"1s\")] stream: TcpStream }",
        "timeout",
        false,
    ),
    (
        "struct Conn { #[keepalive] stream: TcpStream }",
        "#[keepalive]",
        false,
    ),
    (
        "struct Conn { #[keepalive(socket)] a: TcpStream, #[keepalive(socket)] b: TcpStream }",
        "#[keepalive(socket)]",
        true,
    ),
    (
        "struct Conn { #[keepalive(socket)] #[keepalive(socket)] a: TcpStream }",
        "#[keepalive(socket)]",
        true,
    ),
    (
        "struct Conn { a: TcpStream, b: TcpStream }",
        "TcpStream",
        true,
    ),
    ("struct Conn { name: String }", "Conn", false),
    ("struct Conn { stream: UdpSocket }", "UdpSocket", false),
    (
        "struct Conn(u8, ::tokio::net::UdpSocket);",
        "::tokio::net::UdpSocket",
        false,
    ),
    ("enum Conn { A(TcpStream) }", "enum", false),
];

const TIME_KEYS: &[&str] = &["timeout", "interval", "user_timeout", "max_detect"];

/// Writes entries as `key = value, ...`, returning the text and each entry's key and value
/// byte ranges (relative to the text).
/// Each entry's key and value, as byte ranges of the rendered text.
type EntrySpans = Vec<(Range<usize>, Range<usize>)>;

fn render(entries: &[Entry], separators: &[&str]) -> (String, EntrySpans) {
    let mut text = String::new();
    let mut ranges = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            text.push_str(separators[i - 1]);
        }
        let key_start = text.len();
        text.push_str(&e.key);
        let key = key_start..text.len();
        if !e.value.is_empty() {
            text.push_str(" = ");
        }
        let value_start = text.len();
        text.push_str(&e.value);
        ranges.push((key, value_start..text.len()));
    }
    (text, ranges)
}

/// A near miss: the attribute text, where its errors must lie, and how it was made.
struct NearMiss {
    args: String,
    /// The item, when the mutation is in the item rather than the attribute.
    item: Option<&'static str>,
    /// In the attribute's text, or the item's when there is one.
    expected: Range<usize>,
    fragment: Option<Range<usize>>,
    mutation: Mutation,
}

/// One mutation of a valid intent, or `None` if it does not apply to that attribute.
fn near_miss(rng: &mut Rng, batch: &mut Batch) -> Option<NearMiss> {
    let intent = Intent::draw(rng);
    let mut entries = batch.entries(rng, &intent);
    let mutation = rng.pick(MUTATIONS);
    // Near misses go through the macro in-process: no struct, no impl for `Self::` consts.
    batch.self_consts.clear();
    if mutation == Mutation::FieldMarker {
        if entries.iter().any(|e| is_const_value(&e.value)) {
            return None;
        }
        let (item, needle, last) = rng.pick(ITEM_MISSES);
        let at = if last {
            item.rfind(needle)
        } else {
            item.find(needle)
        }
        .unwrap();
        let separators = vec![", "; entries.len().saturating_sub(1)];
        let (args, _) = render(&entries, &separators);
        return Some(NearMiss {
            args,
            item: Some(item),
            expected: at..at + needle.len(),
            fragment: None,
            mutation,
        });
    }
    let pick = |rng: &mut Rng, entries: &[Entry], keys: &[&str]| -> Option<usize> {
        let found: Vec<usize> = (0..entries.len())
            .filter(|&i| keys.contains(&entries[i].key.as_str()))
            .collect();
        (!found.is_empty()).then(|| rng.pick(&found))
    };
    let any = |rng: &mut Rng, entries: &[Entry]| {
        (!entries.is_empty()).then(|| rng.below(entries.len() as u64) as usize)
    };
    // Which entry holds the error, and whether it is the key (else the value).
    let (at, on_key): (usize, bool) = match mutation {
        Mutation::KeyTypo => {
            let i = any(rng, &entries)?;
            let key = &mut entries[i].key;
            // Dropping a letter of `crate` leaves `rate`: still a wrong key, never a real one.
            let cut = rng.below(key.len() as u64) as usize;
            key.remove(cut);
            if key.is_empty() {
                return None;
            }
            (i, true)
        }
        Mutation::UnknownKey => {
            let key = rng.pick(&["idle", "probes", "keepcnt", "intvl", "colour", "timeout_ms"]);
            let at = rng.below(entries.len() as u64 + 1) as usize;
            entries.insert(
                at,
                Entry {
                    key: key.into(),
                    value: "\"5s\"".into(),
                    fragment: None,
                },
            );
            (at, true)
        }
        Mutation::DuplicateKey => {
            let i = any(rng, &entries)?;
            let copy = entries[i].clone();
            entries.push(copy);
            (entries.len() - 1, true)
        }
        Mutation::MissingValue | Mutation::MissingEquals => {
            let i = any(rng, &entries)?;
            if mutation == Mutation::MissingValue {
                entries[i].key = format!("{} =", entries[i].key);
                entries[i].value = String::new();
                entries[i].fragment = None;
            } else {
                // `key value`: the key is written with its value glued on after a space.
                let value = std::mem::take(&mut entries[i].value);
                entries[i].key = format!("{} {value}", entries[i].key);
                entries[i].fragment = None;
            }
            (i, true)
        }
        Mutation::MissingComma => {
            if entries.len() < 2 {
                return None;
            }
            let i = 1 + rng.below(entries.len() as u64 - 1) as usize;
            (i, true)
        }
        Mutation::BadUnit
        | Mutation::NoUnit
        | Mutation::Zero
        | Mutation::Negative
        | Mutation::Fraction
        | Mutation::StringSuffix => {
            let i = pick(rng, &entries, TIME_KEYS)?;
            let quoted = rng.chance(50);
            let q = |s: &str| {
                if quoted {
                    format!("\"{s}\"")
                } else {
                    s.to_owned()
                }
            };
            entries[i].value = match mutation {
                Mutation::BadUnit => q(rng.pick(&["5hrs", "5sec", "5x", "5 hours", "5y"])),
                Mutation::NoUnit => q("5"),
                Mutation::Zero => q(rng.pick(&["0s", "0ms", "0h"])),
                Mutation::Negative => format!("-{}", q("5s")),
                Mutation::Fraction => q("1.5s"),
                _ => "\"5s\"h".into(),
            };
            (i, false)
        }
        Mutation::AboveLinux => {
            let i = pick(rng, &entries, &["timeout", "interval", "retries"])?;
            entries[i].value = if entries[i].key == "retries" {
                (128 + rng.below(1000)).to_string()
            } else {
                format!("\"{}s\"", LINUX_MAX_SECONDS + 1 + rng.below(100_000))
            };
            (i, false)
        }
        Mutation::SubSecond => {
            let i = pick(rng, &entries, &["timeout", "interval"])?;
            entries[i].value = format!("\"{}ms\"", 1 + rng.below(999) + 1000 * rng.below(5));
            (i, false)
        }
        Mutation::WrongType => {
            let i = any(rng, &entries)?;
            entries[i].value = match entries[i].key.as_str() {
                "enabled" | "best_effort" | "detect_idle_only" => "1",
                "retries" => "\"4\"",
                "crate" => "keepalive_runtime",
                "apply" => "true",
                _ => "true",
            }
            .into();
            (i, false)
        }
        Mutation::Sign => {
            let i = any(rng, &entries)?;
            entries[i].value = format!("+{}", entries[i].value);
            (i, false)
        }
        Mutation::FieldMarker => unreachable!("handled above"),
        Mutation::BadApply => {
            let i = pick(rng, &entries, &["apply"])?;
            entries[i].value = "\"sideways\"".into();
            (i, false)
        }
    };
    // A valid value changed to another valid one (a sub-second or too large time) moves
    // the probes' end: a written user_timeout or max_detect would then rightly be an error
    // of its own.
    if matches!(mutation, Mutation::AboveLinux | Mutation::SubSecond) {
        let changed = entries[at].key.clone();
        let dependent = ["user_timeout", "max_detect", "detect_idle_only"];
        entries.retain(|e| e.key == changed || !dependent.contains(&e.key.as_str()));
        let new_at = entries.iter().position(|e| e.key == changed)?;
        return finish(entries, new_at, on_key, mutation);
    }
    finish(entries, at, on_key, mutation)
}

/// A value naming a const (`c::D`, `Self::D`, `<c::Q as c::Get<u32>>::V`).
fn is_const_value(value: &str) -> bool {
    value.starts_with("c::") || value.starts_with("Self::") || value.starts_with("<c::")
}

fn finish(
    mut entries: Vec<Entry>,
    at: usize,
    on_key: bool,
    mutation: Mutation,
) -> Option<NearMiss> {
    // An error that needs a const path's value is found by constant evaluation, after the
    // macro; here every other value is a literal, so the macro alone must find it.
    if entries.iter().any(|e| is_const_value(&e.value)) {
        return None;
    }
    // A mutated value replaces whatever form it had; `enabled = false` beside the mutated
    // knob would add a second, legitimate error elsewhere.
    if entries
        .iter()
        .any(|e| e.key == "enabled" && e.value == "false")
        && entries.len() > 1
    {
        return None;
    }
    if !on_key {
        entries[at].fragment = None;
    }
    let mut separators = vec![", "; entries.len().saturating_sub(1)];
    if mutation == Mutation::MissingComma {
        separators[at - 1] = " ";
    }
    let (args, ranges) = render(&entries, &separators);
    let (key, value) = ranges[at].clone();
    let expected = if on_key {
        key.start..value.end.max(key.end)
    } else {
        value
    };
    // One untouched entry may still arrive through a fragment (an invisible group).
    let fragment = entries
        .iter()
        .enumerate()
        .find(|(i, e)| *i != at && e.fragment.is_some())
        .map(|(i, _)| ranges[i].1.clone());
    Some(NearMiss {
        args,
        item: None,
        expected,
        fragment,
        mutation,
    })
}

/// Wraps the tokens inside `range` in an invisible group, as `macro_rules!` passes an
/// `expr` fragment.
fn wrap_fragment(tokens: TokenStream, range: &Range<usize>) -> TokenStream {
    let mut out = Vec::new();
    let mut inner = Vec::new();
    for t in tokens {
        let r = t.span().byte_range();
        if r.start >= range.start && r.end <= range.end {
            inner.push(t);
        } else {
            if !inner.is_empty() {
                out.push(TokenTree::Group(Group::new(
                    Delimiter::None,
                    std::mem::take(&mut inner).into_iter().collect(),
                )));
            }
            out.push(t);
        }
    }
    if !inner.is_empty() {
        out.push(TokenTree::Group(Group::new(
            Delimiter::None,
            inner.into_iter().collect(),
        )));
    }
    out.into_iter().collect()
}

/// The byte range each `compile_error!` in the expansion covers: from its first token to
/// its braces, which carry the end of the error's span.
/// Errors behind `#[cfg(any(target_os = ...))]` count only if Linux, the target this runs
/// on, is among them: the others' limits differ.
fn error_ranges(tokens: TokenStream) -> Vec<Range<usize>> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::new();
    let mut other_target = false;
    for (i, t) in tokens.iter().enumerate() {
        if let TokenTree::Group(g) = t {
            let text = g.stream().to_string();
            if g.delimiter() == Delimiter::Bracket && text.starts_with("cfg") {
                other_target = !text.contains("\"linux\"");
                continue;
            }
        }
        if let TokenTree::Ident(ident) = t {
            if ident == "compile_error" && std::mem::take(&mut other_target) {
                continue;
            }
            if ident == "compile_error" {
                // `::core::compile_error! { "..." }`: the path carries the start of the
                // error's span, the braces its end.
                let start = ident.span().byte_range().start;
                let end = tokens
                    .get(i + 2)
                    .map(|t| t.span().byte_range().end)
                    .unwrap_or(start);
                out.push(start..end.max(start));
            }
        }
        if let TokenTree::Group(g) = t {
            out.extend(error_ranges(g.stream()));
        }
    }
    out
}

/// Counts of one run, as BENCHMARKS.md reports them.
#[derive(Default, Debug)]
struct Figures {
    valid_compiled: usize,
    batches: usize,
    near_misses: usize,
    panics: usize,
    mismatches: usize,
    misplaced: usize,
    /// Near misses per mutation, in `MUTATIONS` order.
    by_mutation: Vec<usize>,
    /// Near misses with another value passed as an invisible group (a macro fragment).
    through_fragment: usize,
    /// Valid attributes with a value passed through a `macro_rules!` fragment.
    valid_fragments: usize,
}

const ITEM: &str = "struct Conn { name: String, stream: ::std::net::TcpStream }";

fn run_near_misses(seed: u64, count: usize, figures: &mut Figures) -> Vec<String> {
    let mut rng = Rng(seed.max(1) ^ 0x9e37_79b9_7f4a_7c15);
    let mut batch = Batch::default();
    let mut failures = Vec::new();
    while figures.near_misses < count {
        let Some(miss) = near_miss(&mut rng, &mut batch) else {
            continue;
        };
        figures.near_misses += 1;
        figures.by_mutation.resize(MUTATIONS.len(), 0);
        let kind = MUTATIONS.iter().position(|m| *m == miss.mutation).unwrap();
        figures.by_mutation[kind] += 1;
        figures.through_fragment += usize::from(miss.fragment.is_some());
        // Attribute and item from one source text, so every span is an offset into it.
        let source = format!("({}) {}", miss.args, miss.item.unwrap_or(ITEM));
        let mut tokens = TokenStream::from_str(&source).expect("generated text lexes");
        let offset = 1;
        let mut iter = tokens.clone().into_iter();
        let Some(TokenTree::Group(args)) = iter.next() else {
            unreachable!()
        };
        let item: TokenStream = iter.collect();
        let mut args = args.stream();
        if let Some(range) = &miss.fragment {
            args = wrap_fragment(args, &(range.start + offset..range.end + offset));
        }
        tokens = args;
        let outcome = catch_unwind(AssertUnwindSafe(|| expand(tokens, item)));
        let Ok(out) = outcome else {
            figures.panics += 1;
            failures.push(format!(
                "panic: #[keepalive({})] {}",
                miss.args,
                miss.item.unwrap_or(ITEM)
            ));
            continue;
        };
        // Offsets into the source: the attribute's start after `(`, the item's after `) `.
        let base = match miss.item {
            Some(_) => offset + miss.args.len() + 2,
            None => offset,
        };
        let expected = miss.expected.start + base..miss.expected.end + base;
        // A message speaks of the attribute, never of the parser behind it.
        if out.to_string().contains("syn's") {
            figures.misplaced += 1;
            failures.push(format!("parser message: #[keepalive({})]", miss.args));
            continue;
        }
        let errors = error_ranges(out);
        let misplaced: Vec<&Range<usize>> = errors
            .iter()
            .filter(|r| r.start < expected.start || r.end > expected.end)
            .collect();
        if errors.is_empty() || !misplaced.is_empty() {
            figures.misplaced += 1;
            let at = |r: &Range<usize>| source.get(r.clone()).unwrap_or("?").to_owned();
            failures.push(format!(
                "{:?}: #[keepalive({})] {} expected errors on `{}`, got {:?}",
                miss.mutation,
                miss.args,
                miss.item.unwrap_or(""),
                at(&expected),
                errors.iter().map(at).collect::<Vec<_>>()
            ));
        }
    }
    failures
}

fn run_valid(seed: u64, count: usize, per_batch: usize, figures: &mut Figures) -> Vec<String> {
    let mut rng = Rng(seed.max(1));
    let oracle = Oracle::new();
    let mut failures = Vec::new();
    while figures.valid_compiled < count {
        let mut batch = Batch::default();
        let size = per_batch.min(count - figures.valid_compiled);
        while batch.count < size {
            let intent = Intent::draw(&mut rng);
            batch.push(&mut rng, &intent);
        }
        figures.valid_fragments += batch.fragments;
        let source = batch.source();
        match oracle.check(&source) {
            Ok(()) => {}
            Err(errors) => {
                figures.mismatches += errors.lines().filter(|l| l.contains("differs")).count();
                let kept = oracle
                    .dir
                    .join(format!("failed-batch-{}.rs", figures.batches));
                std::fs::write(&kept, &source).unwrap();
                failures.push(format!(
                    "batch {} (kept in {}):\n{}",
                    figures.batches,
                    kept.display(),
                    errors.lines().take(40).collect::<Vec<_>>().join("\n")
                ));
            }
        }
        figures.valid_compiled += size;
        figures.batches += 1;
    }
    failures
}

/// Near misses, in-process: no compiler spawned, part of `cargo test --workspace`.
#[test]
fn near_misses() {
    let seed: u64 = env_or("ORACLE_SEED", 1);
    let near: usize = env_or("ORACLE_NEAR", 2_000);
    let mut figures = Figures::default();
    let start = std::time::Instant::now();
    let failures = run_near_misses(seed, near, &mut figures);
    println!(
        "oracle: seed {seed}: {} near misses ({} beside a fragment), {} panics, {} misplaced \
         errors, {:.1?}",
        figures.near_misses,
        figures.through_fragment,
        figures.panics,
        figures.misplaced,
        start.elapsed()
    );
    let per: Vec<String> = MUTATIONS
        .iter()
        .zip(&figures.by_mutation)
        .map(|(m, n)| format!("{m:?} {n}"))
        .collect();
    println!("oracle: near misses by mutation: {}", per.join(", "));
    assert_none(&failures);
}

/// Valid attributes compiled by `cargo check` in generated crates. It spawns cargo, which
/// waits for the build lock of the run that started it, so it is not part of the default
/// test run: `.ci/run` runs it as a step of its own
/// (`cargo test -p keepalive-macro-oracle --test oracle -- --ignored`), `.ci/fuzz` the long run.
#[test]
#[ignore = "spawns cargo check; run by .ci/run and .ci/fuzz with --ignored"]
fn compiled() {
    let seed: u64 = env_or("ORACLE_SEED", 1);
    let valid: usize = env_or("ORACLE_VALID", 300);
    let per_batch: usize = env_or("ORACLE_BATCH", 300);
    let mut figures = Figures::default();
    let start = std::time::Instant::now();
    let failures = run_valid(seed, valid, per_batch, &mut figures);
    println!(
        "oracle: seed {seed}: {} valid attributes compiled in {} batches ({} through a macro \
         fragment), {} mismatches, {:.1?}",
        figures.valid_compiled,
        figures.batches,
        figures.valid_fragments,
        figures.mismatches,
        start.elapsed()
    );
    assert_none(&failures);
}

fn assert_none(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} failures; the first:\n{}",
        failures.len(),
        failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
