//! The `kafka` scaler: a consumer group's lag, read over Kafka's wire protocol in pure Rust.
//!
//! KEDA's kafka scaler asks the brokers for the group's committed offsets and the partitions'
//! latest offsets and scales on the difference. Tidal does the same with `kafka-protocol`
//! over a pooled tokio TCP connection per (bootstrap servers, credentials).

use crate::params::ParamError;
use crate::registry::BuildFuture;
use crate::scaler::BuildContext;

/// The KEDA trigger type.
pub const TYPE: &str = "kafka";

/// `kafka` failures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A metadata or authentication parameter is missing or invalid.
    #[error(transparent)]
    Param(#[from] ParamError),
}

/// Broker connections shared by every `kafka` trigger in the process.
#[derive(Debug, Default)]
pub struct ClientPool {}

pub(crate) fn build(_ctx: BuildContext) -> BuildFuture {
    Box::pin(async move {
        Err(Error::Param(ParamError::rule(
            "bootstrapServers",
            "the kafka scaler is not built yet",
        ))
        .into())
    })
}
