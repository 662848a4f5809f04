//! `xxgk validate`: the same checks as `ingest`, findings printed as a table, nothing written.

use super::{exit_for, Common, Inputs};
use xxgk::model::finding::Finding;
use xxgk::pipeline::{read_and_validate, temp_spill_dir, IngestOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inputs: Inputs,
}

fn table(findings: &[Finding]) -> String {
    let mut s = String::new();
    for f in findings {
        let place = match f.line {
            Some(l) => format!("{}:{l}", f.file),
            None => f.file.clone(),
        };
        s.push_str(&format!(
            "{:<7} {:<28} {:<40} {:<24} {}\n",
            f.severity.as_str(),
            f.rule.id(),
            place,
            f.column.as_deref().unwrap_or("-"),
            f.message
        ));
    }
    s
}

pub fn run(args: Args, common: &Common) -> anyhow::Result<u8> {
    let opts = IngestOptions {
        inputs: args.inputs.paths(),
        strict: args.inputs.strict,
        quiet: common.quiet,
        max_year: args.inputs.max_year,
        cache_in: None,
    };
    let ingested = read_and_validate(&opts, &temp_spill_dir(), &|_, _, _| Ok(Vec::new()))?;
    if !ingested.findings.is_empty() {
        println!("{:<7} {:<28} {:<40} {:<24} message", "level", "rule", "file:line", "column");
        print!("{}", table(&ingested.findings));
        println!();
    }
    if !common.quiet {
        print!("{}", ingested.summary.render());
    }
    Ok(exit_for(&ingested.summary))
}
