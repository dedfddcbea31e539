//! Trigger type → scaler constructor, KEDA's `buildScaler` switch as a table.
//!
//! Adding a scaler is one line in [`Registry::builtin`]. The operator keeps one registry and
//! calls [`Registry::build`] for every trigger; errors name the object and the trigger.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use crate::error::{BuildError, Error, Result};
use crate::scaler::{BuildContext, Scaler};

/// What a constructor returns.
pub type BuildFuture = Pin<Box<dyn Future<Output = Result<Box<dyn Scaler>>> + Send>>;

/// A scaler constructor.
pub type Constructor = fn(BuildContext) -> BuildFuture;

/// Trigger types KEDA forbids `useCachedMetrics` on.
const NO_CACHE: [&str; 3] = ["cpu", "memory", "cron"];

/// The table of known trigger types.
#[derive(Clone)]
pub struct Registry {
    constructors: BTreeMap<&'static str, Constructor>,
}

impl Registry {
    /// An empty registry.
    pub fn empty() -> Self {
        Self {
            constructors: BTreeMap::new(),
        }
    }

    /// Every scaler this crate implements.
    pub fn builtin() -> Self {
        let mut registry = Self::empty();
        registry.register(crate::metrics_api::TYPE, crate::metrics_api::build);
        registry.register(crate::cron::TYPE, crate::cron::build);
        registry.register(crate::cpu_memory::CPU, crate::cpu_memory::build_cpu);
        registry.register(crate::cpu_memory::MEMORY, crate::cpu_memory::build_memory);
        registry.register(crate::mysql::TYPE, crate::mysql::build);
        registry.register(crate::nats_jetstream::TYPE, crate::nats_jetstream::build);
        registry.register(crate::postgresql::TYPE, crate::postgresql::build);
        registry.register(crate::prometheus::TYPE, crate::prometheus::build);
        registry.register(crate::kafka::TYPE, crate::kafka::build);
        registry.register(crate::external::TYPE, crate::external::build);
        registry.register(crate::external::PUSH_TYPE, crate::external::build);
        registry.register(crate::rabbitmq::TYPE, crate::rabbitmq::build);
        registry.register(crate::redis::TYPE, crate::redis::build);
        registry.register(crate::redis::CLUSTER_TYPE, crate::redis::build);
        registry.register(crate::redis::SENTINEL_TYPE, crate::redis::build);
        registry.register(crate::redis_streams::TYPE, crate::redis_streams::build);
        registry.register(
            crate::redis_streams::CLUSTER_TYPE,
            crate::redis_streams::build,
        );
        registry.register(
            crate::redis_streams::SENTINEL_TYPE,
            crate::redis_streams::build,
        );
        registry.register(
            crate::kubernetes_workload::TYPE,
            crate::kubernetes_workload::build,
        );
        registry
    }

    /// Adds or replaces the constructor for `type_name`.
    pub fn register(&mut self, type_name: &'static str, constructor: Constructor) {
        self.constructors.insert(type_name, constructor);
    }

    /// The supported trigger types, sorted.
    pub fn types(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.constructors.keys().copied()
    }

    /// Whether `type_name` is supported.
    pub fn supports(&self, type_name: &str) -> bool {
        self.constructors.contains_key(type_name)
    }

    /// Builds the scaler for one trigger.
    ///
    /// # Errors
    /// A [`BuildError`] naming the object, the trigger index and type, and the fault.
    pub async fn build(&self, ctx: BuildContext) -> Result<Box<dyn Scaler>, BuildError> {
        let object = ctx.object.clone();
        let index = ctx.trigger.index;
        let trigger_type = ctx.trigger.type_name.clone();
        let wrap = |source: Error| BuildError {
            object: object.clone(),
            index,
            trigger_type: trigger_type.clone(),
            source,
        };
        let Some(constructor) = self.constructors.get(trigger_type.as_str()) else {
            return Err(wrap(Error::UnknownType {
                type_name: trigger_type.clone(),
                supported: self.types().collect::<Vec<_>>().join(", "),
            }));
        };
        if ctx.trigger.use_cached_metrics && NO_CACHE.contains(&trigger_type.as_str()) {
            return Err(wrap(Error::CacheNotAllowed {
                trigger_type: trigger_type.clone(),
            }));
        }
        constructor(ctx).await.map_err(wrap)
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::builtin()
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.constructors.keys()).finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::Services;
    use crate::testutil::context;

    #[tokio::test]
    async fn errors_name_the_object_the_trigger_and_what_is_allowed() {
        let registry = Registry::builtin();
        let err = registry
            .build(context("kafak", &[], &[], &[], Arc::new(Services::new())))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("ScaledObject shop/web spec.triggers[0] (kafak): trigger type \"kafak\" is not supported; supported types: "), "{err}");
        assert!(
            err.contains("metrics-api") && err.contains("redis-streams"),
            "{err}"
        );

        let mut ctx = context(
            "cron",
            &[
                ("timezone", "UTC"),
                ("start", "0 8 * * *"),
                ("end", "0 9 * * *"),
                ("desiredReplicas", "2"),
            ],
            &[],
            &[],
            Arc::new(Services::new()),
        );
        ctx.trigger.use_cached_metrics = true;
        let err = registry.build(ctx).await.unwrap_err();
        assert!(matches!(err.source, Error::CacheNotAllowed { .. }), "{err}");

        let err = registry
            .build(context(
                "redis",
                &[("address", "r:1")],
                &[],
                &[],
                Arc::new(Services::new()),
            ))
            .await
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "ScaledObject shop/web spec.triggers[0] (redis): redis: parameter \"listName\" is required (the key of the list to measure)"
        );
    }

    #[test]
    fn every_builtin_scaler_is_registered() {
        let types: Vec<&str> = Registry::builtin().types().collect();
        for expected in [
            "cpu",
            "cron",
            "kubernetes-workload",
            "memory",
            "metrics-api",
            "mysql",
            "nats-jetstream",
            "postgresql",
            "prometheus",
            "rabbitmq",
            "redis",
            "redis-cluster",
            "redis-cluster-streams",
            "redis-sentinel",
            "redis-sentinel-streams",
            "redis-streams",
        ] {
            assert!(
                types.contains(&expected),
                "{expected} missing from {types:?}"
            );
        }
    }
}
