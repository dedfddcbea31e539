//! Building an object's engine and scalers from its spec, the target's environment and its
//! authentication objects.

use std::collections::BTreeMap;

use kube::Api;
use kube::core::DynamicObject;
use kube::runtime::events::EventType;
use tidal_api::v1alpha1::ScaledObject;
use tidal_core::config::ScalingConfig;
use tidal_core::engine::Engine;
use tidal_scalers::AuthParams;
use tidal_scalers::auth::TargetEnv;
use tidal_scalers::external::PUSH_TYPE as EXTERNAL_PUSH;

use super::{Built, ObjectLoop};
use crate::constants::reasons;
use crate::controller::triggers::Triggers;
use crate::status::{EventSpec, Problem};
use crate::target::TargetRef;

/// What the scalers are built from besides the spec: the target, its container environment
/// and each trigger's resolved authentication.
struct Inputs {
    target: TargetRef,
    env: BTreeMap<String, String>,
    auths: Vec<AuthParams>,
}

impl ObjectLoop {
    /// Rebuilds the engine and scalers when the spec or annotations changed; rebuilds only the
    /// triggers that failed in the previous pass otherwise (KEDA refreshes a failing scaler: a
    /// rotated Secret, a moved server or a broken client is picked up on the next poll, while
    /// healthy triggers keep their clients and streams).
    pub(super) async fn rebuild_if_changed(
        &mut self,
        object: &ScaledObject,
    ) -> Result<(), Problem> {
        let annotations = object.metadata.annotations.clone().unwrap_or_default();
        let same_spec = self.built.as_ref().is_some_and(|b| {
            b.generation == object.metadata.generation && b.annotations == annotations
        });
        if same_spec {
            if !self.failed_triggers.is_empty() {
                self.rebuild_failed(object).await;
            }
            return Ok(());
        }
        let built = self.build(object, annotations).await?;
        self.failed_triggers.clear();
        self.rebuild_failing = false;
        let pushing = object
            .spec
            .triggers
            .iter()
            .any(|t| t.type_ == EXTERNAL_PUSH);
        match (pushing, self.pushes.is_some()) {
            (true, false) => self.pushes = Some(self.ctx.services.pools.external.subscribe()),
            (false, true) => self.pushes = None,
            _ => {}
        }
        if let Some(old) = self.built.replace(built) {
            old.triggers.close().await;
        }
        tracing::info!(generation = ?object.metadata.generation, triggers = object.spec.triggers.len(), "Built the scalers.");
        if !self.started_announced && self.ctx.is_leader() {
            self.started_announced = true;
            let note = format!(
                "Started scalers watch for {} trigger(s)",
                object.spec.triggers.len()
            );
            self.ctx
                .publish(
                    object,
                    EventSpec {
                        type_: EventType::Normal,
                        reason: reasons::SCALERS_STARTED,
                        note,
                    },
                )
                .await;
        }
        Ok(())
    }

    /// Rebuilds the triggers that failed in the previous pass, re-reading their
    /// authentication. When that fails the previous scalers are kept, so their failures keep
    /// counting toward fallback; it is said once per run of failed rebuilds, not every poll.
    async fn rebuild_failed(&mut self, object: &ScaledObject) {
        let failed = std::mem::take(&mut self.failed_triggers);
        let result = match self.inputs(object, Some(&failed)).await {
            Ok(inputs) => match self.built.as_mut() {
                Some(built) => built
                    .triggers
                    .rebuild(
                        &self.ctx.registry,
                        &self.ctx.services,
                        object,
                        &inputs.env,
                        inputs.auths,
                        &failed,
                    )
                    .await
                    .map_err(|error| Problem::user("TriggerError", error)),
                None => Ok(()),
            },
            Err(problem) => Err(problem),
        };
        match result {
            Ok(()) => {
                self.rebuild_failing = false;
                tracing::debug!(triggers = ?failed, "Rebuilt the triggers that failed.");
            }
            Err(problem) => {
                if self.rebuild_failing {
                    tracing::debug!(reason = %problem.reason, message = %problem.message, "Rebuilding the failing triggers still fails.");
                } else {
                    tracing::warn!(reason = %problem.reason, message = %problem.message, "Could not rebuild the failing triggers; keeping the previous ones.");
                }
                self.rebuild_failing = true;
            }
        }
    }

    /// Builds the engine and the scalers.
    async fn build(
        &self,
        object: &ScaledObject,
        annotations: BTreeMap<String, String>,
    ) -> Result<Built, Problem> {
        let inputs = self.inputs(object, None).await?;
        let config = ScalingConfig::from_scaled_object(object, &inputs.env)
            .map_err(|error| Problem::user("InvalidSpec", error.to_string()))?;
        let triggers = Triggers::build(
            &self.ctx.registry,
            &self.ctx.services,
            object,
            &inputs.env,
            inputs.auths,
        )
        .await
        .map_err(|error| Problem::user("TriggerError", error))?;
        Ok(Built {
            generation: object.metadata.generation,
            annotations,
            engine: Engine::new(config),
            triggers,
            target: inputs.target,
        })
    }

    /// The target, its container environment first (for `…FromEnv` and authentication `env`
    /// entries), then the `authenticationRef` of each trigger, or only of the triggers in
    /// `only` (a rebuild after failures reads no Secret for the healthy ones).
    async fn inputs(
        &self,
        object: &ScaledObject,
        only: Option<&[usize]>,
    ) -> Result<Inputs, Problem> {
        let reference = &object.spec.scale_target_ref;
        let target = TargetRef::new(
            reference.api_version.as_deref(),
            reference.kind.as_deref(),
            &reference.name,
        )
        .map_err(|error| Problem::user(error.reason(), error.to_string()))?;
        let target_env = self.target_env(object, &target).await?;
        let references: Vec<_> = object
            .spec
            .triggers
            .iter()
            .enumerate()
            .map(|(index, t)| {
                t.authentication_ref
                    .as_ref()
                    .filter(|_| only.is_none_or(|only| only.contains(&index)))
            })
            .collect();
        let auths = crate::controller::auth::resolve_all(
            &self.ctx.client,
            &self.namespace,
            &self.ctx.cluster_object_namespace,
            &references,
            &target_env,
        )
        .await
        .map_err(|error| Problem::user("AuthenticationError", error))?;
        Ok(Inputs {
            target,
            env: target_env.resolved_env(),
            auths,
        })
    }

    /// The target's resolved container environment. A target whose kind cannot be read
    /// (not found yet, or a custom kind the operator may only scale) has none; the scale step
    /// reports a missing target on its own.
    async fn target_env(
        &self,
        object: &ScaledObject,
        target: &TargetRef,
    ) -> Result<TargetEnv, Problem> {
        let container = object
            .spec
            .scale_target_ref
            .env_source_container_name
            .as_deref();
        let Ok(resolved) = self.ctx.resolver.resolve(target).await else {
            return Ok(TargetEnv::default());
        };
        let api: Api<DynamicObject> =
            Api::namespaced_with(self.ctx.client.clone(), &self.namespace, &resolved.resource);
        match crate::controller::env::fetch(
            &self.ctx.client,
            &api,
            &self.namespace,
            &target.name,
            container,
        )
        .await
        {
            Ok(env) => Ok(env),
            Err(crate::controller::env::FetchError::Unreadable(error)) => {
                tracing::debug!(%error, "Cannot read the target's pod template; no container environment.");
                Ok(TargetEnv::default())
            }
            Err(crate::controller::env::FetchError::Invalid(error)) => {
                Err(Problem::user("EnvironmentError", error))
            }
        }
    }
}
