//! Compiles in `XXGK_SOURCE_DIGEST`: a hash of every source file, the bundled tables and font and
//! `Cargo.lock`. What xxgk reuses from an earlier run (the cache, published partitions and charts)
//! is keyed by it, so a build never takes what another build computed as its own.

use std::hash::Hasher;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let mut paths = Vec::new();
    for root in ["src", "assets"] {
        println!("cargo:rerun-if-changed={root}");
        files(Path::new(root), &mut paths);
    }
    println!("cargo:rerun-if-changed=Cargo.lock");
    paths.push(PathBuf::from("Cargo.lock"));
    paths.sort();
    // SipHash with fixed keys: stable for one toolchain, which is all a build needs.
    let mut h = std::hash::DefaultHasher::new();
    for p in &paths {
        h.write(p.to_string_lossy().as_bytes());
        h.write(&std::fs::read(p).unwrap_or_default());
    }
    println!("cargo:rustc-env=XXGK_SOURCE_DIGEST={:016x}", h.finish());
}
