//! Reading the Secrets and ConfigMaps that authentication objects and the target's container
//! environment name: by name, one GET each, never listed (the operator's RBAC grants `get`
//! only). A missing object is left out; the resolvers say which reference it broke.

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::{Api, Client};
use tidal_scalers::auth::{FetchedData, SecretBytes};

/// Fetches Secrets `secrets` and ConfigMaps `config_maps` from `namespace`.
///
/// # Errors
///
/// The apiserver's error for a read that failed (not for a missing object).
pub(crate) async fn secrets_and_config_maps<'a>(
    client: &Client,
    namespace: &str,
    secrets: impl IntoIterator<Item = &'a str>,
    config_maps: impl IntoIterator<Item = &'a str>,
) -> Result<FetchedData, kube::Error> {
    let mut data = FetchedData::default();
    let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
    for name in secrets {
        if let Some(secret) = api.get_opt(name).await? {
            let values = secret
                .data
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, SecretBytes(v.0)))
                .collect();
            data.secrets.insert(name.to_owned(), values);
        }
    }
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    for name in config_maps {
        if let Some(config_map) = api.get_opt(name).await? {
            data.config_maps
                .insert(name.to_owned(), config_map.data.unwrap_or_default());
        }
    }
    Ok(data)
}
