//! Ingest: find the input files (`discover`), decode them (`decode`), read the header (`layout`),
//! parse every field (`parse`, `value`) and merge the cells into reports (`merge`). Report files
//! (.txt, .html, .docx) are extracted into the same cells by `report`.

pub mod aliases;
pub mod cache;
pub mod cell;
pub mod discover;
pub mod headers;
pub mod layout;
pub mod merge;
pub mod parse;
pub mod report;
pub mod spill;
pub mod template_names;
pub mod workbook;
