//! Property tests (proptest, few cases so `cargo test` stays fast):
//! - any report, in either format (2019 or 2021, told from its metric ids), written in either layout
//!   and any accepted encoding, with values typed any accepted way, round-trips to exactly the same
//!   Parquet values;
//! - any single corrupted cell of a consistent report's request matrix or appeals table is caught by
//!   a rule R1–R4 that names that cell's row or column.

mod common;
use common::*;
use proptest::prelude::*;
use xxgk::model::Report;
use xxgk::model::ReportKey;
use xxgk::reference::catalog::{catalog, Format, Kind};

#[derive(Debug, Clone, Copy)]
enum Encoding {
    Utf8,
    Utf8Bom,
    Gbk,
    Utf16Le,
}

fn encode(text: &str, e: Encoding) -> Vec<u8> {
    match e {
        Encoding::Utf8 => text.as_bytes().to_vec(),
        Encoding::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        Encoding::Gbk => gbk(text),
        Encoding::Utf16Le => {
            let mut b = vec![0xFF, 0xFE];
            b.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            b
        }
    }
}

/// A cell as someone might type it; `None` is one of the "not reported" marks.
fn typed(v: Option<u64>, kind: Kind, style: u8) -> (String, Option<f64>) {
    let Some(v) = v else {
        return (["", "-", "—", "/", "／"][style as usize % 5].to_string(), None);
    };
    if kind == Kind::Change {
        // 本年增/减: signed, as `-8` or `减少8`.
        let signed = (v % 1000) as i64 - 500;
        let text = match (signed < 0, style % 2) {
            (true, 0) => format!("减少{}", -signed),
            _ => signed.to_string(),
        };
        return (text, Some(signed as f64));
    }
    if kind == Kind::Amount {
        // 万元 with two decimals: the stored value is exactly what parsing the text gives.
        let text = format!("{}.{:02}", v / 100, v % 100);
        let value = text.parse().unwrap();
        return (text, Some(value));
    }
    let plain = v.to_string();
    let text = match style % 3 {
        0 => plain,
        // Thousands separators.
        1 => {
            let digits: Vec<char> = plain.chars().collect();
            let mut s = String::new();
            for (i, c) in digits.iter().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    s.push(',');
                }
                s.push(*c);
            }
            s
        }
        // Full-width digits.
        _ => plain.chars().map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap()).collect(),
    };
    (text, Some(v as f64))
}

