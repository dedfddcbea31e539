//! Tidal's scalers: where trigger values come from.
//!
//! Each KEDA trigger `type` has a scaler here: one folder holding its typed config (parsed
//! from the trigger's `metadata` map with KEDA's parameter names and defaults), its client
//! and its value computation. The operator builds one [`Scaler`] per trigger through the
//! [`Registry`], samples it every polling interval and hands the values to `tidal-core`'s
//! engine, which owns the replica decision. Nothing here decides replicas.
//!
//! Shared pieces: [`params`] (KEDA's parameter lookup order and `…FromEnv`), [`auth`]
//! (TriggerAuthentication resolution without IO), [`secret`] (redaction), [`pools`] (one client
//! per endpoint and credentials across all triggers), [`http`] (the HTTP scalers' common
//! auth modes), [`metric`] (names, targets, values) and [`cache`] (`useCachedMetrics`).

// Tests compare values that are exact by construction (milli-unit truncation, small integers).
#![cfg_attr(test, allow(clippy::float_cmp))]

pub mod auth;
pub mod cache;
pub mod error;
pub mod http;
pub mod metric;
pub mod params;
pub mod pools;
pub mod quantity;
pub mod registry;
pub mod scaler;
pub mod secret;
pub mod sql;
pub mod tls;

pub mod cpu_memory;
pub mod cron;
pub mod external;
pub mod kafka;
pub mod kubernetes_workload;
pub mod metrics_api;
pub mod mysql;
pub mod nats_jetstream;
pub mod postgresql;
pub mod prometheus;
pub mod rabbitmq;
pub mod redis;
pub mod redis_streams;

#[cfg(test)]
mod testutil;

pub use auth::AuthParams;
pub use error::{BuildError, Error, Result};
pub use metric::{MetricSpec, MetricTargetType, MetricValue};
pub use registry::Registry;
pub use scaler::{BuildContext, ObjectKind, ObjectRef, Scaler, Services, TriggerSpec};
pub use secret::Secret;
