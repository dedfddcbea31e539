//! One week of load at 1 s resolution for one workload — the figure `docs/simulate.md` promises
//! (at most 2 s in release) — printed next to its baseline from the same run: the one-hour run
//! of the same workload scaled up 168 times, which a simulator whose cost is linear in simulated
//! time must match.
//!
//! `cargo bench -p tidal-sim --bench week` (add `-- --quick` for one sample of each).
//!
//! Four measurements per length: the need pass alone (arrivals and the per-minute need), one
//! policy run alone (`hpa-cpu`), and what `tidal simulate --policy hpa-cpu` does (the need once,
//! then `hpa-cpu` and the oracle) on one thread and on every core, as the command runs by
//! default. The budget applies to the last; the single-thread row is the cost per core. A
//! second column compares per request, since the week's mean load is above its first hour's.

use std::path::Path;
use std::time::{Duration, Instant};

use tidal_sim::scenario::Scenario;
use tidal_sim::{PolicySpec, Prepared, compare, needs, run};

/// The week-long budget.
const BUDGET: Duration = Duration::from_secs(2);

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

/// What one row of the table measures, given the scenario and its per-minute need.
type Measure<'a> = &'a dyn Fn(&Prepared, &[u32]);

/// The median wall time of `samples` calls of `f`.
fn median(samples: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..samples)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let samples = if quick { 1 } else { 3 };
    let hpa = [PolicySpec::baseline("hpa-cpu").expect("baseline")];
    println!(
        "tidal-sim week bench: median of {samples} (hour: {}), release",
        samples * 5
    );
    let hour = prepared("1h");
    let week = prepared("7d");
    // The week's mean load is above its first hour's: per request is the fair comparison.
    let requests = |p: &Prepared| {
        compare(p, &hpa, 1, 1, None).expect("runs").runs[0]
            .summary
            .requests
            .arrived as f64
    };
    let (hour_requests, week_requests) = (requests(&hour), requests(&week));
    println!(
        "{:<30} {:>12} {:>14} {:>12} {:>20} {:>8}",
        "measurement", "1 h", "1 h x 168", "7 d", "ns/request 1h -> 7d", "budget"
    );
    let need = |p: &Prepared| needs::needed_per_minute(p, 0).expect("possible");
    let (hour_need, week_need) = (need(&hour), need(&week));
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let all_cores = format!("simulate, {cores} threads");
    let rows: [(&str, Measure<'_>); 4] = [
        ("need pass", &|p, _| {
            need(p);
        }),
        ("one run (hpa-cpu)", &|p, needed| {
            let mut policy = tidal_sim::compare::build_policy(&hpa[0], p).expect("policy");
            run::run(p, policy.as_mut(), 0, needed, None);
        }),
        ("simulate, 1 thread", &|p, _| {
            compare(p, &hpa, 1, 1, None).expect("runs");
        }),
        (&all_cores, &|p, _| {
            compare(p, &hpa, 1, cores, None).expect("runs");
        }),
    ];
    for (name, f) in rows {
        let short = median(samples * 5, || f(&hour, &hour_need));
        let long = median(samples, || f(&week, &week_need));
        let verdict = if name == all_cores {
            if long <= BUDGET { "ok" } else { "OVER" }
        } else {
            ""
        };
        println!(
            "{name:<30} {:>10.1}ms {:>12.3} s {:>10.3} s {:>9.0} -> {:>6.0} {verdict:>8}",
            short.as_secs_f64() * 1000.0,
            short.as_secs_f64() * 168.0,
            long.as_secs_f64(),
            short.as_secs_f64() * 1e9 / hour_requests,
            long.as_secs_f64() * 1e9 / week_requests,
        );
    }
    println!(
        "(1 h: {hour_requests} requests, 7 d: {week_requests}; budget {BUDGET:?} for `simulate`)"
    );
}
