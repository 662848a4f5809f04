//! `xxgk metrics`: print the catalog of the 200 metrics (id, kind, unit, Chinese label).

use std::io::Write;
use xxgk::catalog::{catalog, Kind};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print CSV instead of an aligned table.
    #[arg(long)]
    pub csv: bool,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let out = std::io::stdout();
    let mut out = out.lock();
    if args.csv {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(["metric", "column", "kind", "unit", "item_zh", "column_zh"])?;
        for m in catalog().metrics() {
            let kind = if m.kind == Kind::Count { "count" } else { "amount" };
            w.write_record([&m.id, &m.column, kind, &m.unit, &m.item_zh, &m.column_zh])?;
        }
        w.flush()?;
        return Ok(0);
    }
    for m in catalog().metrics() {
        writeln!(out, "{:<52} {:<4} {}", m.id, m.unit, m.label_zh())?;
    }
    Ok(0)
}
