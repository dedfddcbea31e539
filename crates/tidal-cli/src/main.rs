//! The `tidal` binary: a thin shell that parses arguments and calls into the library crates.
//!
//! Each subcommand lives in its own module with an `Args` struct and a `run` function, so adding a
//! subcommand touches this file in two lines.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod convert;
mod crds;
mod decide;
mod input;
mod operator;
mod output;
mod simulate;
mod validate;

/// Tidal: a KEDA-compatible Kubernetes autoscaler that explains every decision.
#[derive(Debug, Parser)]
#[command(name = "tidal", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the CustomResourceDefinitions as YAML.
    Crds(crds::Args),
    /// Check KEDA or Tidal manifests and report every problem with its field path.
    Validate(validate::Args),
    /// Convert manifests between `keda.sh/v1alpha1` and `tidal.dev/v1alpha1`.
    Convert(convert::Args),
    /// Compute one scaling decision from a what-if scenario.
    Decide(decide::Args),
    /// Replay a load through the decision engine in virtual time and compare policies.
    Simulate(simulate::Args),
    /// Run the Kubernetes operator: watch ScaledObjects and scale their targets.
    Operator(operator::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Crds(args) => crds::run(&args),
        Command::Validate(args) => validate::run(&args),
        Command::Convert(args) => convert::run(&args),
        Command::Decide(args) => decide::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Operator(args) => operator::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
