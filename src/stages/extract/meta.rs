//! Region, year and reporting body from the report's title, e.g.
//! `岳普湖县人民政府2023年政府信息公开工作年度报告` (often split over two lines) or
//! `2023年岳普湖县人民政府政府信息公开工作年度报告`.

use super::cells::Cells;
use super::text::normalize;
use super::ExtractError;
use crate::reference::regions::{regions, Region};
use std::collections::HashMap;
use std::sync::OnceLock;

/// What the title says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title {
    pub body: String,
    pub year: Option<i32>,
}

/// Read the title from the first lines: they are joined until `…年度报告` appears, since a long title
/// wraps. `None` when no title is found near the top.
pub fn title(cells: &Cells) -> Option<Title> {
    let mut joined = String::new();
    let mut rows_seen = 0;
    let mut last_row = None;
    for cell in &cells.cells {
        if last_row != Some(cell.row) {
            rows_seen += 1;
            last_row = Some(cell.row);
        }
        if rows_seen > 6 {
            break;
        }
        joined.push_str(&normalize(&cell.text));
        if let Some(end) = joined.find("年度报告") {
            return parse_title(&joined[..end]);
        }
    }
    None
}

/// `head` is the title up to `年度报告`.
fn parse_title(head: &str) -> Option<Title> {
    let cut = head.rfind("信息公开").map(|i| &head[..i])?;
    let cut = cut.strip_suffix("政府").unwrap_or(cut);
    // The year: four digits followed by 年 (or 年度).
    let chars: Vec<(usize, char)> = cut.char_indices().collect();
    let mut year = None;
    let mut body = cut.to_string();
    for w in 0..chars.len().saturating_sub(4) {
        let digits = &chars[w..w + 4];
        if digits.iter().all(|(_, c)| c.is_ascii_digit()) && chars.get(w + 4).map(|x| x.1) == Some('年') {
            let start = digits[0].0;
            let mut end = chars[w + 4].0 + '年'.len_utf8();
            if cut[end..].starts_with('度') {
                end += '度'.len_utf8();
            }
            year = cut[start..start + 4].parse().ok();
            body = format!("{}{}", &cut[..start], &cut[end..]);
            break;
        }
    }
    let body = body.trim_start_matches("关于").trim_end_matches(['的', '（', '(']).to_string();
    if body.is_empty() && year.is_none() {
        return None;
    }
    Some(Title { body, year })
}

fn by_name() -> &'static HashMap<&'static str, Vec<&'static Region>> {
    static INDEX: OnceLock<HashMap<&'static str, Vec<&'static Region>>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut m: HashMap<&'static str, Vec<&'static Region>> = HashMap::new();
        for r in regions().iter() {
            m.entry(r.name.as_str()).or_default().push(r);
        }
        m
    })
}

/// The region a body name starts with, descending through nested names (`新疆维吾尔自治区喀什地区
/// 岳普湖县…`, `北京市朝阳区…`) so that a parent settles which 朝阳区 is meant.
pub fn region_of_body(body: &str) -> Result<&'static Region, ExtractError> {
    let index = by_name();
    let mut rest = body;
    let mut current: Vec<&'static Region> = Vec::new();
    loop {
        let mut found = None;
        for (end, _) in
            rest.char_indices().skip(2).chain([(rest.len(), ' ')]).collect::<Vec<_>>().into_iter().rev()
        {
            let Some(cands) = index.get(&rest[..end]) else { continue };
            let inside: Vec<&Region> = if current.is_empty() {
                cands.clone()
            } else {
                cands
                    .iter()
                    .copied()
                    .filter(|r| regions().chain(r.code).any(|a| current.iter().any(|c| c.code == a.code)))
                    .collect()
            };
            if !inside.is_empty() {
                found = Some((inside, end));
                break;
            }
        }
        match found {
            Some((inside, end)) => {
                current = inside;
                rest = &rest[end..];
            }
            None => break,
        }
    }
    match current.len() {
        0 => Err(ExtractError::NoRegion { body: body.to_string() }),
        1 => Ok(current[0]),
        _ => Err(ExtractError::AmbiguousRegion {
            name: current[0].name.clone(),
            candidates: current
                .iter()
                .map(|r| {
                    let parent =
                        r.parent.and_then(|p| regions().get(p)).map(|p| p.name.as_str()).unwrap_or("");
                    format!("{} {}{}", r.code_str(), parent, r.name)
                })
                .collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::extract::cells::from_text;

    #[test]
    fn title_split_over_two_lines() {
        let t = title(&from_text("岳普湖县人民政府2023年政府信息公开工作\n年度报告\n\n正文")).unwrap();
        assert_eq!(t, Title { body: "岳普湖县人民政府".into(), year: Some(2023) });
        let t = title(&from_text("2022年度岳普湖县人民政府政府信息公开工作年度报告")).unwrap();
        assert_eq!(t, Title { body: "岳普湖县人民政府".into(), year: Some(2022) });
        assert_eq!(title(&from_text("无标题\n正文")), None);
    }

    #[test]
    fn regions_from_bodies() {
        assert_eq!(region_of_body("岳普湖县人民政府").unwrap().code, 653128);
        assert_eq!(region_of_body("喀什地区行政公署").unwrap().code, 653100);
        assert_eq!(region_of_body("岳普湖县教育局").unwrap().code, 653128);
        assert_eq!(region_of_body("北京市朝阳区人民政府").unwrap().code, 110105);
        match region_of_body("朝阳区人民政府") {
            Err(ExtractError::AmbiguousRegion { name, candidates }) => {
                assert_eq!(name, "朝阳区");
                assert!(candidates.len() >= 2, "{candidates:?}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(region_of_body("某某单位"), Err(ExtractError::NoRegion { .. })));
    }
}
