//! Test helpers: consistent reports built independently of the code under test, CSV writers for both
//! layouts and encodings, the binary, and Parquet read back with the plain `parquet` crate.
#![allow(dead_code)]

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const SPEC: &str = include_str!("../../src/reference/catalog/metrics-2021.csv");
pub const SPEC_2019: &str = include_str!("../../src/reference/catalog/metrics-2019.csv");

/// Metric ids in spec order, read straight from the spec file.
pub fn metric_ids() -> Vec<String> {
    SPEC.lines().skip(1).map(|l| l.split(',').next().unwrap().to_string()).collect()
}

/// The 2019 format's metric ids in spec order.
pub fn metric_ids_2019() -> Vec<String> {
    SPEC_2019.lines().skip(1).map(|l| l.split(',').next().unwrap().to_string()).collect()
}

/// The ids of the format whose cells `values` holds: every 2021 id, else the 2019 ones.
fn ids_of(values: &BTreeMap<String, f64>) -> Vec<String> {
    let ids = metric_ids();
    if ids.iter().all(|id| values.contains_key(id)) {
        ids
    } else {
        metric_ids_2019()
    }
}

/// A 2019-format report (国办公开办函〔2019〕60号) that satisfies every rule: the same request
/// matrix as [`consistent_report`] except that one case per applicant with enough requests lands in
/// the single （六）其他处理 row; its own 主动公开 cells, with a negative 本年增/减.
pub fn consistent_report_2019(seed: u64) -> BTreeMap<String, f64> {
    let base = consistent_report(seed);
    let mut v: BTreeMap<String, f64> = metric_ids_2019().into_iter().map(|m| (m, 0.0)).collect();
    for (k, x) in &base {
        if v.contains_key(k) {
            v.insert(k.clone(), *x);
        }
    }
    let s = seed as f64;
    v.insert("normative_docs.made".into(), 3.0 + s);
    v.insert("normative_docs.published".into(), 3.0);
    v.insert("normative_docs.published_total".into(), 40.0 + s);
    v.insert("licensing.items_prev_year".into(), 200.0);
    v.insert("licensing.items_change".into(), -(s + 1.0));
    v.insert("penalty.items_change".into(), 2.0);
    v.insert("fees.items_prev_year".into(), 30.0);
    v.insert("fees.items_change".into(), -4.0);
    v.insert("procurement.projects".into(), 5.0);
    v.insert("procurement.amount".into(), 52.15);
    for a in APPLICANTS {
        let d = v[&format!("requests.disclosed.{a}")];
        if d >= 2.0 {
            *v.get_mut(&format!("requests.disclosed.{a}")).unwrap() -= 1.0;
            *v.get_mut("requests.disclosed.total").unwrap() -= 1.0;
            v.insert(format!("requests.other_total.{a}"), 1.0);
            *v.get_mut("requests.other_total.total").unwrap() += 1.0;
        }
    }
    v
}

pub const APPLICANTS: [&str; 6] =
    ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org"];

/// A report that satisfies every rule, with magnitudes set by `seed`.
pub fn consistent_report(seed: u64) -> BTreeMap<String, f64> {
    let mut v: BTreeMap<String, f64> = metric_ids().into_iter().map(|m| (m, 0.0)).collect();
    let s = seed as f64;
    v.insert("licensing.decisions".into(), 1000.0 + 37.0 * s);
    v.insert("penalty.decisions".into(), 200.0 + 11.0 * s);
    v.insert("coercion.decisions".into(), 50.0 + 3.0 * s);
    v.insert("fees.amount".into(), 12.5 + s);
    v.insert("normative_docs.issued".into(), 2.0);
    v.insert("normative_docs.repealed".into(), 1.0);
    v.insert("normative_docs.in_force".into(), 20.0 + s);
    // Per applicant: received r, carried in c; disclosed d, partially p, not held u; carried forward f.
    for (i, a) in APPLICANTS.iter().enumerate() {
        let r = ((seed + i as u64) % 5) as f64 + if i == 0 { 10.0 } else { 0.0 };
        let c = (i % 2) as f64;
        let f = (i % 3 == 0) as u8 as f64;
        let u = if r + c - f >= 2.0 { 1.0 } else { 0.0 };
        let p = if r + c - f - u >= 3.0 { 1.0 } else { 0.0 };
        let d = r + c - f - u - p;
        for (row, val) in [
            ("received", r),
            ("carried_in", c),
            ("disclosed", d),
            ("partially_disclosed", p),
            ("unavailable.not_held", u),
            ("closed_total", d + p + u),
            ("carried_forward", f),
        ] {
            v.insert(format!("requests.{row}.{a}"), val);
            *v.get_mut(&format!("requests.{row}.total")).unwrap() += val;
        }
    }
    v.insert("review.upheld".into(), 1.0);
    v.insert("review.pending".into(), 1.0);
    v.insert("review.total".into(), 2.0);
    v.insert("litigation_direct.corrected".into(), 1.0);
    v.insert("litigation_direct.total".into(), 1.0);
    v
}

