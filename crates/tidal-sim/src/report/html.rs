//! The single-file HTML report: the comparison table, then one panel per policy with its
//! figures, four charts over time (load, replicas against the need, latency against the SLO,
//! the database or the SLO misses) and, for policies decided by tidal-core, why they scaled.
//!
//! Everything is inline — styles and SVG, no script, no font, no network — so the file can be
//! attached to an issue or a review and read anywhere.

use std::fmt::Write as _;

use super::escape;
use super::svg::{Chart, Line};
use crate::compare::{Comparison, Row};
use crate::metrics::Minute;
use crate::run::RunOutput;
use crate::scenario::Prepared;

/// How many of a policy's last scaling events the report lists.
const LAST_EVENTS: usize = 8;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1500px}\
table{border-collapse:collapse;font-size:14px}th,td{padding:4px 10px;border-bottom:1px solid #e4e4e4}\
th{text-align:left;background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}\
.grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:12px}\
svg{width:100%;height:auto;background:#fff;border:1px solid #ddd}\
section{margin-top:32px;border-top:2px solid #ccc;padding-top:8px}h2{margin:4px 0}\
.figures{color:#444;margin:4px 0 12px}.why{margin-top:12px;font-size:14px}\
.rule{display:inline-block;background:#eef3fb;border:1px solid #c9d7ee;border-radius:10px;\
padding:1px 8px;margin:2px 4px 2px 0}";

/// The report of `comparison` (charts of its first seed).
pub fn page(comparison: &Comparison, prepared: &Prepared) -> String {
    let seeds = comparison.seeds.len();
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>{}</h1><p>{}</p><p>Simulated {:.1} h in steps of {}, {} seed{}; charts show seed {}, \
         the table medians over the seeds. Cost is replica-hours (GPU-hours for GPU pods) \
         against the oracle, which knows the future.</p>",
        escape(&comparison.scenario),
        escape(prepared.scenario.description.as_deref().unwrap_or("")),
        prepared.duration / 3600.0,
        prepared.scenario.step,
        seeds,
        if seeds == 1 { "" } else { "s" },
        comparison.seeds.first().copied().unwrap_or(0),
    );
    body.push_str(&table(&comparison.table));
    for (p, name) in comparison.policies.iter().enumerate() {
        panel(&mut body, name, &comparison.runs[p * seeds], prepared);
    }
    format!(
        "<!doctype html><html><head><meta charset=utf-8><title>{} — tidal simulate</title>\
         <style>{STYLE}</style></head><body>{body}</body></html>\n",
        escape(&comparison.scenario)
    )
}

/// The comparison as an HTML table.
fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "<table><tr><th>policy</th><th>SLO violation %</th><th>violation min</th>\
         <th>p99 s</th><th>replica-h</th><th>GPU-h</th><th>cost ÷ oracle</th>\
         <th>over-provisioned %</th><th>under-provisioned min</th><th>scaling events</th>\
         <th>reversals</th><th>DB breach min</th><th>dropped + failed</th></tr>",
    );
    for r in rows {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=n>{:.2}</td><td class=n>{}</td><td class=n>{:.3}</td>\
             <td class=n>{:.1}</td><td class=n>{:.1}</td><td class=n>{:.2}</td>\
             <td class=n>{:.1}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td>\
             <td class=n>{}</td><td class=n>{}</td></tr>",
            escape(&r.policy),
            r.violation_pct,
            r.violation_minutes,
            r.p99,
            r.replica_hours,
            r.gpu_hours,
            r.cost_vs_oracle,
            r.over_provisioning_pct,
            r.under_provisioned_minutes,
            r.scaling_events,
            r.reversals,
            r.downstream_breach_minutes,
            r.dropped,
        );
    }
    out.push_str("</table>");
    out
}

