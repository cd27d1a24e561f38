//! Generates the gRPC code of `examples/grpc_services.rs` from `proto/orders.proto`, with the
//! `protoc` that `protoc-bin-vendored` ships (no system `protoc` needed).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    println!("cargo:rerun-if-changed=proto/orders.proto");
    tonic_build::configure().compile_protos_with_config(
        config,
        &["proto/orders.proto"],
        &["proto"],
    )?;
    Ok(())
}
