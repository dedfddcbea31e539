//! The HTML report as a browser gets it: one panel per policy, one SVG per chart, no number
//! that is not a number, and — for policies decided by tidal-core — why they scaled.

use std::path::Path;

use tidal_sim::scenario::Scenario;
use tidal_sim::{Prepared, compare, report};

const SCENARIO: &str = "name: report <check>
description: Bursty queue consumers & a database behind them.
duration: 3h
load:
  synthetic: { base: 20, bursts: { every: 30m, length: 5m, factor: 4 }, noise: 0.1 }
service: { queue: { rate_per_replica: 5 } }
downstream:
  database: { max_connections: 100, pool_per_replica: 10, queries_per_request: 1, capacity_qps: 60 }
cluster: { startup: { fixed: 30s }, initial_replicas: 2 }
slo: { latency: 30s }
replicas: { min: 1, max: 40 }
policies:
  - keda-queue: { target: 20, polling_interval: 15s }
  - hpa-cpu: { target_utilization: 60 }
  - static-peak
";

#[test]
fn the_report_has_one_svg_per_chart_and_no_broken_numbers() {
    let scenario: Scenario = serde_saphyr::from_str(SCENARIO).unwrap();
    let prepared = Prepared::new(scenario, Path::new(".")).unwrap();
    let comparison = compare(&prepared, &prepared.scenario.policies, 1, 2, None).unwrap();
    let html = report::html(&comparison, &prepared);
    let policies = comparison.policies.len();
    assert_eq!(policies, 4, "the three listed and the oracle");
    assert_eq!(html.matches("<section>").count(), policies);
    assert_eq!(html.matches("</section>").count(), policies);
    // Load, replicas, latency and the database, in every panel.
    assert_eq!(html.matches("<svg").count(), 4 * policies);
    assert_eq!(html.matches("</svg>").count(), 4 * policies);
    for section in html.split("<section>").skip(1) {
        assert_eq!(section.matches("<svg").count(), 4);
        assert!(section.contains("Database utilisation"));
    }
    for path in html.split(" d='").skip(1) {
        let d = path.split('\'').next().unwrap();
        assert!(
            d.chars()
                .all(|c| c.is_ascii_digit() || "MLZ.,-".contains(c)),
            "a path holds only moves and numbers: {d}"
        );
    }
    assert!(!html.contains("NaN"));
    // User text is escaped, never markup.
    assert!(html.contains("report &lt;check&gt;") && html.contains("&amp; a database"));
    // Engine policies say what fixed their decisions and why they last scaled.
    let keda = html.split("<section>").nth(1).unwrap();
    assert!(keda.contains("<h2>keda-queue</h2>"));
    assert!(keda.contains("What fixed each of the") && keda.contains("scaling events:"));
    let peak = html.split("<section>").nth(3).unwrap();
    assert!(
        !peak.contains("What fixed each of the"),
        "static peak has no engine rules"
    );
}
