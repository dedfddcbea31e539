//! `tidal decide`.

use std::process::ExitCode;

/// Arguments of `tidal decide`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `tidal decide`.
pub(crate) fn run(_args: &Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`tidal decide` is not available in this build yet")
}
