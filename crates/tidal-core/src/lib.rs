//! The sans-IO decision engine.

pub mod behavior;
pub mod hpa;
pub mod quantity;