pub fn fmt(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A report to write: (code, name, year, body, values).
pub type Row<'a> = (&'a str, &'a str, i32, &'a str, &'a BTreeMap<String, f64>);

/// Long-layout CSV text for several reports.
pub fn long_csv(reports: &[Row]) -> String {
    let mut s = String::from("region_code,region_name,year,body,metric,value\n");
    for (code, name, year, body, values) in reports {
        for id in ids_of(values) {
            s.push_str(&format!("{code},{name},{year},{body},{id},{}\n", fmt(values[&id])));
        }
    }
    s
}

pub fn wide_csv(reports: &[Row]) -> String {
    let ids = metric_ids();
    let mut s = format!("region_code,region_name,year,body,{}\n", ids.join(","));
    for (code, name, year, body, values) in reports {
        let cells: Vec<String> = ids.iter().map(|id| fmt(values[id])).collect();
        s.push_str(&format!("{code},{name},{year},{body},{}\n", cells.join(",")));
    }
    s
}

pub fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, bad) = encoding_rs::GBK.encode(text);
    assert!(!bad);
    bytes.into_owned()
}

pub fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

pub fn xxgk(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xxgk")).args(args).current_dir(cwd).env("CI", "1").output().unwrap()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn read_parquet(path: &Path) -> RecordBatch {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap();
    let batches: Vec<RecordBatch> = reader.map(|b| b.unwrap()).collect();
    let schema = batches[0].schema();
    arrow::compute::concat_batches(&schema, &batches).unwrap()
}

/// Every `*.parquet` file of a folder (e.g. a rollup level, one file per year), in name order, as one batch.
pub fn read_parquet_dir(dir: &Path) -> RecordBatch {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no Parquet file in {}", dir.display());
    let batches: Vec<RecordBatch> = files.iter().map(|f| read_parquet(f)).collect();
    arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap()
}

pub fn kv_metadata(path: &Path) -> BTreeMap<String, String> {
    let file = std::fs::File::open(path).unwrap();
    let b = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    b.metadata()
        .file_metadata()
        .key_value_metadata()
        .map(|kv| kv.iter().map(|k| (k.key.clone(), k.value.clone().unwrap_or_default())).collect())
        .unwrap_or_default()
}

/// A column as strings (nulls as None), whatever its type.
pub fn strings(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let col = b.column_by_name(name).unwrap_or_else(|| panic!("no column {name}"));
    let col = arrow::compute::cast(col, &DataType::Utf8).unwrap();
    let a = col.as_string::<i32>();
    (0..a.len()).map(|i| (!a.is_null(i)).then(|| a.value(i).to_string())).collect()
}

pub fn floats(b: &RecordBatch, name: &str) -> Vec<Option<f64>> {
    let col = b.column_by_name(name).unwrap_or_else(|| panic!("no column {name}"));
    match col.data_type() {
        DataType::Int64 => {
            let a = col.as_primitive::<Int64Type>();
            (0..a.len()).map(|i| (!a.is_null(i)).then(|| a.value(i) as f64)).collect()
        }
        _ => {
            let col = arrow::compute::cast(col, &DataType::Float64).unwrap();
            let a = col.as_primitive::<Float64Type>();
            (0..a.len()).map(|i| (!a.is_null(i)).then(|| a.value(i))).collect()
        }
    }
}

/// Row index of a report in a reports table.
pub fn row_of(b: &RecordBatch, region: &str, body: &str) -> usize {
    let codes = strings(b, "region_code");
    let bodies = strings(b, "body");
    (0..b.num_rows())
        .find(|&i| codes[i].as_deref() == Some(region) && bodies[i].as_deref() == Some(body))
        .unwrap_or_else(|| panic!("no report {region} {body}"))
}

