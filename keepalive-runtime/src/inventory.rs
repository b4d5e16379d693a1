//! Every `#[keepalive]` type linked into the running program, with where it is declared,
//! its policy, what that policy detects and what it was checked against (feature
//! `inventory`).
//!
//! Each annotated type registers itself at link time through the [`inventory`] crate, in
//! every crate of the build that uses the attribute, the dependencies' included: nothing
//! is called to register, and a type is listed once however often it is used. An operator
//! prints the table; a start-up check holds every type to an organisation's [`Bounds`]
//! that the types themselves never named.
//!
//! ```
//! use keepalive_runtime::prelude::*;
//! use keepalive_runtime::{Bounds, inventory};
//! use std::time::Duration;
//!
//! #[keepalive(timeout = "10m", interval = "30s", retries = 4)]
//! struct Upstream;
//!
//! // `--keepalive-inventory` on the command line prints the table and says so.
//! if inventory::print_if_requested() {
//!     return;
//! }
//! let entry = inventory::entries()
//!     .into_iter()
//!     .find(|e| e.name() == "Upstream")
//!     .expect("every annotated type is listed");
//! assert_eq!(entry.policy().retries(), Some(4));
//! assert_eq!(entry.detection().unwrap().idle, Duration::from_secs(12 * 60));
//!
//! // At start-up: every type in the program against the fleet's bounds.
//! const FLEET: Bounds = Bounds::new("ops", "FLEET").with_max_timeout(Duration::from_secs(300));
//! let misfits = inventory::check(&FLEET).unwrap_err();
//! assert!(misfits.iter().any(|m| m.entry().name() == "Upstream"));
//! // `rust_out::Upstream` (src/inventory.rs:17:1): this policy breaks ops::FLEET: ...
//! println!("{}", misfits[0]);
//! ```
//!
//! A generic type whose attribute names `Self` (`timeout = Self::IDLE`) has a policy only
//! per instantiation and is not listed; every other generic type is, by its declaration
//! (`Conn<S>`).

use std::fmt;

use keepalive_core::rules::{Enforcement, build_violation};
use keepalive_core::{Detection, DetectionError, TARGET, Violation};

use crate::config::format_duration;
use crate::{ApplyAt, Bounds, KeepAlivePolicy, Policy};

/// The flag [`print_if_requested`] looks for.
pub const FLAG: &str = "--keepalive-inventory";

/// One annotated type: written by the attribute's expansion, read through the methods.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    name: &'static str,
    module: &'static str,
    file: &'static str,
    line: u32,
    column: u32,
    policy: Policy,
    enforcement: Enforcement,
    apply: ApplyAt,
    build_setting: Option<&'static str>,
}

::inventory::collect!(Entry);

impl Entry {
    #[doc(hidden)] // The expansion's constructor for a type without parameters.
    #[allow(clippy::too_many_arguments)]
    pub const fn __of<T: KeepAlivePolicy + ?Sized>(
        name: &'static str,
        module: &'static str,
        file: &'static str,
        line: u32,
        column: u32,
        build_setting: Option<&'static str>,
    ) -> Entry {
        Entry::__inline(
            T::POLICY,
            T::ENFORCEMENT,
            T::APPLY,
            name,
            module,
            file,
            line,
            column,
            build_setting,
        )
    }

    #[doc(hidden)] // The expansion's constructor for a generic type: its values inline.
    #[allow(clippy::too_many_arguments)]
    pub const fn __inline(
        policy: Policy,
        enforcement: Enforcement,
        apply: ApplyAt,
        name: &'static str,
        module: &'static str,
        file: &'static str,
        line: u32,
        column: u32,
        build_setting: Option<&'static str>,
    ) -> Entry {
        Entry {
            name,
            module,
            file,
            line,
            column,
            policy,
            enforcement,
            apply,
            build_setting,
        }
    }

    /// The type's name as declared, with its parameters (`Conn<S>`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The module that declares it (`my_app::net`), which starts with its crate.
    pub fn module(&self) -> &'static str {
        self.module
    }

    /// Its crate, as its paths name it (`my_app`).
    pub fn krate(&self) -> &'static str {
        self.module.split("::").next().unwrap_or(self.module)
    }

    /// `module::name`.
    pub fn path(&self) -> String {
        format!("{}::{}", self.module, self.name)
    }

    /// The source file of the type's attribute, as the compiler was given it (relative to the
    /// workspace of the crate that declares it).
    pub fn file(&self) -> &'static str {
        self.file
    }

    /// The line of the type's `#[keepalive]` attribute, from 1 (of the macro call, where a
    /// `macro_rules!` declares the type).
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The column of that attribute (or call), from 1.
    pub fn column(&self) -> u32 {
        self.column
    }

    /// The policy as the type declares it.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// What the type enforces beyond the platform: `max_detect`, `bounds` (with the
    /// middleboxes on its path, [`Bounds::idle_limit`]), `best_effort`.
    pub fn enforcement(&self) -> Enforcement {
        self.enforcement
    }

    /// When a connect path sets the options.
    pub fn apply(&self) -> ApplyAt {
        self.apply
    }

    /// The build-wide bounds (`KEEPALIVE_BOUNDS`) the type's crate was compiled with, as
    /// written; the type was held to them at compile time.
    pub fn build_setting(&self) -> Option<&'static str> {
        self.build_setting
    }

    /// The worst-case time to declare a dead peer on the running OS: idle, and with data
    /// in flight where the policy bounds that (`user_timeout`, or an OS whose probes
    /// cover it). See [`Policy::detection_on`].
    pub fn detection(&self) -> Result<Detection, DetectionError> {
        match TARGET {
            Some(platform) => self.policy.detection_on(platform),
            None => self.policy.worst_case_detection().map(|idle| Detection {
                idle,
                in_flight: None,
            }),
        }
    }

    /// The first rule of `bounds` the type's policy breaks on the running OS, if any.
    pub fn check(&self, bounds: &Bounds) -> Option<Violation> {
        build_violation(&self.policy, TARGET, &self.enforcement, bounds)
    }
}

