//! Every record of a CSV text, with the line it starts on, as `csv::Reader` reads it
//! (`decode::csv_reader`: no header handling, rows of any length).
//!
//! Why not always the `csv` crate:
//! - **Lines.** The reader's `Position::line` is wrong after a CRLF (rust-csv issue #395, open: the
//!   LF of a CRLF is counted with the next record) and after blank lines (the position is taken
//!   before they are skipped): in `a\r\nb\r\nc\r\n`, the reader puts `b` on line 1 and `c` on
//!   line 2. Excel and WPS on Windows save CSV with CRLF, so every finding of such a file named the
//!   wrong line. Here a line is counted at every LF, CRLF or lone CR, and a record's line is the
//!   one its first byte is on.
//! - **Speed.** Nearly every input is plain, without a quote character, and for plain text a record
//!   is a line and a field is what lies between commas. Splitting the decoded `&str` gives `&str`
//!   fields at once, where the reader copies the text into its buffer, runs its automaton over
//!   every byte and checks every record's UTF-8 again (`decode` checked the text whole). On the
//!   national county set (11,384 files, 2.28 M rows) the reader and that second check were 0.37 s
//!   of the 5.8 s of CPU of a first run in `perf` (`csv_core` 0.21 s, `ByteRecord::validate`
//!   0.16 s).
//!
//! Text the split could read differently from the reader (a quote, a lone CR, a BOM) goes to the
//! `csv` crate, with its lines worked out from the records' byte offsets. The tests hold both
//! paths to the reader's records and fields and to the lines the text was made of.

use super::decode::{with_csv_reader, CsvReader};

/// A record: its fields and the line it starts on (1-based), or the reader's error and its line.
pub type Record<'a> = Result<(&'a [&'a str], u64), (csv::Error, u64)>;

/// A text's records: which way through it is worked out once, and the records can then be read as
/// often as needed (a file's parse reads its header, then its rows).
pub struct Records<'t> {
    text: &'t str,
    plain: bool,
}

