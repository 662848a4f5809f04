//! Render synthetic reports as CSV files (either layout, either encoding, per report or per
//! prefecture), injecting the requested faults and listing them in `synth-manifest.tsv`.

use super::faults::{Fault, ManifestEntry};
use super::{
    bodies, counties, generate_body, group_of, EncodingChoice, FilesChoice, LayoutChoice, SynthOptions,
    SynthSummary,
};
use crate::reference::catalog::{catalog, Format, Kind};
use crate::reference::regions::regions;
use crate::support::error::{IoContext, Result};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

pub const MANIFEST: &str = "synth-manifest.tsv";

fn num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// One CSV file being built: its text and the next line number.
struct FileBuf {
    rel: String,
    text: String,
    line: u64,
}

impl FileBuf {
    fn new(rel: String, header: &str) -> FileBuf {
        FileBuf { rel, text: format!("{header}\n"), line: 2 }
    }

    fn push(&mut self, row: &str) -> u64 {
        self.text.push_str(row);
        self.text.push('\n');
        self.line += 1;
        self.line - 1
    }
}

/// The catalog indexes of one format's cells, in table order.
fn cells_of(format: Format) -> impl Iterator<Item = usize> {
    catalog().form(format).cells.iter().map(|x| x.metric)
}

/// Wide columns: the 2021 table's cells, then (when the years reach back before 2021) the 2019
/// table's own; each row leaves the other table's columns blank.
fn wide_columns(years: (i32, i32)) -> Vec<usize> {
    let mut cols: Vec<usize> = Vec::new();
    for f in [Format::F2021, Format::F2019] {
        let used = (years.0..=years.1).any(|y| Format::for_year(y) == f);
        if used {
            let new: Vec<usize> = cells_of(f).filter(|m| !cols.contains(m)).collect();
            cols.extend(new);
        }
    }
    cols
}

