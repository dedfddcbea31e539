//! Scale targets: from a `scaleTargetRef` to a readable and writable `/scale` subresource.
//!
//! KEDA scales anything that exposes `/scale` — Deployments, StatefulSets, Argo Rollouts, custom
//! resources declaring `subresources.scale` — so targets are resolved through API discovery
//! rather than a list of known kinds. [`Resolver`] caches discovery per apiVersion and kind;
//! [`ScaleClient`] reads and writes the subresource with optimistic concurrency so a write
//! never overwrites a replica count it did not see.

mod reference;
mod resolver;
mod scale;

pub use reference::{TargetKey, TargetRef};
pub use resolver::{Resolved, Resolver};
pub use scale::{ScaleClient, ScaleState};

/// Errors resolving, reading or writing a scale target.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `scaleTargetRef.apiVersion` is not of the form `group/version` or `version`.
    #[error(
        "spec.scaleTargetRef.apiVersion: {api_version:?} is not a valid apiVersion; \
         expected `group/version` such as \"apps/v1\", or `version` such as \"v1\""
    )]
    InvalidApiVersion {
        /// The value found.
        api_version: String,
    },
    /// Discovery does not know the kind: a typo, or a CRD that is not installed.
    #[error(
        "spec.scaleTargetRef: kind {kind:?} in apiVersion {api_version:?} is not served by this cluster; \
         check the kind and apiVersion, or install the CustomResourceDefinition that defines it"
    )]
    KindNotFound {
        /// The apiVersion looked up.
        api_version: String,
        /// The kind looked up.
        kind: String,
    },
    /// The kind exists but has no `/scale` subresource, so nothing can set its replicas.
    #[error(
        "spec.scaleTargetRef: kind {kind:?} in apiVersion {api_version:?} has no /scale subresource; \
         the target must be a Deployment, a StatefulSet or another resource that declares a scale subresource"
    )]
    NotScalable {
        /// The apiVersion of the kind.
        api_version: String,
        /// The kind without `/scale`.
        kind: String,
    },
    /// The target object does not exist (yet, or any more).
    #[error("spec.scaleTargetRef: {kind} {namespace}/{name} does not exist")]
    NotFound {
        /// The target's kind.
        kind: String,
        /// The target's namespace (the ScaledObject's).
        namespace: String,
        /// The target's name.
        name: String,
    },
    /// Another writer changed the target between our read and our write.
    #[error("the scale of {kind} {namespace}/{name} changed since it was read")]
    Conflict {
        /// The target's kind.
        kind: String,
        /// The target's namespace.
        namespace: String,
        /// The target's name.
        name: String,
    },
    /// The apiserver failed or refused the call.
    #[error("apiserver call failed: {0}")]
    Api(#[from] kube::Error),
}

impl Error {
    /// The short `Ready` condition reason for this error, in PascalCase.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::InvalidApiVersion { .. } => "ScaleTargetInvalid",
            Self::KindNotFound { .. } => "ScaleTargetKindNotFound",
            Self::NotScalable { .. } => "ScaleTargetNotScalable",
            Self::NotFound { .. } => "ScaleTargetNotFound",
            Self::Conflict { .. } => "ScaleConflict",
            Self::Api(_) => "ScaleTargetError",
        }
    }

    /// Whether the problem is in the user's objects (retrying soon will not help) rather than in
    /// the apiserver or the network.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Self::InvalidApiVersion { .. }
                | Self::KindNotFound { .. }
                | Self::NotScalable { .. }
                | Self::NotFound { .. }
        )
    }
}

/// Result of scale target operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
