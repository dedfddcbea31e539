//! Benchmarks of the HPA replica math (filled in below).

fn main() {}
