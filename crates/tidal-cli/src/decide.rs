//! `tidal decide`: one scaling decision from a what-if scenario file.
//!
//! The scenario (YAML or JSON, `docs/decide.md`) holds a ScaledObject, the time, the target's
//! replicas, its pods and each trigger's reading, and the remembered state; the command runs the
//! same engine the operator runs and prints the decision with the rule that fixed it and every
//! trigger's part. Thin on purpose: parsing lives in [`scenario`], printing in [`render`], the
//! decision in `tidal-core`.

mod render;
mod scenario;

use std::path::PathBuf;
use std::process::ExitCode;

use tidal_core::engine::Engine;

use crate::{input, output};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Output {
    /// The decision, the rule, the reason and one row per trigger.
    Table,
    /// The decision (`status.lastDecision` shape) and the state after it.
    Json,
}

/// Arguments of `tidal decide`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The scenario file (YAML or JSON; `-` reads standard input). See docs/decide.md.
    #[arg(long, short, value_name = "SCENARIO")]
    input: PathBuf,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "table")]
    output: Output,
}

/// Runs `tidal decide`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let file = input::read_all(std::slice::from_ref(&args.input))?.remove(0);
    let scenario = scenario::parse(&file.name, &file.text)?;
    let engine = Engine::new(scenario.config);
    let mut state = scenario.state;
    let decision = engine.decide(&scenario.observation, &mut state, scenario.now);
    let text = match args.output {
        Output::Table => render::table(&decision),
        Output::Json => render::json(&decision, &state)?,
    };
    output::print(&text)?;
    Ok(ExitCode::SUCCESS)
}
