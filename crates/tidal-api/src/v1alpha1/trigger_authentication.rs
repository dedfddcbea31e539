//! The TriggerAuthentication kind: reusable, namespaced credentials for triggers.
//!
//! The spec type is shared with ClusterTriggerAuthentication (see
//! [`super::cluster_trigger_authentication`]), exactly as in KEDA, so code that resolves
//! credentials handles both kinds through one [`TriggerAuthenticationSpec`].

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::auth::{AuthEnvironment, AuthFilePath, AuthTargetRef, BoundServiceAccountToken};
use super::auth::{HashiCorpVault, PodIdentity};
use super::cloud_secrets::{AwsSecretManager, AzureKeyVault, GcpSecretManager};

/// Where a trigger's secret parameters come from. Several sources may be combined.
// Each `printcolumn(...)` repeats `type_`, which clippy takes for a duplicated attribute.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "tidal.dev",
    version = "v1alpha1",
    kind = "TriggerAuthentication",
    namespaced,
    status = "TriggerAuthenticationStatus",
    shortname = "ta",
    shortname = "triggerauth",
    derive = "PartialEq",
    doc = "Credentials that triggers in the same namespace reference by name; the KEDA \
           TriggerAuthentication API.",
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
#[serde(rename_all = "camelCase")]
pub struct TriggerAuthenticationSpec {
    /// Authenticate with a workload identity instead of stored secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_identity: Option<PodIdentity>,

    /// Parameters read from Secrets in the trigger's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_target_ref: Option<Vec<AuthTargetRef>>,

    /// Parameters read from ConfigMaps in the trigger's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_target_ref: Option<Vec<AuthTargetRef>>,

    /// Parameters read from the scale target's container environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<AuthEnvironment>>,

    /// Parameters read from files mounted in the operator; ClusterTriggerAuthentication only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_path: Option<Vec<AuthFilePath>>,

    /// Parameters read from HashiCorp Vault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hashi_corp_vault: Option<HashiCorpVault>,

    /// Parameters read from Azure Key Vault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azure_key_vault: Option<AzureKeyVault>,

    /// Parameters read from GCP Secret Manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gcp_secret_manager: Option<GcpSecretManager>,

    /// Parameters read from AWS Secrets Manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_secret_manager: Option<AwsSecretManager>,

    /// Parameters filled with short-lived service account tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound_service_account_token: Option<Vec<BoundServiceAccountToken>>,

    /// OAuth2 client-credentials settings, kept as written (not yet typed by Tidal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "preserved_object")]
    pub oauth2: Option<serde_json::Value>,
}

/// Which objects use a TriggerAuthentication.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct TriggerAuthenticationStatus {
    /// Names of the ScaledObjects referencing it, comma-separated.
    #[serde(
        rename = "scaledobjects",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub scaled_objects: Option<String>,

    /// Names of the ScaledJobs referencing it, comma-separated.
    #[serde(
        rename = "scaledjobs",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub scaled_jobs: Option<String>,
}

/// Schema of a free-form object the API server must store as written.
fn preserved_object(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": true,
    })
}
