//! The `external` and `external-push` scalers: Tidal as the gRPC client of KEDA's
//! `externalscaler.proto`, so external scalers written for KEDA work unchanged.
//!
//! `external` polls `GetMetricSpec`, `GetMetrics` and `IsActive`; `external-push` also keeps a
//! `StreamIsActive` stream open and hands its pushes to the operator.

use crate::params::ParamError;
use crate::registry::BuildFuture;
use crate::scaler::BuildContext;

/// The KEDA trigger type of the polled external scaler.
pub const TYPE: &str = "external";

/// The KEDA trigger type of the external scaler that also pushes activity.
pub const PUSH_TYPE: &str = "external-push";

/// `external` and `external-push` failures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A metadata or authentication parameter is missing or invalid.
    #[error(transparent)]
    Param(#[from] ParamError),
}

/// gRPC channels shared by every external trigger in the process.
#[derive(Debug, Default)]
pub struct ChannelPool {}

pub(crate) fn build(_ctx: BuildContext) -> BuildFuture {
    Box::pin(async move {
        Err(Error::Param(ParamError::rule(
            "scalerAddress",
            "the external scaler is not built yet",
        ))
        .into())
    })
}
