//! TriggerAuthentication resolution, without IO.
//!
//! A trigger's `authenticationRef` names a TriggerAuthentication (namespaced) or a
//! ClusterTriggerAuthentication whose entries map scaler parameters to Secret keys, ConfigMap
//! keys or container environment variables. The operator watches and fetches those objects;
//! this module only turns an [`AuthSpec`] plus the fetched data ([`FetchedData`]) and the scale
//! target's environment ([`TargetEnv`]) into [`AuthParams`], so the whole resolution is a pure
//! function that tests can drive with plain maps. Every value is wrapped in [`Secret`].

use std::collections::BTreeMap;

use crate::secret::Secret;

/// Errors resolving a TriggerAuthentication. Each names the object and the entry at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A `secretTargetRef` names a Secret that does not exist (or was not fetched).
    #[error(
        "{auth}: spec.secretTargetRef[{index}] (parameter {parameter:?}): Secret {secret:?} was not found"
    )]
    SecretNotFound {
        /// The authentication object, as `Kind namespace/name`.
        auth: String,
        /// Index of the entry.
        index: usize,
        /// The scaler parameter the entry fills.
        parameter: String,
        /// The Secret's name.
        secret: String,
    },
    /// A `secretTargetRef` or `configMapTargetRef` names a key the object does not have.
    #[error(
        "{auth}: {field}[{index}] (parameter {parameter:?}): {kind} {object:?} has no key {key:?}"
    )]
    KeyNotFound {
        /// The authentication object, as `Kind namespace/name`.
        auth: String,
        /// `spec.secretTargetRef` or `spec.configMapTargetRef`.
        field: &'static str,
        /// Index of the entry.
        index: usize,
        /// The scaler parameter the entry fills.
        parameter: String,
        /// `Secret` or `ConfigMap`.
        kind: &'static str,
        /// The object's name.
        object: String,
        /// The missing key.
        key: String,
    },
    /// A Secret value is not UTF-8 text, which every scaler parameter must be.
    #[error(
        "{auth}: spec.secretTargetRef[{index}] (parameter {parameter:?}): key {key:?} of Secret {secret:?} is not UTF-8 text"
    )]
    NotText {
        /// The authentication object, as `Kind namespace/name`.
        auth: String,
        /// Index of the entry.
        index: usize,
        /// The scaler parameter the entry fills.
        parameter: String,
        /// The Secret's name.
        secret: String,
        /// The key holding binary data.
        key: String,
    },
    /// A `configMapTargetRef` names a ConfigMap that does not exist.
    #[error(
        "{auth}: spec.configMapTargetRef[{index}] (parameter {parameter:?}): ConfigMap {config_map:?} was not found"
    )]
    ConfigMapNotFound {
        /// The authentication object, as `Kind namespace/name`.
        auth: String,
        /// Index of the entry.
        index: usize,
        /// The scaler parameter the entry fills.
        parameter: String,
        /// The ConfigMap's name.
        config_map: String,
    },
    /// An `env` entry names a container or variable the scale target does not have.
    #[error("{auth}: spec.env[{index}] (parameter {parameter:?}): {what}")]
    EnvNotFound {
        /// The authentication object, as `Kind namespace/name`.
        auth: String,
        /// Index of the entry.
        index: usize,
        /// The scaler parameter the entry fills.
        parameter: String,
        /// Which container or variable is missing.
        what: String,
    },
    /// `podIdentity.provider` names a cloud identity Tidal does not implement.
    #[error(
        "{auth}: spec.podIdentity.provider {provider:?} is not supported; allowed: \"none\" (cloud pod identities are not implemented)"
    )]
    UnsupportedPodIdentity {
        /// The authentication object, as `Kind namespace/name`.
        auth: String,
        /// The provider given.
        provider: String,
    },
}

/// Result alias for this module.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Resolved authentication parameters of one trigger: parameter name → secret value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthParams(BTreeMap<String, Secret>);

