//! Adding and removing Tidal's finalizer, and what happens between deletion and release.
//!
//! The finalizer lets Tidal act after `kubectl delete`: restore the target's original replica
//! count when `advanced.restoreToOriginalReplicaCount` asks for it, and say so in an Event.
//! Patches are JSON patches guarded by a `test` of the list as read, so a concurrent change by
//! another controller makes the patch fail instead of dropping its finalizer.

use kube::Api;
use kube::api::{Patch, PatchParams};
use serde_json::json;
use tidal_api::v1alpha1::ScaledObject;

use crate::constants::FINALIZER;

/// Whether `object` carries Tidal's finalizer.
pub(crate) fn has(object: &ScaledObject) -> bool {
    object
        .metadata
        .finalizers
        .as_ref()
        .is_some_and(|f| f.iter().any(|f| f == FINALIZER))
}

/// Adds the finalizer.
///
/// # Errors
///
/// The apiserver's error (a failed `test` is a 422: the next pass retries on fresh data).
pub(crate) async fn add(api: &Api<ScaledObject>, object: &ScaledObject) -> kube::Result<()> {
    let name = object.metadata.name.as_deref().unwrap_or_default();
    let patch = match &object.metadata.finalizers {
        None => json!([
            { "op": "test", "path": "/metadata/finalizers", "value": null },
            { "op": "add", "path": "/metadata/finalizers", "value": [FINALIZER] },
        ]),
        Some(list) => json!([
            { "op": "test", "path": "/metadata/finalizers", "value": list },
            { "op": "add", "path": "/metadata/finalizers/-", "value": FINALIZER },
        ]),
    };
    let patch: json_patch::Patch =
        serde_json::from_value(patch).map_err(kube::Error::SerdeError)?;
    api.patch(name, &PatchParams::default(), &Patch::Json::<()>(patch))
        .await?;
    Ok(())
}

/// Removes the finalizer, letting the apiserver delete the object.
///
/// # Errors
///
/// The apiserver's error; a missing object counts as done.
pub(crate) async fn remove(api: &Api<ScaledObject>, object: &ScaledObject) -> kube::Result<()> {
    let name = object.metadata.name.as_deref().unwrap_or_default();
    let Some(list) = &object.metadata.finalizers else {
        return Ok(());
    };
    let Some(index) = list.iter().position(|f| f == FINALIZER) else {
        return Ok(());
    };
    let patch = json!([
        { "op": "test", "path": format!("/metadata/finalizers/{index}"), "value": FINALIZER },
        { "op": "remove", "path": format!("/metadata/finalizers/{index}") },
    ]);
    let patch: json_patch::Patch =
        serde_json::from_value(patch).map_err(kube::Error::SerdeError)?;
    match api
        .patch(name, &PatchParams::default(), &Patch::Json::<()>(patch))
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.is_not_found() => Ok(()),
        Err(error) => Err(error),
    }
}
