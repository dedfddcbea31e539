//! Sends a status with server-side apply.

use kube::Api;
use kube::api::{Patch, PatchParams};
use serde_json::json;
use tidal_api::v1alpha1::{ScaledObject, ScaledObjectStatus};

use crate::constants::FIELD_MANAGER;

/// Applies `status` to ScaledObject `name` as Tidal's field manager.
///
/// The whole status is sent every time: server-side apply then removes fields Tidal set
/// before and no longer sets (a cleared `pausedReplicaCount`, a deleted trigger's health).
///
/// # Errors
///
/// The apiserver's error; `NotFound` when the object was deleted meanwhile.
pub async fn write(
    api: &Api<ScaledObject>,
    name: &str,
    status: &ScaledObjectStatus,
) -> kube::Result<()> {
    let patch = json!({
        "apiVersion": "tidal.dev/v1alpha1",
        "kind": "ScaledObject",
        "status": status,
    });
    api.patch_status(
        name,
        &PatchParams::apply(FIELD_MANAGER).force(),
        &Patch::Apply(&patch),
    )
    .await?;
    Ok(())
}
