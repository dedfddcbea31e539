//! The cluster side of a test: clients, a throwaway namespace, workloads and ScaledObjects.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::Context as _;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::api::events::v1::Event;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client};
use serde_json::{Value, json};
use tidal_api::v1alpha1::{Condition, ConditionStatus, ScaledObject};

/// What `scripts/test-e2e.sh` prepared.
#[derive(Clone)]
pub struct Env {
    /// An admin client, for setting up and checking.
    pub admin: Client,
    /// The operator's ServiceAccount kubeconfig.
    pub operator_kubeconfig: PathBuf,
    /// The `tidal` binary under test.
    pub tidal: PathBuf,
    /// The admin kubeconfig, for tests that drive `scripts/cluster.sh`.
    pub admin_kubeconfig: PathBuf,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("tidal", &self.tidal)
            .finish_non_exhaustive()
    }
}

fn var(name: &str) -> anyhow::Result<PathBuf> {
    std::env::var_os(name).map(PathBuf::from).with_context(|| {
        format!("{name} is not set: run the end-to-end suite with scripts/test-e2e.sh")
    })
}

impl Env {
    /// Reads `TIDAL_E2E_ADMIN_KUBECONFIG`, `TIDAL_E2E_OPERATOR_KUBECONFIG` and `TIDAL_E2E_BIN`.
    ///
    /// # Errors
    ///
    /// When a variable is missing or the admin kubeconfig does not load.
    pub async fn load() -> anyhow::Result<Self> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let admin_kubeconfig = var("TIDAL_E2E_ADMIN_KUBECONFIG")?;
        let kubeconfig = Kubeconfig::read_from(&admin_kubeconfig)?;
        let config =
            kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
        Ok(Self {
            admin: Client::try_from(config)?,
            operator_kubeconfig: var("TIDAL_E2E_OPERATOR_KUBECONFIG")?,
            tidal: var("TIDAL_E2E_BIN")?,
            admin_kubeconfig,
        })
    }
}

/// A namespace of its own for one test, deleted by [`TestNamespace::delete`].
#[derive(Clone)]
pub struct TestNamespace {
    /// The namespace's name.
    pub name: String,
    pub(crate) client: Client,
}

