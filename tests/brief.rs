//! `xxgk brief`: ten of the twelve counties of 喀什地区 report for 2023 and 2024 (one 2024 report
//! breaks R1), `xxgk run` rolls them up and draws PNG charts, and the brief is read back with
//! calamine: every figure is checked against numbers worked out here from the input, not from the
//! rollup's own code.

mod common;
use calamine::{Data, Reader, Xlsx};
use common::*;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// The reports: (code, year) → values; the last two counties do not report.
fn reports() -> BTreeMap<(String, i32), BTreeMap<String, f64>> {
    let mut out = BTreeMap::new();
    for (i, (code, _)) in kashgar_counties().iter().enumerate().take(10) {
        for year in [2023, 2024] {
            let mut v = consistent_report((i as u64 * 5 + year as u64) % 37);
            if i == 0 && year == 2024 {
                *v.get_mut("requests.received.natural_person").unwrap() += 1.0;
            }
            out.insert((code.clone(), year), v);
        }
    }
    out
}

fn cell_f64(range: &calamine::Range<Data>, row: u32, col: u32) -> Option<f64> {
    match range.get_value((row, col)) {
        Some(Data::Float(f)) => Some(*f),
        Some(Data::Int(i)) => Some(*i as f64),
        _ => None,
    }
}

fn cell_str(range: &calamine::Range<Data>, row: u32, col: u32) -> String {
    range.get_value((row, col)).map(|d| d.to_string()).unwrap_or_default()
}

fn zip_names(path: &Path) -> Vec<String> {
    let z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    z.file_names().map(|n| n.unwrap().to_string()).collect()
}

fn zip_text(path: &Path, name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

#[test]
fn the_brief_holds_the_rollups_figures() {
    let dir = tempfile::tempdir().unwrap();
    let reports = reports();
    let names: BTreeMap<String, String> = kashgar_counties().into_iter().collect();
    let rows: Vec<Row> =
        reports.iter().map(|((c, y), v)| (c.as_str(), names[c].as_str(), *y, "", v)).collect();
    write(&dir.path().join("in/kashgar.csv"), long_csv(&rows));
    let o = xxgk(&["run", "in", "--out", "out", "--chart-format", "svg,png"], dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let o = xxgk(
        &["brief", "--region", "653100", "--year", "2024", "--out", "out", "-o", "简报.xlsx"],
        dir.path(),
    );
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let path = dir.path().join("简报.xlsx");
    let mut book: Xlsx<_> = calamine::open_workbook(&path).unwrap();
    assert_eq!(book.sheet_names(), ["概览", "申请办理", "历年趋势", "未报送", "校验发现", "图表"]);

    // 概览: licensing value, 同比, rank and share per county; the prefecture's total first.
    let v = |code: &str, year: i32, m: &str| reports.get(&(code.to_string(), year)).map(|r| r[m]);
    let lic = "licensing.decisions";
    let reporting: Vec<&String> = kashgar_counties().iter().take(10).map(|c| &names[&c.0]).collect();
    assert_eq!(reporting.len(), 10);
    let total: f64 = reports.iter().filter(|((_, y), _)| *y == 2024).map(|(_, r)| r[lic]).sum();
    let s = book.worksheet_range("概览").unwrap();
    assert_eq!(cell_str(&s, 5, 0), "653100");
    assert_eq!(cell_f64(&s, 5, 2), Some(total));
    let all: Vec<f64> = kashgar_counties().iter().take(10).map(|(c, _)| v(c, 2024, lic).unwrap()).collect();
    let mut seen = 0;
    // The children are the counties in the rollup; the two without a report are in 未报送.
    assert_eq!(cell_str(&s, 16, 0), "");
    for r in 6..6 + 10 {
        let code = cell_str(&s, r, 0);
        let name = cell_str(&s, r, 1);
        assert_eq!(names[&code], name);
        let Some(now) = v(&code, 2024, lic) else {
            assert_eq!(cell_f64(&s, r, 2), None, "{code} did not report");
            continue;
        };
        seen += 1;
        let before = v(&code, 2023, lic).unwrap();
        assert_eq!(cell_f64(&s, r, 2), Some(now), "{code} value");
        let yoy = cell_f64(&s, r, 3).unwrap();
        assert!((yoy - (now - before) / before).abs() < 1e-12, "{code} 同比 {yoy}");
        let rank = 1.0 + all.iter().filter(|&&o| o > now).count() as f64;
        assert_eq!(cell_f64(&s, r, 4), Some(rank), "{code} rank");
        assert!((cell_f64(&s, r, 5).unwrap() - now / total).abs() < 1e-12, "{code} share");
    }
    assert_eq!(seen, 10);

    // 申请办理: 予以公开 per county.
    let s = book.worksheet_range("申请办理").unwrap();
    for r in 4..4 + 10 {
        let code = cell_str(&s, r, 0);
        assert_eq!(cell_f64(&s, r, 2), v(&code, 2024, "requests.disclosed.total"), "{code}");
    }

    // 历年趋势: the first block is licensing, 2023 and 2024.
    let s = book.worksheet_range("历年趋势").unwrap();
    assert_eq!((cell_str(&s, 3, 2), cell_str(&s, 3, 3)), ("2023年".into(), "2024年".into()));
    for r in 5..5 + 10 {
        let code = cell_str(&s, r, 0);
        assert_eq!(cell_f64(&s, r, 2), v(&code, 2023, lic), "{code} 2023");
        assert_eq!(cell_f64(&s, r, 3), v(&code, 2024, lic), "{code} 2024");
    }

    // 未报送: the two counties without a report.
    let s = book.worksheet_range("未报送").unwrap();
    let missing: Vec<String> = (4..6).map(|r| cell_str(&s, r, 0)).collect();
    let want: Vec<String> = kashgar_counties().iter().skip(10).map(|c| c.0.clone()).collect();
    assert_eq!(missing, want);
    assert_eq!(cell_str(&s, 6, 0), "");

    // 校验发现: the broken R1 of the first county's 2024 report, and nothing of 2023.
    let s = book.worksheet_range("校验发现").unwrap();
    let rules: Vec<(String, String, String)> = (1..s.height() as u32)
        .map(|r| (cell_str(&s, r, 1), cell_str(&s, r, 5), cell_str(&s, r, 6)))
        .collect();
    let first = &kashgar_counties()[0].0;
    assert!(
        rules.iter().any(|(rule, c, y)| rule.starts_with("R1") && c == first && y == "2024"),
        "{rules:?}"
    );
    assert!(rules.iter().all(|(_, _, y)| y == "2024"));

    // 图表: every PNG of the prefecture embedded.
    let pngs = std::fs::read_dir(dir.path().join("out/charts/653100-喀什地区"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "png"))
        .count();
    assert!(pngs >= 10);
    let media = zip_names(&path).iter().filter(|n| n.starts_with("xl/media/") && n.ends_with(".png")).count();
    assert_eq!(media, pngs);

    // Numbers as numbers with formats; frozen headers.
    let styles = zip_text(&path, "xl/styles.xml");
    assert!(styles.contains("0.0%") && styles.contains("#,##0"), "{styles}");
    let sheet1 = zip_text(&path, "xl/worksheets/sheet1.xml");
    assert!(sheet1.contains("state=\"frozen\""));
}

#[test]
fn a_region_without_a_rollup_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let o = xxgk(&["brief", "--region", "653100", "--year", "2024", "--out", "nothing"], dir.path());
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("xxgk run"), "{}", stderr(&o));
}
