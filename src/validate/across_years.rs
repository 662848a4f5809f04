//! R5: rules that join a report to the same region and body's report of the year before.
//! Warnings only: a body may restate last year's figures, and an analyst decides.
//!
//! R5a holds across the 2020→2021 change of format: 二、上年结转 and 四、结转下年度 are the same rows,
//! with the same ids, in both tables. R5b needs 现行有效件数, which the 2019 table does not have
//! (its 对外公开总数量 counts documents published, not in force), so it is checked only between two
//! 2021-format reports.

use super::consistency::Breach;
use super::finding::Rule;
use crate::catalog::{catalog, Format};
use crate::dataset::Report;

pub fn check_pair(prev: &Report, cur: &Report) -> Vec<Breach> {
    let c = catalog();
    let mut out = Vec::new();
    let (cur_form, prev_form) = (c.form(cur.format), c.form(prev.format));
    let carried_in = &cur_form.matrix[cur_form.carried_in_row];
    let forward = &prev_form.matrix[prev_form.carried_forward_row];
    for col in 0..7 {
        let this_in = cur.v(carried_in.cells[col]);
        let last_out = prev.v(forward.cells[col]);
        if this_in != last_out {
            out.push(Breach {
                rule: Rule::CarryOverAcrossYears,
                metric: carried_in.cells[col],
                expected: last_out,
                actual: this_in,
                message: format!(
                    "{}：本年 二、上年结转 {} 与 {} 年报告的 四、结转下年度继续办理 {} 不一致",
                    c.metric(carried_in.cells[col]).column_zh,
                    this_in,
                    prev.key.year,
                    last_out
                ),
            });
        }
    }
    if (prev.format, cur.format) != (Format::F2021, Format::F2021) {
        return out;
    }
    for item in ["regulations", "normative_docs"] {
        let id = |part: &str| c.expect(&format!("{item}.{part}"));
        let (in_force, issued, repealed) = (id("in_force"), id("issued"), id("repealed"));
        let expected = prev.v(in_force) + cur.v(issued) - cur.v(repealed);
        if cur.v(in_force) != expected {
            let label = c.metric(in_force).item_zh.rsplit('/').next().unwrap_or("");
            out.push(Breach {
                rule: Rule::InForceAcrossYears,
                metric: in_force,
                expected,
                actual: cur.v(in_force),
                message: format!(
                    "{label}：上年现行有效 {} + 本年制发 {} − 本年废止 {} = {expected}，但本年现行有效件数是 {}",
                    prev.v(in_force),
                    cur.v(issued),
                    cur.v(repealed),
                    cur.v(in_force)
                ),
            });
        }
    }
    out
}
