//! The decision engine, rule by rule: one module per KEDA/HPA semantic a user relies on.
//!
//! Each test builds a ScaledObject from YAML (so the API conversion is exercised too), observes
//! the world at a given time and checks the decision: the replica count, the rule that fixed
//! it, and the parts of the reason a user reads.

#[path = "engine/support.rs"]
mod support;

#[path = "engine/activation.rs"]
mod activation;
#[path = "engine/config.rs"]
mod config;
#[path = "engine/container_resource.rs"]
mod container_resource;
#[path = "engine/cooldown.rs"]
mod cooldown;
#[path = "engine/decision.rs"]
mod decision;
#[path = "engine/fallback.rs"]
mod fallback;
#[path = "engine/formula.rs"]
mod formula;
#[path = "engine/pause.rs"]
mod pause;
#[path = "engine/replica_math.rs"]
mod replica_math;
#[path = "engine/resource.rs"]
mod resource;
