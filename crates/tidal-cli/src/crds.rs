//! `tidal crds`.

use std::process::ExitCode;

/// Arguments of `tidal crds`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `tidal crds`.
pub(crate) fn run(_args: &Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`tidal crds` is not available in this build yet")
}
