//! KEDA-compatible API types for Tidal.
