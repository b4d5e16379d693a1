//! The name the crate being compiled gives keepalive-runtime in its Cargo.toml, so a
//! renamed dependency (`ka = { package = "keepalive-runtime", ... }`) needs no `crate = "..."`.

use std::sync::OnceLock;

const PACKAGE: &str = "keepalive-runtime";

/// `Some("ka")` where the manifest renames the runtime; `None` where it does not (or cannot
/// be read), and the generated code names `::keepalive_runtime`.
pub(crate) fn renamed_runtime() -> Option<&'static str> {
    // Read once per compiler process: every annotated struct of the crate asks.
    static NAME: OnceLock<Option<String>> = OnceLock::new();
    NAME.get_or_init(|| {
        let dir = std::env::var_os("CARGO_MANIFEST_DIR")?;
        let text = std::fs::read_to_string(std::path::Path::new(&dir).join("Cargo.toml")).ok()?;
        rename_in(&text)
    })
    .as_deref()
}

/// The dependency key under which `text` (a Cargo.toml) names the runtime's package, as a
/// Rust identifier, when it is not the package's own name.
fn rename_in(text: &str) -> Option<String> {
    let mut section_dep: Option<&str> = None;
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if let Some(header) = line.strip_prefix('[') {
            let header = header.trim_end_matches(']').trim();
            // `[dependencies.ka]`, `[target.'cfg(unix)'.dev-dependencies.ka]`
            section_dep = header
                .rsplit_once("dependencies.")
                .map(|(_, key)| key.trim_matches('"'));
            continue;
        }
        let names_package = line
            .replace(' ', "")
            .contains(&format!("package=\"{PACKAGE}\""));
        if !names_package {
            continue;
        }
        let key = match section_dep {
            Some(key) => key,
            None => line.split('=').next()?.trim().trim_matches('"'),
        };
        if key != PACKAGE && key != "keepalive_runtime" {
            return Some(key.replace('-', "_"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::rename_in;

    #[test]
    fn renamed_dependencies_are_found() {
        let inline =
            "[dependencies]\nka = { package = \"keepalive-runtime\", version = \"0.1\" }\n";
        assert_eq!(rename_in(inline).as_deref(), Some("ka"));
        let table =
            "[dependencies.keep-alive]\npackage = \"keepalive-runtime\"\nversion = \"0.1\"\n";
        assert_eq!(rename_in(table).as_deref(), Some("keep_alive"));
        let plain = "[dependencies]\nkeepalive-runtime = \"0.1\"\n";
        assert_eq!(rename_in(plain), None);
    }
}
