//! The data model every stage shares: input files and what reading one produced (`file`), the
//! merged reports and where each cell was read (`report`), findings and their rules (`finding`),
//! and the format's equations over a report (`equations`). It sits above the reference data and
//! below the stages, and imports nothing else of xxgk.

pub mod equations;
pub mod file;
pub mod finding;
pub mod report;
pub mod scope;

pub use equations::{check_report, Breach};
pub use file::{
    Cell, InputFile, InputKind, ParsedFile, RejectedRow, Rejection, ReportExtract, ReportKey, ERROR_COLUMN,
};
pub use finding::{Finding, Rule, Severity};
pub use report::{CellSource, Dataset, FileNames, Report};
pub use scope::BodyKind;
