//! `tidal simulate` through the built binary, and its agreement with `tidal decide`: the
//! simulator's ScaledObject policy must make the very decision the engine makes for the same
//! inputs, since both are the operator's engine.

use std::path::{Path, PathBuf};

use tidal_sim::Prepared;
use tidal_sim::cluster::PodCounts;
use tidal_sim::engine::scaled_object::ScaledObjectPolicy;
use tidal_sim::policy::Policy;
use tidal_sim::signals::{Sample, Signal, SignalView};

mod common;
use common::{repo, tidal};

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8 output")
}

/// A file under the system's temporary folder, unique to this test process.
fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("tidal-simulate-{}-{name}", std::process::id()))
}

#[test]
fn the_simulator_decides_exactly_as_tidal_decide_on_a_hand_computed_case() {
    // examples/sim/queue-scaledobject.yaml: a rabbitmq QueueLength trigger, value 50 per
    // replica, no behavior. 420 messages for 3 replicas: 140 each, ratio 2.8, ceil(2.8 × 3) =
    // 9; without a behavior KEDA's HPA may at most reach max(2 × 3, 4) = 6 in one decision.
    let manifest = std::fs::read_to_string(repo().join("examples/sim/queue-scaledobject.yaml"))
        .expect("the example ScaledObject");
    let manifest: serde_json::Value = serde_saphyr::from_str(&manifest).expect("YAML");
    let scenario = serde_json::json!({
        "scaledObject": manifest,
        "now": "2026-01-01T00:10:00Z",
        "target": { "replicas": 3 },
        "triggers": { "s0-rabbitmq": { "value": 420 } },
    });
    let file = scratch("decide.json");
    std::fs::write(&file, scenario.to_string()).expect("write the decide scenario");
    let output = tidal(&["decide", "-i", file.to_str().unwrap(), "-o", "json"]);
    std::fs::remove_file(&file).ok();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let decided: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(decided["desiredReplicas"], 6, "{decided:#}");
    assert_eq!(decided["boundBy"], "scaleUpLimit", "{decided:#}");

    // The same ScaledObject as the queue-burst example's policy, at the same instant (virtual
    // time 600 s is 2026-01-01T00:10:00Z), seeing the same queue.
    let prepared = Prepared::load(&repo().join("examples/sim/queue-burst.yaml")).expect("example");
    let mut policy = ScaledObjectPolicy::from_file(
        "queue-scaledobject",
        Path::new("queue-scaledobject.yaml"),
        &prepared,
    )
    .expect("policy");
    let mut sample = Sample::new(600.0);
    sample.set(Signal::QueueLength, 420.0, None);
    sample.set(Signal::ReadyReplicas, 3.0, None);
    let view = SignalView {
        now: 600.0,
        pods: PodCounts {
            desired: 3,
            ready: 3,
            ..PodCounts::default()
        },
        sample: Some(&sample),
        needed: &[],
    };
    let simulated = policy.decide(&view, 600.0);
    assert_eq!(simulated.desired, 6);
    assert_eq!(simulated.bound_by, Some("scaleUpLimit"));
    assert_eq!(
        policy.reason(),
        decided["reason"].as_str().expect("a reason"),
        "the simulator explains the decision in the engine's words"
    );
}

#[test]
fn simulate_writes_json_with_decisions_and_a_report() {
    let report = scratch("report.html");
    let output = tidal(&[
        "simulate",
        "examples/sim/queue-burst.yaml",
        "--policy",
        "queue-scaledobject",
        "--policy",
        "hpa-cpu",
        "--output",
        "json",
        "--report",
        report.to_str().unwrap(),
        "--threads",
        "2",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let runs = json["runs"].as_array().expect("runs");
    let policies: Vec<&str> = runs.iter().map(|r| r["policy"].as_str().unwrap()).collect();
    assert_eq!(policies, ["queue-scaledobject", "hpa-cpu", "oracle"]);
    let decisions = runs[0]["decisions"]
        .as_object()
        .expect("decisions per rule");
    let polls: u64 = decisions.values().map(|n| n.as_u64().unwrap()).sum();
    // pollingInterval 15 over 12 hours: a poll at 1 s, then every 15 s.
    assert_eq!(polls, 12 * 3600 / 15 + 1, "{decisions:?}");
    assert!(
        runs[2].get("decisions").is_none(),
        "the oracle has no engine rules"
    );
    let html = std::fs::read_to_string(&report).expect("the report was written");
    std::fs::remove_file(&report).ok();
    assert_eq!(
        html.matches("<svg").count(),
        3 * 4,
        "four charts per policy"
    );
}

#[test]
fn bad_input_is_an_error_that_names_it() {
    let cases: [(&[&str], &[&str]); 3] = [
        (
            &["simulate", "examples/sim/no-such-scenario.yaml"],
            &["no-such-scenario.yaml"],
        ),
        (
            &[
                "simulate",
                "examples/sim/queue-burst.yaml",
                "--policy",
                "hpa-memory",
            ],
            &["hpa-memory", "queue-scaledobject", "knative-kpa"],
        ),
        (
            &["simulate", "examples/sim/queue-scaledobject.yaml"],
            &["queue-scaledobject.yaml"],
        ),
    ];
    for (args, needles) in cases {
        let output = tidal(args);
        assert!(!output.status.success(), "{args:?} should fail");
        let stderr = text(&output.stderr);
        for needle in needles {
            assert!(stderr.contains(needle), "{args:?}: {needle} in {stderr}");
        }
    }
}
