//! Charts: for each prefecture and province, trends over the years, comparisons of the child
//! regions, year-over-year change and request outcomes, drawn with plotters as SVG and PNG with a
//! bundled CJK font; and `index.html`, one static page listing them beside the run summary and the
//! findings. Reads `parquet/rollup`; writes `charts/` and `index.html`.

mod backend;
mod bars;
pub mod compare;
pub mod data;
pub mod html;
pub mod load;
pub mod metrics;
pub mod outcomes;
pub mod plan;
pub mod render;
pub mod reuse;
pub mod style;
pub mod trend;
pub mod yoy;

use crate::support::error::{IoContext, Result};
use plan::Kind;
use rayon::prelude::*;
pub use render::Format;
use std::path::Path;

/// What `plot` publishes, relative to the output folder.
pub const PRODUCTS: [&str; 2] = ["charts", "index.html"];

#[derive(Debug, Clone)]
pub struct PlotOptions {
    /// A prefecture, a province (with its prefectures) or a county (its prefecture); all if none.
    pub region: Option<u32>,
    pub formats: Vec<Format>,
}

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions { region: None, formats: vec![Format::Svg, Format::Png] }
    }
}

/// One chart, in every format drawn.
#[derive(Debug, Clone)]
pub struct ChartFile {
    pub region_code: u32,
    pub region_name: String,
    pub kind: Kind,
    pub title: String,
    /// `653100-喀什地区/trend-licensing`, relative to `charts/`, without extension.
    pub path: String,
    pub formats: Vec<Format>,
}

/// Draw every chart in scope from `rollup_dir` into `charts_dir`, in parallel, one task per file.
/// With `previous` (the published `charts/`), a chart whose digest is unchanged is linked from
/// there instead of being drawn (`reuse`).
pub fn draw_all(
    rollup_dir: &Path,
    charts_dir: &Path,
    opts: &PlotOptions,
    previous: Option<&Path>,
) -> Result<Vec<ChartFile>> {
    crate::support::timing::mark(|| "charts: start".into());
    backend::font::register()?;
    let data = data::ChartData::read(rollup_dir)?;
    crate::support::timing::mark(|| "charts: rollup read".into());
    let jobs = plan::jobs(&data, &plan::parents(&data, opts.region));
    crate::support::timing::mark(|| format!("charts: {} planned", jobs.len()));
    let mut formats = opts.formats.clone();
    formats.sort_unstable();
    formats.dedup();
    std::fs::create_dir_all(charts_dir).at(charts_dir)?;
    let mut dirs: Vec<&str> = jobs.iter().map(|j| j.dir.as_str()).collect();
    dirs.dedup();
    for d in dirs {
        let dir = charts_dir.join(d);
        std::fs::create_dir_all(&dir).at(&dir)?;
    }
    let spec_digests: Vec<[u8; 32]> = jobs.par_iter().map(reuse::spec_digest).collect();
    let tasks: Vec<(&plan::Job, &[u8; 32], Format)> =
        jobs.iter().zip(&spec_digests).flat_map(|(j, d)| formats.iter().map(move |f| (j, d, *f))).collect();
    let published = previous.map(reuse::Published::open);
    let mut digests: Vec<(String, String)> = tasks
        .par_iter()
        .map(|(job, spec_digest, format)| {
            let rel = format!("{}/{}.{}", job.dir, job.stem, format.ext());
            let path = charts_dir.join(&rel);
            let digest = reuse::digest(spec_digest, *format, &rel);
            if !published.as_ref().is_some_and(|p| p.keep(&rel, &digest, &path)) {
                render::write(&job.spec, &path, *format)?;
            }
            Ok((rel, digest))
        })
        .collect::<Result<_>>()?;
    crate::support::timing::mark(|| "charts: drawn".into());
    reuse::write_digests(charts_dir, &mut digests)?;
    Ok(jobs
        .iter()
        .map(|j| ChartFile {
            region_code: j.region_code,
            region_name: j.region_name.clone(),
            kind: j.kind,
            title: j.spec.title().to_string(),
            path: format!("{}/{}", j.dir, j.stem),
            formats: formats.clone(),
        })
        .collect())
}