impl AuthParams {
    /// Builds parameters from pairs, mostly for tests and for callers with their own resolution.
    pub fn from_pairs<K: Into<String>, V: Into<Secret>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// The value of `parameter`, if the authentication set it.
    pub fn get(&self, parameter: &str) -> Option<&Secret> {
        self.0.get(parameter)
    }

    /// Sets `parameter`; a later entry for the same parameter wins, as in KEDA.
    pub fn insert(&mut self, parameter: impl Into<String>, value: Secret) {
        self.0.insert(parameter.into(), value);
    }

    /// The parameter names that are set (never the values).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Which kind of authentication object an [`AuthSpec`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// A namespaced TriggerAuthentication: Secrets and ConfigMaps come from its namespace.
    TriggerAuthentication,
    /// A ClusterTriggerAuthentication: Secrets and ConfigMaps come from the operator's namespace.
    ClusterTriggerAuthentication,
}

/// One `secretTargetRef` or `configMapTargetRef` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRef {
    /// The scaler parameter to fill.
    pub parameter: String,
    /// The Secret or ConfigMap name.
    pub name: String,
    /// The key inside it.
    pub key: String,
}

/// One `env` entry: a variable of the scale target's containers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvRef {
    /// The scaler parameter to fill.
    pub parameter: String,
    /// The environment variable's name.
    pub name: String,
    /// The container to read it from; the env-source container when absent.
    pub container_name: Option<String>,
}

/// The parts of a (Cluster)TriggerAuthentication spec Tidal resolves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSpec {
    /// Which kind of object this is.
    pub kind: AuthKind,
    /// Its namespace (empty for a ClusterTriggerAuthentication).
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// `spec.podIdentity.provider`, if set.
    pub pod_identity_provider: Option<String>,
    /// `spec.secretTargetRef`.
    pub secret_target_refs: Vec<TargetRef>,
    /// `spec.configMapTargetRef`.
    pub config_map_target_refs: Vec<TargetRef>,
    /// `spec.env`.
    pub env: Vec<EnvRef>,
}

impl AuthSpec {
    /// The Secret names the operator must fetch before calling [`resolve`].
    pub fn secret_names(&self) -> impl Iterator<Item = &str> {
        self.secret_target_refs.iter().map(|r| r.name.as_str())
    }

    /// The ConfigMap names the operator must fetch before calling [`resolve`].
    pub fn config_map_names(&self) -> impl Iterator<Item = &str> {
        self.config_map_target_refs.iter().map(|r| r.name.as_str())
    }

    fn label(&self) -> String {
        match self.kind {
            AuthKind::TriggerAuthentication => {
                format!("TriggerAuthentication {}/{}", self.namespace, self.name)
            }
            AuthKind::ClusterTriggerAuthentication => {
                format!("ClusterTriggerAuthentication {}", self.name)
            }
        }
    }
}

/// Secrets and ConfigMaps the operator fetched for one [`AuthSpec`], by object name.
#[derive(Debug, Clone, Default)]
pub struct FetchedData {
    /// Secret name → key → decoded bytes (`data`, with `stringData` already merged by the API server).
    pub secrets: BTreeMap<String, BTreeMap<String, SecretBytes>>,
    /// ConfigMap name → key → value.
    pub config_maps: BTreeMap<String, BTreeMap<String, String>>,
}

/// The bytes of one Secret key, redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBytes(pub Vec<u8>);

impl std::fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(crate::secret::REDACTED)
    }
}

/// The scale target's container environments, already resolved (values from `env`, `envFrom`,
/// Secrets and ConfigMaps), in pod-spec order.
#[derive(Debug, Clone, Default)]
pub struct TargetEnv {
    /// Container name → variables, in the order the containers appear in the pod template.
    pub containers: Vec<(String, BTreeMap<String, Secret>)>,
    /// `scaleTargetRef.envSourceContainerName`; the first container when absent.
    pub env_source_container: Option<String>,
}

