//! Errors of the simulator.
//!
//! Everything a user can get wrong — a trace row, a scenario field, an impossible target — comes
//! back as one of these variants naming the file or field, the bad value and what is allowed, so
//! `tidal simulate` can print it and exit instead of panicking.

use std::path::PathBuf;

/// Result type of the simulator.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong while loading a scenario, its load or writing a report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A row of a trace, series or profile file is malformed.
    #[error("{}:{line}: {message}", path.display())]
    Row {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// A trace, series or profile file holds no usable rows.
    #[error("{}: {message}", path.display())]
    EmptyInput {
        /// The file.
        path: PathBuf,
        /// Why nothing could be used.
        message: String,
    },
    /// The scenario file is not valid YAML for the scenario schema.
    #[error("scenario {}: {message}", path.display())]
    Syntax {
        /// The scenario file.
        path: PathBuf,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A scenario field has a value that is not allowed.
    #[error("scenario `{scenario}`: `{field}` = {value}: {allowed}")]
    Field {
        /// The scenario's name.
        scenario: String,
        /// The field path, such as `service.web.concurrency`.
        field: String,
        /// The bad value as written.
        value: String,
        /// What is allowed instead.
        allowed: String,
    },
    /// The scenario cannot meet its SLO with the replicas it allows.
    #[error(
        "scenario `{scenario}`: `{field}` = {max} but meeting the SLO needs {needed} replicas at \
         t={at}s (load {load:.2}/s); raise the maximum or relax `slo`"
    )]
    Impossible {
        /// The scenario's name.
        scenario: String,
        /// The field that caps replicas.
        field: String,
        /// The cap.
        max: u32,
        /// Replicas the SLO needs at the worst moment.
        needed: u32,
        /// Virtual time of that moment, in seconds.
        at: u64,
        /// The load at that moment, in the service's unit per second.
        load: f64,
    },
    /// A policy could not be built from its specification.
    #[error("policy `{policy}`: {message}")]
    Policy {
        /// The policy's name.
        policy: String,
        /// What is wrong and what is allowed.
        message: String,
    },
}
