//! What a partition is made of, as one SHA-256: written into the partition's own Parquet footer
//! (`xxgk.content_sha256`) so that the next run can tell, without reading the data, that a year it
//! would write is byte for byte the one already published (see [`super::reuse`]).

use super::parquet_file::InputDigest;
use crate::model::{FileNames, Report};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// Bump when the bytes written for the same reports change in a way the version does not show.
const LAYOUT: &str = "xxgk-partitions-2";

/// The build, and the tables compiled into xxgk that its outputs depend on: a changed region name,
/// catalog label or line of code (`XXGK_SOURCE_DIGEST`, from `build.rs`) changes every partition
/// even when the version number stays.
pub fn build_digest() -> &'static str {
    static DIGEST: OnceLock<String> = OnceLock::new();
    DIGEST.get_or_init(|| {
        let mut h = Sha256::new();
        h.update(LAYOUT);
        h.update(env!("CARGO_PKG_VERSION"));
        h.update(env!("XXGK_SOURCE_DIGEST"));
        h.update(crate::reference::catalog::FORMAT_VERSION);
        for table in [
            crate::reference::regions::DIVISIONS_CSV,
            crate::reference::catalog::SPEC_2021,
            crate::reference::catalog::SPEC_2019,
        ] {
            h.update((table.len() as u64).to_le_bytes());
            h.update(table);
        }
        hex(&h.finalize())
    })
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Everything `facts::write_year` and `reports::write_year` put into a year's files: the inputs
/// named in the metadata and each stored report's key, format, body kind, files, values and cell sources.
pub fn year_content(files: &FileNames, year: i32, reports: &[&Report], inputs: &[InputDigest]) -> String {
    let mut h = Sha256::new();
    h.update(build_digest());
    h.update(year.to_le_bytes());
    for i in inputs {
        field(&mut h, i.file.as_bytes());
        field(&mut h, i.sha256.as_bytes());
    }
    // Cells are written compactly into one buffer per report: a report is some 200 cells, and one
    // SHA-256 update per cell would cost more than the hashing itself.
    let mut buf: Vec<u8> = Vec::with_capacity(8 * 1024);
    for r in reports {
        buf.clear();
        buf.extend_from_slice(&r.key.region.to_le_bytes());
        buf.extend_from_slice(&(r.key.body.len() as u64).to_le_bytes());
        buf.extend_from_slice(r.key.body.as_bytes());
        buf.extend_from_slice(r.format.as_str().as_bytes());
        buf.push(r.body_kind as u8);
        buf.extend_from_slice(&(r.files.len() as u32).to_le_bytes());
        for &f in &r.files {
            let name = files.name(f);
            buf.extend_from_slice(&(name.len() as u64).to_le_bytes());
            buf.extend_from_slice(name.as_bytes());
        }
        for (v, s) in r.values.iter().zip(&r.sources) {
            match v {
                Some(v) => {
                    buf.push(1);
                    buf.extend_from_slice(&v.to_bits().to_le_bytes());
                }
                None => buf.push(0),
            }
            match s {
                // A source's file is named by its place in the report's own file list: global file
                // numbers shift when an unrelated file is added to the input.
                Some(s) => {
                    let at = r.files.iter().position(|&f| f == s.file).map_or(u32::MAX, |p| p as u32);
                    buf.push(1);
                    buf.extend_from_slice(&at.to_le_bytes());
                    if at == u32::MAX {
                        field_into(&mut buf, files.name(s.file).as_bytes());
                    }
                    buf.extend_from_slice(&s.line.to_le_bytes());
                }
                None => buf.push(0),
            }
        }
        h.update(&buf);
    }
    hex(&h.finalize())
}

fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

fn field_into(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    buf.extend_from_slice(bytes);
}
