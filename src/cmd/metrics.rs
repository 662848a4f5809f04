//! `xxgk metrics`: print one format's catalog (id, kind, unit, Chinese label), or the harmonized set
//! that compares across formats.

use std::io::Write;
use xxgk::reference::catalog::harmonized::{harmonized, Source};
use xxgk::reference::catalog::{catalog, Format};
use xxgk::support::term::pad;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    /// 国办公开办函〔2019〕60号: the 2019 and 2020 reports (198 cells).
    #[value(name = "2019")]
    F2019,
    /// 国办公开办函〔2021〕30号: from the 2021 reports on (200 cells).
    #[value(name = "2021")]
    F2021,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::F2019 => Format::F2019,
            FormatArg::F2021 => Format::F2021,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print CSV instead of an aligned table.
    #[arg(long)]
    pub csv: bool,
    /// Which format's table.
    #[arg(long, value_enum, default_value = "2021")]
    pub format: FormatArg,
    /// Print the harmonized set instead: the metrics that compare across formats, and their sources.
    #[arg(long, conflicts_with = "format")]
    pub harmonized: bool,
}

fn source(id: &str, s: &Source) -> String {
    match s {
        Source::Same => id.to_string(),
        Source::From(other) => other.clone(),
        Source::Sum(parts) => parts.join(" + "),
    }
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let out = std::io::stdout();
    let mut out = out.lock();
    let c = catalog();
    if args.harmonized {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(["metric", "source_2019", "source_2021"])?;
        for h in harmonized() {
            w.write_record([&h.id, &source(&h.id, &h.from_2019), &source(&h.id, &h.from_2021)])?;
        }
        w.flush()?;
        return Ok(0);
    }
    let form = c.form(args.format.into());
    if args.csv {
        let mut w = csv::Writer::from_writer(out);
        // Every Chinese header ingest accepts for the metric, as label keys (punctuation and spaces
        // dropped: `（七）总计/总计` is accepted as `七总计总计`), separated by `|`.
        let aliases = xxgk::stages::ingest::aliases::aliases_by_metric();
        w.write_record(["metric", "column", "kind", "unit", "item_zh", "column_zh", "aliases"])?;
        for cell in &form.cells {
            let m = c.metric(cell.metric);
            let a = aliases[cell.metric].join("|");
            w.write_record([&m.id, &m.column, m.kind.as_str(), &m.unit, &cell.item_zh, &cell.column_zh, &a])?;
        }
        w.flush()?;
        return Ok(0);
    }
    for cell in &form.cells {
        let m = c.metric(cell.metric);
        writeln!(out, "{} {} {}", pad(&m.id, 52), pad(&m.unit, 6), cell.label_zh())?;
    }
    Ok(0)
}