/// One policy's section: its figures, four charts and why it scaled.
fn panel(body: &mut String, name: &str, run: &RunOutput, prepared: &Prepared) {
    let s = &run.summary;
    let llm = prepared.llm.is_some();
    let _ = write!(
        body,
        "<section><h2>{}</h2><p class=figures>SLO violation {:.2} % of requests ({} min) · p99 \
         {} {:.3} s · {:.1} replica-h · cost ÷ oracle {} · over-provisioned {:.1} % · \
         under-provisioned {} min · {} scaling events ({} reversals) · {} dropped or failed</p>\
         <div class=grid>",
        escape(name),
        s.slo.violation_pct,
        s.slo.violation_minutes,
        if llm { "TTFT" } else { "latency" },
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
    for chart in charts(&run.minutes, prepared) {
        body.push_str(&chart.render());
    }
    body.push_str("</div>");
    why(body, run);
    body.push_str("</section>");
}

/// Load, replicas, latency, and the database (or the SLO misses when there is none).
fn charts(minutes: &[Minute], prepared: &Prepared) -> Vec<Chart> {
    let x_max = prepared.duration / 60.0;
    let series = |f: &dyn Fn(&Minute) -> f64| -> Vec<(f64, f64)> {
        minutes
            .iter()
            .enumerate()
            .map(|(m, minute)| (m as f64 + 1.0, f(minute)))
            .collect()
    };
    let load = Chart::new("Load per minute", "requests / s", x_max)
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
    let replicas = Chart::new("Replicas at the end of each minute", "pods", x_max)
        .whole_numbers()
        .line(Line::new("ready", "#2ca02c", series(&|m| f64::from(m.ready))).area())
        .line(Line::new(
            "desired",
            "#ff7f0e",
            series(&|m| f64::from(m.desired)),
        ))
        .line(
            Line::new(
                "needed (oracle)",
                "#333333",
                series(&|m| f64::from(m.needed)),
            )
            .dashed(),
        );
    let llm = prepared.llm.is_some();
    let (title, slo) = if llm {
        ("Time to first token, p95 per minute", prepared.slo.ttft)
    } else {
        ("Latency, p95 per minute", prepared.slo.latency)
    };
    let mut latency =
        Chart::new(title, "seconds", x_max).line(Line::new("p95", "#9467bd", series(&|m| m.p95)));
    if let Some(slo) = slo {
        latency =
            latency.line(Line::new("SLO", "#d62728", vec![(0.0, slo), (x_max, slo)]).dashed());
    }
    let last = if prepared.scenario.downstream.is_some() {
        Chart::new(
            "Database utilisation, peak per minute",
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
                "limit breached",
                "#d62728",
                series(&|m| if m.db_breach { 1.0 } else { 0.0 }),
            )
            .area(),
        )
    } else {
        Chart::new("Requests missing the SLO", "share of the minute", x_max).line(
            Line::new(
                "missed, dropped or failed",
                "#d62728",
                series(&|m| {
                    let judged = m.served + m.dropped + m.failed;
                    if judged == 0 {
                        0.0
                    } else {
                        m.bad as f64 / judged as f64
                    }
                }),
            )
            .area(),
        )
    };
    vec![load, replicas, latency, last]
}

/// Why the policy scaled: decisions per rule and its last scaling events with their reasons.
fn why(body: &mut String, run: &RunOutput) {
    let decisions = &run.summary.decisions;
    if !decisions.is_empty() {
        let total: u64 = decisions.values().sum();
        let _ = write!(
            body,
            "<div class=why><b>What fixed each of the {total} decisions:</b> "
        );
        let mut rules: Vec<(&&str, &u64)> = decisions.iter().collect();
        rules.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (rule, count) in rules {
            let _ = write!(body, "<span class=rule>{} {count}</span>", escape(rule));
        }
        body.push_str("</div>");
    }
    let events = &run.events;
    if events.is_empty() {
        return;
    }
    let shown = &events[events.len().saturating_sub(LAST_EVENTS)..];
    let _ = write!(
        body,
        "<div class=why><b>Last {} of {} scaling events:</b><table><tr><th>time</th>\
         <th>replicas</th><th>bound by</th><th>reason</th></tr>",
        shown.len(),
        events.len()
    );
    for event in shown {
        let _ = write!(
            body,
            "<tr><td class=n>{}</td><td class=n>{} → {}</td><td>{}</td><td>{}</td></tr>",
            clock(event.at),
            event.from,
            event.to,
            event.bound_by.unwrap_or("–"),
            escape(&event.reason),
        );
    }
    body.push_str("</table></div>");
}

/// Virtual seconds as `h:mm:ss`.
fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::clock;

    #[test]
    fn clock_reads_hours_minutes_seconds() {
        assert_eq!(clock(0.0), "0:00:00");
        assert_eq!(clock(3_725.4), "1:02:05");
        assert_eq!(clock(90_000.0), "25:00:00");
    }
}
