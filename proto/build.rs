//! Generates the contract's Rust types (prost) and their proto3-JSON serde impls (pbjson).
use std::{env, path::PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = ["meetflow/v1/appointment.proto"];
    for p in &protos {
        println!("cargo:rerun-if-changed={p}");
    }
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    let descriptor_path = out_dir.join("meetflow_descriptor.bin");
    prost_build::Config::new()
        .file_descriptor_set_path(&descriptor_path)
        .compile_well_known_types()
        .extern_path(".google.protobuf", "::pbjson_types")
        .compile_protos(&protos, &["."])?;
    let descriptors = std::fs::read(&descriptor_path)?;
    // Unknown fields are ignored so an older worker accepts input from a newer backend; a
    // misspelt required field still fails, because validation names the missing field.
    pbjson_build::Builder::new()
        .register_descriptors(&descriptors)?
        .ignore_unknown_fields()
        .build(&[".meetflow"])?;
    Ok(())
}
