//! What a terminal user sees: a closed pipe ends a command quietly with success, and tables with
//! Chinese file names, labels and units line up (each Chinese character is two columns wide).

mod common;

use common::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use unicode_width::UnicodeWidthStr;

/// `xxgk metrics | head -2`: the reader stops after two lines and closes the pipe.
#[test]
fn a_closed_pipe_is_a_quiet_success() {
    for args in [&["metrics"][..], &["metrics", "--harmonized"], &["metrics", "--csv"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_xxgk"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert!(lines.next().unwrap().unwrap().len() > 5);
        assert!(lines.next().unwrap().unwrap().len() > 5);
        drop(lines);
        let out = child.wait_with_output().unwrap();
        assert_eq!(stderr(&out), "", "{args:?}");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
    }
}

/// The display column at which the text after `skip` fields (separated by runs of spaces) starts.
fn column_of_field(line: &str, skip: usize) -> usize {
    let mut fields = 0;
    let mut in_space = false;
    let mut at = 0;
    for (i, ch) in line.char_indices() {
        if ch == ' ' {
            in_space = true;
        } else {
            if in_space || i == 0 {
                if fields == skip {
                    return at;
                }
                fields += 1;
            }
            in_space = false;
        }
        at += ch.to_string().width();
    }
    panic!("{line:?} has fewer than {skip} fields")
}

#[test]
fn metrics_columns_line_up_by_display_width() {
    let out = xxgk(&["metrics"], &project_root());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    // id (52 columns, more when longer), unit (6), label: the label starts 7 columns after the unit
    // on every line, whatever the unit's width (件 is two columns, 万元 four).
    let mut widths = std::collections::BTreeSet::new();
    for l in text.lines() {
        let unit = column_of_field(l, 1);
        assert_eq!(unit, l.split(' ').next().unwrap().len().max(52) + 1, "{l}");
        assert_eq!(column_of_field(l, 2), unit + 7, "{l}");
        widths.insert(l.split_whitespace().nth(1).unwrap().width());
    }
    assert!(widths.contains(&2) && widths.contains(&4), "units seen: {widths:?}");
}

#[test]
fn validate_and_summary_tables_line_up_with_chinese_file_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut report = consistent_report(3);
    // Breaks 申请办理's balance (R-rules), so validate lists a finding for each file.
    report.insert("requests.received.natural_person".into(), 9999.0);
    let csv = long_csv(&[("653128", "岳普湖县", 2023, "", &report)]);
    write(&dir.path().join("岳普湖县人民政府2023年报.csv"), &csv);
    write(&dir.path().join("a.csv"), csv.replace("653128", "653129"));
    let out = xxgk(&["validate", "."], dir.path());
    let text = stdout(&out);
    // The findings table: the rule column starts after `level`, the message after four columns.
    let rows: Vec<&str> = text
        .lines()
        .take_while(|l| !l.is_empty())
        .filter(|l| l.contains(".csv") || l.starts_with("level"))
        .collect();
    assert!(rows.len() >= 3, "{text}");
    let message_starts: std::collections::BTreeSet<usize> =
        rows.iter().map(|l| column_of_field(l, 4)).collect();
    assert_eq!(message_starts, [7 + 1 + 28 + 1 + 40 + 1 + 24 + 1].into(), "{text}");
    // The per-file summary: the `read` counts end at the same column for both files.
    let ends: std::collections::BTreeSet<usize> = text
        .lines()
        .filter(|l| l.contains(".csv  ") || l.starts_with("file "))
        .map(|l| column_of_field(l, 1) + l.split_whitespace().nth(1).unwrap().width())
        .collect();
    assert_eq!(ends.len(), 1, "{text}");
}
