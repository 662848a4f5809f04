//! `xxgk brief`: the briefing workbook an analyst hands up, written from the published rollup of an
//! output folder, for one region and year.
//!
//! Sheets, in Chinese: 概览 (each child region's headline metrics with 同比, rank and share of the
//! region's total), 申请办理 (how requests were closed, per child), 历年趋势 (years × children for
//! each headline metric), 未报送 (county-level units under the region without a report that year),
//! 校验发现 (the findings of the region's reports that year) and 图表 (the region's PNG charts).
//!
//! Numbers are stored as numbers with number formats (thousands separators, `0.0%`), never as text,
//! so that the analyst can sum and chart them; the value in a cell is the rollup's value. Headers
//! are frozen, columns sized to their text by display width (a Chinese character is two columns).
//!
//! 未报送 is worked out here: the output folder has no coverage table yet, so the expected units
//! are the county-level regions of the 民政部 table under the region, and a unit has reported when
//! the rollup has any value for it that year. The sheet says so in its first row.

use super::{atomic_write, Error};
use crate::charts::data::{ChartData, RegionData};
use crate::charts::metrics::{wanted, Unit, HEADLINES, OUTCOMES};
use crate::reference::regions::{regions, Level};
use rust_xlsxwriter::{Format as Style, FormatAlign, FormatBorder, Image, Workbook, Worksheet};
use std::path::{Path, PathBuf};
use unicode_width::UnicodeWidthStr;

#[derive(Debug, Clone)]
pub struct BriefOptions {
    /// The output folder of `xxgk run` (holding `parquet/rollup`, `validation/`, `charts/`).
    pub out: PathBuf,
    pub region: u32,
    pub year: i32,
}

/// What the brief holds, for the command's message and the tests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BriefSummary {
    pub children: usize,
    pub missing: usize,
    pub findings: usize,
    pub charts: usize,
}

/// The default file name: `653100-喀什地区-2024-简报.xlsx`.
pub fn default_name(region: u32, name: &str, year: i32) -> String {
    format!("{region:06}-{name}-{year}-简报.xlsx")
}

struct Styles {
    title: Style,
    header: Style,
    text: Style,
    count: Style,
    amount: Style,
    pct: Style,
    note: Style,
    total: Style,
}

fn styles() -> Styles {
    let b = |s: Style| s.set_border(FormatBorder::Thin);
    Styles {
        title: Style::new().set_bold().set_font_size(14),
        header: b(Style::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_background_color(0xDDEBF7)),
        text: b(Style::new()),
        count: b(Style::new().set_num_format("#,##0")),
        amount: b(Style::new().set_num_format("#,##0.00")),
        pct: b(Style::new().set_num_format("0.0%")),
        note: Style::new().set_italic().set_font_color(0x595959),
        total: b(Style::new().set_bold()),
    }
}

/// Widths by display width: each column as wide as its widest text, within 8 and 40.
#[derive(Default)]
struct Widths(Vec<usize>);

impl Widths {
    fn see(&mut self, col: u16, text: &str) {
        let c = col as usize;
        if self.0.len() <= c {
            self.0.resize(c + 1, 0);
        }
        self.0[c] = self.0[c].max(text.width());
    }

    fn apply(&self, ws: &mut Worksheet) -> Result<(), Error> {
        for (c, w) in self.0.iter().enumerate() {
            ws.set_column_width(c as u16, (*w as f64 + 2.0).clamp(8.0, 40.0))?;
        }
        Ok(())
    }
}

fn unit_style(st: &Styles, unit: Unit) -> &Style {
    match unit {
        Unit::Count => &st.count,
        Unit::TenThousandYuan => &st.amount,
        Unit::Ratio => &st.pct,
    }
}

/// Landscape A4, one page wide: the brief is printed and handed up.
/// A new sheet named `name`, set up to print landscape on A4, as wide as one page.
fn sheet<'a>(wb: &'a mut Workbook, name: &str) -> Result<&'a mut Worksheet, Error> {
    let ws = wb.add_worksheet();
    ws.set_name(name)?;
    ws.set_landscape().set_paper_size(9).set_print_fit_to_pages(1, 0);
    Ok(ws)
}

fn put(ws: &mut Worksheet, row: u32, col: u16, v: Option<f64>, style: &Style) -> Result<(), Error> {
    match v {
        Some(v) if v.is_finite() => ws.write_number_with_format(row, col, v, style)?,
        _ => ws.write_blank(row, col, style)?,
    };
    Ok(())
}

