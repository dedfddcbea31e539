//! The ClusterTriggerAuthentication kind: cluster-wide credentials any namespace may reference.
//!
//! KEDA gives both authentication kinds one spec; kube's derive ties a spec type to one kind, so the
//! cluster kind wraps [`TriggerAuthenticationSpec`] flattened, which keeps the wire format and the
//! schema identical and lets callers reach the shared fields through `Deref`.

use std::ops::{Deref, DerefMut};

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::trigger_authentication::{TriggerAuthenticationSpec, TriggerAuthenticationStatus};

/// Where a trigger's secret parameters come from, shared by every namespace.
// Each `printcolumn(...)` repeats `type_`, which clippy takes for a duplicated attribute.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "tidal.dev",
    version = "v1alpha1",
    kind = "ClusterTriggerAuthentication",
    status = "TriggerAuthenticationStatus",
    shortname = "cta",
    shortname = "clustertriggerauth",
    derive = "PartialEq",
    doc = "Credentials that triggers in any namespace reference by name; the KEDA \
           ClusterTriggerAuthentication API.",
    printcolumn(
        name = "PodIdentity",
        type_ = "string",
        json_path = ".spec.podIdentity.provider"
    ),
    printcolumn(
        name = "Secret",
        type_ = "string",
        json_path = ".spec.secretTargetRef[*].name"
    ),
    printcolumn(name = "Env", type_ = "string", json_path = ".spec.env[*].name"),
    printcolumn(
        name = "VaultAddress",
        type_ = "string",
        json_path = ".spec.hashiCorpVault.address"
    ),
    printcolumn(
        name = "ScaledObjects",
        type_ = "string",
        json_path = ".status.scaledobjects",
        priority = 1
    ),
    printcolumn(
        name = "ScaledJobs",
        type_ = "string",
        json_path = ".status.scaledjobs",
        priority = 1
    )
)]
pub struct ClusterTriggerAuthenticationSpec {
    /// The credential sources, as in a TriggerAuthentication.
    #[serde(flatten)]
    pub sources: TriggerAuthenticationSpec,
}

impl Deref for ClusterTriggerAuthenticationSpec {
    type Target = TriggerAuthenticationSpec;

    fn deref(&self) -> &Self::Target {
        &self.sources
    }
}

impl DerefMut for ClusterTriggerAuthenticationSpec {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.sources
    }
}

impl From<TriggerAuthenticationSpec> for ClusterTriggerAuthenticationSpec {
    fn from(sources: TriggerAuthenticationSpec) -> Self {
        Self { sources }
    }
}
