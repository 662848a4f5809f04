//! The stages that turn input into checked reports, each depending only on `reference` and `model`
//! below it: `validate` (the 勾稽关系 and cross-year rules), `extract` (published report files into
//! cells), `ingest` (files into cells and reports; report files go through `extract`'s one entry
//! point), and `synth` (synthetic input for tests and benchmarks).

pub mod extract;
pub mod ingest;
pub mod synth;
pub mod validate;
