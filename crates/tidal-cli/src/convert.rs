//! `tidal convert`.

use std::process::ExitCode;

/// Arguments of `tidal convert`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `tidal convert`.
pub(crate) fn run(_args: &Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`tidal convert` is not available in this build yet")
}
