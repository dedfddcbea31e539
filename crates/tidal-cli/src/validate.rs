//! `tidal validate`.

use std::process::ExitCode;

/// Arguments of `tidal validate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `tidal validate`.
pub(crate) fn run(_args: &Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`tidal validate` is not available in this build yet")
}
