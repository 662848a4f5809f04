//! Which charts to draw: for every prefecture and province in scope that has child regions in the
//! rollup, a trend, a comparison and a year-over-year chart per headline metric, and one chart of
//! request outcomes. Each job carries the data it draws, so rendering needs nothing else.

use super::compare::Compare;
use super::data::{ChartData, RegionData};
use super::metrics::{Headline, Unit, HEADLINES, OUTCOMES};
use super::outcomes::Outcomes;
use super::render::Spec;
use super::trend::{Series, Trend};
use super::yoy::Yoy;
use crate::reference::regions::{regions, Level};
use rayon::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Trend,
    Compare,
    Yoy,
    Outcomes,
}

impl Kind {
    /// Section heading on the overview page.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Trend => "历年趋势",
            Kind::Compare => "下级区划比较",
            Kind::Yoy => "同比变化",
            Kind::Outcomes => "依申请公开办理结果",
        }
    }
}

#[derive(Debug)]
pub struct Job {
    pub region_code: u32,
    pub region_name: String,
    /// Folder under `charts/`: `653100-喀什地区`.
    pub dir: String,
    /// File name without extension: `trend-licensing`.
    pub stem: String,
    pub kind: Kind,
    pub spec: Spec,
}

/// Regions to chart, by code: every prefecture and province with children in the rollup; with
/// `region`, that prefecture, that province and its prefectures, or the prefecture of that county.
pub fn parents(data: &ChartData, region: Option<u32>) -> Vec<u32> {
    let has_children = |code: u32| !data.children(code).is_empty();
    let charted =
        |r: &RegionData| matches!(r.level, Level::Prefecture | Level::Province) && has_children(r.code);
    let mut codes: Vec<u32> = match region {
        None => data.regions.values().filter(|r| charted(r)).map(|r| r.code).collect(),
        Some(code) => {
            let level = regions().get(code).map(|r| r.level);
            let mut wanted = vec![code];
            match level {
                Some(Level::Province) => {
                    wanted.extend(data.regions.values().filter(|r| r.parent == Some(code)).map(|r| r.code))
                }
                Some(Level::County) => {
                    wanted = regions().get(code).and_then(|r| r.parent).into_iter().collect()
                }
                _ => {}
            }
            wanted.into_iter().filter(|c| data.get(*c).is_some_and(charted)).collect()
        }
    };
    codes.sort_unstable();
    codes.dedup();
    codes
}

/// What the children of a region are called in a title.
fn child_noun(level: Level) -> &'static str {
    match level {
        Level::Province => "市（州、地区）",
        _ => "县（市、区）",
    }
}

/// The charts of every region in `parents`, in that order; the regions are planned in parallel.
pub fn jobs(data: &ChartData, parents: &[u32]) -> Vec<Job> {
    parents.par_iter().flat_map_iter(|&code| jobs_of(data, code)).collect()
}

fn jobs_of(data: &ChartData, code: u32) -> Vec<Job> {
    let mut out = Vec::new();
    let Some(parent) = data.get(code) else { return out };
    let children = data.children(code);
    let job = |stem: String, kind: Kind, spec: Spec| Job {
        region_code: code,
        region_name: parent.name.clone(),
        dir: parent.dir_name(),
        stem,
        kind,
        spec,
    };
    for h in &HEADLINES {
        if let Some(spec) = trend(data, parent, &children, h) {
            out.push(job(format!("trend-{}", h.slug), Kind::Trend, spec));
        }
        if let Some(spec) = compare(parent, &children, h) {
            out.push(job(format!("compare-{}", h.slug), Kind::Compare, spec));
        }
        if let Some(spec) = yoy(parent, &children, h) {
            out.push(job(format!("yoy-{}", h.slug), Kind::Yoy, spec));
        }
    }
    if let Some(spec) = outcomes(parent, &children) {
        out.push(job("outcomes".into(), Kind::Outcomes, spec));
    }
    out
}

fn series(r: &RegionData, h: &Headline) -> Series {
    let points = r.years(h.id).into_iter().filter_map(|y| r.value(h.id, y).map(|v| (y, v))).collect();
    Series { name: r.name.clone(), points }
}

fn trend(data: &ChartData, parent: &RegionData, children: &[&RegionData], h: &Headline) -> Option<Spec> {
    let total = series(parent, h);
    let children: Vec<Series> = children.iter().map(|c| series(c, h)).collect();
    let years = total.points.iter().chain(children.iter().flat_map(|s| s.points.iter())).map(|p| p.0);
    let (first, last) = (years.clone().min()?, years.max()?);
    let span = if first == last { format!("{first}年") } else { format!("{first}–{last}年") };
    // The years whose total leaves out county-level units without a government report.
    let partial = total
        .points
        .iter()
        .filter_map(|p| {
            let &(reported, expected) = data.coverage.get(&(parent.code, p.0))?;
            (reported < expected).then_some((p.0, reported, expected))
        })
        .collect();
    Some(Spec::Trend(Trend {
        title: format!("{} {} · {span}", parent.name, h.titled()),
        unit: h.unit,
        total,
        children,
        child_noun: child_noun(parent.level),
        // One year alone still needs an axis of two.
        years: (first.min(last - 1), last),
        partial,
    }))
}

fn latest(parent: &RegionData, id: &'static str) -> Option<i32> {
    parent.years(id).last().copied()
}

fn compare(parent: &RegionData, children: &[&RegionData], h: &Headline) -> Option<Spec> {
    let year = latest(parent, h.id)?;
    Some(Spec::Compare(Compare {
        title: format!("{}各{}{} · {year}年", parent.name, child_noun(parent.level), h.titled()),
        unit: h.unit,
        bars: children.iter().map(|c| (c.name.clone(), c.value(h.id, year))).collect(),
    }))
}

fn yoy(parent: &RegionData, children: &[&RegionData], h: &Headline) -> Option<Spec> {
    let year = latest(parent, h.id)?;
    let before = |r: &RegionData| r.value(h.id, year - 1).is_some();
    if !before(parent) && !children.iter().any(|c| before(c)) {
        return None;
    }
    let ratio = h.unit == Unit::Ratio;
    let change = |r: &RegionData| {
        let p = r.point(h.id, year)?;
        if ratio {
            p.yoy_change.map(|v| v * 100.0)
        } else {
            p.yoy_pct
        }
    };
    Some(Spec::Yoy(Yoy {
        title: format!(
            "{}各{}{}同比变化 · {year}年较{}年",
            parent.name,
            child_noun(parent.level),
            h.label,
            year - 1
        ),
        unit_label: if ratio { "百分点" } else { "%" },
        bars: children.iter().map(|c| (c.name.clone(), change(c))).collect(),
    }))
}

fn outcomes(parent: &RegionData, children: &[&RegionData]) -> Option<Spec> {
    let ids = || OUTCOMES.iter().flat_map(|g| g.metrics.iter().copied());
    let year = ids().filter_map(|id| latest(parent, id)).max()?;
    let counts = |r: &RegionData| {
        let mut out = [0.0; 6];
        for (slot, g) in out.iter_mut().zip(&OUTCOMES) {
            *slot = g.metrics.iter().filter_map(|id| r.value(id, year)).sum();
        }
        out
    };
    let mut rows = vec![(format!("{}合计", parent.name), counts(parent))];
    rows.extend(children.iter().map(|c| (c.name.clone(), counts(c))));
    Some(Spec::Outcomes(Outcomes {
        title: format!("{}各{}依申请公开办理结果 · {year}年", parent.name, child_noun(parent.level)),
        rows,
    }))
}
