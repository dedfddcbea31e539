//! `tidal validate`: check KEDA or Tidal manifests before they reach a cluster.
//!
//! Every problem is printed as `severity: file:line: Kind ns/name: field.path: value problem;
//! what is allowed`, the same lines the manifest corpus tests expect. Errors make the command exit
//! 1; warnings (unknown fields the API server would drop, trigger types Tidal cannot run yet) do
//! not.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use tidal_api::manifest::Object;
use tidal_api::triggers::{CATALOG, Support};
use tidal_api::validate::report::check_with;
use tidal_api::validate::{FormulaCheck, Severity};
use tidal_formula::Formula;

use crate::input;

/// Arguments of `tidal validate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Manifest files (multi-document YAML or JSON, `keda.sh` or `tidal.dev`); `-` reads standard
    /// input.
    #[arg(required_unless_present = "list_triggers", value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Also fail (exit 1) on warnings.
    #[arg(long)]
    strict: bool,
    /// Print every KEDA trigger type and whether Tidal runs it, then exit.
    #[arg(long)]
    list_triggers: bool,
}

/// Checks scaling-modifier formulas with the real formula language, so a typo in a formula is
/// caught here rather than at the first scale loop.
struct Formulas;

impl FormulaCheck for Formulas {
    fn check(&self, formula: &str, triggers: &[&str]) -> Result<(), String> {
        let parsed = Formula::parse(formula).map_err(|error| error.to_string())?;
        parsed
            .check_variables(triggers.iter().copied())
            .map_err(|error| error.to_string())
    }
}

/// Runs `tidal validate`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    if args.list_triggers {
        crate::output::print(&trigger_list())?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    let (mut documents, mut errors, mut warnings) = (0, 0, 0);
    let mut unsupported = BTreeSet::new();
    for input in input::read_all(&args.files)? {
        let report = check_with(&input.name, &input.text, &Formulas);
        documents += report.documents;
        errors += report.count(Severity::Error);
        warnings += report.count(Severity::Warning);
        for finding in &report.findings {
            writeln!(out, "{finding}")?;
        }
        unsupported.extend(unsupported_types(&input.text));
    }
    if !unsupported.is_empty() {
        let names: Vec<_> = unsupported.into_iter().collect();
        writeln!(
            out,
            "note: trigger types Tidal does not run yet: {}",
            names.join(", ")
        )?;
    }
    writeln!(
        out,
        "{} file(s), {documents} object(s): {errors} error(s), {warnings} warning(s)",
        args.files.len()
    )?;
    crate::output::print(&out)?;
    let failed = errors > 0 || (args.strict && warnings > 0);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The catalog as a two-column table.
fn trigger_list() -> String {
    let mut out = String::from("TYPE                              TIDAL\n");
    for trigger in CATALOG {
        let support = match trigger.support {
            Support::Supported => "supported",
            Support::NotYetSupported => "not yet",
        };
        let _ = writeln!(out, "{:<34}{support}", trigger.name);
    }
    out
}

/// The not-yet-supported trigger types a text uses, for the closing note.
fn unsupported_types(text: &str) -> Vec<&'static str> {
    let (documents, _) = tidal_api::manifest::load_all("", text);
    documents
        .iter()
        .flat_map(|document| match &document.manifest.object {
            Object::ScaledObject(object) => object.spec.triggers.as_slice(),
            Object::ScaledJob(object) => object.spec.triggers.as_slice(),
            Object::TriggerAuthentication(_) | Object::ClusterTriggerAuthentication(_) => &[],
        })
        .filter_map(|trigger| tidal_api::triggers::lookup(&trigger.type_))
        .filter(|trigger| trigger.support == Support::NotYetSupported)
        .map(|trigger| trigger.name)
        .collect()
}
