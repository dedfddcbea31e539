//! What the SQL scalers (`mysql`, `postgresql`) share: how a query trigger fails.

use std::time::Duration;

use crate::params::ParamError;

/// `mysql` and `postgresql` failures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A metadata or authentication parameter is missing or invalid.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// Connecting or authenticating failed (refused, DNS, TLS, credentials).
    #[error("cannot connect to {database} at {server}: {reason}")]
    Connect {
        /// `MySQL` or `PostgreSQL`.
        database: &'static str,
        /// `host:port/dbname`.
        server: String,
        /// The server's or socket's reason.
        reason: String,
    },
    /// The query failed.
    #[error("the query failed on {server}: {reason}")]
    Query {
        /// `host:port/dbname`.
        server: String,
        /// The server's message.
        reason: String,
    },
    /// No answer in time.
    #[error("no answer from {database} at {server} within {after:?}")]
    Timeout {
        /// `MySQL` or `PostgreSQL`.
        database: &'static str,
        /// `host:port/dbname`.
        server: String,
        /// The timeout.
        after: Duration,
    },
    /// The query returned no row, or a first column that is NULL or not a number.
    #[error("the query's result is not a number: {found}")]
    NotANumber {
        /// What came back.
        found: String,
    },
}
