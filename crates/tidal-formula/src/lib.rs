//! The scaling-modifier formula language.
