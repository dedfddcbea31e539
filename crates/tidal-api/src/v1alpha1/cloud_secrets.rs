//! Cloud secret managers a (Cluster)TriggerAuthentication can read parameters from.
//!
//! Split from [`super::auth`] to keep files short; the field names are KEDA's.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::auth::{PodIdentity, ValueFromSecret};

/// Parameters read from Azure Key Vault.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AzureKeyVault {
    /// The vault's URI, e.g. `https://myvault.vault.azure.net`.
    pub vault_uri: String,
    /// The parameters to read.
    pub secrets: Vec<AzureKeyVaultSecret>,
    /// A service principal to log in with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<AzureKeyVaultCredentials>,
    /// A workload identity to log in with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_identity: Option<PodIdentity>,
    /// A cloud other than Azure public cloud.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<AzureKeyVaultCloud>,
}

/// One parameter read from Azure Key Vault.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AzureKeyVaultSecret {
    /// The trigger parameter to fill.
    pub parameter: String,
    /// The secret's name in the vault.
    pub name: String,
    /// The secret's version. Default: the latest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// An Azure service principal.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AzureKeyVaultCredentials {
    /// The application (client) id.
    pub client_id: String,
    /// The directory (tenant) id.
    pub tenant_id: String,
    /// The client secret, from a Kubernetes Secret.
    pub client_secret: ValueFromSecret,
}

/// The Azure cloud hosting the vault.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AzureKeyVaultCloud {
    /// `AzurePublicCloud`, `AzureUSGovernmentCloud`, `AzureChinaCloud` or `Private`.
    #[serde(rename = "type")]
    pub type_: String,
    /// For `Private`: the Key Vault resource URL.
    #[serde(
        rename = "keyVaultResourceURL",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub key_vault_resource_url: Option<String>,
    /// For `Private`: the Active Directory endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_directory_endpoint: Option<String>,
}

/// Parameters read from GCP Secret Manager.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GcpSecretManager {
    /// The parameters to read.
    pub secrets: Vec<GcpSecretManagerSecret>,
    /// A service account key to log in with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<GcpCredentials>,
    /// A workload identity to log in with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_identity: Option<PodIdentity>,
}

/// One parameter read from GCP Secret Manager.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GcpSecretManagerSecret {
    /// The trigger parameter to fill.
    pub parameter: String,
    /// The secret's id.
    pub id: String,
    /// The secret's version. Default: `latest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// A GCP service account key.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GcpCredentials {
    /// The key's JSON, from a Kubernetes Secret.
    pub client_secret: ValueFromSecret,
}

/// Parameters read from AWS Secrets Manager.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AwsSecretManager {
    /// The parameters to read.
    pub secrets: Vec<AwsSecretManagerSecret>,
    /// Static access keys to log in with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<AwsSecretManagerCredentials>,
    /// A workload identity to log in with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_identity: Option<PodIdentity>,
    /// The AWS region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// One parameter read from AWS Secrets Manager.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AwsSecretManagerSecret {
    /// The trigger parameter to fill.
    pub parameter: String,
    /// The secret's name or ARN.
    pub name: String,
    /// A version id. Default: the current version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// A version stage, e.g. `AWSCURRENT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_stage: Option<String>,
    /// For a JSON secret, the key to extract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
}

/// Static AWS access keys, from Kubernetes Secrets.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AwsSecretManagerCredentials {
    /// The access key id.
    pub access_key: ValueFromSecret,
    /// The secret access key.
    pub access_secret_key: ValueFromSecret,
    /// A session token, for temporary credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<ValueFromSecret>,
}
