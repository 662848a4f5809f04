//! The extractor judged on published reports, not on the project's own renderings: every report in
//! `tests/fixtures/real/` (sources in `SOURCES.md`) against its cells transcribed by hand from the
//! source text (`*.expected.csv`, the report's blank cells as 0). The same report in the text
//! forms a crawler makes of it (cells joined by ` | `, or run together with no boundary), and cut
//! short, must come out exact or be refused naming the cells: never a wrong number.
//!
//! `accuracy_over_every_fixture` prints the form × files × cells exact / wrong / refused table of
//! docs/extract.md (`scripts/extract-accuracy.sh` runs it).

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use xxgk::reference::catalog::{catalog, Format};
use xxgk::stages::extract::{extract_bytes, read_document, ExtractError, ExtractOptions, Extracted};

fn real_dir() -> PathBuf {
    project_root().join("tests/fixtures/real")
}

/// The real reports: (report file, its expected cells).
fn real_reports() -> Vec<(PathBuf, BTreeMap<String, f64>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(real_dir()).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".expected.csv") || name.ends_with(".md") {
            continue;
        }
        let stem = name.rsplit_once('.').unwrap().0;
        let want = metric_values(&real_dir().join(format!("{stem}.expected.csv")));
        out.push((p, want));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!out.is_empty());
    out
}

fn ext(p: &Path) -> String {
    p.extension().unwrap().to_string_lossy().to_lowercase()
}

/// (exact, wrong) cells of an extraction against the expected cells of its format.
fn score(x: &Extracted, want: &BTreeMap<String, f64>) -> (usize, Vec<String>) {
    let c = catalog();
    let mut exact = 0;
    let mut wrong = Vec::new();
    for m in c.metrics().iter().filter(|m| m.in_format(x.format)) {
        match (x.values[m.index], want.get(&m.id)) {
            (Some(got), Some(&w)) if got == w => exact += 1,
            (got, w) => wrong.push(format!("{} ({}): got {got:?}, expected {w:?}", m.id, m.label_zh())),
        }
    }
    (exact, wrong)
}

fn assert_exact(x: &Extracted, want: &BTreeMap<String, f64>, what: &str) {
    let (exact, wrong) = score(x, want);
    assert!(wrong.is_empty(), "{what}: {} wrong cells: {wrong:#?}", wrong.len());
    assert_eq!(exact, want.len(), "{what}");
    assert_eq!(catalog().form(x.format).len(), want.len(), "{what}: the format's cells");
}

