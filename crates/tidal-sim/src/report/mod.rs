//! Presenting a comparison: a plain-text table for terminals, JSON for machines, and a
//! single-file HTML report with inline SVG charts for people.

pub mod svg;

use std::fmt::Write as _;
use std::path::Path;

use serde_json::json;

use crate::compare::Comparison;
use crate::error::{Error, Result};
use crate::scenario::Prepared;
use svg::{Chart, Line};

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
/// downstream charts over time (first seed).
pub fn html(comparison: &Comparison, prepared: &Prepared) -> String {
    let seeds = comparison.seeds.len();
    let llm = prepared.llm.is_some();
    let slo_line = if llm {
        prepared.slo.ttft
    } else {
        prepared.slo.latency
    };
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>{}</h1><p>{}</p><p>Simulated {:.1} h, step {}, {} seed{}; charts show seed {}. \
         Table values are medians over seeds.</p><pre>{}</pre>",
        escape(&comparison.scenario),
        escape(prepared.scenario.description.as_deref().unwrap_or("")),
        prepared.duration / 3600.0,
        prepared.scenario.step,
        seeds,
        if seeds == 1 { "" } else { "s" },
        comparison.seeds.first().copied().unwrap_or(0),
        escape(&table(comparison)),
    );
    let x_max = prepared.duration / 60.0;
    for (p, name) in comparison.policies.iter().enumerate() {
        let run = &comparison.runs[p * seeds];
        let minutes = &run.minutes;
        let xs: Vec<f64> = (0..minutes.len()).map(|m| m as f64 + 1.0).collect();
        let series = |f: &dyn Fn(&crate::metrics::Minute) -> f64| -> Vec<(f64, f64)> {
            xs.iter().zip(minutes).map(|(&x, m)| (x, f(m))).collect()
        };
        let s = &run.summary;
        let _ = write!(
            body,
            "<section><h2>{}</h2><p>SLO violation {:.2} % ({} min) · p99 {:.3} s · {:.1} replica-h · cost ÷ oracle {} · \
             over-provisioning {:.1} % · under-provisioned {} min · {} scaling events ({} reversals) · {} dropped/failed</p><div class=grid>",
            escape(name),
            s.slo.violation_pct,
            s.slo.violation_minutes,
            s.ttft.map_or(s.latency.p99, |t| t.p99),
            s.replica_hours,
            s.cost_vs_oracle
                .map_or_else(|| "–".into(), |c| format!("{c:.2}")),
            s.over_provisioning_pct,
            s.under_provisioned_minutes,
            s.scaling.events,
            s.scaling.reversals,
            s.requests.dropped + s.requests.failed,
        );
        let load = Chart::new("Load", "requests / s", x_max)
            .line(Line::new(
                "arrivals",
                "#1f77b4",
                series(&|m| m.arrivals as f64 / 60.0),
            ))
            .line(Line::new(
                "dropped + failed",
                "#d62728",
                series(&|m| (m.dropped + m.failed) as f64 / 60.0),
            ));
        body.push_str(&load.render());
        let replicas = Chart::new("Replicas", "pods", x_max)
            .line(Line::new(
                "desired",
                "#ff7f0e",
                series(&|m| f64::from(m.desired)),
            ))
            .line(Line::new(
                "ready",
                "#2ca02c",
                series(&|m| f64::from(m.ready)),
            ))
            .line(
                Line::new(
                    "needed (oracle)",
                    "#7f7f7f",
                    series(&|m| f64::from(m.needed)),
                )
                .dashed(),
            );
        body.push_str(&replicas.render());
        let mut latency = Chart::new(
            if llm {
                "TTFT p95 per minute"
            } else {
                "Latency p95 per minute"
            },
            "seconds",
            x_max,
        )
        .line(Line::new("p95", "#9467bd", series(&|m| m.p95)));
        if let Some(slo) = slo_line {
            latency =
                latency.line(Line::new("SLO", "#d62728", vec![(0.0, slo), (x_max, slo)]).dashed());
        }
        body.push_str(&latency.render());
        if prepared.scenario.downstream.is_some() {
            let db = Chart::new(
                "Database utilisation (peak per minute)",
                "queries ÷ capacity",
                x_max,
            )
            .line(Line::new(
                "utilisation",
                "#8c564b",
                series(&|m| m.db_utilization),
            ))
            .line(
                Line::new(
                    "breach",
                    "#d62728",
                    series(&|m| if m.db_breach { 1.0 } else { 0.0 }),
                )
                .dashed(),
            );
            body.push_str(&db.render());
        } else {
            let bad = Chart::new("Requests missing the SLO", "share of the minute", x_max).line(
                Line::new(
                    "bad share",
                    "#d62728",
                    series(&|m| {
                        let judged = m.served + m.dropped + m.failed;
                        if judged == 0 {
                            0.0
                        } else {
                            m.bad as f64 / judged as f64
                        }
                    }),
                ),
            );
            body.push_str(&bad.render());
        }
        body.push_str("</div></section>");
    }
    format!(
        "<!doctype html><html><head><meta charset=utf-8><title>{} — tidal simulate</title><style>\
         body{{font-family:system-ui,sans-serif;margin:24px;color:#222}}pre{{background:#f6f6f6;padding:12px;overflow-x:auto}}\
         .grid{{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:12px}}svg{{width:100%;height:auto;background:#fff;border:1px solid #ddd}}\
         section{{margin-top:28px}}h2{{margin-bottom:4px}}</style></head><body>{body}</body></html>\n",
        escape(&comparison.scenario)
    )
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
