//! The `tidal` binary.

fn main() {}
