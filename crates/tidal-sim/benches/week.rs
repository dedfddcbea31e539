//! One week of load at 1 s resolution for one workload, against a one-hour baseline of the same
//! workload in the same run: `cargo bench -p tidal-sim --bench week`.

use std::path::Path;

use tidal_sim::scenario::Scenario;
use tidal_sim::{PolicySpec, Prepared, compare};

fn main() {
    divan::main();
}

fn prepared(duration: &str) -> Prepared {
    let yaml = format!(
        "name: week
duration: {duration}
load:
  synthetic: {{ base: 20, diurnal: {{ amplitude: 0.5 }}, noise: 0.1 }}
service: {{ web: {{ concurrency: 4, service_time: {{ lognormal: {{ median: 40ms, p99: 300ms }} }} }} }}
cluster: {{ startup: {{ lognormal: {{ median: 20s, p99: 60s }} }}, initial_replicas: 2 }}
slo: {{ latency: 500ms }}
replicas: {{ min: 1, max: 40 }}
"
    );
    let scenario: Scenario = serde_saphyr::from_str(&yaml).expect("valid scenario");
    Prepared::new(scenario, Path::new(".")).expect("valid scenario")
}

#[divan::bench(args = ["1h", "7d"], sample_count = 3)]
fn hpa_cpu(bencher: divan::Bencher<'_, '_>, duration: &str) {
    let prepared = prepared(duration);
    let spec = [PolicySpec::baseline("hpa-cpu").expect("baseline")];
    bencher.bench(|| compare(&prepared, &spec, 1, 1, None).expect("runs"));
}
