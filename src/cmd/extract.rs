//! `xxgk extract`: read reports as published (text, HTML, .docx, PDF) and write the long-layout CSV that
//! ingest reads, one per report, each with an extraction log beside it.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use xxgk::stages::extract::{extract_file, ExtractError, ExtractOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Report files: plain text, HTML (.html/.htm) or .docx.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Folder for the CSVs and logs.
    #[arg(long, default_value = "extracted")]
    pub out: PathBuf,
    /// Region code, when the title's place name is ambiguous or missing, e.g. 653128.
    #[arg(long)]
    pub region: Option<String>,
    /// Report year, when the title gives none.
    #[arg(long)]
    pub year: Option<i32>,
    /// Reporting body, e.g. 岳普湖县人民政府 (default: from the title).
    #[arg(long)]
    pub body: Option<String>,
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

pub fn run(args: Args, common: &super::Common) -> anyhow::Result<u8> {
    let region = match &args.region {
        Some(r) => match xxgk::reference::regions::regions().lookup(r) {
            Ok(region) => Some(region.code),
            Err(_) => bail!(
                "--region {r:?} is not a region code in the 民政部 2024 table (six digits, e.g. 653128)"
            ),
        },
        None => None,
    };
    let opts = ExtractOptions { region, year: args.year, body: args.body.clone() };
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let mut failed = 0;
    for file in &args.files {
        let header = format!("source: {}", file.display());
        match extract_file(file, &opts) {
            Ok(x) => {
                let stem = x.file_stem();
                let mut csv = Vec::new();
                x.write_csv(&mut csv).with_context(|| format!("writing CSV for {}", file.display()))?;
                write(&args.out.join(format!("{stem}.csv")), &csv)?;
                let log = std::iter::once(header).chain(x.log.iter().cloned()).collect::<Vec<_>>().join("\n");
                write(&args.out.join(format!("{stem}.log.txt")), format!("{log}\n").as_bytes())?;
                if !common.quiet {
                    let rules = if x.breaches.is_empty() {
                        "勾稽关系 hold".to_string()
                    } else {
                        let mut ids: Vec<&str> = x.breaches.iter().map(|b| b.rule.id()).collect();
                        ids.dedup();
                        format!("breaks {}", ids.join(", "))
                    };
                    let cells = xxgk::reference::catalog::catalog().form(x.format).len();
                    super::say!(
                        "{} → {}/{stem}.csv ({} format, {cells} cells; {rules})",
                        file.display(),
                        args.out.display(),
                        x.format.as_str()
                    );
                }
            }
            Err(e @ ExtractError::Io { .. }) => return Err(e.into()),
            Err(e) => {
                failed += 1;
                eprintln!("{}: {e}", file.display());
                if !e.log().is_empty() {
                    let name = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                    let path = args.out.join(format!("{name}.log.txt"));
                    let log =
                        std::iter::once(header).chain(e.log().iter().cloned()).collect::<Vec<_>>().join("\n");
                    write(&path, format!("{log}\n").as_bytes())?;
                    eprintln!("  see {}", path.display());
                }
            }
        }
    }
    Ok(if failed > 0 { super::EXIT_REJECTED } else { super::EXIT_OK })
}
