//! `tidal decide` through the built binary: every example scenario under `examples/decide/`
//! against its snapshot (table and JSON), and the messages a user gets for a bad scenario.

use std::path::PathBuf;
mod common;
use common::{repo, tidal};

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8 output")
}

fn examples() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("examples/decide"))
        .expect("examples/decide")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_example_decides_as_its_snapshot_says() {
    let files = examples();
    assert!(
        files.len() >= 8,
        "examples/decide shrank to {}",
        files.len()
    );
    for file in files {
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        let relative = format!("examples/decide/{stem}.yaml");
        for format in ["table", "json"] {
            let output = tidal(&["decide", "--input", &relative, "--output", format]);
            assert!(
                output.status.success(),
                "{relative}: {}",
                text(&output.stderr)
            );
            insta::assert_snapshot!(format!("{stem}.{format}"), text(&output.stdout));
        }
    }
}

#[test]
fn json_output_carries_the_documented_keys() {
    let output = tidal(&[
        "decide",
        "-i",
        "examples/decide/scale-up.yaml",
        "-o",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    for key in [
        "desiredReplicas",
        "active",
        "reason",
        "boundBy",
        "triggers",
        "state",
    ] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    assert_eq!(json["desiredReplicas"], 8);
    assert_eq!(json["boundBy"], "scaleUpPolicy");
}

/// Runs `tidal decide` on `scenario` written to a temporary file; returns the error line.
fn error_for(scenario: &str) -> String {
    let dir = std::env::temp_dir().join(format!("tidal-decide-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{:x}.yaml", fxhash(scenario)));
    std::fs::write(&path, scenario).unwrap();
    let output = tidal(&["decide", "--input", path.to_str().unwrap()]);
    assert!(!output.status.success(), "{scenario} should fail");
    let stderr = text(&output.stderr);
    let _ = std::fs::remove_file(&path);
    stderr.replace(path.to_str().unwrap(), "scenario.yaml")
}

fn fxhash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

const SPEC: &str = "scaledObject:
  scaleTargetRef: {name: web}
  triggers: [{type: prometheus, name: queue, metadata: {threshold: '10'}}]
now: 2026-01-01T00:10:00Z
";

#[test]
fn bad_scenarios_name_the_file_and_the_key_path() {
    let mut failures = Vec::new();
    for (scenario, expected) in [
        (
            format!("{SPEC}target: {{replicas: 3, replica: 2}}\n"),
            "error: scenario.yaml: target.replica: unknown field `replica`, expected one of `replicas`, \
             `readyReplicas`, `statusReplicas`",
        ),
        (
            format!("{SPEC}target: {{replicas: three}}\n"),
            "error: scenario.yaml: target.replicas: invalid type: string \"three\", expected i32",
        ),
        (
            SPEC.replace("scaleTargetRef:", "minReplicas: 1\n  scaleTargetRef:")
                + "target: {replicas: 3}\n",
            "error: scenario.yaml: scaledObject.minReplicas: unknown field; check the spelling \
             against the ScaledObject API (e.g. minReplicaCount, not minReplicas)",
        ),
        (
            format!("{SPEC}target: {{replicas: 3}}\ntriggers: {{lag: {{value: 1}}}}\n"),
            "error: scenario.yaml: triggers.lag: no trigger has this index or name; the triggers \
             are: 0 or queue (prometheus)",
        ),
        (
            format!("{SPEC}target: {{replicas: 3}}\ntriggers: {{queue: {{value: 1, error: x}}}}\n"),
            "error: scenario.yaml: triggers.queue: give exactly one of `value` (a number) and \
             `error` (a message)",
        ),
        (
            format!(
                "{SPEC}target: {{replicas: 3}}\npods: [{{name: a, requests: {{cpu: lots}}}}]\n"
            ),
            "error: scenario.yaml: pods[0].requests.cpu: \"lots\" is not a Kubernetes quantity",
        ),
        (
            format!(
                "{SPEC}target: {{replicas: 3}}\npods: [{{name: a, containers: [{{name: app, \
                 usage: {{cpu: 1x}}}}]}}]\n"
            ),
            "error: scenario.yaml: pods[0].containers[0].usage.cpu: \"1x\" is not a Kubernetes \
             quantity",
        ),
        (
            format!(
                "{SPEC}target: {{replicas: 3}}\npods: [{{name: a, usage: {{cpu: 500m}}, \
                 containers: [{{name: app}}]}}]\n"
            ),
            "error: scenario.yaml: pods[0]: give requests and usage either for the pod or for each \
             of its containers, not both",
        ),
        (
            SPEC.replace("'10'", "'ten'") + "target: {replicas: 3}\n",
            "error: scenario.yaml: scaledObject cannot be decided on: ScaledObject (scenario): \
             spec.triggers[0].metadata.threshold: \"ten\" is not allowed",
        ),
    ] {
        let stderr = error_for(&scenario);
        if !stderr.starts_with(expected) {
            failures.push(format!(
                "for\n{scenario}\nexpected\n{expected}\ngot\n{stderr}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
