//! Scalers against real servers started by `scripts/services.sh` (run `scripts/test-scalers.sh`).
//!
//! Each test sets a known state (37 list items, a gauge of 37, …), samples the scaler and
//! checks value and activity, then breaks something (credentials, a closed port, a query that
//! returns NaN or several series) and checks the typed error. The servers' addresses come from
//! the environment `scripts/services.sh env` prints; without it a test fails under `CI=true`
//! and is skipped, with the reason printed, elsewhere.

// Values compared here are small integers or exact zeros that survive milli-unit truncation.
#![allow(clippy::float_cmp)]

mod common;
mod metrics_api;
mod mysql;
mod nats_jetstream;
mod postgresql;
mod prometheus;
mod rabbitmq;
mod rabbitmq_tls;
mod redis;
mod redis_tls;
mod redis_topologies;
