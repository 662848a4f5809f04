//! `index.html`: one static page over an output folder — the run summary (`validation/summary.json`),
//! every chart by region, and the findings (`validation/findings.csv`). Inline CSS, relative links,
//! nothing fetched from a network, every piece of data escaped.

use super::plan::Kind;
use super::{ChartFile, Format};
use crate::store::summary::Summary;
use crate::support::error::{Error, IoContext, Result};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

/// Findings beyond this many are left to `validation/findings.csv`: a page of a million rows helps nobody.
pub const MAX_FINDINGS: usize = 2000;

const CSS: &str = "
body{font-family:'Noto Sans CJK SC','Noto Sans SC','Source Han Sans SC','WenQuanYi Micro Hei','Microsoft YaHei','PingFang SC',sans-serif;margin:0;color:#212121;background:#fafafa}
header{background:#19376e;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:26px}
header p{margin:6px 0 0;opacity:.85}
nav{padding:10px 32px;background:#fff;border-bottom:1px solid #ddd;line-height:1.9}
nav a{margin-right:14px;color:#19376e;text-decoration:none}
main{padding:8px 32px 40px}
h2{border-bottom:2px solid #19376e;padding-bottom:4px;margin-top:32px}
h3{margin:24px 0 8px}
h4{margin:16px 0 6px;color:#555}
table{border-collapse:collapse;background:#fff;font-size:14px;margin:6px 0 12px}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f6}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:14px}
figure{margin:0;background:#fff;border:1px solid #ddd;padding:8px}
figure img{width:100%;height:auto;display:block}
figcaption{font-size:13px;color:#555;margin-top:4px}
.error{color:#c62828;font-weight:bold}.warning{color:#e65100}.info{color:#546e7a}
.note{background:#fff8e1;border:1px solid #ffe082;padding:8px 12px}
";

/// `&`, `<`, `>`, `"` and `'` as entities: safe in text and in quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A relative path as a URL: every byte but unreserved ones and `/` percent-encoded, so Chinese
/// folder names work whatever the page's encoding is taken to be.
pub fn url_path(p: &str) -> String {
    let mut out = String::new();
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Write the page. `note` is shown above the charts (e.g. why there are none). `summary` is the
/// run's summary when the caller has it (`xxgk run`); without it (`xxgk plot`) the page reads
/// `validation/summary.json`, which on a national run is 3.6 MB of JSON and most of the page's
/// time (6 ms of a 0.25 s one-file re-run).
pub fn write_index(
    path: &Path,
    validation_dir: &Path,
    summary: Option<&Summary>,
    charts: &[ChartFile],
    note: Option<&str>,
) -> Result<()> {
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<title>政府信息公开工作年度报告统计 · 总览</title>\n<style>");
    h.push_str(CSS);
    h.push_str("</style>\n</head>\n<body>\n<header><h1>政府信息公开工作年度报告统计</h1>");
    h.push_str("<p>xxgk 输出总览：运行摘要、图表与校验发现</p></header>\n");

    let regions = regions_in(charts);
    let findings = read_findings(&validation_dir.join("findings.csv"))?;
    // Same CSV reading: header first.
    let missing = read_findings(&validation_dir.join("missing.csv"))?;
    let n_missing = missing.as_ref().map_or(0, |m| m.len().saturating_sub(1));
    h.push_str("<nav><a href=\"#summary\">运行摘要</a>");
    let _ = write!(h, "<a href=\"#missing\">未报送（{n_missing}）</a>");
    h.push_str("<a href=\"#charts\">图表</a>");
    // The first row read is the CSV header.
    let n_findings = findings.as_ref().map_or(0, |f| f.len().saturating_sub(1));
    let _ = write!(h, "<a href=\"#findings\">校验发现（{n_findings}）</a>");
    for (code, name) in &regions {
        let _ = write!(h, "<a href=\"#r{code:06}\">{}</a>", escape(name));
    }
    h.push_str("</nav>\n<main>\n");

    match summary {
        Some(s) => summary_table(&mut h, &PageSummary::of(s)),
        None => summary_section(&mut h, &validation_dir.join("summary.json"))?,
    }
    missing_section(&mut h, missing.as_deref());
    charts_section(&mut h, charts, &regions, note);
    findings_section(&mut h, findings.as_deref());
    h.push_str("</main>\n</body>\n</html>\n");
    std::fs::write(path, h).at(path)
}

fn regions_in(charts: &[ChartFile]) -> Vec<(u32, String)> {
    let mut v: Vec<(u32, String)> = charts.iter().map(|c| (c.region_code, c.region_name.clone())).collect();
    v.sort();
    v.dedup();
    v
}

/// Input files listed one by one on the page, at most; beyond, only those with rejections.
const MAX_FILES_LISTED: usize = 40;

/// What the page shows of `summary.json`, read into these few fields only: a national run's summary
/// lists 28,460 files, and parsing it into a generic JSON tree was most of writing the page.
/// Every field may be missing (a summary from an older xxgk).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct PageSummary<'a> {
    rows_read: Option<u64>,
    rows_stored: Option<u64>,
    rows_rejected: Option<u64>,
    reports_stored: Option<u64>,
    reports_rejected: Option<u64>,
    errors: Option<u64>,
    warnings: Option<u64>,
    notices: Option<u64>,
    years: Vec<i64>,
    regions: Vec<serde::de::IgnoredAny>,
    #[serde(borrow)]
    files: Option<Vec<PageFile<'a>>>,
    findings_by_rule: Option<std::collections::BTreeMap<String, u64>>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
/// Strings borrowed from the text where they need no unescaping: tens of thousands of file names
/// are not copied.
struct PageFile<'a> {
    #[serde(borrow)]
    file: Option<Cow<'a, str>>,
    #[serde(borrow)]
    encoding: Option<Cow<'a, str>>,
    #[serde(borrow)]
    layout: Option<Cow<'a, str>>,
    rows_read: Option<u64>,
    rows_stored: Option<u64>,
    rows_rejected: Option<u64>,
    #[serde(borrow)]
    error: Option<Cow<'a, str>>,
}

impl<'a> PageSummary<'a> {
    /// The same fields taken from the summary in memory, as `summary.json` would give them.
    fn of(s: &'a Summary) -> PageSummary<'a> {
        let n = |v: usize| Some(v as u64);
        PageSummary {
            rows_read: Some(s.rows_read),
            rows_stored: Some(s.rows_stored),
            rows_rejected: Some(s.rows_rejected),
            reports_stored: n(s.reports_stored),
            reports_rejected: n(s.reports_rejected),
            errors: n(s.errors),
            warnings: n(s.warnings),
            notices: n(s.notices),
            years: s.years.iter().map(|&y| i64::from(y)).collect(),
            regions: vec![serde::de::IgnoredAny; s.regions.len()],
            files: Some(
                s.files
                    .iter()
                    .map(|f| PageFile {
                        file: Some(Cow::Borrowed(f.file.as_str())),
                        encoding: f.encoding.as_deref().map(Cow::Borrowed),
                        layout: f.layout.as_deref().map(Cow::Borrowed),
                        rows_read: Some(f.rows_read),
                        rows_stored: Some(f.rows_stored),
                        rows_rejected: Some(f.rows_rejected),
                        error: f.error.as_deref().map(Cow::Borrowed),
                    })
                    .collect(),
            ),
            findings_by_rule: Some(s.findings_by_rule.iter().map(|(k, &v)| (k.clone(), v as u64)).collect()),
        }
    }
}

fn opt_num(v: Option<u64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

fn opt_text(v: &Option<Cow<'_, str>>) -> String {
    v.as_deref().map(escape).unwrap_or_default()
}

/// Where the summary section starts, read from `summary.json` or taken from the run.
const SUMMARY_HEAD: &str = "<section id=\"summary\">\n<h2>运行摘要</h2>\n";

fn summary_section(h: &mut String, path: &Path) -> Result<()> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            h.push_str(SUMMARY_HEAD);
            h.push_str(
                "<p class=\"note\">没有运行摘要（validation/summary.json 不存在）。</p>\n</section>\n",
            );
            return Ok(());
        }
        Err(e) => return Err(Error::Io { path: path.to_path_buf(), source: e }),
    };
    let s: PageSummary = serde_json::from_str(&text)
        .map_err(|e| Error::Usage(format!("{}: not a run summary: {e}", path.display())))?;
    summary_table(h, &s);
    Ok(())
}

/// The summary section, from what [`summary_section`] read or the run had.
fn summary_table(h: &mut String, s: &PageSummary<'_>) {
    h.push_str(SUMMARY_HEAD);
    h.push_str("<table class=\"kv\">\n");
    for (n, label) in [
        (s.rows_read, "读入行数"),
        (s.rows_stored, "入库行数"),
        (s.rows_rejected, "拒收行数"),
        (s.reports_stored, "入库报告数"),
        (s.reports_rejected, "拒收报告数"),
        (s.errors, "错误"),
        (s.warnings, "警告"),
        (s.notices, "提示"),
    ] {
        let _ = writeln!(h, "<tr><th>{label}</th><td class=\"n\">{}</td></tr>", opt_num(n));
    }
    let years: Vec<String> = s.years.iter().map(i64::to_string).collect();
    let _ = writeln!(h, "<tr><th>年度</th><td>{}</td></tr>", years.join("、"));
    let _ = writeln!(h, "<tr><th>地区数</th><td class=\"n\">{}</td></tr>", s.regions.len());
    h.push_str("</table>\n");

    if let Some(files) = &s.files {
        // A national run reads tens of thousands of files: past a screenful the page lists the
        // ones with something rejected, as the printed summary does; summary.json has them all.
        let many = files.len() > MAX_FILES_LISTED;
        let troubled = |f: &&PageFile<'_>| f.rows_rejected.unwrap_or(0) > 0 || f.error.is_some();
        let shown: Vec<&PageFile<'_>> = files.iter().filter(|f| !many || troubled(f)).collect();
        h.push_str("<h3>输入文件</h3>\n");
        // No header row over no rows: the note below says why nothing is listed.
        if !shown.is_empty() {
            h.push_str("<table>\n<tr><th>文件</th><th>编码</th><th>格式</th><th>读入</th><th>入库</th><th>拒收</th><th>错误</th></tr>\n");
        }
        for f in &shown {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                opt_text(&f.file),
                opt_text(&f.encoding),
                opt_text(&f.layout),
                opt_num(f.rows_read),
                opt_num(f.rows_stored),
                opt_num(f.rows_rejected),
                opt_text(&f.error)
            );
        }
        if !shown.is_empty() {
            h.push_str("</table>\n");
        }
        if shown.len() < files.len() {
            let _ = writeln!(
                h,
                "<p class=\"note\">另有 {} 个文件未列出（均无拒收）；每个文件的行数见 validation/summary.json。</p>",
                files.len() - shown.len()
            );
        }
    }
    if let Some(rules) = &s.findings_by_rule {
        h.push_str("<h3>按规则统计的发现</h3>\n");
        if rules.is_empty() {
            h.push_str("<p class=\"note\">没有校验发现。</p>\n");
        } else {
            h.push_str("<table>\n<tr><th>规则</th><th>条数</th></tr>\n");
            for (rule, n) in rules {
                let _ = writeln!(h, "<tr><td>{}</td><td class=\"n\">{n}</td></tr>", escape(rule));
            }
            h.push_str("</table>\n");
        }
    }
    h.push_str("</section>\n");
}

fn charts_section(h: &mut String, charts: &[ChartFile], regions: &[(u32, String)], note: Option<&str>) {
    h.push_str("<section id=\"charts\">\n<h2>图表</h2>\n");
    if let Some(note) = note {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", escape(note));
    }
    if charts.is_empty() && note.is_none() {
        h.push_str("<p class=\"note\">没有图表：汇总中没有含下级区划的地级或省级区划。</p>\n");
    }
    for (code, name) in regions {
        let _ =
            writeln!(h, "<section class=\"region\" id=\"r{code:06}\">\n<h3>{code:06} {}</h3>", escape(name));
        for kind in [Kind::Trend, Kind::Compare, Kind::Yoy, Kind::Outcomes] {
            let of_kind: Vec<&ChartFile> =
                charts.iter().filter(|c| c.region_code == *code && c.kind == kind).collect();
            if of_kind.is_empty() {
                continue;
            }
            let _ = writeln!(h, "<h4>{}</h4>\n<div class=\"grid\">", kind.label());
            for c in of_kind {
                figure(h, c);
            }
            h.push_str("</div>\n");
        }
        h.push_str("</section>\n");
    }
    h.push_str("</section>\n");
}

fn figure(h: &mut String, c: &ChartFile) {
    // SVG first: sharp at any zoom and its text stays text; PNG when that is all there is.
    let shown = if c.formats.contains(&Format::Svg) { Format::Svg } else { Format::Png };
    let src = |f: Format| url_path(&format!("charts/{}.{}", c.path, f.ext()));
    let title = escape(&c.title);
    let _ = write!(
        h,
        "<figure><a href=\"{0}\"><img src=\"{0}\" alt=\"{title}\" loading=\"lazy\"></a><figcaption>{title}",
        src(shown)
    );
    for f in &c.formats {
        let _ = write!(h, " · <a href=\"{}\">{}</a>", src(*f), f.ext().to_ascii_uppercase());
    }
    h.push_str("</figcaption></figure>\n");
}

type Row = Vec<String>;

/// 未报送: from `validation/missing.csv`, one row per prefecture (or province, for the units
/// directly under it) and year, naming the county-level units without a government report.
fn missing_section(h: &mut String, rows: Option<&[Row]>) {
    h.push_str("<section id=\"missing\">\n<h2>未报送</h2>\n");
    let Some((header, rows)) = rows.and_then(|r| r.split_first()) else {
        h.push_str("<p class=\"note\">没有未报送名单（validation/missing.csv）。</p>\n</section>\n");
        return;
    };
    let col = |name: &str| header.iter().position(|c| c == name);
    let (Some(code), Some(name), Some(pcode), Some(pname), Some(year)) =
        (col("region_code"), col("region_name"), col("parent_code"), col("parent_name"), col("year"))
    else {
        h.push_str("<p class=\"note\">validation/missing.csv 的表头不对。</p>\n</section>\n");
        return;
    };
    if rows.is_empty() {
        h.push_str("<p>有报告的地级区划中，每个县级单位都有政府报告。</p>\n</section>\n");
        return;
    }
    fn field(r: &Row, i: usize) -> &str {
        r.get(i).map(String::as_str).unwrap_or("")
    }
    let mut groups: std::collections::BTreeMap<(String, String, String), Vec<String>> = Default::default();
    for r in rows {
        let key = (field(r, pcode).to_string(), field(r, year).to_string(), field(r, pname).to_string());
        groups.entry(key).or_default().push(format!("{}（{}）", field(r, name), field(r, code)));
    }
    let _ = writeln!(
        h,
        "<p>县级单位没有政府报告的年份（其所属地级区划当年有报告）；共 {} 个，见 <a href=\"validation/missing.csv\">validation/missing.csv</a>。这些地区的合计不全。</p>",
        rows.len()
    );
    h.push_str("<table>\n<thead><tr><th>所属区划</th><th>年度</th><th>数量</th><th>未报送的县（市、区）</th></tr></thead>\n<tbody>\n");
    for ((pc, y, pn), names) in &groups {
        let _ = writeln!(
            h,
            "<tr><td>{}（{}）</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(pn),
            escape(pc),
            escape(y),
            names.len(),
            escape(&names.join("、"))
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

/// Header and rows of `findings.csv`; None when the file is not there.
fn read_findings(path: &Path) -> Result<Option<Vec<Row>>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::Io { path: path.to_path_buf(), source: e }),
    };
    let body = bytes.strip_prefix("\u{FEFF}".as_bytes()).unwrap_or(&bytes);
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(body);
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|source| Error::Csv { path: path.to_path_buf(), source })?;
        rows.push(rec.iter().map(str::to_string).collect());
    }
    Ok(Some(rows))
}

fn findings_section(h: &mut String, rows: Option<&[Row]>) {
    h.push_str("<section id=\"findings\">\n<h2>校验发现</h2>\n");
    let Some((header, rows)) = rows.and_then(|r| r.split_first()) else {
        h.push_str("<p class=\"note\">没有校验发现文件（validation/findings.csv）。</p>\n</section>\n");
        return;
    };
    if rows.is_empty() {
        h.push_str("<p>没有发现问题。</p>\n</section>\n");
        return;
    }
    if rows.len() > MAX_FINDINGS {
        let _ = writeln!(
            h,
            "<p class=\"note\">共 {} 条，此处列出前 {MAX_FINDINGS} 条；全部见 <a href=\"validation/findings.csv\">validation/findings.csv</a>。</p>",
            rows.len()
        );
    } else {
        let _ = writeln!(
            h,
            "<p>共 {} 条；另见 <a href=\"validation/findings.csv\">validation/findings.csv</a>。</p>",
            rows.len()
        );
    }
    h.push_str("<table class=\"findings\">\n<tr>");
    for col in header {
        let _ = write!(h, "<th>{}</th>", escape(col));
    }
    h.push_str("</tr>\n");
    let severity = header.iter().position(|c| c == "severity");
    for row in rows.iter().take(MAX_FINDINGS) {
        let class = severity.and_then(|i| row.get(i)).map(|s| escape(s)).unwrap_or_default();
        let _ = write!(h, "<tr class=\"{class}\">");
        for cell in row {
            let _ = write!(h, "<td>{}</td>", escape(cell));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }

    #[test]
    fn chinese_paths_are_percent_encoded() {
        assert_eq!(
            url_path("charts/653100-喀什地区/a b.svg"),
            "charts/653100-%E5%96%80%E4%BB%80%E5%9C%B0%E5%8C%BA/a%20b.svg"
        );
    }

    /// The summary section of a run of 50 input files, file `rejected` with a rejected row if any,
    /// and `extra` fields of summary.json beside `files`.
    fn summary_page(rejected: Option<usize>, extra: serde_json::Value) -> String {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<serde_json::Value> = (0..50)
            .map(|i| {
                serde_json::json!({"file": format!("f{i:02}.csv"), "rows_read": 3, "rows_stored": 3,
                    "rows_rejected": usize::from(rejected == Some(i)), "error": null})
            })
            .collect();
        let mut summary = extra;
        summary["files"] = serde_json::Value::Array(files);
        let path = dir.path().join("summary.json");
        std::fs::write(&path, summary.to_string()).unwrap();
        let mut h = String::new();
        summary_section(&mut h, &path).unwrap();
        h
    }

    /// `xxgk run` gives the page its summary in memory, `xxgk plot` has the page read
    /// summary.json as the store writes it: the same section either way.
    #[test]
    fn the_summary_in_memory_makes_the_section_summary_json_makes() {
        use crate::store::summary::FileSummary;
        let file = |i: usize, rejected: u64, error: Option<&str>| FileSummary {
            file: format!("410000-河南省/f{i:02} \"引号\".csv"),
            encoding: i.is_multiple_of(2).then(|| "GB18030".to_string()),
            layout: Some("long".into()),
            sha256: format!("{i:064}"),
            rows_read: 3 + i as u64,
            rows_stored: 3 + i as u64 - rejected,
            rows_rejected: rejected,
            error: error.map(str::to_string),
        };
        for n in [3, 45] {
            let summary = Summary {
                files: (0..n)
                    .map(|i| file(i, u64::from(i == 1), (i == 2).then_some("不是 <报告>")))
                    .collect(),
                files_rejected: 1,
                files_from_cache: 7,
                years_from_cache: vec![2022],
                rows_read: 1234,
                rows_stored: 1200,
                rows_rejected: 34,
                reports_stored: 40,
                reports_rejected: 2,
                reports_by_format: [("2021".to_string(), 40)].into(),
                cells_stored: 9000,
                errors: 3,
                warnings: 5,
                notices: 8,
                findings_by_rule: [("R1".to_string(), 3), ("R5".to_string(), 5)].into(),
                regions: vec!["410102".into(), "410103".into()],
                years: vec![2021, 2022],
                strict: false,
            };
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("summary.json");
            std::fs::write(&path, serde_json::to_string_pretty(&summary).unwrap()).unwrap();
            let mut read = String::new();
            summary_section(&mut read, &path).unwrap();
            let mut given = String::new();
            summary_table(&mut given, &PageSummary::of(&summary));
            assert_eq!(given, read);
            assert!(
                read.contains("<td class=\"n\">1234</td>") && read.contains("不是 &lt;报告&gt;"),
                "{read}"
            );
        }
    }

    #[test]
    fn many_input_files_list_only_those_with_rejections() {
        let h = summary_page(Some(7), serde_json::json!({}));
        assert!(h.contains("<td>f07.csv</td>") && !h.contains("<td>f08.csv</td>"), "{h}");
        assert!(h.contains("另有 49 个文件未列出"), "{h}");
    }

    #[test]
    fn nothing_to_list_is_said_not_shown_as_an_empty_table() {
        let h = summary_page(None, serde_json::json!({"findings_by_rule": {}}));
        assert!(h.contains("另有 50 个文件未列出") && h.contains("没有校验发现"), "{h}");
        assert_eq!(h.matches("<table").count(), h.matches("</table>").count());
        assert!(!h.contains("<th>文件</th>") && !h.contains("<th>规则</th>"), "{h}");
    }
}
