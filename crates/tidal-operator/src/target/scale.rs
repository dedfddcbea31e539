//! Reading and writing a target's `/scale` subresource.

use k8s_openapi::api::autoscaling::v1::{Scale, ScaleSpec};
use kube::Api;
use kube::api::PostParams;
use kube::core::DynamicObject;

use super::{Error, Result};
use crate::constants::FIELD_MANAGER;

/// What `/scale` said about the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleState {
    /// `spec.replicas`: the count the target is asked to run.
    pub desired: i32,
    /// `status.replicas`: the count the target's controller reports running.
    pub current: i32,
    /// The label selector of the target's pods, when it publishes one.
    pub selector: Option<String>,
    /// The resourceVersion the read saw; a write with it fails if anything changed since.
    pub resource_version: Option<String>,
}

/// `/scale` of one target object.
#[derive(Debug, Clone)]
pub struct ScaleClient {
    api: Api<DynamicObject>,
    kind: String,
    namespace: String,
}

impl ScaleClient {
    pub(crate) fn new(api: Api<DynamicObject>, kind: String, namespace: String) -> Self {
        Self {
            api,
            kind,
            namespace,
        }
    }

    /// The kind of the target, for messages.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// Reads the target's scale.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when the target does not exist, [`Error::Api`] otherwise.
    pub async fn read(&self, name: &str) -> Result<ScaleState> {
        let scale = self
            .api
            .get_scale(name)
            .await
            .map_err(|e| self.classify(name, e))?;
        Ok(ScaleState {
            desired: scale.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0),
            current: scale.status.as_ref().map_or(0, |s| s.replicas),
            selector: scale.status.and_then(|s| s.selector),
            resource_version: scale.metadata.resource_version,
        })
    }

    /// Sets `spec.replicas` to `replicas`, failing if the scale changed since `seen` was read.
    ///
    /// # Errors
    ///
    /// [`Error::Conflict`] when someone else wrote in between (re-read and decide again),
    /// [`Error::NotFound`] when the target is gone, [`Error::Api`] otherwise.
    pub async fn write(&self, name: &str, seen: &ScaleState, replicas: i32) -> Result<ScaleState> {
        let scale = Scale {
            metadata: kube::api::ObjectMeta {
                name: Some(name.to_owned()),
                namespace: Some(self.namespace.clone()),
                resource_version: seen.resource_version.clone(),
                ..Default::default()
            },
            spec: Some(ScaleSpec {
                replicas: Some(replicas),
            }),
            status: None,
        };
        let params = PostParams {
            field_manager: Some(FIELD_MANAGER.to_owned()),
            ..PostParams::default()
        };
        let written = self
            .api
            .replace_scale(name, &params, &scale)
            .await
            .map_err(|e| self.classify(name, e))?;
        Ok(ScaleState {
            desired: written
                .spec
                .as_ref()
                .and_then(|s| s.replicas)
                .unwrap_or(replicas),
            current: written.status.as_ref().map_or(seen.current, |s| s.replicas),
            selector: written
                .status
                .and_then(|s| s.selector)
                .or_else(|| seen.selector.clone()),
            resource_version: written.metadata.resource_version,
        })
    }

    fn classify(&self, name: &str, error: kube::Error) -> Error {
        match &error {
            kube::Error::Api(status) if status.is_not_found() => Error::NotFound {
                kind: self.kind.clone(),
                namespace: self.namespace.clone(),
                name: name.to_owned(),
            },
            kube::Error::Api(status) if status.is_conflict() => Error::Conflict {
                kind: self.kind.clone(),
                namespace: self.namespace.clone(),
                name: name.to_owned(),
            },
            _ => Error::Api(error),
        }
    }
}
