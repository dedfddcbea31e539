//! `authenticationRef`: fetch the TriggerAuthentication and the Secrets and ConfigMaps it
//! names, and let `tidal-scalers` resolve them into a trigger's auth parameters.
//!
//! The fetching is here (IO); the mapping from the API type to the scalers' `AuthSpec` is a
//! pure function, and the resolution rules (which key becomes which parameter, what a missing
//! key means) live in `tidal_scalers::auth`. Secret values never reach a log or a message.

use kube::{Api, Client};
use tidal_api::v1alpha1::{
    AuthenticationKind, AuthenticationRef, ClusterTriggerAuthentication, TriggerAuthentication,
    TriggerAuthenticationSpec,
};
use tidal_scalers::AuthParams;
use tidal_scalers::auth::{AuthKind, AuthSpec, EnvRef, TargetEnv, TargetRef};

/// Resolves `reference` for a trigger of a ScaledObject in `namespace`.
///
/// ClusterTriggerAuthentications read their Secrets from `cluster_namespace` (the operator's
/// namespace), as KEDA reads them from its own. `env` entries read from `target_env`, the
/// scale target's resolved container environment.
///
/// # Errors
///
/// A message naming the authentication object and what is missing; never a secret value.
pub(crate) async fn resolve(
    client: &Client,
    namespace: &str,
    cluster_namespace: &str,
    reference: &AuthenticationRef,
    target_env: &TargetEnv,
) -> Result<AuthParams, String> {
    let (spec, kind, secrets_namespace) = match reference.kind() {
        AuthenticationKind::TriggerAuthentication => {
            let api: Api<TriggerAuthentication> = Api::namespaced(client.clone(), namespace);
            let object = api
                .get_opt(&reference.name)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| {
                    format!(
                        "TriggerAuthentication {namespace}/{} does not exist",
                        reference.name
                    )
                })?;
            (object.spec, AuthKind::TriggerAuthentication, namespace)
        }
        AuthenticationKind::ClusterTriggerAuthentication => {
            let api: Api<ClusterTriggerAuthentication> = Api::all(client.clone());
            let object = api
                .get_opt(&reference.name)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| {
                    format!(
                        "ClusterTriggerAuthentication {} does not exist",
                        reference.name
                    )
                })?;
            (
                object.spec.sources,
                AuthKind::ClusterTriggerAuthentication,
                cluster_namespace,
            )
        }
    };
    let auth = auth_spec(&spec, kind, secrets_namespace, &reference.name);
    let data = super::fetch::secrets_and_config_maps(
        client,
        secrets_namespace,
        auth.secret_names(),
        auth.config_map_names(),
    )
    .await
    .map_err(|e| e.to_string())?;
    tidal_scalers::auth::resolve(&auth, &data, target_env).map_err(|e| e.to_string())
}

/// The scalers' view of an authentication object.
fn auth_spec(
    spec: &TriggerAuthenticationSpec,
    kind: AuthKind,
    namespace: &str,
    name: &str,
) -> AuthSpec {
    let refs = |list: Option<&Vec<tidal_api::v1alpha1::auth::AuthTargetRef>>| {
        list.into_iter()
            .flatten()
            .map(|r| TargetRef {
                parameter: r.parameter.clone(),
                name: r.name.clone(),
                key: r.key.clone(),
            })
            .collect()
    };
    AuthSpec {
        kind,
        namespace: if kind == AuthKind::ClusterTriggerAuthentication {
            String::new()
        } else {
            namespace.to_owned()
        },
        name: name.to_owned(),
        pod_identity_provider: spec
            .pod_identity
            .as_ref()
            .and_then(|p| serde_json::to_value(p.provider).ok())
            .and_then(|v| v.as_str().map(str::to_owned)),
        secret_target_refs: refs(spec.secret_target_ref.as_ref()),
        config_map_target_refs: refs(spec.config_map_target_ref.as_ref()),
        env: spec
            .env
            .iter()
            .flatten()
            .map(|e| EnvRef {
                parameter: e.parameter.clone(),
                name: e.name.clone(),
                container_name: e.container_name.clone(),
            })
            .collect(),
    }
}

/// Resolves every trigger's `authenticationRef` of an object, in trigger order.
///
/// # Errors
///
/// The first failure, prefixed with the trigger's field path.
pub(crate) async fn resolve_all(
    client: &Client,
    namespace: &str,
    cluster_namespace: &str,
    references: &[Option<&AuthenticationRef>],
    target_env: &TargetEnv,
) -> Result<Vec<AuthParams>, String> {
    let mut resolved = Vec::with_capacity(references.len());
    for (index, reference) in references.iter().enumerate() {
        resolved.push(match reference {
            None => AuthParams::default(),
            Some(reference) => resolve(client, namespace, cluster_namespace, reference, target_env)
                .await
                .map_err(|e| format!("spec.triggers[{index}].authenticationRef: {e}"))?,
        });
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trigger_authentication_maps_field_for_field() {
        let spec: TriggerAuthenticationSpec = serde_json::from_value(serde_json::json!({
            "podIdentity": { "provider": "none" },
            "secretTargetRef": [{ "parameter": "password", "name": "redis", "key": "pw" }],
            "configMapTargetRef": [{ "parameter": "host", "name": "settings", "key": "host" }],
            "env": [{ "parameter": "user", "name": "REDIS_USER", "containerName": "app" }]
        }))
        .unwrap();
        let auth = auth_spec(&spec, AuthKind::TriggerAuthentication, "ns", "redis-auth");
        assert_eq!(
            (auth.namespace.as_str(), auth.name.as_str()),
            ("ns", "redis-auth")
        );
        assert_eq!(auth.pod_identity_provider.as_deref(), Some("none"));
        assert_eq!(auth.secret_names().collect::<Vec<_>>(), ["redis"]);
        assert_eq!(auth.config_map_names().collect::<Vec<_>>(), ["settings"]);
        assert_eq!(auth.secret_target_refs[0].parameter, "password");
        assert_eq!(auth.env[0].container_name.as_deref(), Some("app"));
    }

    #[test]
    fn a_cluster_trigger_authentication_has_no_namespace_of_its_own() {
        let auth = auth_spec(
            &TriggerAuthenticationSpec::default(),
            AuthKind::ClusterTriggerAuthentication,
            "tidal-system",
            "shared",
        );
        assert!(auth.namespace.is_empty());
        assert!(auth.secret_target_refs.is_empty());
    }
}
