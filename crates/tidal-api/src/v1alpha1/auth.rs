//! The credential sources a (Cluster)TriggerAuthentication can draw from.
//!
//! Tidal resolves only some of these today, but every one is typed with KEDA's field names so that
//! any KEDA manifest loads, validates and round-trips unchanged. A resolved source yields named
//! parameters that scalers read exactly like trigger metadata.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A workload identity to authenticate with instead of stored secrets.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PodIdentity {
    /// `azure-workload`, `gcp`, `aws`, `aws-eks` (deprecated) or `none`.
    pub provider: PodIdentityProvider,

    /// Azure: the client id of the identity to use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_id: Option<String>,

    /// Azure: a tenant other than the default; requires identityId.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_tenant_id: Option<String>,

    /// Azure: an authority host other than the default; requires identityTenantId.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_authority_host: Option<String>,

    /// AWS: the role to assume. Mutually exclusive with identityOwner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,

    /// AWS: the external id passed when assuming roleArn.
    #[serde(
        rename = "externalID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub external_id: Option<String>,

    /// AWS: whose identity is used, `keda` (the operator's) or `workload` (the scaled workload's).
    /// Mutually exclusive with roleArn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_owner: Option<IdentityOwner>,
}

/// The workload identity providers.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(transform = super::field_docs_only)]
pub enum PodIdentityProvider {
    /// No identity.
    #[serde(rename = "none")]
    None,
    /// Azure Workload Identity.
    #[serde(rename = "azure-workload")]
    AzureWorkload,
    /// GCP Workload Identity.
    #[serde(rename = "gcp")]
    Gcp,
    /// AWS IAM roles for service accounts or EKS Pod Identity.
    #[serde(rename = "aws")]
    Aws,
    /// Deprecated alias of `aws` using the EKS pod identity webhook.
    #[serde(rename = "aws-eks")]
    AwsEks,
}

/// Whose identity an AWS pod identity uses.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
#[schemars(transform = super::field_docs_only)]
#[serde(rename_all = "camelCase")]
pub enum IdentityOwner {
    /// The operator's own identity.
    Keda,
    /// The scaled workload's identity.
    Workload,
}

/// A parameter read from one key of a Secret or ConfigMap in the trigger's namespace.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthTargetRef {
    /// The trigger parameter to fill, e.g. `password`.
    pub parameter: String,
    /// The Secret or ConfigMap name.
    pub name: String,
    /// The key inside it.
    pub key: String,
}

/// A parameter read from an environment variable of the scale target's container.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthEnvironment {
    /// The trigger parameter to fill.
    pub parameter: String,
    /// The environment variable's name.
    pub name: String,
    /// The container to read it from. Default: the scale target's env source container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_name: Option<String>,
}

/// A parameter read from a file mounted in the operator (ClusterTriggerAuthentication only).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthFilePath {
    /// The trigger parameter to fill.
    pub parameter: String,
    /// The file, relative to the operator's `--filepath-auth-root-path`.
    pub path: String,
}

/// A parameter filled with a short-lived token of a service account in the trigger's namespace.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BoundServiceAccountToken {
    /// The trigger parameter to fill, e.g. `bearerToken`.
    pub parameter: String,
    /// The service account whose token is requested.
    pub service_account_name: String,
}

/// Parameters read from HashiCorp Vault.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HashiCorpVault {
    /// The Vault server's URL.
    pub address: String,
    /// How to log in: `token` or `kubernetes`.
    pub authentication: String,
    /// The parameters to read.
    pub secrets: Vec<VaultSecret>,
    /// The Vault namespace (Vault Enterprise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The login credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<VaultCredential>,
    /// The Vault role, for `kubernetes` authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The auth method's mount path, for `kubernetes` authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount: Option<String>,
}

/// A Vault login credential.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VaultCredential {
    /// A Vault token, for `token` authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// A path to a service account token file, for `kubernetes` authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
}

/// One parameter read from Vault.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VaultSecret {
    /// The trigger parameter to fill.
    pub parameter: String,
    /// The secret's path in Vault.
    pub path: String,
    /// The key inside the secret.
    pub key: String,
    /// The secret engine: empty (generic), `secret`, `secretV2` or `pki`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Certificate request fields for the `pki` engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pki_data: Option<VaultPkiData>,
}

/// Certificate request fields for Vault's `pki` engine.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VaultPkiData {
    /// The certificate's common name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub common_name: Option<String>,
    /// Subject alternative names, comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_names: Option<String>,
    /// IP subject alternative names, comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_sans: Option<String>,
    /// URI subject alternative names, comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri_sans: Option<String>,
    /// Other subject alternative names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_sans: Option<String>,
    /// Requested time to live, e.g. `24h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<String>,
    /// Encoding of the returned certificate, e.g. `pem`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// A reference to one key of a Secret, wrapped as KEDA spells it (`valueFrom.secretKeyRef`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValueFromSecret {
    /// Where the value comes from.
    pub value_from: SecretValueSource,
}

/// The Secret holding a value.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecretValueSource {
    /// The Secret and key.
    pub secret_key_ref: SecretKeyRef,
}

/// One key of a Secret.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecretKeyRef {
    /// The Secret's name.
    pub name: String,
    /// The key inside it.
    pub key: String,
}
