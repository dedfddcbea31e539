//! `tidal crds`: print the CustomResourceDefinitions, or write them one file per CRD.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

/// Arguments of `tidal crds`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Write one `tidal.dev_<plural>.yaml` file per CRD into this directory instead of printing
    /// a multi-document stream (this is how `deploy/crds/` is regenerated).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// Runs `tidal crds`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    match &args.out {
        None => crate::output::print(&tidal_api::crds::render_yaml()?)?,
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create directory {}", dir.display()))?;
            for (file, contents) in tidal_api::crds::files()? {
                let path = dir.join(file);
                std::fs::write(&path, contents)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