impl TargetEnv {
    /// The variables of `container`, or of the env-source container when `None`.
    pub fn container(&self, container: Option<&str>) -> Option<&BTreeMap<String, Secret>> {
        let wanted = container.or(self.env_source_container.as_deref());
        match wanted {
            Some(name) => self
                .containers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, e)| e),
            None => self.containers.first().map(|(_, e)| e),
        }
    }

    /// The env-source container's variables as plain strings, for `<param>FromEnv` lookups.
    pub fn resolved_env(&self) -> BTreeMap<String, String> {
        self.container(None)
            .map(|vars| {
                vars.iter()
                    .map(|(k, v)| (k.clone(), v.expose().to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Resolves `spec` into parameters from data the caller fetched.
///
/// Entries are applied in KEDA's order (pod identity, env, secretTargetRef, configMapTargetRef),
/// so a later source overrides an earlier one for the same parameter.
///
/// # Errors
/// An [`Error`] naming the object, the entry and what is missing; never a secret value.
// The error names the object and entry in full; resolution runs once per trigger build, so its
// size on the error path does not matter.
#[allow(clippy::result_large_err)]
pub fn resolve(spec: &AuthSpec, data: &FetchedData, env: &TargetEnv) -> Result<AuthParams> {
    let auth = spec.label();
    if let Some(provider) = spec.pod_identity_provider.as_deref()
        && !provider.is_empty()
        && provider != "none"
    {
        return Err(Error::UnsupportedPodIdentity {
            auth,
            provider: provider.to_owned(),
        });
    }
    let mut params = AuthParams::default();
    for (index, entry) in spec.env.iter().enumerate() {
        let not_found = |what: String| Error::EnvNotFound {
            auth: auth.clone(),
            index,
            parameter: entry.parameter.clone(),
            what,
        };
        let vars = env
            .container(entry.container_name.as_deref())
            .ok_or_else(|| {
                not_found(match &entry.container_name {
                    Some(c) => format!("the scale target has no container {c:?}"),
                    None => "the scale target has no containers".to_owned(),
                })
            })?;
        let value = vars.get(&entry.name).ok_or_else(|| {
            not_found(format!(
                "the container has no environment variable {:?}",
                entry.name
            ))
        })?;
        params.insert(entry.parameter.clone(), value.clone());
    }
    for (index, entry) in spec.secret_target_refs.iter().enumerate() {
        let secret = data
            .secrets
            .get(&entry.name)
            .ok_or_else(|| Error::SecretNotFound {
                auth: auth.clone(),
                index,
                parameter: entry.parameter.clone(),
                secret: entry.name.clone(),
            })?;
        let bytes = secret.get(&entry.key).ok_or_else(|| Error::KeyNotFound {
            auth: auth.clone(),
            field: "spec.secretTargetRef",
            index,
            parameter: entry.parameter.clone(),
            kind: "Secret",
            object: entry.name.clone(),
            key: entry.key.clone(),
        })?;
        let text = String::from_utf8(bytes.0.clone()).map_err(|_| Error::NotText {
            auth: auth.clone(),
            index,
            parameter: entry.parameter.clone(),
            secret: entry.name.clone(),
            key: entry.key.clone(),
        })?;
        params.insert(entry.parameter.clone(), Secret::new(text));
    }
    for (index, entry) in spec.config_map_target_refs.iter().enumerate() {
        let map = data
            .config_maps
            .get(&entry.name)
            .ok_or_else(|| Error::ConfigMapNotFound {
                auth: auth.clone(),
                index,
                parameter: entry.parameter.clone(),
                config_map: entry.name.clone(),
            })?;
        let value = map.get(&entry.key).ok_or_else(|| Error::KeyNotFound {
            auth: auth.clone(),
            field: "spec.configMapTargetRef",
            index,
            parameter: entry.parameter.clone(),
            kind: "ConfigMap",
            object: entry.name.clone(),
            key: entry.key.clone(),
        })?;
        params.insert(entry.parameter.clone(), Secret::new(value.clone()));
    }
    Ok(params)
}

#[cfg(test)]
mod tests;
