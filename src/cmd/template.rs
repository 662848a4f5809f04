//! `xxgk template`: a long-layout CSV with every metric id and its Chinese label and an empty value
//! column, for a county to fill in (UTF-8 with BOM so that Excel shows the Chinese labels); or, with
//! `-o FILE.xlsx`, the official table as a workbook (`workbooks::template`).

use anyhow::{bail, Context};
use std::io::Write;
use std::path::PathBuf;
use xxgk::reference::catalog::{catalog, Format};
use xxgk::reference::regions::regions;

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
    /// Table format: 2019 (国办公开办函〔2019〕60号) or 2021; default: the one in force for the year.
    #[arg(long, value_enum)]
    pub format: Option<super::metrics::FormatArg>,
    /// Write to this file instead of standard output; the kind follows the extension (.xlsx: the
    /// official table as a workbook with named value cells; anything else: CSV).
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let Ok(region) = regions().lookup(&args.region) else {
        bail!("region code {:?} is not a 6-digit code in the 民政部 2024 table", args.region);
    };
    let max = xxgk::pipeline::current_year();
    if !(2019..=max).contains(&args.year) {
        bail!(
            "year {} is outside 2019..={max} (the 2019 format applies from the 2019 reports on)",
            args.year
        );
    }
    let format = args.format.map(Format::from).unwrap_or_else(|| Format::for_year(args.year));
    if args.year < format.first_year() {
        bail!("the {} format applies from the {} reports on", format.as_str(), format.first_year());
    }
    if let Some(p) = args
        .output
        .as_ref()
        .filter(|p| p.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("xlsx")))
    {
        let keys = xxgk::workbooks::template::TemplateKeys {
            region,
            year: args.year,
            body: args.body.clone(),
            format,
        };
        xxgk::workbooks::template::write_template(&keys, p)
            .with_context(|| format!("writing {}", p.display()))?;
        return Ok(0);
    }
    if let Some(p) = args.output.as_ref().filter(|p| {
        p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ["xls", "xlsm", "ods", "et"].iter().any(|x| e.eq_ignore_ascii_case(x)))
    }) {
        bail!("{}: the template is written as .xlsx (Excel, WPS and LibreOffice all open it) or .csv; name the file .xlsx", p.display());
    }
    let mut buf = Vec::new();
    buf.extend_from_slice(b"\xEF\xBB\xBF");
    {
        let mut w = csv::Writer::from_writer(&mut buf);
        w.write_record([
            "region_code",
            "region_name",
            "year",
            "body",
            "format",
            "metric",
            "label",
            "unit",
            "value",
        ])?;
        for cell in &catalog().form(format).cells {
            let m = catalog().metric(cell.metric);
            w.write_record([
                region.code_str().as_str(),
                &region.name,
                &args.year.to_string(),
                &args.body,
                format.as_str(),
                &m.id,
                &cell.label_zh(),
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
