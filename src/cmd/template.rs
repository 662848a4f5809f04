//! `xxgk template`: a long-layout CSV with every metric id and its Chinese label and an empty value
//! column, for a county to fill in. UTF-8 with BOM so that Excel shows the Chinese labels.

use anyhow::{bail, Context};
use std::io::Write;
use std::path::PathBuf;
use xxgk::catalog::catalog;
use xxgk::regions::regions;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Region code, e.g. 653128.
    #[arg(long)]
    pub region: String,
    /// Report year, e.g. 2024.
    #[arg(long)]
    pub year: i32,
    /// Reporting body, e.g. 岳普湖县人民政府.
    #[arg(long, default_value = "")]
    pub body: String,
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let Ok(region) = regions().lookup(&args.region) else {
        bail!("region code {:?} is not a 6-digit code in the 民政部 2024 table", args.region);
    };
    let max = xxgk::pipeline::current_year();
    if !(2021..=max).contains(&args.year) {
        bail!(
            "year {} is outside 2021..={max} (the 2021 format applies from the 2021 reports on)",
            args.year
        );
    }
    let mut buf = Vec::new();
    buf.extend_from_slice(b"\xEF\xBB\xBF");
    {
        let mut w = csv::Writer::from_writer(&mut buf);
        w.write_record(["region_code", "region_name", "year", "body", "metric", "label", "unit", "value"])?;
        for m in catalog().metrics() {
            w.write_record([
                region.code_str().as_str(),
                &region.name,
                &args.year.to_string(),
                &args.body,
                &m.id,
                &m.label_zh(),
                &m.unit,
                "",
            ])?;
        }
        w.flush()?;
    }
    match &args.output {
        Some(p) => std::fs::write(p, &buf).with_context(|| format!("writing {}", p.display()))?,
        None => std::io::stdout().write_all(&buf)?,
    }
    Ok(0)
}
