//! README's platform table is keepalive-core's table: this test renders the table from
//! `keepalive_core::PLATFORMS` and fails, printing the expected text, when README differs.

use keepalive_core::{InFlight, Knob, PLATFORMS, Support, Unit};

fn cell(support: &Support) -> String {
    match support {
        Support::Unsupported(_) => "—".to_owned(),
        Support::Option(spec) => {
            let range = match spec.unit {
                Unit::Count => format!("{}–{}", spec.min, spec.max),
                unit => format!("{}–{} {}", spec.min, spec.max, unit.symbol()),
            };
            let fixed = if spec.fallback.is_some() { " †" } else { "" };
            format!("`{}` {range}{fixed}", spec.name)
        }
    }
}

fn in_flight(row: InFlight) -> &'static str {
    match row {
        InFlight::UserTimeoutEndsProbing => {
            "no probes; `user_timeout` bounds it (and ends probing)"
        }
        InFlight::UserTimeoutBoundsRetransmission => {
            "no probes documented; `user_timeout` bounds it"
        }
        InFlight::ProbesCover => "probes run (timer from the last segment received)",
    }
}

fn render() -> String {
    let mut out =
        String::from("| OS | timeout | interval | retries | user_timeout | data in flight |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for row in PLATFORMS {
        let cells: Vec<String> = Knob::ALL.iter().map(|&k| cell(row.support(k))).collect();
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            row.name,
            cells.join(" | "),
            in_flight(row.in_flight)
        ));
    }
    let notes: Vec<&str> = PLATFORMS
        .iter()
        .flat_map(|r| Knob::ALL.map(|k| r.support(k)))
        .filter_map(|s| s.option()?.fallback)
        .collect();
    for note in notes {
        out.push_str(&format!("\n† {note}.\n"));
    }
    out
}

#[test]
fn readme_platform_table_matches_core() {
    let readme = include_str!("../../README.md");
    let begin = "<!-- platform-table:begin -->\n";
    let end = "<!-- platform-table:end -->";
    let start = readme
        .find(begin)
        .expect("README has the platform-table markers")
        + begin.len();
    let stop = readme[start..].find(end).expect("end marker") + start;
    let expected = render();
    assert!(
        readme[start..stop] == expected,
        "README's platform table is out of date; replace it with:\n{expected}"
    );
}
