//! The inventory (feature `inventory`): every annotated type linked into this test binary,
//! this crate's and its dependency `keepalive-defaults-lib`'s, listed once each at the
//! place of its attribute, and the start-up check against `Bounds` typed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use keepalive_runtime::inventory::{self, Entry};
use keepalive_runtime::prelude::*;
use keepalive_runtime::rules::Violation;
use keepalive_runtime::{ApplyAt, Bounds};

const LISTED_LINE: u32 = line!() + 1;
#[keepalive(timeout = "10m", interval = "30s", retries = 4)]
struct Listed;

const CONN_LINE: u32 = line!() + 2;
/// A connection type: documented, with a socket, strict detection.
#[keepalive(
    timeout = "30s",
    interval = "5s",
    retries = 3,
    user_timeout = "45s",
    max_detect = "1m",
    apply = "after_connect"
)]
struct ListedConn {
    stream: std::net::TcpStream,
}

const GENERIC_LINE: u32 = line!() + 1;
#[keepalive(timeout = "1m", interval = "10s", retries = 3)]
struct ListedGeneric<S> {
    #[keepalive(socket)]
    stream: S,
}

mod nested {
    pub(super) const LINE: u32 = line!() + 1;
    #[keepalive_runtime::keepalive]
    pub(super) struct Bare;
}

macro_rules! declare {
    ($name:ident) => {
        #[keepalive(timeout = "2m", interval = "10s", retries = 2)]
        struct $name;
    };
}

// A type declared by a macro is placed at the macro's call.
const FIRST_MACRO_LINE: u32 = line!() + 1;
declare!(FromMacroA);
declare!(FromMacroB);

fn one(module: &str, name: &str) -> &'static Entry {
    let found: Vec<&'static Entry> = inventory::entries()
        .into_iter()
        .filter(|e| e.module() == module && e.name() == name)
        .collect();
    assert_eq!(found.len(), 1, "{module}::{name}: {found:?}");
    found[0]
}

#[test]
fn each_type_is_listed_once_at_its_attribute() {
    let here = module_path!();
    let listed = one(here, "Listed");
    assert_eq!(
        (listed.file(), listed.line(), listed.column()),
        (file!(), LISTED_LINE, 1)
    );
    assert_eq!(listed.krate(), "all");
    assert_eq!(listed.path(), format!("{here}::Listed"));
    assert_eq!(listed.policy(), Listed::POLICY);
    assert_eq!(listed.apply(), ApplyAt::BeforeConnect);
    let d = listed.detection().expect("every term is written");
    assert_eq!(d.idle, Duration::from_secs(10 * 60 + 4 * 30));
    // Linux: without a user timeout nothing the policy sets bounds data in flight.
    #[cfg(target_os = "linux")]
    assert_eq!(d.in_flight, None);

    let conn = one(here, "ListedConn");
    assert_eq!(conn.line(), CONN_LINE);
    assert_eq!(conn.policy(), ListedConn::POLICY);
    assert_eq!(conn.enforcement(), ListedConn::ENFORCEMENT);
    assert_eq!(
        conn.enforcement().max_detect(),
        Some(Duration::from_secs(60))
    );
    assert_eq!(conn.apply(), ApplyAt::AfterConnect);
    #[cfg(target_os = "linux")]
    assert_eq!(
        conn.detection().expect("written out").in_flight,
        Some(Duration::from_secs(45))
    );

    let generic = one(here, "ListedGeneric<S>");
    assert_eq!(generic.line(), GENERIC_LINE);
    assert_eq!(
        generic.policy(),
        <ListedGeneric<std::net::TcpStream> as KeepAlivePolicy>::POLICY
    );

    let bare = one(&format!("{here}::nested"), "Bare");
    assert_eq!((bare.line(), bare.column()), (nested::LINE, 5));
    assert!(bare.policy().is_enabled());

    let a = one(here, "FromMacroA");
    let b = one(here, "FromMacroB");
    assert_eq!(
        (a.line(), b.line()),
        (FIRST_MACRO_LINE, FIRST_MACRO_LINE + 1)
    );

    // The dependency's types, which did nothing to be listed.
    let defaults: Vec<_> = inventory::entries()
        .into_iter()
        .filter(|e| e.krate() == "keepalive_defaults_lib")
        .collect();
    assert!(!defaults.is_empty());
    assert!(
        defaults
            .iter()
            .all(|e| e.file().starts_with("tests/lib-defaults/"))
    );
}

/// The workspace root, which `file!()` paths are relative to.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_owned()
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read the test sources") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether a whole file is compiled out on this target by its inner `#![cfg(...)]`.
fn compiled_out(text: &str) -> bool {
    let cfg = text
        .lines()
        .find(|l| l.starts_with("#![cfg("))
        .unwrap_or_default();
    (cfg.contains("windows") && !cfg.contains("not(windows)") && !cfg!(windows))
        || (cfg.contains("target_os = \"linux\"") && !cfg!(target_os = "linux"))
}

