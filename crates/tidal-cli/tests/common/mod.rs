//! Helpers shared by the CLI's integration tests: run the built `tidal` binary from the
//! repository root, as a user would.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The repository root.
pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `tidal ARGS…` from the repository root.
pub(crate) fn tidal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tidal"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run tidal")
}
