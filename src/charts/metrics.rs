//! What the charts show: the headline metrics with their Chinese labels and units, and the six
//! groups that the request outcomes (办理结果) fall into. Every id is in the harmonized set (see
//! `catalog::harmonized`) except the fee amount, which starts in 2021: a trend of a comparable
//! metric runs from 2019, the fee line from 2021, and no line borrows a value across formats.

/// How a metric's values read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// 件: whole numbers.
    Count,
    /// 万元.
    TenThousandYuan,
    /// A ratio 0–1, shown as a percentage.
    Ratio,
}

impl Unit {
    /// The unit as an axis title.
    pub fn axis(self) -> &'static str {
        match self {
            Unit::Count => "件",
            Unit::TenThousandYuan => "万元",
            Unit::Ratio => "%",
        }
    }

    /// An axis tick: ratios up to 100% only (the axis runs a little past it to leave room).
    pub fn tick(self, v: f64) -> String {
        match self {
            Unit::Count => group_thousands(v, 1),
            Unit::TenThousandYuan => group_thousands(v, 2),
            Unit::Ratio if v > 1.0 + 1e-9 => String::new(),
            Unit::Ratio => format!("{}%", group_thousands(v * 100.0, 0)),
        }
    }

    /// Top of a value axis whose largest value is `max`, with room for labels above it.
    pub fn axis_max(self, max: f64) -> f64 {
        match self {
            Unit::Ratio => 1.12,
            _ if max.is_finite() && max > 0.0 => max * 1.18,
            _ => 1.0,
        }
    }

    /// A value as printed on a bar, a point or an axis tick.
    pub fn format(self, v: f64) -> String {
        match self {
            Unit::Count => group_thousands(v.round(), 0),
            Unit::TenThousandYuan => group_thousands(v, 2),
            Unit::Ratio => format!("{:.1}%", v * 100.0),
        }
    }
}

/// `1234567.5` → `1,234,567.5`, with at most `decimals` decimals and no trailing zeros.
pub fn group_thousands(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let frac = frac.trim_end_matches('0');
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if v < 0.0 && out.chars().any(|c| c != '0' && c != '.' && c != ',') {
        out.insert(0, '-');
    }
    out
}

#[derive(Debug)]
pub struct Headline {
    /// Metric id in the rollup.
    pub id: &'static str,
    /// File-name part: `trend-<slug>.svg`.
    pub slug: &'static str,
    pub label: &'static str,
    pub unit: Unit,
}

impl Headline {
    /// Label with unit, for titles: 行政许可（件）, 公开率（%）.
    pub fn titled(&self) -> String {
        format!("{}（{}）", self.label, self.unit.axis())
    }
}

pub const HEADLINES: [Headline; 6] = [
    Headline { id: "licensing.decisions", slug: "licensing", label: "行政许可决定", unit: Unit::Count },
    Headline { id: "penalty.decisions", slug: "penalty", label: "行政处罚决定", unit: Unit::Count },
    Headline { id: "coercion.decisions", slug: "coercion", label: "行政强制决定", unit: Unit::Count },
    Headline { id: "fees.amount", slug: "fees", label: "行政事业性收费", unit: Unit::TenThousandYuan },
    Headline {
        id: "requests.received.total", slug: "requests", label: "本年新收申请", unit: Unit::Count
    },
    Headline {
        id: "requests.disclosure_rate",
        slug: "disclosure-rate",
        label: "申请公开率",
        unit: Unit::Ratio,
    },
];

/// One way a request was closed, and the `…total` metrics that add up to it.
#[derive(Debug)]
pub struct OutcomeGroup {
    pub label: &'static str,
    pub metrics: &'static [&'static str],
}

pub const OUTCOMES: [OutcomeGroup; 6] = [
    OutcomeGroup { label: "予以公开", metrics: &["requests.disclosed.total"] },
    OutcomeGroup { label: "部分公开", metrics: &["requests.partially_disclosed.total"] },
    OutcomeGroup {
        label: "不予公开",
        metrics: &[
            "requests.withheld.state_secret.total",
            "requests.withheld.prohibited_by_law.total",
            "requests.withheld.security_stability.total",
            "requests.withheld.third_party_rights.total",
            "requests.withheld.internal_affairs.total",
            "requests.withheld.process_info.total",
            "requests.withheld.enforcement_case_file.total",
            "requests.withheld.inquiry_matter.total",
        ],
    },
    OutcomeGroup {
        label: "无法提供",
        metrics: &[
            "requests.unavailable.not_held.total",
            "requests.unavailable.needs_creation.total",
            "requests.unavailable.unclear_after_correction.total",
        ],
    },
    OutcomeGroup {
        label: "不予处理",
        metrics: &[
            "requests.not_processed.petition.total",
            "requests.not_processed.duplicate.total",
            "requests.not_processed.publication.total",
            "requests.not_processed.excessive.total",
            "requests.not_processed.confirmation.total",
        ],
    },
    // The harmonized （六）: 2019's single row, or 2021's three sub-rows summed by the rollup, so the
    // group does not vanish from the 2019 and 2020 bars.
    OutcomeGroup { label: "其他处理", metrics: &["requests.other_total.total"] },
];

/// Every metric id the charts read, headline and outcome.
pub fn wanted() -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = HEADLINES.iter().map(|h| h.id).collect();
    ids.extend(OUTCOMES.iter().flat_map(|g| g.metrics.iter().copied()));
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_the_chinese_way() {
        assert_eq!(group_thousands(1234567.0, 0), "1,234,567");
        assert_eq!(group_thousands(12.5, 2), "12.5");
        assert_eq!(group_thousands(1000.0, 2), "1,000");
        assert_eq!(group_thousands(-1234.25, 2), "-1,234.25");
        assert_eq!(Unit::Ratio.format(0.8531), "85.3%");
        assert_eq!(Unit::Count.format(999.6), "1,000");
    }

    #[test]
    fn charts_read_only_harmonized_metrics_and_the_fee() {
        use crate::reference::catalog::harmonized::is_comparable;
        for id in wanted() {
            let indicator = crate::rollup::indicators::INDICATORS.iter().any(|i| i.id == id);
            assert!(is_comparable(id) || indicator || id == "fees.amount", "{id}");
        }
    }

    #[test]
    fn every_wanted_metric_is_in_the_catalog_or_an_indicator() {
        let n = crate::rollup::indicators::metric_count();
        let known: Vec<&str> = (0..n).map(crate::rollup::indicators::metric_id).collect();
        for id in wanted() {
            assert!(known.contains(&id), "{id}");
        }
    }
}
