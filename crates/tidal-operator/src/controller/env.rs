//! The scale target's container environment, for `<param>FromEnv` metadata and the `env`
//! entries of TriggerAuthentications.
//!
//! As KEDA does, Tidal reads the target's pod template (`spec.template.spec.containers`) and
//! resolves each container's variables: `envFrom` ConfigMaps and Secrets first (with their
//! prefix), then `env` entries in order, literal values with `$(VAR)` references expanded and
//! `secretKeyRef`/`configMapKeyRef` values read from the target's namespace. `fieldRef` and
//! `resourceFieldRef` describe the running pod, not the template, and are skipped, as in KEDA.
//!
//! Fetching is [`fetch`]; resolving fetched objects is the pure [`resolve`]. A target without
//! a pod template (a custom resource with only `/scale`) has an empty environment.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::Container;
use kube::core::DynamicObject;
use kube::{Api, Client};
use tidal_scalers::Secret;
use tidal_scalers::auth::{FetchedData, SecretBytes, TargetEnv};

/// Why a target's environment could not be resolved.
#[derive(Debug)]
pub(crate) enum FetchError {
    /// The target itself could not be read (missing, or a kind the operator may not get).
    Unreadable(String),
    /// The containers name something that is missing or unreadable.
    Invalid(String),
}

/// Reads the containers of `target` in `namespace` and resolves their environments.
///
/// # Errors
///
/// [`FetchError::Unreadable`] when the target cannot be read; [`FetchError::Invalid`] with a
/// message naming the container and the missing Secret, ConfigMap or key, never a value.
pub(crate) async fn fetch(
    client: &Client,
    target: &Api<DynamicObject>,
    namespace: &str,
    name: &str,
    env_source_container: Option<&str>,
) -> Result<TargetEnv, FetchError> {
    let object = target
        .get(name)
        .await
        .map_err(|e| FetchError::Unreadable(e.to_string()))?;
    let containers: Vec<Container> = object
        .data
        .pointer("/spec/template/spec/containers")
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| FetchError::Invalid(format!("spec.template.spec.containers of {name}: {e}")))?
        .unwrap_or_default();
    let (secret_names, config_map_names) = referenced(&containers);
    let fetched = super::fetch::secrets_and_config_maps(
        client,
        namespace,
        secret_names.iter().map(String::as_str),
        config_map_names.iter().map(String::as_str),
    )
    .await
    .map_err(|e| FetchError::Invalid(e.to_string()))?;
    resolve(&containers, &fetched, env_source_container).map_err(FetchError::Invalid)
}

/// The Secrets and ConfigMaps the containers reference, each once.
fn referenced(containers: &[Container]) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut secrets = BTreeSet::new();
    let mut config_maps = BTreeSet::new();
    for container in containers {
        for source in container.env_from.iter().flatten() {
            if let Some(r) = &source.secret_ref {
                secrets.insert(r.name.clone());
            }
            if let Some(r) = &source.config_map_ref {
                config_maps.insert(r.name.clone());
            }
        }
        for var in container.env.iter().flatten() {
            let Some(from) = &var.value_from else {
                continue;
            };
            if let Some(r) = &from.secret_key_ref {
                secrets.insert(r.name.clone());
            }
            if let Some(r) = &from.config_map_key_ref {
                config_maps.insert(r.name.clone());
            }
        }
    }
    (secrets, config_maps)
}

/// Resolves every container's environment from the fetched objects.
///
/// A missing object or key that is not `optional` is an error, as it is for the kubelet (the
/// pod itself could not start), so a typo is reported instead of yielding an empty value.
///
/// # Errors
///
/// A message naming the container, the variable and what is missing, or an
/// `envSourceContainerName` that names no container.
pub(crate) fn resolve(
    containers: &[Container],
    fetched: &FetchedData,
    env_source_container: Option<&str>,
) -> Result<TargetEnv, String> {
    if let Some(wanted) = env_source_container
        && !containers.iter().any(|c| c.name == wanted)
    {
        let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
        return Err(format!(
            "spec.scaleTargetRef.envSourceContainerName: {wanted:?} names no container of the \
             target; its containers are {names:?}"
        ));
    }
    let containers = containers
        .iter()
        .map(|c| Ok((c.name.clone(), container_env(c, fetched)?)))
        .collect::<Result<_, String>>()?;
    Ok(TargetEnv {
        containers,
        env_source_container: env_source_container.map(str::to_owned),
    })
}

fn container_env(
    container: &Container,
    fetched: &FetchedData,
) -> Result<BTreeMap<String, Secret>, String> {
    let at = |what: String| format!("container {:?}: {what}", container.name);
    let mut env: BTreeMap<String, Secret> = BTreeMap::new();
    for source in container.env_from.iter().flatten() {
        let prefix = source.prefix.as_deref().unwrap_or_default();
        if let Some(r) = &source.config_map_ref {
            match fetched.config_maps.get(&r.name) {
                Some(data) => env.extend(
                    data.iter()
                        .map(|(k, v)| (format!("{prefix}{k}"), Secret::new(v.clone()))),
                ),
                None if r.optional == Some(true) => {}
                None => return Err(at(format!("envFrom ConfigMap {:?} was not found", r.name))),
            }
        }
        if let Some(r) = &source.secret_ref {
            match fetched.secrets.get(&r.name) {
                Some(data) => {
                    env.extend(data.iter().map(|(k, v)| (format!("{prefix}{k}"), text(v))));
                }
                None if r.optional == Some(true) => {}
                None => return Err(at(format!("envFrom Secret {:?} was not found", r.name))),
            }
        }
    }
    for var in container.env.iter().flatten() {
        let value = match (&var.value, &var.value_from) {
            (Some(value), _) if !value.is_empty() => Some(Secret::new(expand(value, &env))),
            (_, Some(from)) => {
                if let Some(r) = &from.secret_key_ref {
                    let found = fetched.secrets.get(&r.name).and_then(|s| s.get(&r.key));
                    match found {
                        Some(value) => Some(text(value)),
                        None if r.optional == Some(true) => None,
                        None => {
                            return Err(at(format!(
                                "env {:?}: key {:?} of Secret {:?} was not found",
                                var.name, r.key, r.name
                            )));
                        }
                    }
                } else if let Some(r) = &from.config_map_key_ref {
                    let found = fetched.config_maps.get(&r.name).and_then(|c| c.get(&r.key));
                    match found {
                        Some(value) => Some(Secret::new(value.clone())),
                        None if r.optional == Some(true) => None,
                        None => {
                            return Err(at(format!(
                                "env {:?}: key {:?} of ConfigMap {:?} was not found",
                                var.name, r.key, r.name
                            )));
                        }
                    }
                } else {
                    // fieldRef / resourceFieldRef: known only in a running pod.
                    None
                }
            }
            _ => Some(Secret::new(String::new())),
        };
        if let Some(value) = value {
            env.insert(var.name.clone(), value);
        }
    }
    Ok(env)
}

/// A Secret value as the container sees it in its environment.
fn text(value: &SecretBytes) -> Secret {
    Secret::new(String::from_utf8_lossy(&value.0).into_owned())
}

/// Kubernetes' `$(VAR)` expansion: a reference to a variable defined earlier is replaced by
/// its value, `$$` is a literal `$`, and anything else is kept as written.
fn expand(value: &str, env: &BTreeMap<String, Secret>) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(')')
        {
            let name = &inner[..end];
            if let Some(v) = env.get(name) {
                out.push_str(v.expose());
            } else {
                out.push_str("$(");
                out.push_str(name);
                out.push(')');
            }
            rest = &inner[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