impl<'t> Records<'t> {
    pub fn of(text: &'t str) -> Records<'t> {
        Records { text, plain: is_plain(text) }
    }

    /// Call `each` with every record, in order, until it returns `false`.
    pub fn for_each(&self, each: impl FnMut(Record<'_>) -> bool) {
        if self.plain {
            split(self.text, each)
        } else {
            read(self.text, each)
        }
    }
}

/// Call `each` with every record of `text`, in order, until it returns `false`.
pub fn for_each_record(text: &str, each: impl FnMut(Record<'_>) -> bool) {
    Records::of(text).for_each(each)
}

/// Plain text: a record a non-empty line, a field what lies between commas.
fn split(text: &str, mut each: impl FnMut(Record<'_>) -> bool) {
    let mut fields: Vec<&str> = Vec::new();
    for (n, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        // The reader skips empty lines (they are no record and count no record number).
        if line.is_empty() {
            continue;
        }
        fields.clear();
        // One pass over the bytes (a comma is one byte in UTF-8, never inside a character):
        // `str::split(',')` searched for each field anew, which cost more than the fields.
        let mut start = 0;
        for (i, &b) in line.as_bytes().iter().enumerate() {
            if b == b',' {
                fields.push(&line[start..i]);
                start = i + 1;
            }
        }
        fields.push(&line[start..]);
        if !each(Ok((&fields, n as u64 + 1))) {
            return;
        }
    }
}

/// Any text, through the `csv` reader; each record's line from its byte offset.
fn read(text: &str, mut each: impl FnMut(Record<'_>) -> bool) {
    let bytes = text.as_bytes();
    // Lines counted up to `counted`: each record's line costs only the text since the last one.
    let (mut counted, mut line) = (0usize, 1u64);
    let mut line_at = |position: Option<&csv::Position>| -> u64 {
        let from = position.map_or(counted, |p| p.byte() as usize).clamp(counted, bytes.len());
        // The reader's offset can sit before the terminator and blank lines ahead of the record.
        let start = from + bytes[from..].iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
        line += breaks(&bytes[counted..start]);
        counted = start;
        line
    };
    with_csv_reader(text, |rdr: &mut CsvReader| {
        let mut rec = csv::StringRecord::new();
        loop {
            let record = match rdr.read_record(&mut rec) {
                Ok(false) => return,
                Ok(true) => {
                    let line = line_at(rec.position());
                    let fields: Vec<&str> = rec.iter().collect();
                    each(Ok((&fields, line)))
                }
                Err(e) => {
                    let line = line_at(e.position());
                    each(Err((e, line)))
                }
            };
            if !record {
                return;
            }
        }
    })
}

/// Line breaks in `bytes`: each LF, CRLF and lone CR.
fn breaks(bytes: &[u8]) -> u64 {
    let lf = bytes.iter().filter(|&&b| b == b'\n').count();
    let lone_cr =
        bytes.iter().enumerate().filter(|&(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n')).count();
    (lf + lone_cr) as u64
}

/// Text the line-and-comma split reads as the reader does: no quote, no CR but before LF, no BOM.
fn is_plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    if text.starts_with('\u{FEFF}') || bytes.contains(&b'"') {
        return false;
    }
    // Most files have no CR at all (`contains` on bytes is a `memchr`): only a CRLF file is walked.
    if !bytes.contains(&b'\r') {
        return true;
    }
    let mut from = 0;
    while let Some(i) = bytes[from..].iter().position(|&b| b == b'\r') {
        let at = from + i;
        if bytes.get(at + 1) != Some(&b'\n') {
            return false;
        }
        from = at + 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type Records = Vec<(u64, Vec<String>)>;
    /// One of the two ways through a text (or both, `for_each_record`).
    type Path = fn(&str, &mut dyn FnMut(Record<'_>) -> bool);

    fn collect(path: Path, text: &str) -> Records {
        let mut out = Vec::new();
        path(text, &mut |r| {
            let (fields, line) = r.expect("no errors in these texts");
            out.push((line, fields.iter().map(|f| f.to_string()).collect()));
            true
        });
        out
    }

    fn by_split(text: &str, each: &mut dyn FnMut(Record<'_>) -> bool) {
        split(text, each)
    }

    fn by_reader(text: &str, each: &mut dyn FnMut(Record<'_>) -> bool) {
        read(text, each)
    }

    /// What the `csv` reader itself reads: each record's fields (its lines are wrong, see above).
    fn reader_fields(text: &str) -> Vec<Vec<String>> {
        let mut rdr = super::super::decode::csv_reader(text);
        let mut rec = csv::StringRecord::new();
        let mut out = Vec::new();
        while rdr.read_record(&mut rec).expect("reads") {
            out.push(rec.iter().map(str::to_string).collect());
        }
        out
    }

    /// A text made of `lines` joined by their terminators, and the records it holds with the
    /// line each is on (the non-empty lines): the answer both paths must give.
    fn made_of(lines: &[(String, &str)]) -> (String, Records) {
        let text: String = lines.iter().map(|(l, t)| format!("{l}{t}")).collect();
        let expected = lines
            .iter()
            .enumerate()
            .filter(|(_, (l, _))| !l.is_empty())
            .map(|(i, (l, _))| (i as u64 + 1, l.split(',').map(str::to_string).collect()))
            .collect();
        (text, expected)
    }

    #[test]
    fn crlf_and_blank_lines_give_the_lines_records_are_on() {
        // rust-csv #395: the reader says 1, 1, 2 here.
        let (text, expected) = made_of(&[("a".into(), "\r\n"), ("b".into(), "\r\n"), ("c".into(), "\r\n")]);
        assert_eq!(collect(by_split, &text), expected);
        assert_eq!(collect(by_reader, &text), expected);
        assert_eq!(expected.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2, 3]);
        let quoted = "a\r\n\r\n\"x\ny\",b\r\nc\r\n";
        assert_eq!(
            collect(for_each_record_dyn, quoted),
            vec![(1, vec!["a".to_string()]), (3, vec!["x\ny".into(), "b".into()]), (5, vec!["c".into()])]
        );
        let lone_cr = "a\rb\r\rc";
        assert_eq!(collect(for_each_record_dyn, lone_cr).iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2, 4]);
    }

    fn for_each_record_dyn(text: &str, each: &mut dyn FnMut(Record<'_>) -> bool) {
        for_each_record(text, each)
    }

    #[test]
    fn quotes_lone_cr_and_bom_are_not_split() {
        for text in ["a,\"b,c\"\n", "a\rb\n", "\u{FEFF}a,b\n", "a,b\r"] {
            assert!(!is_plain(text), "{text:?}");
        }
        assert!(is_plain("a,b\r\n东城区,\n"));
    }

    #[test]
    fn an_unclosed_quote_is_read_to_the_end_on_its_line() {
        // The reader is lenient: a quote never closed takes the rest of the text as its field.
        let mut got = Vec::new();
        for_each_record("a\r\n\r\n\"b\r\nc", |r| {
            let (fields, line) = r.expect("the reader refuses only bytes that are not UTF-8");
            got.push((line, fields.concat()));
            true
        });
        assert_eq!(got, [(1, "a".to_string()), (3, "b\r\nc".to_string())]);
    }

    proptest! {
        #[test]
        fn both_paths_read_every_record_on_its_line(
            lines in proptest::collection::vec(
                (
                    proptest::collection::vec(prop_oneof![Just(""), Just("a"), Just("东城区"), Just(" "), Just("\t"), Just("2023")], 0..4),
                    prop_oneof![Just("\n"), Just("\r\n")],
                ),
                0..12,
            ),
            last in prop_oneof![Just(""), Just("\n"), Just("\r\n")],
        ) {
            let mut lines: Vec<(String, &str)> = lines.into_iter().map(|(f, t)| (f.join(","), t)).collect();
            if let Some(l) = lines.last_mut() {
                l.1 = last;
            }
            let (text, expected) = made_of(&lines);
            prop_assert!(is_plain(&text));
            prop_assert_eq!(&collect(by_split, &text), &expected);
            prop_assert_eq!(&collect(by_reader, &text), &expected);
            let fields: Vec<Vec<String>> = expected.into_iter().map(|(_, f)| f).collect();
            prop_assert_eq!(reader_fields(&text), fields);
        }
    }
}