impl std::fmt::Debug for TestNamespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestNamespace")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestNamespace {
    /// Creates `e2e-<prefix>-<unique>`.
    ///
    /// # Errors
    ///
    /// The apiserver's error.
    pub async fn create(env: &Env, prefix: &str) -> anyhow::Result<Self> {
        let name = format!(
            "e2e-{prefix}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let namespace: Namespace = serde_json::from_value(json!({ "metadata": { "name": name } }))?;
        Api::<Namespace>::all(env.admin.clone())
            .create(&PostParams::default(), &namespace)
            .await?;
        Ok(Self {
            name,
            client: env.admin.clone(),
        })
    }

    /// Deletes the namespace and everything in it (ScaledObject finalizers must be released
    /// first: stop the operator only after deleting the ScaledObjects, or remove them here).
    ///
    /// # Errors
    ///
    /// The apiserver's error.
    pub async fn delete(self) -> anyhow::Result<()> {
        let objects = self.scaled_objects();
        for object in objects.list(&ListParams::default()).await?.items {
            let name = object.metadata.name.clone().unwrap_or_default();
            let clear = json!({ "metadata": { "finalizers": null } });
            let _ = objects
                .patch(&name, &PatchParams::default(), &Patch::Merge(&clear))
                .await;
        }
        Api::<Namespace>::all(self.client.clone())
            .delete(&self.name, &DeleteParams::default())
            .await?;
        Ok(())
    }

    /// Deployments in this namespace.
    pub fn deployments(&self) -> Api<Deployment> {
        Api::namespaced(self.client.clone(), &self.name)
    }

    /// ScaledObjects in this namespace.
    pub fn scaled_objects(&self) -> Api<ScaledObject> {
        Api::namespaced(self.client.clone(), &self.name)
    }

    /// Creates a Deployment `name` with `replicas` whose pods land on kwok's fake nodes.
    ///
    /// # Errors
    ///
    /// The apiserver's error.
    pub async fn create_deployment(&self, name: &str, replicas: i32) -> anyhow::Result<()> {
        let container = json!({ "name": "app", "image": "registry.invalid/app:1" });
        self.create_deployment_with(name, replicas, container, json!({}))
            .await
    }

    /// `spec.replicas` of Deployment `name`.
    ///
    /// # Errors
    ///
    /// The apiserver's error.
    pub async fn replicas(&self, name: &str) -> anyhow::Result<i32> {
        Ok(self
            .deployments()
            .get(name)
            .await?
            .spec
            .and_then(|s| s.replicas)
            .unwrap_or(0))
    }

    /// Waits until Deployment `name` asks for exactly `replicas`.
    ///
    /// # Errors
    ///
    /// When it does not within `within`.
    pub async fn expect_replicas(
        &self,
        name: &str,
        replicas: i32,
        within: std::time::Duration,
    ) -> anyhow::Result<()> {
        let what = format!("{}/{name} at {replicas} replicas", self.name);
        crate::wait_until(&what, within, || async move {
            let now = self.replicas(name).await?;
            Ok((now == replicas).then_some(()))
        })
        .await
    }

    /// Waits until condition `type_` of ScaledObject `name` has `status` (and `reason`).
    ///
    /// # Errors
    ///
    /// When it does not within `within`.
    pub async fn expect_condition(
        &self,
        name: &str,
        type_: &str,
        status: ConditionStatus,
        reason: Option<&str>,
        within: std::time::Duration,
    ) -> anyhow::Result<Condition> {
        let what = format!("{}/{name} {type_}={status:?} ({reason:?})", self.name);
        crate::wait_until(&what, within, || async move {
            let condition = self.condition(name, type_).await?;
            Ok(condition.filter(|c| {
                c.status == status && reason.is_none_or(|r| c.reason.as_deref() == Some(r))
            }))
        })
        .await
    }

    /// Creates or replaces a ScaledObject from JSON (`metadata.namespace` is filled in).
    ///
    /// # Errors
    ///
    /// The apiserver's error.
    pub async fn apply_scaled_object(&self, mut object: Value) -> anyhow::Result<()> {
        object["apiVersion"] = json!("tidal.dev/v1alpha1");
        object["kind"] = json!("ScaledObject");
        object["metadata"]["namespace"] = json!(self.name);
        let name = object["metadata"]["name"]
            .as_str()
            .context("metadata.name")?
            .to_owned();
        self.scaled_objects()
            .patch(
                &name,
                &PatchParams::apply("tidal-e2e").force(),
                &Patch::Apply(&object),
            )
            .await?;
        Ok(())
    }

    /// Deletes ScaledObject `name` (the operator then releases its finalizer).
    ///
    /// # Errors
    ///
    /// The apiserver's error.
    pub async fn delete_scaled_object(&self, name: &str) -> anyhow::Result<()> {
        self.scaled_objects()
            .delete(name, &DeleteParams::default())
            .await?;
        Ok(())
    }

    /// A ScaledObject's condition of `type_`, when present.
    ///
    /// # Errors
    ///
    /// The apiserver's error.
    pub async fn condition(&self, name: &str, type_: &str) -> anyhow::Result<Option<Condition>> {
        let object = self.scaled_objects().get(name).await?;
        Ok(object
            .status
            .and_then(|s| s.conditions)
            .and_then(|c| c.into_iter().find(|c| c.type_ == type_)))
    }

    /// Whether condition `type_` has `status` (and `reason`, when given).
    ///
    /// # Errors
    ///
    /// The apiserver's error.
    pub async fn condition_is(
        &self,
        name: &str,
        type_: &str,
        status: ConditionStatus,
        reason: Option<&str>,
    ) -> anyhow::Result<bool> {
        Ok(self.condition(name, type_).await?.is_some_and(|c| {
            c.status == status && reason.is_none_or(|r| c.reason.as_deref() == Some(r))
        }))
    }

    /// The status of ScaledObject `name` (empty when none was written yet).
    ///
    /// # Errors
    ///
    /// The apiserver's error.
    pub async fn status(
        &self,
        name: &str,
    ) -> anyhow::Result<tidal_api::v1alpha1::ScaledObjectStatus> {
        Ok(self
            .scaled_objects()
            .get(name)
            .await?
            .status
            .unwrap_or_default())
    }

    /// The reasons of every Event about ScaledObject `name`.
    ///
    /// # Errors
    ///
    /// The apiserver's error.
    pub async fn event_reasons(&self, name: &str) -> anyhow::Result<Vec<String>> {
        Ok(self
            .events(name)
            .await?
            .into_iter()
            .map(|(reason, _)| reason)
            .collect())
    }

    /// (reason, note) of every Event in the namespace about ScaledObject `name`.
    ///
    /// # Errors
    ///
    /// The apiserver's error.
    pub async fn events(&self, name: &str) -> anyhow::Result<Vec<(String, String)>> {
        let events: Api<Event> = Api::namespaced(self.client.clone(), &self.name);
        Ok(events
            .list(&ListParams::default())
            .await?
            .items
            .into_iter()
            .filter(|e| {
                e.regarding.as_ref().is_some_and(|r| {
                    r.kind.as_deref() == Some("ScaledObject") && r.name.as_deref() == Some(name)
                })
            })
            .map(|e| (e.reason.unwrap_or_default(), e.note.unwrap_or_default()))
            .collect())
    }
}

/// A `metrics-api` trigger reading `{"value": …}` from `url`, with `targetValue` per replica.
pub fn metrics_api_trigger(url: &str, target: f64) -> Value {
    json!({
        "type": "metrics-api",
        "metadata": { "url": url, "format": "json", "valueLocation": "value", "targetValue": target.to_string() }
    })
}