fn csv_text(rows: &[Vec<String>]) -> String {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    for r in rows {
        w.write_record(r).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

const BODIES: [&str; 5] = ["", "县人民政府", "办公室, 信息公开科", "“引号” \"quoted\"", "两行\n正文"];

fn round_trip(
    values: &[Option<u64>],
    styles: &[u8],
    wide: bool,
    enc: Encoding,
    body: &str,
    year: i32,
    format: Format,
) -> Result<(), TestCaseError> {
    let c = catalog();
    let typed: Vec<(String, Option<f64>)> =
        c.metrics().iter().map(|m| typed(values[m.index], m.kind, styles[m.index])).collect();
    let cells: Vec<&xxgk::reference::catalog::Metric> =
        c.form(format).cells.iter().map(|x| c.metric(x.metric)).collect();
    let mut rows = Vec::new();
    if wide {
        let mut header = vec!["region_code".to_string(), "year".into(), "body".into()];
        header.extend(cells.iter().map(|m| m.id.clone()));
        let mut row = vec!["653128".to_string(), year.to_string(), body.to_string()];
        row.extend(cells.iter().map(|m| typed[m.index].0.clone()));
        rows = vec![header, row];
    } else {
        rows.push(["region_code", "year", "body", "metric", "value"].map(String::from).to_vec());
        for m in &cells {
            rows.push(vec![
                "653128".into(),
                year.to_string(),
                body.into(),
                m.id.clone(),
                typed[m.index].0.clone(),
            ]);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("in/r.csv"), encode(&csv_text(&rows), enc));
    let out = dir.path().join("out");
    let lock = xxgk::store::atomic::lock(&out).unwrap();
    let staging = xxgk::store::atomic::Staging::new(&out, &lock).unwrap();
    let opts = xxgk::pipeline::IngestOptions {
        inputs: vec![dir.path().join("in")],
        strict: false,
        quiet: true,
        max_year: Some(2024),
        cache_in: None,
    };
    let ingested = xxgk::pipeline::ingest_into(&staging, &opts).unwrap();
    staging.commit(&xxgk::store::INGEST_PRODUCTS).unwrap();
    let errors: Vec<String> =
        ingested.findings.iter().filter(|f| f.rule.id().starts_with('E')).map(|f| f.to_string()).collect();
    prop_assert!(errors.is_empty(), "{:?}", errors);
    let s = assert_nothing_lost(&out);
    prop_assert_eq!(s["rows_rejected"].as_u64(), Some(0));
    let b = read_parquet_dir(&out.join(format!("parquet/reports/year={year}")));
    prop_assert_eq!(b.num_rows(), 1);
    prop_assert_eq!(strings(&b, "body")[0].clone(), Some(body.to_string()));
    prop_assert_eq!(strings(&b, "format")[0].clone(), Some(format.as_str().to_string()));
    for m in c.metrics() {
        // A cell the format does not print is a null column of this report.
        let want = if m.in_format(format) { typed[m.index].1 } else { None };
        prop_assert_eq!(floats(&b, &m.column)[0], want, "{} written {:?}", m.id, typed[m.index].0);
    }
    let facts = read_parquet_dir(&out.join(format!("parquet/facts/year={year}")));
    prop_assert_eq!(facts.num_rows(), cells.len());
    let from_facts = floats(&facts, "value");
    for (k, id) in strings(&facts, "metric").iter().enumerate() {
        let m = c.get(id.as_deref().unwrap()).unwrap();
        prop_assert_eq!(from_facts[k], typed[m.index].1, "facts {}", m.id);
    }
    Ok(())
}

fn encodings() -> impl Strategy<Value = Encoding> {
    prop_oneof![Just(Encoding::Utf8), Just(Encoding::Utf8Bom), Just(Encoding::Gbk), Just(Encoding::Utf16Le)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn any_report_round_trips_to_the_same_parquet_values(
        values in prop::collection::vec(prop::option::weighted(0.9, 0u64..100_000_000_000), catalog().len()),
        styles in prop::collection::vec(any::<u8>(), catalog().len()),
        wide in any::<bool>(),
        enc in encodings(),
        body in prop::sample::select(BODIES.to_vec()),
        year in 2019i32..=2024,
        old_template in any::<bool>(),
    ) {
        // 2019 and 2020 are always on the 2019 table; later years on either (bodies kept the old one).
        let format = if year < 2021 || old_template { Format::F2019 } else { Format::F2021 };
        round_trip(&values, &styles, wide, enc, body, year, format)?;
    }

    #[test]
    fn any_single_corrupted_cell_is_caught_naming_its_row_or_column(
        seed in 0u64..1000,
        cell in 0usize..1000,
        k in prop_oneof![-50i64..=-1, 1i64..=50],
    ) {
        let c = catalog();
        let good = consistent_report(seed);
        let mut r = Report::new(ReportKey { region: 653128, year: 2023, body: String::new() });
        for (id, v) in &good {
            r.values[c.known(id)] = Some(*v);
        }
        prop_assert_eq!(xxgk::model::check_report(&r), vec![]);
        // The cells the rules cover: the request matrix and the three appeal groups.
        let f = c.form(Format::F2021);
        let mut cells: Vec<usize> = f.matrix.iter().flat_map(|row| row.cells).collect();
        cells.extend(f.appeal_groups.iter().flat_map(|g| g.parts.iter().copied().chain([g.total])));
        let target = cells[cell % cells.len()];
        r.values[target] = Some(r.v(target) + k as f64);
        let breaches = xxgk::model::check_report(&r);
        let hit = c.metric(target);
        let group = |id: &str| id.split('.').next().unwrap().to_string();
        let names_it = |b: &xxgk::model::Breach| {
            let m = c.metric(b.metric);
            let rule = b.rule.id();
            if hit.applicant.is_some() {
                ["R1", "R2", "R3"].iter().any(|r| rule.starts_with(r))
                    && (m.item == hit.item || m.applicant == hit.applicant)
            } else {
                rule.starts_with("R4") && group(&m.id) == group(&hit.id)
            }
        };
        prop_assert!(breaches.iter().any(names_it), "{} {:+}: {:?}", hit.id, k, breaches);
        // And the sums are off by exactly k where the breach is on the cell's own row.
        let own = breaches.iter().find(|b| c.metric(b.metric).item == hit.item || b.metric == target);
        if let Some(b) = own {
            prop_assert_eq!((b.actual - b.expected).abs(), k.unsigned_abs() as f64);
        }
    }
}
