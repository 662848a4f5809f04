//! Derived indicators: ratios computed from the summed parts at every level (a ratio of sums, never
//! a sum or a mean of ratios), null where the denominator is 0.

use crate::reference::catalog::catalog;

pub struct Indicator {
    pub id: &'static str,
    pub label_zh: &'static str,
    /// Catalog ids whose sums are added up for the numerator.
    pub numerator: &'static [&'static str],
    pub denominator: &'static str,
}

pub const INDICATORS: [Indicator; 5] = [
    Indicator {
        id: "requests.disclosure_rate",
        label_zh: "公开率：（予以公开 + 部分公开）÷ 办理结果总计",
        numerator: &["requests.disclosed.total", "requests.partially_disclosed.total"],
        denominator: "requests.closed_total.total",
    },
    Indicator {
        id: "requests.org_share",
        label_zh: "本年新收申请中法人或其他组织所占比例",
        numerator: &[
            "requests.received.commercial",
            "requests.received.research",
            "requests.received.social_welfare",
            "requests.received.legal_services",
            "requests.received.other_org",
        ],
        denominator: "requests.received.total",
    },
    Indicator {
        id: "review.correction_rate",
        label_zh: "行政复议纠错率：结果纠正 ÷ 总计",
        numerator: &["review.corrected"],
        denominator: "review.total",
    },
    Indicator {
        id: "litigation_direct.correction_rate",
        label_zh: "未经复议直接起诉纠错率：结果纠正 ÷ 总计",
        numerator: &["litigation_direct.corrected"],
        denominator: "litigation_direct.total",
    },
    Indicator {
        id: "litigation_after_review.correction_rate",
        label_zh: "复议后起诉纠错率：结果纠正 ÷ 总计",
        numerator: &["litigation_after_review.corrected"],
        denominator: "litigation_after_review.total",
    },
];

/// Metric number of an indicator: they follow the catalog's metrics.
pub fn indicator_index(i: usize) -> usize {
    catalog().len() + i
}

/// Id of any metric number, catalog metric or indicator.
pub fn metric_id(m: usize) -> &'static str {
    let c = catalog();
    if m < c.len() {
        c.metric(m).id.as_str()
    } else {
        INDICATORS[m - c.len()].id
    }
}

pub fn metric_count() -> usize {
    catalog().len() + INDICATORS.len()
}

/// Metric number of any metric or indicator id.
pub fn metric_number(id: &str) -> Option<u32> {
    static NUMBERS: std::sync::OnceLock<crate::support::hash::HashMap<&'static str, u32>> =
        std::sync::OnceLock::new();
    NUMBERS.get_or_init(|| (0..metric_count()).map(|m| (metric_id(m), m as u32)).collect()).get(id).copied()
}
