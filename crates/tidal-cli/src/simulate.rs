//! `tidal simulate`.

use std::process::ExitCode;

/// Arguments of `tidal simulate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `tidal simulate`.
pub(crate) fn run(_args: &Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`tidal simulate` is not available in this build yet")
}