pub fn findings(out: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(out.join("validation/findings.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
    let headers = rdr.headers().unwrap().clone();
    rdr.records()
        .map(|r| headers.iter().zip(r.unwrap().iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect())
        .collect()
}

pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `validation/summary.json` of a run.
pub fn summary(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("validation/summary.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// One file's entry in the summary.
pub fn file_summary<'a>(s: &'a serde_json::Value, file: &str) -> &'a serde_json::Value {
    s["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == file)
        .unwrap_or_else(|| panic!("{file} not in the summary: {s:#}"))
}

/// Parquet files under `dir`, recursively, sorted.
pub fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(parquet_files(&p));
            } else if p.extension().is_some_and(|x| x == "parquet") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Records of a `rejected/` CSV (BOM stripped, header not counted).
pub fn rejected_rows(path: &Path) -> Vec<csv::StringRecord> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut rdr =
        csv::ReaderBuilder::new().flexible(true).from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
    rdr.records().map(|r| r.unwrap()).collect()
}

/// Nothing lost, measured twice: in `summary.json` every file's rows read = rows stored + rows
/// rejected (and the totals add up), and on disk the stored rows are the distinct (file, line) pairs
/// of the facts Parquet (plus rows kept once as `I061` duplicates), the rejected rows are the
/// records of `rejected/<file>`. A file that is not CSV text at all is copied with its `.error.txt`.
/// Returns the summary.
pub fn assert_nothing_lost(out: &Path) -> serde_json::Value {
    let s = summary(out);
    let mut stored_on_disk: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    for p in parquet_files(&out.join("parquet/facts")) {
        let b = read_parquet(&p);
        for (f, l) in strings(&b, "source_file").into_iter().zip(strings(&b, "source_line")) {
            stored_on_disk.entry(f.unwrap()).or_default().insert(l.unwrap());
        }
    }
    for f in findings(out).iter().filter(|f| f["rule"] == "I061-duplicate-cell") {
        stored_on_disk.entry(f["file"].clone()).or_default().insert(f["line"].clone());
    }
    let (mut read, mut stored, mut rejected) = (0, 0, 0);
    for f in s["files"].as_array().unwrap() {
        let name = f["file"].as_str().unwrap();
        let (r, st, rj) = (
            f["rows_read"].as_u64().unwrap(),
            f["rows_stored"].as_u64().unwrap(),
            f["rows_rejected"].as_u64().unwrap(),
        );
        assert_eq!(r, st + rj, "{name}: rows read = rows stored + rows rejected");
        let on_disk = stored_on_disk.get(name).map_or(0, |s| s.len()) as u64;
        assert_eq!(on_disk, st, "{name}: stored rows in the facts Parquet");
        let copy = out.join("rejected").join(name);
        if rj > 0 {
            let rows = rejected_rows(&copy);
            assert_eq!(rows.len() as u64, rj, "{name}: rows in rejected/");
            assert!(
                rows.iter().all(|r| !r.iter().next_back().unwrap_or("").is_empty()),
                "{name}: a reason per row"
            );
        }
        let refused = f["error"].as_str().unwrap_or("");
        if ["E001", "E002", "E003"].iter().any(|r| refused.starts_with(r)) {
            assert!(copy.is_file(), "{name}: a refused file is copied to rejected/");
            let note =
                copy.with_file_name(format!("{}.error.txt", copy.file_name().unwrap().to_string_lossy()));
            assert!(note.is_file(), "{name}: {} beside it", note.display());
        }
        read += r;
        stored += st;
        rejected += rj;
    }
    assert_eq!(s["rows_read"].as_u64(), Some(read));
    assert_eq!(s["rows_stored"].as_u64(), Some(stored));
    assert_eq!(s["rows_rejected"].as_u64(), Some(rejected));
    s
}

/// A .docx with just the parts Word needs, zipped here: `document_xml` is `word/document.xml`.
pub fn docx_bytes(document_xml: &str) -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        z.start_file("[Content_Types].xml", opts).unwrap();
        z.write_all(br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#)
            .unwrap();
        z.start_file("word/document.xml", opts).unwrap();
        z.write_all(document_xml.as_bytes()).unwrap();
        z.finish().unwrap();
    }
    buf.into_inner()
}

/// Debian's headless Chromium, for the tests that render a page or print one to PDF. Where it is
/// missing the test is skipped, saying so, except under CI (`.ci/run` installs it with
/// fonts-wqy-microhei), where a missing browser is a failure rather than a silent skip.
pub fn chromium() -> Option<PathBuf> {
    // Debian's Chromium is a Linux program: a Windows build of the tests (under wine, where the
    // path resolves) cannot start it ("Invalid handle"), whatever CI says.
    if !cfg!(unix) {
        eprintln!(
            "skipped: the browser tests drive Debian's /usr/bin/chromium, which a Windows build cannot start"
        );
        return None;
    }
    let p = PathBuf::from("/usr/bin/chromium");
    if p.exists() {
        return Some(p);
    }
    if std::env::var_os("CI").is_some() {
        panic!("CI must have /usr/bin/chromium (apt-get install -y chromium fonts-wqy-microhei)");
    }
    eprintln!("skipped: /usr/bin/chromium is not installed (apt-get install -y chromium fonts-wqy-microhei)");
    None
}

/// The flags every headless Chromium of the tests starts with: no sandbox (root), no GPU, and no
/// background connections (this machine's network is closed), a fresh profile in `profile`.
pub fn chromium_args(profile: &Path) -> Vec<String> {
    let mut args: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    .map(String::from)
    .to_vec();
    args.push(format!("--user-data-dir={}", profile.display()));
    args
}

/// The counties of 喀什地区 (653100), (code, name), straight from the shipped division table: the
/// charts and brief tests' prefecture.
pub fn kashgar_counties() -> Vec<(String, String)> {
    let text =
        std::fs::read_to_string(project_root().join("src/reference/regions/cn-admin-divisions.csv")).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| l.ends_with(",county,653100"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[1].to_string())
        })
        .collect()
}

/// metric id → value of a CSV with `metric` and `value` columns (an expected transcription, or
/// `xxgk extract`'s long output, BOM or not), read with the csv crate, not with xxgk.
pub fn metric_values(path: &Path) -> BTreeMap<String, f64> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut rdr = csv::Reader::from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
    let h = rdr.headers().unwrap().clone();
    let (m, v) =
        (h.iter().position(|c| c == "metric").unwrap(), h.iter().position(|c| c == "value").unwrap());
    rdr.records().map(|r| r.unwrap()).map(|r| (r[m].to_string(), r[v].parse().unwrap())).collect()
}
