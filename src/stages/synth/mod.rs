//! `synth`: deterministic synthetic reports for real region codes, for demos, tests and benchmarks.
//! Every report satisfies every consistency rule (across years too); with `errors`, a known share of
//! reports carries one injected fault, listed in `synth-manifest.tsv` so tests can check each is found.
//! Files are named `*.synthetic.csv`: synthetic data never passes for real. Years 2019 and 2020 are
//! written on the 2019 table, later years on the 2021 one.

pub mod bodies;
pub mod faults;
pub mod profile;
pub mod write;

use crate::model::Report;
use crate::reference::catalog::{catalog, Format};
use crate::reference::regions::{regions, Level};
use crate::support::error::Result;
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LayoutChoice {
    Long,
    Wide,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FilesChoice {
    /// One file per report, in a folder per prefecture.
    PerReport,
    /// One file per prefecture with all its counties and years.
    PerPrefecture,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EncodingChoice {
    Utf8,
    Gbk,
}

#[derive(Debug, Clone)]
pub struct SynthOptions {
    /// Regions to cover (a county, or every county inside a prefecture or province); empty = nation.
    pub regions: Vec<u32>,
    pub years: (i32, i32),
    pub layout: LayoutChoice,
    pub files: FilesChoice,
    pub encoding: EncodingChoice,
    /// Share of reports given one injected fault.
    pub errors: f64,
    pub seed: u64,
    /// Real reports to keep: not generated, and their neighbour years agree with them (county
    /// governments' only).
    pub anchors: Vec<Report>,
    /// Which bodies report in every county: the government, departments, townships.
    pub bodies: bodies::Bodies,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SynthSummary {
    pub files: usize,
    pub reports: usize,
    pub rows: usize,
    pub faults: usize,
}

/// Every county-level unit inside the requested regions, sorted by code.
pub fn counties(wanted: &[u32]) -> Vec<u32> {
    let r = regions();
    r.iter()
        .filter(|x| x.level == Level::County)
        .filter(|x| wanted.is_empty() || r.chain(x.code).any(|a| wanted.contains(&a.code)))
        .map(|x| x.code)
        .collect()
}

/// The group a county's reports are filed under: its prefecture, or its province if it has none.
pub fn group_of(county: u32) -> u32 {
    let r = regions();
    r.prefecture_of(county).or_else(|| r.province_of(county)).map(|x| x.code).unwrap_or(county)
}

/// One generated report, before it is written.
pub struct Generated {
    pub county: u32,
    pub year: i32,
    /// The format of the year: 2019 and 2020 on the 2019 table.
    pub format: Format,
    pub values: Vec<f64>,
}

/// The random stream of a county's government: its profile, then its reports.
fn county_rng(county: u32, seed: u64) -> fastrand::Rng {
    fastrand::Rng::with_seed(seed ^ (county as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// All reports of one body of a county, in year order, anchors skipped (a government's only).
/// A department's or township's figures are the county government's profile scaled by the body's
/// `scale`, drawn from a stream of their own, so adding bodies leaves the government's reports as
/// they were.
pub fn generate_body(
    county: u32,
    body: &bodies::Body,
    opts: &SynthOptions,
    anchors: &HashMap<(u32, i32), &Report>,
) -> Vec<Generated> {
    let mut rng = county_rng(county, opts.seed);
    let mut p = profile::Profile::new(&mut rng);
    let no_anchors = HashMap::new();
    let anchors = if body.kind == bodies::BodyKind::Government {
        anchors
    } else {
        let kind = body.kind as u64 + 1;
        rng = fastrand::Rng::with_seed(
            county_rng(county, opts.seed).u64(..)
                ^ (kind << 56)
                ^ (body.index as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93),
        );
        p = p.scaled(body.scale, &mut rng);
        &no_anchors
    };
    let c = catalog();
    let f = c.form(Format::F2021);
    let mut state: Option<profile::State> = None;
    let mut out = Vec::new();
    for year in opts.years.0..=opts.years.1 {
        if let Some(real) = anchors.get(&(county, year)) {
            let forward = &f.matrix[f.carried_forward_row].cells;
            let mut cf = [0u64; 7];
            for (k, &m) in forward.iter().enumerate() {
                cf[k] = real.v(m) as u64;
            }
            state = Some(profile::State {
                carried_forward: cf,
                in_force: real.v(c.known("normative_docs.in_force")) as u64,
            });
            continue;
        }
        let target = anchors.get(&(county, year + 1)).map(|next| {
            let carried_in = &f.matrix[f.carried_in_row].cells;
            let mut cf = [0u64; 6];
            for (k, slot) in cf.iter_mut().enumerate() {
                *slot = next.v(carried_in[k]) as u64;
            }
            let n = |id: &str| next.v(c.known(id)) as i64;
            let in_force =
                n("normative_docs.in_force") - n("normative_docs.issued") + n("normative_docs.repealed");
            profile::Target { carried_forward: cf, in_force: in_force.max(0) as u64 }
        });
        let t = year - opts.years.0;
        let (mut values, next) = profile::report(&mut rng, &p, t, state.as_ref(), target.as_ref());
        let format = Format::for_year(year);
        if format == Format::F2019 {
            profile::to_2019(&mut rng, &p, t, &mut values);
        }
        state = Some(next);
        out.push(Generated { county, year, format, values });
    }
    out
}

pub fn synth(out: &Path, opts: &SynthOptions) -> Result<SynthSummary> {
    write::write_all(out, opts)
}
