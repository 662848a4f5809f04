//! Reference data, the bottom layer: the metric catalog of both formats (`catalog`), the 民政部
//! division table (`regions`), and the value grammar both are read with (`value`).

pub mod catalog;
pub mod regions;
pub mod value;
