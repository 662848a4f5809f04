//! The format's own equations (勾稽关系 R1–R4) over one report, against the table of the report's
//! format (the 2019 table's （六）其他处理 is one row where 2021 has three). A pure function of the
//! model: validate turns its breaches into findings, and the extractor uses it to judge what it read.

use super::finding::Rule;
use super::report::Report;
use crate::reference::catalog::{catalog, APPLICANTS};

/// A rule broken inside a report, before it is placed at a file and line.
#[derive(Debug, Clone, PartialEq)]
pub struct Breach {
    pub rule: Rule,
    /// The cell the finding points at (the total the parts should add up to).
    pub metric: usize,
    pub expected: f64,
    pub actual: f64,
    pub message: String,
}

fn applicant_zh(col: usize) -> &'static str {
    ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他（法人或其他组织）", "总计"][col]
}

pub fn num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

pub fn check_report(r: &Report) -> Vec<Breach> {
    let c = catalog().form(r.format);
    let mut out = Vec::new();
    let row = |i: usize| &c.matrix[i];
    for col in 0..APPLICANTS.len() {
        // R1: 一 + 二 = 三（七） + 四, per column.
        let received = r.v(row(c.received_row).cells[col]);
        let carried_in = r.v(row(c.carried_in_row).cells[col]);
        let closed = r.v(row(c.closed_total_row).cells[col]);
        let forward = r.v(row(c.carried_forward_row).cells[col]);
        if received + carried_in != closed + forward {
            out.push(Breach {
                rule: Rule::RequestBalance,
                metric: row(c.closed_total_row).cells[col],
                expected: received + carried_in,
                actual: closed + forward,
                message: format!(
                    "{}列：一、本年新收 {} + 二、上年结转 {} = {}，应等于 三、（七）总计 {} + 四、结转下年度 {} = {}",
                    applicant_zh(col),
                    num(received),
                    num(carried_in),
                    num(received + carried_in),
                    num(closed),
                    num(forward),
                    num(closed + forward)
                ),
            });
        }
        // R2: （七）总计 = sum of the result rows, per column.
        let parts: f64 = c.result_rows.iter().map(|&i| r.v(row(i).cells[col])).sum();
        if parts != closed {
            out.push(Breach {
                rule: Rule::ResultsTotal,
                metric: row(c.closed_total_row).cells[col],
                expected: parts,
                actual: closed,
                message: format!(
                    "{}列：三、本年度办理结果（一）至（六）各项之和为 {}，但（七）总计填的是 {}",
                    applicant_zh(col),
                    num(parts),
                    num(closed)
                ),
            });
        }
    }
    // R3: 总计 = the six applicant columns, per row.
    for mrow in &c.matrix {
        let parts: f64 = mrow.cells[..6].iter().map(|&m| r.v(m)).sum();
        let total = r.v(mrow.cells[6]);
        if parts != total {
            out.push(Breach {
                rule: Rule::RowTotal,
                metric: mrow.cells[6],
                expected: parts,
                actual: total,
                message: format!(
                    "“{}” 这一行：自然人与法人或其他组织五列之和为 {}，但总计填的是 {}",
                    mrow.item_zh,
                    num(parts),
                    num(total)
                ),
            });
        }
    }
    // R4: 复议/诉讼 总计 = 维持 + 纠正 + 其他 + 尚未审结.
    for g in &c.appeal_groups {
        let parts: f64 = g.parts.iter().map(|&m| r.v(m)).sum();
        let total = r.v(g.total);
        if parts != total {
            out.push(Breach {
                rule: Rule::AppealTotal,
                metric: g.total,
                expected: parts,
                actual: total,
                message: format!(
                    "{}：结果维持 + 结果纠正 + 其他结果 + 尚未审结 = {}，但总计填的是 {}",
                    g.name_zh,
                    num(parts),
                    num(total)
                ),
            });
        }
    }
    out
}