fn text(ws: &mut Worksheet, w: &mut Widths, row: u32, col: u16, s: &str, style: &Style) -> Result<(), Error> {
    ws.write_string_with_format(row, col, s, style)?;
    w.see(col, s);
    Ok(())
}

/// A row's region in the first two columns: its code and its name, the sheet's own region (its
/// first row) named as the total of its children.
fn region_cells(
    ws: &mut Worksheet,
    w: &mut Widths,
    row: u32,
    r: &RegionData,
    is_total: bool,
    style: &Style,
) -> Result<(), Error> {
    text(ws, w, row, 0, &format!("{:06}", r.code), style)?;
    let name = if is_total { format!("{}（合计）", r.name) } else { r.name.clone() };
    text(ws, w, row, 1, &name, style)
}

/// The rank of `v` among `all` (1 = largest); none without a value.
fn rank(v: Option<f64>, all: &[Option<f64>]) -> Option<f64> {
    let v = v?;
    Some(1.0 + all.iter().flatten().filter(|&&o| o > v).count() as f64)
}

/// Write the brief to `path`; the rollup must hold the region.
pub fn write_brief(opts: &BriefOptions, path: &Path) -> Result<BriefSummary, Error> {
    let (bytes, summary) = brief_bytes(opts)?;
    atomic_write(path, &bytes)?;
    Ok(summary)
}

