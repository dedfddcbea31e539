//! The manifest corpus under `tests/manifests/`: every valid manifest passes (warnings only where
//! its `.expected` file lists them) and every invalid one reports exactly the lines of its
//! `.expected` file — the same lines `tidal validate` prints.
//!
//! After a deliberate change of messages, rewrite the expectations with
//! `TIDAL_UPDATE_CORPUS=1 cargo test -p tidal-api --test corpus` and review the diff.

use std::path::{Path, PathBuf};

use tidal_api::validate::Severity;
use tidal_api::validate::report::check;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The manifests of one corpus folder, sorted, with their repository-relative names.
fn manifests(folder: &str) -> Vec<(String, PathBuf)> {
    let dir = repo().join("tests/manifests").join(folder);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| {
            matches!(
                path.extension().and_then(|ext| ext.to_str()),
                Some("yaml" | "json")
            )
        })
        .map(|path| {
            let name = format!(
                "tests/manifests/{folder}/{}",
                path.file_name().unwrap().to_string_lossy()
            );
            (name, path)
        })
        .collect();
    files.sort();
    files
}

fn expected_path(manifest: &Path) -> PathBuf {
    manifest.with_extension("expected")
}

/// Checks one manifest's findings against its expectation file; returns the error count.
fn compare(name: &str, path: &Path, must_exist: bool) -> usize {
    let text = std::fs::read_to_string(path).expect("read manifest");
    let report = check(name, &text);
    let actual: String = report
        .findings
        .iter()
        .fold(String::new(), |mut text, finding| {
            text.push_str(&finding.to_string());
            text.push('\n');
            text
        });
    let expected_file = expected_path(path);
    if std::env::var_os("TIDAL_UPDATE_CORPUS").is_some() {
        if actual.is_empty() {
            let _ = std::fs::remove_file(&expected_file);
        } else {
            std::fs::write(&expected_file, &actual).expect("write expectation");
        }
    }
    let expected = match std::fs::read_to_string(&expected_file) {
        Ok(expected) => expected,
        Err(_) if !must_exist => String::new(),
        Err(error) => panic!("{}: {error}", expected_file.display()),
    };
    assert_eq!(
        actual,
        expected,
        "{name}: findings differ from {}",
        expected_file.display()
    );
    report.count(Severity::Error)
}

#[test]
fn valid_manifests_load_without_errors() {
    let files = manifests("valid");
    assert!(
        files.len() >= 15,
        "the valid corpus shrank to {}",
        files.len()
    );
    for (name, path) in files {
        assert_eq!(compare(&name, &path, false), 0, "{name} has errors");
    }
}

#[test]
fn invalid_manifests_report_exactly_their_expected_lines() {
    let files = manifests("invalid");
    assert!(
        files.len() >= 15,
        "the invalid corpus shrank to {}",
        files.len()
    );
    for (name, path) in files {
        assert!(compare(&name, &path, true) > 0, "{name} reports no error");
    }
}

#[test]
fn no_expectation_file_is_orphaned() {
    for folder in ["valid", "invalid"] {
        let dir = repo().join("tests/manifests").join(folder);
        for entry in std::fs::read_dir(&dir).expect("read corpus") {
            let path = entry.expect("directory entry").path();
            if path.extension().and_then(|ext| ext.to_str()) == Some("expected") {
                let has_manifest = ["yaml", "json"]
                    .iter()
                    .any(|ext| path.with_extension(ext).exists());
                assert!(has_manifest, "{} has no manifest", path.display());
            }
        }
    }
}
