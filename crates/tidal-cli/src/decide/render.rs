//! How a decision is printed: a table for people, JSON for scripts.
//!
//! The JSON is the engine's `Decision` (camelCase keys, the shape of `status.lastDecision`)
//! plus `state`, the remembered state after the decision in the scenario's own format, so a
//! scenario can be stepped forward by pasting it back.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use jiff::Timestamp;
use serde::Serialize;
use tidal_core::decision::{Decision, number};
use tidal_core::engine::ScalerState;

/// The JSON document `--output json` prints.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Json<'a> {
    #[serde(flatten)]
    decision: &'a Decision,
    state: State,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct State {
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_active_time: Option<Timestamp>,
    failures: BTreeMap<String, u32>,
    recommendations: Vec<Recommendation>,
    scale_events: Vec<Event>,
}

#[derive(Serialize)]
struct Recommendation {
    time: Timestamp,
    replicas: i32,
}

#[derive(Serialize)]
struct Event {
    time: Timestamp,
    replicas: i32,
    change: i32,
}

/// The decision and the state after it as pretty JSON.
///
/// # Errors
/// Only if serialization fails, which our types do not cause.
pub(crate) fn json(decision: &Decision, state: &ScalerState) -> anyhow::Result<String> {
    let history = &state.history;
    let mut recommendations: Vec<Recommendation> = history
        .recommendations
        .iter()
        .map(|r| Recommendation {
            time: r.at,
            replicas: r.replicas,
        })
        .collect();
    recommendations.sort_by_key(|r| r.time);
    let ups = history.scale_up_events.iter().map(|e| (e, 1));
    let downs = history.scale_down_events.iter().map(|e| (e, -1));
    let mut scale_events: Vec<Event> = ups
        .chain(downs)
        .map(|(e, sign)| Event {
            time: e.at,
            replicas: e.replicas,
            change: sign * e.change,
        })
        .collect();
    scale_events.sort_by_key(|e| e.time);
    let document = Json {
        decision,
        state: State {
            created_at: state.created_at,
            last_active_time: state.last_active_time,
            failures: state.failures.clone(),
            recommendations,
            scale_events,
        },
    };
    Ok(serde_json::to_string_pretty(&document)? + "\n")
}

/// The decision as a summary and one row per trigger.
pub(crate) fn table(decision: &Decision) -> String {
    let mut out = String::new();
    let current = decision.current_replicas;
    let desired = decision.desired_replicas;
    let change = match desired.cmp(&current) {
        std::cmp::Ordering::Greater => format!("{current} → {desired} (scale up)"),
        std::cmp::Ordering::Less => format!("{current} → {desired} (scale down)"),
        std::cmp::Ordering::Equal => format!("{current} (no change)"),
    };
    let mut line = |label: &str, value: String| {
        let _ = writeln!(out, "{label:<12} {value}");
    };
    line("replicas:", change);
    line("bound by:", decision.bound_by.to_string());
    line("reason:", decision.reason.clone());
    line("active:", yes_no(decision.active).to_owned());
    if let Some(proposal) = decision.proposal {
        line("proposal:", proposal.to_string());
    }
    if decision.fallback {
        line("fallback:", "yes".to_owned());
    }
    if let Some(time) = decision.last_active_time {
        line("last active:", time.to_string());
    }
    let dash = || "-".to_owned();
    let optional = |v: Option<f64>| v.map_or_else(dash, number);
    let mut rows = vec![
        [
            "TRIGGER",
            "TYPE",
            "VALUE",
            "TARGET",
            "METRIC",
            "ACTIVATION",
            "ACTIVE",
            "PROPOSAL",
            "RULE",
            "FAILURES",
            "ERROR",
        ]
        .map(str::to_owned),
    ];
    for t in &decision.triggers {
        rows.push([
            t.name.clone(),
            t.type_.clone(),
            optional(t.value),
            optional(t.target),
            t.metric_type.to_owned(),
            optional(t.activation),
            yes_no(t.active).to_owned(),
            t.proposal.map_or_else(dash, |p| p.to_string()),
            t.rule
                .and_then(|r| serde_json::to_value(r).ok())
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(dash),
            t.failures.to_string(),
            t.error.clone().unwrap_or_else(dash),
        ]);
    }
    if let Some(c) = &decision.composite {
        rows.push([
            "(formula)".to_owned(),
            c.formula.clone(),
            optional(c.value),
            number(c.target),
            c.metric_type.to_owned(),
            number(c.activation),
            yes_no(c.active).to_owned(),
            c.proposal.map_or_else(dash, |p| p.to_string()),
            dash(),
            dash(),
            c.error.clone().unwrap_or_else(dash),
        ]);
    }
    out.push('\n');
    out.push_str(&columns(&rows));
    out
}

fn yes_no(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

/// Left-aligned columns separated by two spaces; the last column is not padded.
fn columns<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == N {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ", width = widths[i]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