/// Where the sources of the crates in this binary declare an annotated type: each
/// attribute on a struct in Rust code (not in a string, not a field's `#[keepalive(socket)]`,
/// not in a `macro_rules!` body), and each call of a `macro_rules!` whose body holds one.
fn declared(root: &Path) -> BTreeSet<(String, u32)> {
    let mut files = Vec::new();
    sources(&root.join("tests/tests"), &mut files);
    sources(&root.join("tests/lib-defaults/src"), &mut files);
    let mut found = BTreeSet::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read a source");
        if compiled_out(&text) {
            continue;
        }
        let file = path
            .strip_prefix(root)
            .expect("under the root")
            .to_string_lossy()
            .into_owned();
        let lines: Vec<&str> = text.lines().collect();
        let mut in_string = false;
        let mut in_macro: Option<String> = None;
        let mut declaring_macros = BTreeSet::new();
        for (i, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            if in_string {
                in_string = !trimmed.starts_with("\"#");
                continue;
            }
            if line.ends_with("r#\"") {
                in_string = true;
                continue;
            }
            if let Some(name) = trimmed
                .strip_prefix("macro_rules! ")
                .and_then(|r| r.split_whitespace().next())
            {
                in_macro = Some(name.to_owned());
                continue;
            }
            if in_macro.is_some() && *line == "}" {
                in_macro = None;
                continue;
            }
            let attribute = trimmed.starts_with("#[keepalive]")
                || trimmed.starts_with("#[keepalive(")
                || trimmed.starts_with("#[keepalive_runtime::keepalive");
            if !attribute || trimmed.starts_with("#[keepalive(socket") {
                continue;
            }
            match &in_macro {
                Some(name) => {
                    declaring_macros.insert(format!("{name}!("));
                }
                None => {
                    found.insert((file.clone(), i as u32 + 1));
                }
            }
        }
        for (i, line) in lines.iter().enumerate() {
            if declaring_macros
                .iter()
                .any(|m| line.starts_with(m.as_str()))
            {
                found.insert((file.clone(), i as u32 + 1));
            }
        }
    }
    found
}

#[test]
fn the_binary_lists_every_annotated_type_exactly_once() {
    let root = root();
    let entries = inventory::entries();
    let mut at: BTreeMap<(String, u32), Vec<String>> = BTreeMap::new();
    for e in &entries {
        assert!(
            e.krate() == "all" || e.krate() == "keepalive_defaults_lib",
            "an entry from elsewhere: {}",
            e.path()
        );
        at.entry((e.file().to_owned(), e.line()))
            .or_default()
            .push(e.path());
    }
    let twice: Vec<_> = at.iter().filter(|(_, paths)| paths.len() > 1).collect();
    assert!(twice.is_empty(), "listed more than once: {twice:?}");
    let listed: BTreeSet<(String, u32)> = at.keys().cloned().collect();
    let declared = declared(&root);
    let missing: Vec<_> = declared.difference(&listed).collect();
    let phantom: Vec<_> = listed.difference(&declared).collect();
    assert!(missing.is_empty(), "declared but not listed: {missing:?}");
    assert!(
        phantom.is_empty(),
        "listed where no attribute is: {phantom:?}"
    );
    assert!(entries.len() > 30, "{} entries", entries.len());
}

#[test]
fn the_start_up_check_reports_each_misfit_typed() {
    const FLEET: Bounds = Bounds::new("ops", "FLEET").with_max_timeout(Duration::from_secs(5 * 60));
    let misfits = inventory::check(&FLEET).expect_err("`Listed` idles 10 minutes");
    let listed = misfits
        .iter()
        .find(|m| m.entry().name() == "Listed" && m.entry().module() == module_path!())
        .expect("`Listed` breaks the bound");
    assert!(
        matches!(listed.violation(), Violation::Bound(_)),
        "{:?}",
        listed.violation()
    );
    let text = listed.to_string();
    assert!(
        text.starts_with(&format!(
            "`{}::Listed` ({}:{}:1): ",
            module_path!(),
            file!(),
            LISTED_LINE
        )),
        "{text}"
    );
    assert!(text.contains("write at most \"5m\""), "{text}");
    // A type within the bound is not reported; every report is a type that breaks it.
    assert!(!misfits.iter().any(|m| m.entry().name() == "ListedConn"));
    for m in &misfits {
        assert_eq!(m.entry().check(&FLEET), Some(m.violation()));
    }
    // Bounds every type meets: nothing to report.
    assert!(inventory::check(&Bounds::new("ops", "NONE")).is_ok());
}

#[test]
fn the_table_shows_each_type_on_one_line() {
    let table = inventory::table().to_string();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "{} types with a keep-alive policy:",
            inventory::entries().len()
        )
    );
    assert_eq!(lines.len(), inventory::entries().len() + 2);
    let conn = lines
        .iter()
        .find(|l| l.starts_with(&format!("{}::ListedConn ", module_path!())))
        .expect("a line for ListedConn");
    for part in [
        format!("{}:{CONN_LINE}:1", file!()),
        "user_timeout = \"45s\"".to_owned(),
        "max_detect = \"1m\"".to_owned(),
    ] {
        assert!(conn.contains(&part), "{part} in {conn}");
    }
}