fn header(layout: LayoutChoice, columns: &[usize]) -> String {
    match layout {
        LayoutChoice::Long => "region_code,region_name,year,body,metric,value".to_string(),
        LayoutChoice::Wide => {
            let c = catalog();
            let ids: Vec<&str> = columns.iter().map(|&m| c.metric(m).id.as_str()).collect();
            format!("region_code,region_name,year,body,{}", ids.join(","))
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn render(
    buf: &mut FileBuf,
    layout: LayoutChoice,
    columns: &[usize],
    county: u32,
    body: &str,
    year: i32,
    format: Format,
    mut values: Vec<f64>,
    fault: Option<Fault>,
    rng: &mut fastrand::Rng,
    manifest: &mut Vec<ManifestEntry>,
) {
    let c = catalog();
    let region = regions().get(county).map(|r| r.name.clone()).unwrap_or_default();
    let code = format!("{county:06}");
    let prefix = format!("{code},{region},{year},{body}");
    // text[m] is metric m's field; a wide row leaves the cells its format lacks blank.
    let mut text: Vec<String> = values.iter().map(|&v| num(v)).collect();
    let wide_row = |text: &[String]| -> String {
        let c = catalog();
        let cells: Vec<&str> = columns
            .iter()
            .map(|&m| if c.metric(m).in_format(format) { text[m].as_str() } else { "" })
            .collect();
        cells.join(",")
    };
    let mut note = |buf: &FileBuf, line: u64, metric: &str, f: Fault| {
        manifest.push(ManifestEntry {
            file: buf.rel.clone(),
            line,
            region_code: code.clone(),
            year,
            metric: metric.to_string(),
            fault: f.name(),
            rule: f.rule(),
        })
    };
    let disclosed = c.known("requests.disclosed.natural_person");
    let counts: Vec<usize> = cells_of(format).filter(|&m| c.metric(m).kind == Kind::Count).collect();
    let target = counts[rng.usize(0..counts.len())];
    match fault {
        Some(Fault::Balance) => {
            values[disclosed] += 1.0;
            text[disclosed] = num(values[disclosed]);
        }
        Some(Fault::BadNumber) => text[target] = format!("{}x", text[target]),
        Some(Fault::Negative) => text[target] = "-5".into(),
        _ => {}
    }
    let closed = c.known("requests.closed_total.natural_person");
    match layout {
        LayoutChoice::Long => {
            let mut lines = vec![0u64; c.len()];
            for m in cells_of(format).map(|m| c.metric(m)) {
                lines[m.index] = buf.push(&format!("{prefix},{},{}", m.id, text[m.index]));
            }
            match fault {
                Some(Fault::Balance) => note(buf, lines[closed], &c.metric(closed).id, Fault::Balance),
                Some(f @ (Fault::BadNumber | Fault::Negative)) => {
                    note(buf, lines[target], &c.metric(target).id, f)
                }
                Some(Fault::UnknownMetric) => {
                    let line = buf.push(&format!("{prefix},requests.recieved.total,1"));
                    note(buf, line, "requests.recieved.total", Fault::UnknownMetric);
                }
                Some(Fault::Duplicate) => {
                    let line =
                        buf.push(&format!("{prefix},{},{}", c.metric(target).id, num(values[target] + 1.0)));
                    note(buf, lines[target], &c.metric(target).id, Fault::Duplicate);
                    note(buf, line, &c.metric(target).id, Fault::Duplicate);
                }
                None => {}
            }
        }
        LayoutChoice::Wide => {
            let line = buf.push(&format!("{prefix},{}", wide_row(&text)));
            match fault {
                Some(Fault::Balance) => note(buf, line, &c.metric(closed).id, Fault::Balance),
                Some(f @ (Fault::BadNumber | Fault::Negative | Fault::UnknownMetric)) => {
                    note(buf, line, &c.metric(target).id, f)
                }
                Some(Fault::Duplicate) => {
                    let mut other = text.clone();
                    other[target] = num(values[target] + 1.0);
                    let second = buf.push(&format!("{prefix},{}", wide_row(&other)));
                    note(buf, line, &c.metric(target).id, Fault::Duplicate);
                    note(buf, second, &c.metric(target).id, Fault::Duplicate);
                }
                None => {}
            }
        }
    }
}

fn group_name(code: u32) -> String {
    let name = regions().get(code).map(|r| r.name.as_str()).unwrap_or("");
    format!("{code:06}-{name}")
}

pub fn write_all(out: &Path, opts: &SynthOptions) -> Result<SynthSummary> {
    let anchors: HashMap<(u32, i32), &crate::model::Report> =
        opts.anchors.iter().map(|r| ((r.key.region, r.key.year), r)).collect();
    let mut groups: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for county in counties(&opts.regions) {
        groups.entry(group_of(county)).or_default().push(county);
    }
    std::fs::create_dir_all(out).at(out)?;
    let columns = wide_columns(opts.years);
    let head = header(opts.layout, &columns);
    let results: Vec<(SynthSummary, Vec<ManifestEntry>)> = groups
        .par_iter()
        .map(|(group, members)| -> Result<(SynthSummary, Vec<ManifestEntry>)> {
            let mut summary = SynthSummary::default();
            let mut manifest = Vec::new();
            let mut files: Vec<FileBuf> = Vec::new();
            let gname = group_name(*group);
            for &county in members {
                let name = regions().get(county).map(|r| r.name.clone()).unwrap_or_default();
                for body in bodies::of_county(county, &name, &opts.bodies, opts.seed) {
                    // The government's faults as before bodies existed; each other body's its own.
                    let mut fault_rng = match body.kind {
                        bodies::BodyKind::Government => {
                            fastrand::Rng::with_seed(opts.seed.rotate_left(17) ^ county as u64)
                        }
                        kind => fastrand::Rng::with_seed(
                            opts.seed.rotate_left(23)
                                ^ county as u64
                                ^ ((kind as u64) << 40)
                                ^ ((body.index as u64) << 48),
                        ),
                    };
                    for g in generate_body(county, &body, opts, &anchors) {
                        let rel = match (opts.files, body.kind) {
                            (FilesChoice::PerReport, bodies::BodyKind::Government) => {
                                format!("{gname}/{county:06}-{name}-{}.synthetic.csv", g.year)
                            }
                            (FilesChoice::PerReport, _) => {
                                format!("{gname}/{county:06}-{}-{}.synthetic.csv", body.name, g.year)
                            }
                            (FilesChoice::PerPrefecture, _) => format!("{gname}.synthetic.csv"),
                        };
                        if files.last().map(|f| f.rel != rel).unwrap_or(true) {
                            files.push(FileBuf::new(rel, &head));
                        }
                        let fault =
                            (fault_rng.f64() < opts.errors).then(|| Fault::pick(&mut fault_rng, opts.layout));
                        summary.faults += fault.is_some() as usize;
                        summary.reports += 1;
                        let buf = files.last_mut().expect("pushed above");
                        render(
                            buf,
                            opts.layout,
                            &columns,
                            county,
                            &body.name,
                            g.year,
                            g.format,
                            g.values,
                            fault,
                            &mut fault_rng,
                            &mut manifest,
                        );
                    }
                }
            }
            for f in &files {
                let path = out.join(&f.rel);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).at(parent)?;
                }
                summary.rows += (f.line - 2) as usize;
                let bytes = match opts.encoding {
                    EncodingChoice::Utf8 => f.text.as_bytes().to_vec(),
                    EncodingChoice::Gbk => encoding_rs::GB18030.encode(&f.text).0.into_owned(),
                };
                std::fs::write(&path, bytes).at(&path)?;
            }
            summary.files = files.len();
            Ok((summary, manifest))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut total = SynthSummary::default();
    let mut manifest = Vec::new();
    for (s, m) in results {
        total.files += s.files;
        total.reports += s.reports;
        total.rows += s.rows;
        total.faults += s.faults;
        manifest.extend(m);
    }
    manifest.sort();
    let mut text = String::from("file\tline\tregion_code\tyear\tmetric\tfault\trule\n");
    for e in &manifest {
        let _ = writeln!(
            text,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            e.file, e.line, e.region_code, e.year, e.metric, e.fault, e.rule
        );
    }
    if opts.errors > 0.0 {
        std::fs::write(out.join(MANIFEST), text).at(out.join(MANIFEST))?;
    }
    Ok(total)
}
