//! `xxgk validate`: the same checks as `ingest`, findings printed as a table, nothing written.

use super::{exit_for, say, Common, Inputs};
use xxgk::model::finding::Finding;
use xxgk::pipeline::{read_and_validate, temp_spill_dir};
use xxgk::support::term::pad;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inputs: Inputs,
}

/// The findings as a table, columns padded by display width (file names and columns are often Chinese).
fn table(findings: &[Finding]) -> String {
    let mut s = String::new();
    let row = |s: &mut String, level: &str, rule: &str, place: &str, column: &str, message: &str| {
        s.push_str(&format!(
            "{} {} {} {} {message}\n",
            pad(level, 7),
            pad(rule, 28),
            pad(place, 40),
            pad(column, 24)
        ));
    };
    row(&mut s, "level", "rule", "file:line", "column", "message");
    for f in findings {
        let place = match f.line {
            Some(l) => format!("{}:{l}", f.file),
            None => f.file.clone(),
        };
        row(&mut s, f.severity.as_str(), f.rule.id(), &place, f.column.as_deref().unwrap_or("-"), &f.message);
    }
    s
}

pub fn run(args: Args, common: &Common) -> anyhow::Result<u8> {
    args.inputs.apply_columns()?;
    let opts = args.inputs.ingest_options(common, None);
    let ingested = read_and_validate(&opts, &temp_spill_dir(), &|_, _, _| Ok(Vec::new()))?;
    if !ingested.findings.is_empty() {
        super::print_text(&table(&ingested.findings))?;
        say!();
    }
    if !common.quiet {
        super::print_text(&ingested.summary.render())?;
    }
    Ok(exit_for(&ingested.summary))
}
