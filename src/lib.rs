//! xxgk: statistics of China's 政府信息公开工作年度报告, from county CSVs to Parquet, rollups and charts.
//!
//! The modules are layers, declared here bottom to top; a module imports only from layers below
//! its own (`tests/architecture.rs` keeps it so, and `docs/architecture.md` walks through them):
//!
//! 1. `support`: errors, text decoding, timings, progress, memory: nothing of xxgk below it.
//! 2. `reference`: the metric catalog, the division table and the value grammar.
//! 3. `model`: input files, reports, cells and where each was read, findings, the format's equations.
//! 4. `stages`: `validate`, `extract`, `ingest` (which calls `extract` through one function), `synth`.
//! 5. `store`: the Parquet dataset, rejected rows, findings, atomic publishing.
//! 6. `rollup`: sums over regions and years from the published facts.
//! 7. `charts`: charts and index.html from the published rollup.
//! 8. `workbooks`: the fill-in template and the briefing workbook (.xlsx) written out.
//! 9. `pipeline`: the run chain (ingest → store → rollup → charts), its caches and its lock.
//!
//! The binary's `cmd/` sits on top: it parses arguments, calls `pipeline` or a stage, and prints.

pub mod support;

pub mod reference;

pub mod model;

pub mod stages;

pub mod store;

pub mod rollup;

pub mod charts;

pub mod workbooks;

pub mod pipeline;

pub use support::error::{Error, Result};
