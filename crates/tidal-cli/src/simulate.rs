//! `tidal simulate`: rehearse a scenario's policies on its load and compare them.
//!
//! Thin on purpose: parse the arguments, hand the scenario to `tidal-sim`, print the table or
//! JSON, write the HTML report, and show progress on a terminal.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use tidal_sim::{Comparison, Prepared, report};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Output {
    /// A table of medians per policy.
    Table,
    /// The table and every run's summary as JSON.
    Json,
}

/// Arguments of `tidal simulate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The scenario file (YAML; see docs/simulate.md).
    scenario: PathBuf,
    /// Policies to run, by name: the scenario's own (a ScaledObject by its file name,
    /// keda-queue, …), or a baseline with its defaults (hpa-cpu, knative-kpa, static-peak,
    /// oracle). Default: the scenario's list, else every baseline. The oracle always runs.
    #[arg(long = "policy", value_name = "NAME")]
    policies: Vec<String>,
    /// Seeds to run each policy with (0..N); default: the scenario's `seeds`.
    #[arg(long)]
    seeds: Option<u32>,
    /// Write a single-file HTML report with charts here.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "table")]
    output: Output,
    /// Threads to run policies on (default: every core).
    #[arg(long)]
    threads: Option<usize>,
}

/// Runs `tidal simulate`.
pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let prepared = Prepared::load(&args.scenario)?;
    let specs = prepared.policies(&args.policies)?;
    let seeds = args.seeds.unwrap_or(prepared.scenario.seeds);
    if seeds == 0 {
        anyhow::bail!("--seeds must be at least 1");
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get));
    let runs = (specs.len() + usize::from(!specs.iter().any(|s| s.name() == "oracle"))) as u64
        * u64::from(seeds);
    let total = runs * Comparison::steps_per_run(&prepared);
    let done = AtomicU64::new(0);
    let finished = AtomicBool::new(false);
    let show = std::io::stderr().is_terminal();
    let comparison = std::thread::scope(|scope| {
        if show {
            scope.spawn(|| progress(&done, &finished, total));
        }
        let result = tidal_sim::compare(&prepared, &specs, seeds, threads, Some(&done));
        finished.store(true, Ordering::Relaxed);
        result
    })?;
    let text = match args.output {
        Output::Table => report::table(&comparison),
        Output::Json => report::json(&comparison),
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .context("cannot write to stdout")?;
    if let Some(path) = &args.report {
        report::write_html(&comparison, &prepared, path)?;
        if show {
            eprintln!("Report written to {}.", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Draws a progress bar on stderr until `finished`.
fn progress(done: &AtomicU64, finished: &AtomicBool, total: u64) {
    let mut stderr = std::io::stderr();
    while !finished.load(Ordering::Relaxed) {
        let fraction = (done.load(Ordering::Relaxed) as f64 / total.max(1) as f64).min(1.0);
        let filled = (fraction * 30.0) as usize;
        let _ = write!(
            stderr,
            "\r[{}{}] {:>3.0}% simulated",
            "#".repeat(filled),
            " ".repeat(30 - filled),
            fraction * 100.0
        );
        let _ = stderr.flush();
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = write!(stderr, "\r{}\r", " ".repeat(50));
    let _ = stderr.flush();
}
