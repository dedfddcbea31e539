//! What the operator tells its operators: Prometheus metrics and the health endpoints.
//!
//! [`Metrics`] holds every metric family; each is registered once with a help text, and label
//! sets stay low-cardinality except the per-object ones KEDA also exports (namespace, object,
//! metric), which users chart. [`serve`] exposes `/metrics`, `/healthz` and `/readyz`.

mod http;
mod metrics;

pub use http::{Health, serve};
pub use metrics::{Metrics, ObjectLabels, ResultLabels, TriggerLabels};
