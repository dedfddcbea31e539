//! The sans-IO decision engine.
