//! Generates the external scalers' gRPC client from `proto/externalscaler.proto`.
//!
//! `protox` parses the proto in pure Rust, so building Tidal needs no `protoc` binary; the
//! generated client lands in `OUT_DIR` and is included by `src/external/proto.rs`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const PROTO: &str = "proto/externalscaler.proto";
    println!("cargo:rerun-if-changed={PROTO}");
    let descriptors = protox::compile([PROTO], ["proto"])?;
    tonic_prost_build::configure()
        .build_server(false)
        .compile_fds(descriptors)?;
    Ok(())
}