#[test]
fn every_real_report_extracts_cell_for_cell() {
    for (path, want) in real_reports() {
        let bytes = std::fs::read(&path).unwrap();
        let x = extract_bytes(&bytes, &ext(&path), &ExtractOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}\n{:#?}", path.display(), e.log()));
        assert_exact(&x, &want, &path.display().to_string());
    }
}

#[test]
fn shanghai_2019_reads_as_published() {
    let path = real_dir().join("310000-上海市人民政府办公厅-2019.html");
    let x = extract_bytes(&std::fs::read(&path).unwrap(), "html", &ExtractOptions::default()).unwrap();
    assert_eq!((x.region, x.year, x.format), (310000, 2019, Format::F2019));
    assert_eq!(x.body, "上海市人民政府办公厅");
    // 251000元 in a 2019 采购总金额 cell: the number as printed (the format gives no unit).
    assert_eq!(x.values[catalog().known("procurement.amount")], Some(251000.0));
    // The report leaves 总计 blank on its detail rows: read as printed (0) and the breaks logged.
    let rules: std::collections::BTreeSet<&str> = x.breaches.iter().map(|b| b.rule.id()).collect();
    assert_eq!(rules.into_iter().collect::<Vec<_>>(), ["R2-results-total", "R3-row-total"]);
}

/// The report's table cells, row by row, as the HTML reader sees them.
fn rows_of(path: &Path) -> Vec<Vec<String>> {
    let (_, doc, _) = read_document(&std::fs::read(path).unwrap(), &ext(path)).unwrap();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut last = u32::MAX;
    for c in &doc.cells {
        if c.row != last {
            rows.push(Vec::new());
            last = c.row;
        }
        rows.last_mut().unwrap().push(c.text.replace('\n', ""));
    }
    rows
}

/// The page as a crawler saves it: each row's cells joined by ` | `, no frames, so that a row whose
/// last cell is blank ends in `| ` (the form issue 17 quotes).
fn crawled(path: &Path) -> String {
    rows_of(path).iter().map(|r| r.join(" | ")).collect::<Vec<_>>().join("\n") + "\n"
}

/// The page with every cell boundary lost: each row's cells run together.
fn run_together(path: &Path) -> String {
    rows_of(path).iter().map(|r| r.concat()).collect::<Vec<_>>().join("\n") + "\n"
}

#[test]
fn a_real_report_crawled_to_pipe_rows_with_blank_last_cells_is_exact() {
    for (path, want) in real_reports() {
        let text = crawled(&path);
        assert!(
            text.contains("（一）予以公开 | 258 | 12 |  |  | 1 | 1 | \n"),
            "the row ends in a blank cell after its last separator:\n{text}"
        );
        let x = extract_bytes(text.as_bytes(), "txt", &ExtractOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}\n{:#?}", path.display(), e.log()));
        assert_exact(&x, &want, "crawled");
    }
}

#[test]
fn a_real_report_whose_cells_ran_together_is_refused_never_guessed() {
    for (path, want) in real_reports() {
        let text = run_together(&path);
        assert!(text.contains("一、本年新收政府信息公开申请数量8213521859\n"), "{text}");
        match extract_bytes(text.as_bytes(), "txt", &ExtractOptions::default()) {
            // Blank cells vanished with the boundaries, and the printed totals are blank: no row can
            // be cut so that its total holds, so every such row is named.
            Err(ExtractError::RanTogether { rows, .. }) => {
                assert!(
                    rows.iter().any(|r| r.starts_with("一、本年新收政府信息公开申请数量 (")
                        && r.contains("\"8213521859\" cannot be cut into 7 numbers")),
                    "{rows:#?}"
                );
            }
            Err(e) => panic!("refused, but not naming the rows that ran together: {e}"),
            Ok(x) => {
                let (_, wrong) = score(&x, &want);
                panic!("extracted with {} wrong cells: {wrong:#?}", wrong.len());
            }
        }
    }
}

#[test]
fn a_real_report_cut_short_is_refused_naming_the_cells() {
    let path = real_dir().join("310000-上海市人民政府办公厅-2019.html");
    let html = std::fs::read_to_string(&path).unwrap();
    // The page saved before its 复议/诉讼 table.
    let cut = &html[..html.find("<p><br />四、政府信息公开行政复议").unwrap()];
    match extract_bytes(cut.as_bytes(), "html", &ExtractOptions::default()) {
        Err(ExtractError::Incomplete { missing, total, .. }) => {
            assert_eq!((missing.len(), total), (15, 198), "{missing:#?}");
            assert_eq!(missing[0], "review.upheld (行政复议｜结果维持)");
        }
        other => panic!("expected Incomplete, got {:?}", other.map(|x| x.values)),
    }
    // A row lost from the middle of the request table.
    let row = "<tr><td><p>2.重复申请</p></td>";
    let start = html.find(row).unwrap();
    let end = start + html[start..].find("</tr>").unwrap() + "</tr>".len();
    let gapped = format!("{}{}", &html[..start], &html[end..]);
    match extract_bytes(gapped.as_bytes(), "html", &ExtractOptions::default()) {
        Err(ExtractError::Incomplete { missing, .. }) => {
            assert_eq!(missing.len(), 7, "{missing:#?}");
            assert!(missing.iter().all(|m| m.contains("2.重复申请")), "{missing:#?}");
        }
        other => panic!("expected Incomplete, got {:?}", other.map(|x| x.values)),
    }
}

// ---- The accuracy table of docs/extract.md ----

#[derive(Default)]
struct Tally {
    files: usize,
    cells: usize,
    exact: usize,
    wrong: usize,
    refused: usize,
}

fn tally(t: &mut Tally, result: Result<Extracted, ExtractError>, want: &BTreeMap<String, f64>) {
    t.files += 1;
    t.cells += want.len();
    match result {
        Ok(x) => {
            let (exact, wrong) = score(&x, want);
            t.exact += exact;
            t.wrong += wrong.len();
        }
        Err(_) => t.refused += want.len(),
    }
}

#[test]
fn accuracy_over_every_fixture() {
    let opts = ExtractOptions::default();
    let fx = |name: &str| project_root().join("tests/fixtures/extract").join(name);
    let mut table: Vec<(String, Tally)> = Vec::new();
    let mut row = |name: &str, cases: Vec<(Result<Extracted, ExtractError>, BTreeMap<String, f64>)>| {
        let mut t = Tally::default();
        for (r, w) in cases {
            tally(&mut t, r, &w);
        }
        table.push((name.to_string(), t));
    };
    let real = real_reports();
    let by_ext = |e: &str| real.iter().filter(|(p, _)| ext(p) == e).collect::<Vec<_>>();
    row(
        "real · HTML as published",
        by_ext("html")
            .iter()
            .map(|(p, w)| (extract_bytes(&std::fs::read(p).unwrap(), "html", &opts), w.clone()))
            .collect(),
    );
    row(
        "real · crawled to pipe rows (no frames, blank last cells)",
        real.iter().map(|(p, w)| (extract_bytes(crawled(p).as_bytes(), "txt", &opts), w.clone())).collect(),
    );
    row(
        "real · every cell run together",
        real.iter()
            .map(|(p, w)| (extract_bytes(run_together(p).as_bytes(), "txt", &opts), w.clone()))
            .collect(),
    );
    let yuepuhu = metric_values(&project_root().join("data/653100-喀什地区/653128-岳普湖县-2023.csv"));
    row(
        "sample · .docx dumped to text (岳普湖县 2023)",
        vec![(extract_bytes(&std::fs::read(fx("yuepuhu-2023-report.txt")).unwrap(), "txt", &opts), yuepuhu)],
    );
    let variant = metric_values(&fx("variant-expected.csv"));
    let docx = docx_bytes(&std::fs::read_to_string(fx("variant-document.xml")).unwrap());
    for (name, bytes, e) in [
        ("hand-made · HTML (rowspan/colspan)", std::fs::read(fx("variant.html")).unwrap(), "html"),
        ("hand-made · pipe rows", std::fs::read(fx("variant-pipes.txt")).unwrap(), "txt"),
        ("hand-made · one cell per line", std::fs::read(fx("variant-one-per-line.txt")).unwrap(), "txt"),
        ("hand-made · .docx (gridSpan/vMerge)", docx, "docx"),
    ] {
        row(name, vec![(extract_bytes(&bytes, e, &opts), variant.clone())]);
    }
    // The pipe variant with every matrix row and the 复议/诉讼 row run together.
    let pipes = String::from_utf8(std::fs::read(fx("variant-pipes.txt")).unwrap()).unwrap();
    let glued: String = pipes
        .lines()
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let numeric = cells.iter().filter(|c| c.parse::<f64>().is_ok()).count();
            if numeric >= 7 {
                cells.concat()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    row(
        "hand-made · pipe rows, matrix and 复议 rows run together",
        vec![(extract_bytes(glued.as_bytes(), "txt", &opts), variant.clone())],
    );

    let mut out = String::from(
        "| form | files | cells | exact | wrong | refused |\n| --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    let mut total = Tally::default();
    for (name, t) in &table {
        out.push_str(&format!(
            "| {name} | {} | {} | {} | {} | {} |\n",
            t.files, t.cells, t.exact, t.wrong, t.refused
        ));
        total.files += t.files;
        total.cells += t.cells;
        total.exact += t.exact;
        total.wrong += t.wrong;
        total.refused += t.refused;
    }
    out.push_str(&format!(
        "| **all** | {} | {} | {} | {} | {} |\n",
        total.files, total.cells, total.exact, total.wrong, total.refused
    ));
    println!("{out}");
    assert_eq!(total.wrong, 0, "no wrong number, ever:\n{out}");
    assert_eq!(total.exact + total.refused, total.cells, "{out}");
    // What is refused is the run-together real report only: everything else is read exactly.
    let refused: Vec<&str> = table.iter().filter(|(_, t)| t.refused > 0).map(|(n, _)| n.as_str()).collect();
    assert_eq!(refused, ["real · every cell run together"], "{out}");
}
