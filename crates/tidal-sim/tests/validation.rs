//! The simulator held to theory and to itself: M/M/c waiting time against Erlang C, request
//! conservation, byte-identical output for a seed, and clear errors for bad scenarios.

use std::path::Path;

use tidal_sim::scenario::Scenario;
use tidal_sim::{Error, PolicySpec, Prepared, compare, erlang, report};

fn scenario(yaml: &str) -> Prepared {
    let scenario: Scenario = serde_saphyr::from_str(yaml).unwrap();
    Prepared::new(scenario, Path::new(".")).unwrap()
}

/// An M/M/c queue: Poisson arrivals at `rate`, exponential service of mean 100 ms, `servers`
/// workers held fixed by a static policy (one replica of `servers` workers).
fn mmc(rate: f64, servers: u32, hours: u32) -> String {
    format!(
        "name: mmc
duration: {hours}h
load: {{ synthetic: {{ base: {rate} }} }}
service: {{ web: {{ concurrency: {servers}, service_time: {{ exponential: {{ mean: 100ms }} }}, queue_limit: 1000000 }} }}
cluster: {{ startup: {{ fixed: 1s }}, initial_replicas: 1 }}
slo: {{ latency: 10s }}
replicas: {{ min: 1, max: 1 }}
"
    )
}

#[test]
fn mmc_mean_wait_matches_erlang_c_within_five_percent() {
    for (rate, servers) in [(40.0, 5), (6.0, 1), (90.0, 10)] {
        let prepared = scenario(&mmc(rate, servers, 24));
        // Mean sojourn = mean wait + mean service.
        let theory = erlang::mean_wait(servers, rate, 0.1) + 0.1;
        let measured = mean_latency(&prepared);
        assert!(
            (measured / theory - 1.0).abs() < 0.05,
            "rate {rate}, c {servers}: simulated mean sojourn {measured:.4}s vs Erlang C {theory:.4}s"
        );
    }
}

fn mean_latency(prepared: &Prepared) -> f64 {
    let mut policy = tidal_sim::compare::build_policy(&PolicySpec::StaticPeak, prepared).unwrap();
    let needed = tidal_sim::needs::needed_per_minute(prepared, 0).unwrap();
    let output = tidal_sim::run::run(prepared, policy.as_mut(), 0, &needed, None);
    output.summary.mean_latency
}

#[test]
fn requests_are_conserved_and_seeds_reproduce_bytes() {
    let yaml = "name: conserve
duration: 2h
load:
  synthetic: { base: 30, bursts: { every: 20m, length: 3m, factor: 4 }, noise: 0.2 }
service: { web: { concurrency: 2, service_time: { lognormal: { median: 50ms, p99: 400ms } }, queue_limit: 200 } }
downstream:
  database: { max_connections: 40, pool_per_replica: 10, queries_per_request: 2, capacity_qps: 150 }
cluster: { startup: { lognormal: { median: 20s, p99: 90s } }, initial_replicas: 1 }
slo: { latency: 1s }
replicas: { min: 1, max: 30 }
";
    let prepared = scenario(yaml);
    let specs = [
        PolicySpec::baseline("hpa-cpu").unwrap(),
        PolicySpec::baseline("knative-kpa").unwrap(),
    ];
    let first = compare(&prepared, &specs, 2, 2, None).unwrap();
    for run in &first.runs {
        let r = run.summary.requests;
        assert_eq!(
            r.arrived,
            r.served + r.dropped + r.failed + r.in_system_at_end,
            "{}",
            run.summary.policy
        );
    }
    assert!(
        first
            .runs
            .iter()
            .any(|r| r.summary.requests.dropped + r.summary.requests.failed > 0),
        "the scenario exercises drops"
    );
    let again = compare(&prepared, &specs, 2, 1, None).unwrap();
    assert_eq!(
        report::json(&first),
        report::json(&again),
        "same seeds, different thread counts"
    );
    let other = scenario(&yaml.replace("base: 30", "base: 31"));
    assert_ne!(
        report::json(&first),
        report::json(&compare(&other, &specs, 2, 2, None).unwrap())
    );
}

#[test]
fn bad_scenarios_name_the_field_and_what_is_allowed() {
    let base = mmc(10.0, 2, 1);
    let cases = [
        (base.replace("latency: 10s", "latency: 50ms"), "slo.latency"),
        (base.replace("max: 1 }", "max: 0 }"), "replicas.max"),
        (
            base.replace("concurrency: 2", "concurrency: 0"),
            "service.web.concurrency",
        ),
        (base.replace("duration: 1h\n", ""), "duration"),
    ];
    for (yaml, field) in cases {
        let scenario: Scenario = serde_saphyr::from_str(&yaml).unwrap();
        match Prepared::new(scenario, Path::new(".")) {
            Err(Error::Field { field: got, .. }) => assert_eq!(got, field),
            other => panic!("{field}: expected a field error, got {other:?}"),
        }
    }
    let unknown: Result<Scenario, _> =
        serde_saphyr::from_str(&base.replace("name: mmc", "name: mmc\nbogus: 1"));
    assert!(unknown.unwrap_err().to_string().contains("bogus"));
    // Forty requests per second of 100 ms on one worker cannot meet any SLO.
    let impossible = scenario(&mmc(40.0, 1, 1));
    match compare(&impossible, &[PolicySpec::Oracle], 1, 1, None) {
        Err(Error::Impossible {
            field, max, needed, ..
        }) => {
            assert_eq!((field.as_str(), max), ("replicas.max", 1));
            assert!(needed > 1);
        }
        other => panic!("expected an impossible scenario, got {other:?}"),
    }
}
