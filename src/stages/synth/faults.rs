//! Faults injected into synthetic reports, each with the rule that must catch it.

use super::LayoutChoice;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// One result cell one too high: the column no longer adds up (R2; R3 on its row).
    Balance,
    /// A value that is no number.
    BadNumber,
    /// A metric id with a typo (long layout).
    UnknownMetric,
    /// A negative count (wide layout, where a bad metric id would hit every row).
    Negative,
    /// The same cell again with another value.
    Duplicate,
}

impl Fault {
    pub fn name(self) -> &'static str {
        match self {
            Fault::Balance => "balance",
            Fault::BadNumber => "bad_number",
            Fault::UnknownMetric => "unknown_metric",
            Fault::Negative => "negative",
            Fault::Duplicate => "duplicate",
        }
    }

    /// Id of the rule that must report it (see `validate::finding::Rule::id`).
    pub fn rule(self) -> &'static str {
        match self {
            Fault::Balance => "R2-results-total",
            Fault::BadNumber => "E050-not-a-number",
            Fault::UnknownMetric => "E040-unknown-metric",
            Fault::Negative => "E051-negative-value",
            Fault::Duplicate => "E060-conflicting-cell",
        }
    }

    pub fn pick(rng: &mut fastrand::Rng, layout: LayoutChoice) -> Fault {
        let third = match layout {
            LayoutChoice::Long => Fault::UnknownMetric,
            LayoutChoice::Wide => Fault::Negative,
        };
        [Fault::Balance, Fault::BadNumber, third, Fault::Duplicate][rng.usize(0..4)]
    }
}

/// One line of `synth-manifest.tsv`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ManifestEntry {
    pub file: String,
    pub line: u64,
    pub region_code: String,
    pub year: i32,
    pub metric: String,
    pub fault: &'static str,
    pub rule: &'static str,
}
