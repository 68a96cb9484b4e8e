//! Link options of the `meetflow` binary.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // Packed relative relocations (DT_RELR; GNU ld ≥ 2.38 or lld ≥ 15 to link, glibc ≥ 2.36 to
    // run). The executable is position-independent, and its 1.6 MB of `.rela.dyn`, read by the
    // loader at every start and then resident in every worker, become a few KB
    // (docs/performance.md, third pass). Only where the C library is glibc.
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.ends_with("-linux-gnu") {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
