//! `tidal convert`: rewrite manifests between `keda.sh/v1alpha1` and `tidal.dev/v1alpha1`.
//!
//! Only `apiVersion` changes; names, annotations, spec and status are kept, so a KEDA user can move
//! a whole directory of manifests to Tidal (or back) in one command and `kubectl apply` the result.

use std::path::PathBuf;
use std::process::ExitCode;

use tidal_api::manifest::{self, Group};

use crate::input;

/// The group to convert to.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Target {
    /// `tidal.dev/v1alpha1`.
    Tidal,
    /// `keda.sh/v1alpha1`.
    Keda,
}

/// Arguments of `tidal convert`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Manifest files (multi-document YAML or JSON); `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The API group to write.
    #[arg(long, value_enum, default_value = "tidal")]
    to: Target,
}

/// Runs `tidal convert`: the converted documents go to standard output as one YAML stream.
///
/// Fields the API does not know are dropped by the conversion (the API server would drop them
/// too); each is reported on standard error so nothing disappears silently.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let group = match args.to {
        Target::Tidal => Group::Tidal,
        Target::Keda => Group::Keda,
    };
    let mut out = String::new();
    let mut failed = false;
    for input in input::read_all(&args.files)? {
        let (documents, errors) = manifest::load_all(&input.name, &input.text);
        for error in &errors {
            eprintln!("error: {error}");
        }
        failed |= !errors.is_empty();
        for document in documents {
            for field in &document.unknown_fields {
                let line = document.line_of(field).unwrap_or(0);
                eprintln!(
                    "warning: {}:{line}: {}: {field}: unknown field dropped by the conversion",
                    document.origin.source,
                    document.manifest.object_ref(),
                );
            }
            let converted = manifest::convert(&document.manifest, group);
            out.push_str("---\n");
            out.push_str(&converted.to_yaml()?);
        }
    }
    crate::output::print(&out)?;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
