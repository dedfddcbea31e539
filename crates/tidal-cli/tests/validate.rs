//! `tidal validate` on the manifest corpus under `tests/manifests/`, through the built binary:
//! the lines a user sees, the exit code CI scripts rely on, and the conversions users run.

use std::path::Path;
use std::process::Output;

mod common;
use common::{repo, tidal};

fn corpus(folder: &str) -> Vec<String> {
    let dir = repo().join("tests/manifests").join(folder);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("corpus folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| {
            matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "json")
            )
        })
        .map(|path| {
            format!(
                "tests/manifests/{folder}/{}",
                path.file_name().unwrap().to_string_lossy()
            )
        })
        .collect();
    files.sort();
    files
}

fn expected(file: &str) -> String {
    let path = repo().join(Path::new(file).with_extension("expected"));
    std::fs::read_to_string(path).unwrap_or_default()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 output")
}

#[test]
fn every_invalid_manifest_prints_its_expected_errors_and_exits_1() {
    let files = corpus("invalid");
    assert!(
        files.len() >= 25,
        "the invalid corpus shrank to {}",
        files.len()
    );
    for file in files {
        let output = tidal(&["validate", &file]);
        let printed = stdout(&output);
        let findings: String = printed
            .lines()
            .filter(|line| line.starts_with("error: ") || line.starts_with("warning: "))
            .fold(String::new(), |mut all, line| {
                all.push_str(line);
                all.push('\n');
                all
            });
        assert_eq!(findings, expected(&file), "{file}: findings differ");
        assert_eq!(
            output.status.code(),
            Some(1),
            "{file}: exit code\n{printed}"
        );
    }
}

#[test]
fn every_valid_manifest_passes_with_only_its_expected_warnings() {
    for file in corpus("valid") {
        let output = tidal(&["validate", &file]);
        let printed = stdout(&output);
        assert_eq!(output.status.code(), Some(0), "{file}:\n{printed}");
        assert!(!printed.contains("error: "), "{file}:\n{printed}");
        let warnings = printed
            .lines()
            .filter(|l| l.starts_with("warning: "))
            .count();
        assert_eq!(
            warnings,
            expected(&file).lines().count(),
            "{file}: warnings differ:\n{printed}"
        );
    }
}

#[test]
fn strict_mode_fails_on_warnings_and_names_unsupported_triggers() {
    let file = "tests/manifests/valid/so-not-yet-supported.yaml";
    let output = tidal(&["validate", "--strict", file]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("note: trigger types Tidal does not run yet: aws-sqs-queue"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let output = tidal(&["validate", "tests/manifests/no-such-file.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot read tests/manifests/no-such-file.yaml"),
        "{stderr}"
    );
}

#[test]
fn convert_round_trips_every_valid_manifest_through_both_groups() {
    for file in corpus("valid") {
        let to_tidal = tidal(&["convert", "--to", "tidal", &file]);
        assert!(to_tidal.status.success(), "{file}");
        let tidal_text = stdout(&to_tidal);
        assert!(
            !tidal_text.contains("apiVersion: keda.sh/"),
            "{file}: still keda.sh:\n{tidal_text}"
        );
        let tmp = std::env::temp_dir().join(format!(
            "tidal-convert-{}-{}",
            std::process::id(),
            Path::new(&file).file_name().unwrap().to_string_lossy()
        ));
        std::fs::write(&tmp, &tidal_text).unwrap();
        let back = tidal(&["convert", "--to", "keda", tmp.to_str().unwrap()]);
        let direct = tidal(&["convert", "--to", "keda", &file]);
        // The converted manifests must still validate without errors.
        let revalidate = tidal(&["validate", tmp.to_str().unwrap()]);
        std::fs::remove_file(&tmp).ok();
        assert_eq!(stdout(&back), stdout(&direct), "{file}: round trip differs");
        assert_eq!(
            revalidate.status.code(),
            Some(0),
            "{file}: converted copy fails validation"
        );
    }
}

#[test]
fn crds_on_disk_match_the_binary() {
    let output = tidal(&["crds"]);
    assert!(output.status.success());
    let printed = stdout(&output);
    for entry in std::fs::read_dir(repo().join("deploy/crds")).unwrap() {
        let contents = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(
            printed.contains(&contents),
            "deploy/crds is stale: run `tidal crds --out deploy/crds`"
        );
    }
}
