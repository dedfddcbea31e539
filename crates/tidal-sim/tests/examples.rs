//! Every bundled example scenario loads and runs its own policy list — ScaledObjects through
//! tidal-core's engine and the baselines — to a sane, conserved result.
//!
//! Debug builds are slow and CI runs them, so each example runs its first hour here; the
//! full-length comparison is `docs/simulate.md`'s table. The examples replay data from
//! `../shared/data`; without it this test skips and says so.

use std::path::{Path, PathBuf};

use tidal_sim::{Prepared, compare, report};

/// Virtual seconds of each example this test runs.
const WINDOW: f64 = 60.0 * 60.0;

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

/// The scenario files of `examples/sim` (the ScaledObject manifests beside them are not).
fn scenarios() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(examples())
        .expect("examples/sim")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .filter(|path| {
            let text = std::fs::read_to_string(path).expect("readable");
            !text.contains("kind: ScaledObject")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_example_runs_its_policies_with_conservation() {
    if !data_present() {
        return;
    }
    let files = scenarios();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    for expected in [
        "db-protect",
        "llm-code",
        "llm-conv",
        "queue-burst",
        "web-diurnal",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} is missing");
    }
    for file in &files {
        let name = file.display();
        let mut prepared = Prepared::load(file).unwrap_or_else(|e| panic!("{name}: {e}"));
        prepared.limit_duration(WINDOW);
        let specs = prepared.policies(&[]).unwrap();
        assert!(
            specs
                .iter()
                .any(|s| matches!(s, tidal_sim::PolicySpec::ScaledObject(_))),
            "{name} rehearses a ScaledObject"
        );
        let comparison =
            compare(&prepared, &specs, 1, 2, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        eprintln!("{}", report::table(&comparison));
        for (spec, run) in specs.iter().zip(&comparison.runs) {
            let s = &run.summary;
            let r = s.requests;
            assert_eq!(
                r.arrived,
                r.served + r.dropped + r.failed + r.in_system_at_end,
                "{name}/{}",
                s.policy
            );
            assert!(r.arrived > 0, "{name}: the load arrives");
            if matches!(
                spec,
                tidal_sim::PolicySpec::ScaledObject(_) | tidal_sim::PolicySpec::KedaQueue(_)
            ) {
                let polls: u64 = s.decisions.values().sum();
                assert!(polls > 0, "{name}/{}: the engine decided", s.policy);
            }
        }
    }
}
