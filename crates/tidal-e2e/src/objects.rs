//! Objects a scaler test creates besides its ScaledObject: Secrets, ConfigMaps,
//! TriggerAuthentications and Deployments with a pod template of the test's choosing.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use tidal_api::v1alpha1::TriggerAuthentication;

use crate::TestNamespace;

impl TestNamespace {
    /// Creates Secret `name` with `string_data`.
    ///
    /// # Errors
    ///
    /// The apiserver's error.
    pub async fn create_secret(&self, name: &str, string_data: Value) -> anyhow::Result<()> {
        let secret: Secret = serde_json::from_value(json!({
            "metadata": { "name": name },
            "stringData": string_data
        }))?;
        Api::<Secret>::namespaced(self.client.clone(), &self.name)
            .create(&PostParams::default(), &secret)
            .await?;
        Ok(())
    }

    /// Creates ConfigMap `name` with `data`.
    ///
    /// # Errors
    ///
    /// The apiserver's error.
    pub async fn create_config_map(&self, name: &str, data: Value) -> anyhow::Result<()> {
        let config_map: ConfigMap = serde_json::from_value(json!({
            "metadata": { "name": name },
            "data": data
        }))?;
        Api::<ConfigMap>::namespaced(self.client.clone(), &self.name)
            .create(&PostParams::default(), &config_map)
            .await?;
        Ok(())
    }

    /// Creates or replaces TriggerAuthentication `name` with `spec`.
    ///
    /// # Errors
    ///
    /// The apiserver's error.
    pub async fn apply_trigger_authentication(
        &self,
        name: &str,
        spec: Value,
    ) -> anyhow::Result<()> {
        let object = json!({
            "apiVersion": "tidal.dev/v1alpha1",
            "kind": "TriggerAuthentication",
            "metadata": { "name": name, "namespace": self.name },
            "spec": spec
        });
        Api::<TriggerAuthentication>::namespaced(self.client.clone(), &self.name)
            .patch(
                name,
                &PatchParams::apply("tidal-e2e").force(),
                &Patch::Apply(&object),
            )
            .await?;
        Ok(())
    }

    /// Creates Deployment `name` at `replicas` whose pods run `container` (or, given an array,
    /// each of those containers) on kwok's nodes, with `pod_annotations` (kwok reads simulated
    /// usage from them).
    ///
    /// # Errors
    ///
    /// The apiserver's error.
    pub async fn create_deployment_with(
        &self,
        name: &str,
        replicas: i32,
        container: Value,
        pod_annotations: Value,
    ) -> anyhow::Result<()> {
        let containers = match container {
            Value::Array(containers) => Value::Array(containers),
            container => Value::Array(vec![container]),
        };
        self.create_deployment_of(
            name,
            replicas,
            json!({ "containers": containers }),
            pod_annotations,
        )
        .await
    }

    /// Creates Deployment `name` at `replicas` whose pods have `pod_spec` (containers and any
    /// other field, such as pod-level `resources`), placed on kwok's nodes, with
    /// `pod_annotations`.
    ///
    /// # Errors
    ///
    /// The apiserver's error.
    pub async fn create_deployment_of(
        &self,
        name: &str,
        replicas: i32,
        mut pod_spec: Value,
        pod_annotations: Value,
    ) -> anyhow::Result<()> {
        pod_spec["tolerations"] = json!([
            { "key": "kwok.x-k8s.io/node", "operator": "Exists", "effect": "NoSchedule" }
        ]);
        let deployment: Deployment = serde_json::from_value(json!({
            "metadata": { "name": name },
            "spec": {
                "replicas": replicas,
                "selector": { "matchLabels": { "app": name } },
                "template": {
                    "metadata": { "labels": { "app": name }, "annotations": pod_annotations },
                    "spec": pod_spec
                }
            }
        }))?;
        self.deployments()
            .create(&PostParams::default(), &deployment)
            .await?;
        Ok(())
    }
}