pub fn brief_bytes(opts: &BriefOptions) -> Result<(Vec<u8>, BriefSummary), Error> {
    let data = ChartData::read(&opts.out.join("parquet/rollup"))?;
    let region = data.get(opts.region).ok_or_else(|| {
        Error::Usage(format!(
            "region {:06} is not in the rollup of {}: is it in the input, and was `xxgk run` run?",
            opts.region,
            opts.out.display()
        ))
    })?;
    let mut children: Vec<&RegionData> = data.children(opts.region);
    children.sort_by_key(|r| r.code);
    let year = opts.year;
    let st = styles();
    let mut wb = Workbook::new();
    let mut summary = BriefSummary { children: children.len(), ..Default::default() };
    let title = format!("{}{year}年政府信息公开工作年度报告数据简报", region.name);

    // 概览.
    {
        let ws = sheet(&mut wb, "概览")?;
        let mut w = Widths::default();
        ws.write_string_with_format(0, 0, &title, &st.title)?;
        ws.write_string_with_format(
            1,
            0,
            format!("来源：{}/parquet/rollup（xxgk 汇总）；同比为与上年相比的增减百分比，排名按数值从大到小，占比为占{}合计的比重", opts.out.display(), region.name),
            &st.note,
        )?;
        let (h0, h1) = (3u32, 4u32);
        ws.merge_range(h0, 0, h1, 0, "区划代码", &st.header)?;
        ws.merge_range(h0, 1, h1, 1, "地区", &st.header)?;
        let mut col = 2u16;
        let mut layout = Vec::new();
        for h in &HEADLINES {
            let parts: &[&str] = if h.unit == Unit::Ratio {
                &["数值", "同比", "排名"]
            } else {
                &["数值", "同比", "排名", "占比"]
            };
            ws.merge_range(h0, col, h0, col + parts.len() as u16 - 1, &h.titled(), &st.header)?;
            for (i, p) in parts.iter().enumerate() {
                ws.write_string_with_format(h1, col + i as u16, *p, &st.header)?;
            }
            layout.push((h, col, parts.len()));
            col += parts.len() as u16;
        }
        let rows: Vec<&RegionData> = std::iter::once(region).chain(children.iter().copied()).collect();
        for (i, r) in rows.iter().enumerate() {
            let row = h1 + 1 + i as u32;
            let name_style = if i == 0 { &st.total } else { &st.text };
            region_cells(ws, &mut w, row, r, i == 0, name_style)?;
            for &(h, c0, n) in &layout {
                let point = r.point(h.id, year).copied().unwrap_or_default();
                put(ws, row, c0, point.value, unit_style(&st, h.unit))?;
                put(ws, row, c0 + 1, point.yoy_pct.map(|p| p / 100.0), &st.pct)?;
                let all: Vec<Option<f64>> = children.iter().map(|c| c.value(h.id, year)).collect();
                put(ws, row, c0 + 2, if i == 0 { None } else { rank(point.value, &all) }, &st.count)?;
                if n == 4 {
                    let total = region.value(h.id, year).filter(|t| *t != 0.0);
                    let share = match (point.value, total) {
                        (Some(v), Some(t)) => Some(v / t),
                        _ => None,
                    };
                    put(ws, row, c0 + 3, share, &st.pct)?;
                }
            }
        }
        w.see(0, "区划代码");
        w.apply(ws)?;
        for c in 2..col {
            ws.set_column_width(c, 11.0)?;
        }
        ws.set_freeze_panes(h1 + 1, 2)?;
    }

    // 申请办理.
    {
        let ws = sheet(&mut wb, "申请办理")?;
        let mut w = Widths::default();
        ws.write_string_with_format(
            0,
            0,
            format!("{}{year}年 政府信息公开申请办理结果（件）", region.name),
            &st.title,
        )?;
        let h = 2u32;
        let mut headers = vec!["区划代码", "地区"];
        headers.extend(OUTCOMES.iter().map(|g| g.label));
        headers.extend(["办结合计", "申请公开率"]);
        for (c, t) in headers.iter().enumerate() {
            text(ws, &mut w, h, c as u16, t, &st.header)?;
        }
        let rows: Vec<&RegionData> = std::iter::once(region).chain(children.iter().copied()).collect();
        for (i, r) in rows.iter().enumerate() {
            let row = h + 1 + i as u32;
            region_cells(ws, &mut w, row, r, i == 0, &st.text)?;
            let mut total: Option<f64> = None;
            for (g, group) in OUTCOMES.iter().enumerate() {
                let vals: Vec<f64> = group.metrics.iter().filter_map(|m| r.value(m, year)).collect();
                let v = (!vals.is_empty()).then(|| vals.iter().sum::<f64>());
                if let Some(v) = v {
                    total = Some(total.unwrap_or(0.0) + v);
                }
                put(ws, row, 2 + g as u16, v, &st.count)?;
            }
            put(ws, row, 2 + OUTCOMES.len() as u16, total, &st.count)?;
            put(ws, row, 3 + OUTCOMES.len() as u16, r.value("requests.disclosure_rate", year), &st.pct)?;
        }
        w.apply(ws)?;
        ws.set_freeze_panes(h + 1, 2)?;
    }

    // 历年趋势.
    {
        let ws = sheet(&mut wb, "历年趋势")?;
        let mut w = Widths::default();
        ws.write_string_with_format(0, 0, format!("{} 历年趋势（各年度数值）", region.name), &st.title)?;
        let rows: Vec<&RegionData> = std::iter::once(region).chain(children.iter().copied()).collect();
        let mut row = 2u32;
        for h in &HEADLINES {
            let mut years: Vec<i32> =
                rows.iter().flat_map(|r| r.years(h.id)).filter(|y| *y <= year).collect();
            years.sort();
            years.dedup();
            ws.merge_range(row, 0, row, 1 + years.len().max(1) as u16, &h.titled(), &st.header)?;
            row += 1;
            text(ws, &mut w, row, 0, "区划代码", &st.header)?;
            text(ws, &mut w, row, 1, "地区", &st.header)?;
            for (i, y) in years.iter().enumerate() {
                text(ws, &mut w, row, 2 + i as u16, &format!("{y}年"), &st.header)?;
            }
            row += 1;
            for (i, r) in rows.iter().enumerate() {
                region_cells(ws, &mut w, row, r, i == 0, &st.text)?;
                for (k, y) in years.iter().enumerate() {
                    put(ws, row, 2 + k as u16, r.value(h.id, *y), unit_style(&st, h.unit))?;
                }
                row += 1;
            }
            row += 1;
        }
        w.apply(ws)?;
        ws.set_freeze_panes(2, 2)?;
    }

    // 未报送.
    {
        let ws = sheet(&mut wb, "未报送")?;
        let mut w = Widths::default();
        ws.write_string_with_format(
            0,
            0,
            format!("{}{year}年 未报送年度报告的县级单位", region.name),
            &st.title,
        )?;
        ws.write_string_with_format(
            1,
            0,
            "按民政部 2024 年行政区划代码表中该地区下的县级单位计算：汇总中该年没有任何数值的单位列为未报送（尚无报送情况表）",
            &st.note,
        )?;
        for (c, t) in ["区划代码", "地区", "上级"].iter().enumerate() {
            text(ws, &mut w, 3, c as u16, t, &st.header)?;
        }
        let metrics = wanted();
        let reported =
            |code: u32| data.get(code).is_some_and(|r| metrics.iter().any(|m| r.value(m, year).is_some()));
        let mut missing: Vec<_> = regions()
            .iter()
            .filter(|r| r.level == Level::County && r.code != opts.region)
            .filter(|r| regions().chain(r.code).any(|a| a.code == opts.region))
            .filter(|r| !reported(r.code))
            .collect();
        missing.sort_by_key(|r| r.code);
        for (i, r) in missing.iter().enumerate() {
            let row = 4 + i as u32;
            text(ws, &mut w, row, 0, &r.code_str(), &st.text)?;
            text(ws, &mut w, row, 1, &r.name, &st.text)?;
            let parent = r.parent.and_then(|p| regions().get(p)).map(|p| p.name.clone()).unwrap_or_default();
            text(ws, &mut w, row, 2, &parent, &st.text)?;
        }
        if missing.is_empty() {
            ws.write_string_with_format(4, 0, "（各县级单位均已报送）", &st.note)?;
        }
        summary.missing = missing.len();
        w.apply(ws)?;
        ws.set_freeze_panes(4, 0)?;
    }

    // 校验发现.
    {
        let ws = sheet(&mut wb, "校验发现")?;
        let mut w = Widths::default();
        let path = opts.out.join("validation/findings.csv");
        let text_all =
            std::fs::read_to_string(&path).map_err(|source| Error::Io { path: path.clone(), source })?;
        let mut rdr = csv::Reader::from_reader(text_all.trim_start_matches('\u{FEFF}').as_bytes());
        let headers: Vec<String> =
            rdr.headers().map(|h| h.iter().map(str::to_string).collect()).unwrap_or_default();
        let col = |name: &str| headers.iter().position(|h| h == name);
        let (rc, yc) = (col("region_code"), col("year"));
        let labels: Vec<String> = headers
            .iter()
            .map(|h| {
                let zh = match h.as_str() {
                    "severity" => "级别",
                    "rule" => "规则",
                    "file" => "文件",
                    "line" => "行",
                    "column" => "列",
                    "region_code" => "区划代码",
                    "year" => "年度",
                    "body" => "报告主体",
                    "metric" => "指标",
                    "expected" => "应为",
                    "actual" => "实为",
                    "message" => "说明",
                    _ => "",
                };
                if zh.is_empty() {
                    h.clone()
                } else {
                    format!("{zh} {h}")
                }
            })
            .collect();
        for (c, t) in labels.iter().enumerate() {
            text(ws, &mut w, 0, c as u16, t, &st.header)?;
        }
        let mut row = 1u32;
        for rec in rdr.records().flatten() {
            let code: Option<u32> = rc.and_then(|i| rec.get(i)).and_then(|s| s.parse().ok());
            let in_region = code.is_some_and(|c| regions().chain(c).any(|a| a.code == opts.region));
            let in_year = yc.and_then(|i| rec.get(i)).and_then(|s| s.parse::<i32>().ok()) == Some(year);
            if !(in_region && in_year) {
                continue;
            }
            for (c, v) in rec.iter().enumerate() {
                ws.write_string_with_format(row, c as u16, v, &st.text)?;
                if c + 1 != rec.len() {
                    w.see(c as u16, v);
                }
            }
            row += 1;
        }
        summary.findings = row as usize - 1;
        if summary.findings == 0 {
            ws.write_string_with_format(1, 0, "（该地区该年度的报告没有校验发现）", &st.note)?;
        }
        w.apply(ws)?;
        if let Some(m) = col("message") {
            ws.set_column_width(m as u16, 80.0)?;
        }
        ws.set_freeze_panes(1, 0)?;
    }

    // 图表.
    {
        let ws = sheet(&mut wb, "图表")?;
        let dir = opts.out.join("charts").join(region.dir_name());
        let mut pngs: Vec<PathBuf> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "png"))
            .collect();
        pngs.sort();
        ws.write_string_with_format(0, 0, format!("{} 图表（{}）", region.name, dir.display()), &st.title)?;
        if pngs.is_empty() {
            ws.write_string_with_format(
                1,
                0,
                format!(
                    "没有 PNG 图表：先运行 xxgk plot --out {} --region {:06}，再运行 xxgk brief",
                    opts.out.display(),
                    opts.region
                ),
                &st.note,
            )?;
        }
        let mut row = 2u32;
        for p in &pngs {
            let bytes = std::fs::read(p).map_err(|source| Error::Io { path: p.clone(), source })?;
            let image = Image::new_from_buffer(&bytes)?;
            let height = image.height();
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            ws.write_string_with_format(row, 0, &name, &st.note)?;
            ws.insert_image(row + 1, 0, &image)?;
            row += 3 + (height / 20.0).ceil() as u32;
            summary.charts += 1;
        }
    }
    Ok((wb.save_to_buffer()?, summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_count_the_larger_values() {
        let all = [Some(5.0), Some(9.0), None, Some(5.0)];
        assert_eq!(rank(Some(9.0), &all), Some(1.0));
        assert_eq!(rank(Some(5.0), &all), Some(2.0));
        assert_eq!(rank(None, &all), None);
    }
}
