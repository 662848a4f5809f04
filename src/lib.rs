//! xxgk: statistics of China's 政府信息公开工作年度报告, from county CSVs to Parquet, rollups and charts.
//!
//! The data flows through the modules in this order:
//! `ingest` (files → cells) → `validate` (findings, 勾稽关系) → `store` (Parquet, rejected rows)
//! → `rollup` → `charts`. `catalog` and `regions` are the reference data every stage uses;
//! `pipeline` strings the stages together for the commands in `src/cmd/`. `extract` sits before
//! ingest: it reads the numbers out of a published report (text, HTML, .docx) into a long-layout CSV.

pub mod catalog;
pub mod charts;
pub mod dataset;
pub mod error;
pub mod extract;
pub mod ingest;
pub mod memory;
pub mod pipeline;
pub mod progress;
pub mod regions;
pub mod rollup;
pub mod store;
pub mod synth;
pub mod timing;
pub mod validate;

pub use error::{Error, Result};