/// Every annotated type in the program, once each, sorted by path and then by location.
pub fn entries() -> Vec<&'static Entry> {
    let mut all: Vec<&'static Entry> = ::inventory::iter::<Entry>.into_iter().collect();
    all.sort_by(|a, b| {
        (a.module, a.name, a.file, a.line, a.column)
            .cmp(&(b.module, b.name, b.file, b.line, b.column))
    });
    all
}

/// A type that breaks the bounds given to [`check`], with the first rule it breaks.
#[derive(Debug, Clone, Copy)]
pub struct Misfit {
    entry: &'static Entry,
    violation: Violation,
}

impl Misfit {
    /// The type.
    pub fn entry(&self) -> &'static Entry {
        self.entry
    }

    /// The rule it breaks, typed (its `Display` is the message a compile error would give).
    pub fn violation(&self) -> Violation {
        self.violation
    }
}

impl fmt::Display for Misfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.entry;
        write!(
            f,
            "`{}::{}` ({}:{}:{}): {}",
            e.module, e.name, e.file, e.line, e.column, self.violation
        )
    }
}

impl std::error::Error for Misfit {}

/// Holds every type in the program to `bounds` on the running OS, as a start-up check:
/// each type that breaks them, with the first rule it breaks, in [`entries`] order.
pub fn check(bounds: &Bounds) -> Result<(), Vec<Misfit>> {
    let misfits: Vec<Misfit> = entries()
        .into_iter()
        .filter_map(|entry| {
            entry
                .check(bounds)
                .map(|violation| Misfit { entry, violation })
        })
        .collect();
    if misfits.is_empty() {
        Ok(())
    } else {
        Err(misfits)
    }
}

/// The inventory as a table, one type per line: path, location, policy, detection idle and
/// with data in flight, and what it was checked against.
pub fn table() -> Table {
    Table { entries: entries() }
}

/// Prints [`table`] to stdout if the program's arguments hold [`FLAG`]
/// (`--keepalive-inventory`), and says whether it did, so `main` can return.
pub fn print_if_requested() -> bool {
    let asked = std::env::args_os().skip(1).any(|a| a == FLAG);
    if asked {
        print!("{}", table());
    }
    asked
}

/// What [`table`] returns; `Display` writes it.
#[derive(Debug, Clone)]
pub struct Table {
    entries: Vec<&'static Entry>,
}

impl Table {
    /// The entries it shows.
    pub fn entries(&self) -> &[&'static Entry] {
        &self.entries
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows: Vec<[String; 5]> = self.entries.iter().map(|e| row(e)).collect();
        let header = [
            "type".to_owned(),
            "declared at".to_owned(),
            "policy".to_owned(),
            "dead peer found within (idle / data in flight)".to_owned(),
            "checked against".to_owned(),
        ];
        let mut widths = header.clone().map(|h| h.chars().count());
        for r in &rows {
            for (w, cell) in widths.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        writeln!(
            f,
            "{} type{} with a keep-alive policy:",
            rows.len(),
            if rows.len() == 1 { "" } else { "s" }
        )?;
        for r in std::iter::once(&header).chain(&rows) {
            let last = r.len() - 1;
            for (i, cell) in r.iter().enumerate() {
                if i == last {
                    writeln!(f, "{cell}")?;
                } else {
                    write!(f, "{cell:<w$}  ", w = widths[i])?;
                }
            }
        }
        Ok(())
    }
}

fn row(e: &Entry) -> [String; 5] {
    let detection = match e.detection() {
        Ok(d) => format!(
            "{} / {}",
            format_duration(d.idle),
            d.in_flight.map_or_else(
                || "unbounded".to_owned(),
                |d| format_duration(d).to_string()
            )
        ),
        Err(why) => why.to_string(),
    };
    let mut against = Vec::new();
    if let Some(d) = e.enforcement.max_detect() {
        against.push(format!("max_detect = \"{}\"", format_duration(d)));
    }
    if let Some(b) = e.enforcement.bounds() {
        against.push(format!("bounds {}::{}", b.owner(), b.name()));
        if let Some(m) = b.idle_limit() {
            against.push(format!(
                "through {} ({} idle)",
                m.about.name,
                format_duration(m.idle)
            ));
        }
    }
    if let Some(s) = e.build_setting {
        against.push(format!("KEEPALIVE_BOUNDS = \"{s}\""));
    }
    if e.enforcement.is_best_effort() {
        against.push("best effort".to_owned());
    }
    if against.is_empty() {
        against.push("the platform's limits".to_owned());
    }
    [
        e.path(),
        format!("{}:{}:{}", e.file, e.line, e.column),
        e.policy.to_string(),
        detection,
        against.join(", "),
    ]
}
