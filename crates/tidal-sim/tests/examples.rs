//! Every bundled example scenario loads, and its baselines run to a sane, conserved result.
//! The examples replay data from `../shared/data`; without it these tests skip and say so.

use std::path::{Path, PathBuf};

use tidal_sim::{PolicySpec, Prepared, compare, report};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sim")
}

fn data_present() -> bool {
    let present = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/azure-llm-2023/code.csv")
        .exists();
    if !present {
        eprintln!("skipping: ../shared/data (Azure traces, load series, LLM profile) is absent");
    }
    present
}

#[test]
fn every_example_runs_its_foresight_baselines_with_conservation() {
    if !data_present() {
        return;
    }
    for name in [
        "llm-code",
        "llm-conv",
        "web-diurnal",
        "queue-burst",
        "db-protect",
    ] {
        let prepared = Prepared::load(&examples().join(format!("{name}.yaml"))).unwrap();
        let specs = [
            PolicySpec::StaticPeak,
            PolicySpec::Oracle,
            PolicySpec::baseline("knative-kpa").unwrap(),
        ];
        let comparison = compare(&prepared, &specs, 1, 2, None).unwrap();
        eprintln!("{}", report::table(&comparison));
        for run in &comparison.runs {
            let r = run.summary.requests;
            assert_eq!(
                r.arrived,
                r.served + r.dropped + r.failed + r.in_system_at_end,
                "{name}/{}",
                run.summary.policy
            );
            assert!(r.arrived > 0);
        }
        let oracle = &comparison.table[1];
        assert!(
            oracle.violation_pct < 5.0,
            "{name}: the oracle should meet the SLO, got {oracle:?}"
        );
    }
}
