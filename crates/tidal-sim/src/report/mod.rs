//! Presenting a comparison: a plain-text table for terminals, JSON for machines, and a
//! single-file HTML report with inline SVG charts for people.

pub mod html;
pub mod svg;

use std::fmt::Write as _;
use std::path::Path;

use serde_json::json;

use crate::compare::Comparison;
use crate::error::{Error, Result};
use crate::scenario::Prepared;

/// The comparison as a fixed-width table, one row per policy (medians over seeds).
pub fn table(comparison: &Comparison) -> String {
    let header = [
        "policy",
        "slo viol %",
        "viol min",
        "p99 s",
        "replica-h",
        "gpu-h",
        "cost/oracle",
        "over %",
        "under min",
        "events",
        "reversals",
        "db breach min",
        "dropped",
    ];
    let rows: Vec<Vec<String>> = comparison
        .table
        .iter()
        .map(|r| {
            vec![
                r.policy.clone(),
                format!("{:.2}", r.violation_pct),
                format!("{}", r.violation_minutes),
                format!("{:.3}", r.p99),
                format!("{:.1}", r.replica_hours),
                format!("{:.1}", r.gpu_hours),
                format!("{:.2}", r.cost_vs_oracle),
                format!("{:.1}", r.over_provisioning_pct),
                format!("{}", r.under_provisioned_minutes),
                format!("{}", r.scaling_events),
                format!("{}", r.reversals),
                format!("{}", r.downstream_breach_minutes),
                format!("{}", r.dropped),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].len())
                .chain([header[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let seeds = comparison.seeds.len();
    let _ = writeln!(
        out,
        "{} — medians over {seeds} seed{}",
        comparison.scenario,
        if seeds == 1 { "" } else { "s" }
    );
    let line = |cells: Vec<&str>, out: &mut String| {
        let text: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(c, v)| {
                if c == 0 {
                    format!("{v:<w$}", w = widths[c])
                } else {
                    format!("{v:>w$}", w = widths[c])
                }
            })
            .collect();
        let _ = writeln!(out, "{}", text.join("  ").trim_end());
    };
    line(header.to_vec(), &mut out);
    for row in &rows {
        line(row.iter().map(String::as_str).collect(), &mut out);
    }
    // Why the engine-decided policies scaled (first seed): decisions per rule.
    let seeds = comparison.seeds.len().max(1);
    for (p, name) in comparison.policies.iter().enumerate() {
        let decisions = &comparison.runs[p * seeds].summary.decisions;
        if decisions.is_empty() {
            continue;
        }
        let mut rules: Vec<(&&str, &u64)> = decisions.iter().collect();
        rules.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let rules: Vec<String> = rules.iter().map(|(r, n)| format!("{r} {n}")).collect();
        let _ = writeln!(out, "{name} decisions bound by: {}", rules.join(", "));
    }
    out
}

/// The comparison as JSON: the table and every run's summary.
pub fn json(comparison: &Comparison) -> String {
    let runs: Vec<_> = comparison.runs.iter().map(|r| &r.summary).collect();
    let value = json!({
        "scenario": comparison.scenario,
        "seeds": comparison.seeds,
        "table": comparison.table,
        "runs": runs,
    });
    // A `Value` prints itself infallibly; `{:#}` is serde_json's pretty form.
    format!("{value:#}\n")
}

/// Writes the HTML report of the first seed's runs to `path`.
///
/// # Errors
/// [`Error::Write`] when the file cannot be written.
pub fn write_html(comparison: &Comparison, prepared: &Prepared, path: &Path) -> Result<()> {
    std::fs::write(path, html(comparison, prepared)).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// The HTML report: the table, then one panel per policy with load, replicas, latency and
/// downstream charts over time (first seed) and why the policy scaled.
pub fn html(comparison: &Comparison, prepared: &Prepared) -> String {
    html::page(comparison, prepared)
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
