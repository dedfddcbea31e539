//! `external-push`: the `StreamIsActive` stream kept open for one trigger, re-opened with
//! KEDA's backoff, and what it publishes.

use std::time::Duration;

use tokio::sync::broadcast;

use super::proto::ScaledObjectRef;
use super::proto::external_scaler_client::ExternalScalerClient;
use crate::scaler::ObjectRef;

/// The first wait before re-opening a stream that ended or failed.
const FIRST_RETRY: Duration = Duration::from_secs(2);

/// The longest wait between attempts.
const MAX_RETRY: Duration = Duration::from_mins(1);

/// One message an external scaler streamed for one trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityPush {
    /// The ScaledObject the trigger belongs to.
    pub object: ObjectRef,
    /// The trigger's index in `spec.triggers`.
    pub trigger_index: usize,
    /// What the server said: `true` asks for an immediate evaluation (activation); KEDA
    /// ignores `false` and leaves deactivation to polling, and so should the operator.
    pub active: bool,
}

/// Keeps the stream open until the task is aborted, publishing every message.
pub(super) async fn run(
    client: ExternalScalerClient<tonic::transport::Channel>,
    reference: ScaledObjectRef,
    template: ActivityPush,
    pushes: broadcast::Sender<ActivityPush>,
    address: String,
) {
    let mut retry = FIRST_RETRY;
    loop {
        match stream_once(client.clone(), reference.clone(), &template, &pushes).await {
            Ok(()) => {
                retry = FIRST_RETRY;
                tracing::debug!(address, object = %template.object, "External scaler closed its activity stream.");
            }
            Err(status) => tracing::warn!(
                address,
                object = %template.object,
                code = ?status.code(),
                message = status.message(),
                retry_in = ?retry,
                "External scaler activity stream failed."
            ),
        }
        tokio::time::sleep(retry).await;
        retry = (retry * 2).min(MAX_RETRY);
    }
}

async fn stream_once(
    mut client: ExternalScalerClient<tonic::transport::Channel>,
    reference: ScaledObjectRef,
    template: &ActivityPush,
    pushes: &broadcast::Sender<ActivityPush>,
) -> Result<(), tonic::Status> {
    let mut stream = client.stream_is_active(reference).await?.into_inner();
    while let Some(message) = stream.message().await? {
        // No subscriber is not an error: polling still covers the trigger.
        let _ = pushes.send(ActivityPush {
            active: message.result,
            ..template.clone()
        });
    }
    Ok(())
}
