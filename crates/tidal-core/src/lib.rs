//! The sans-IO decision engine.

pub mod behavior;
pub mod config;
pub mod decision;
pub mod engine;
pub mod hpa;
pub mod keda;
pub mod quantity;
