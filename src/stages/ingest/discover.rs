//! Find the input files: files given directly, and under a folder every `*.csv`, every workbook
//! (`*.xlsx`, `*.xlsm`, `*.xls`, `*.ods`; see `workbook`; not Excel's `~$` lock files) and every report file
//! (`*.txt`, `*.htm`, `*.html`, `*.docx`; see `report`) recursively, in a stable order, following
//! symlinks but not their loops. Files of the kinds users drop beside reports but xxgk does not read
//! (`.doc`, `.wps`, `.xls`, `.xlsx`, pictures) are taken too, to be listed with what to do.

use crate::model::{InputFile, InputKind};
use crate::support::filekind::extension;
use std::path::{Path, PathBuf};

impl InputFile {
    /// A file known only by name (bytes parsed from memory, tests, the fuzz target).
    pub fn named(name: &str) -> InputFile {
        InputFile {
            path: PathBuf::from(name),
            rel: PathBuf::from(name),
            display: name.to_string(),
            kind: kind_of(Path::new(name)),
        }
    }

    fn new(path: PathBuf, rel: PathBuf) -> InputFile {
        let kind = kind_of(&path);
        InputFile::of_kind(path, rel, kind)
    }

    fn of_kind(path: PathBuf, rel: PathBuf, kind: InputKind) -> InputFile {
        InputFile { path, display: display(&rel), rel, kind }
    }
}

/// A path that could not be walked (permissions, a symlink loop); reported, never fatal.
#[derive(Debug, Clone)]
pub struct WalkProblem {
    pub path: String,
    pub what: String,
}

/// Report files are told by their extension, and so are the kinds xxgk recognises but does not read
/// (old Word, spreadsheets, pictures: the report path names them); anything else given by name is
/// read as CSV, as before.
fn kind_of(p: &Path) -> InputKind {
    kind_of_name(&file_name(p))
}

/// [`kind_of`] a file name. (Every test here is on the name: a walk takes it from the entry once.)
fn kind_of_name(name: &str) -> InputKind {
    if crate::stages::ingest::workbook::is_workbook_file_name(name) {
        InputKind::Workbook
    } else if crate::stages::ingest::report::is_report_file_name(name) || is_other_kind(name) {
        InputKind::Report
    } else {
        InputKind::Csv
    }
}

fn file_name(p: &Path) -> std::borrow::Cow<'_, str> {
    p.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
}

/// What a folder walk takes: CSVs and report files, but not the logs and error notes xxgk itself
/// writes beside them (`*.log.txt` in `extracted/`, `*.error.txt` in `rejected/`), so that a
/// `rejected/` or `extracted/` folder can be fed back as it is.
fn is_input(name: &str) -> bool {
    let csv = extension(name).is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    // No letter of these suffixes is the lower case of a non-ASCII one: ASCII case is enough.
    let ends_with = |suffix: &str| {
        name.len() >= suffix.len()
            && name.as_bytes()[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    };
    let own_note = ends_with(".log.txt") || ends_with(".error.txt");
    csv || crate::stages::ingest::workbook::is_workbook_file_name(name)
        || (crate::stages::ingest::report::is_report_file_name(name) && !own_note)
        || is_other_kind(name)
}

/// A `.doc`, a picture and the like: taken so that the run summary lists it with a sentence saying
/// what to do, instead of skipping it without a word.
fn is_other_kind(name: &str) -> bool {
    extension(name).is_some_and(crate::support::filekind::is_known_other_name)
}

fn display(rel: &Path) -> String {
    rel.to_string_lossy().replace('\\', "/")
}

/// Expand inputs into files. With several roots, `rel` is prefixed by the root's own name so that
/// two roots' files never collide in `rejected/`.
pub fn discover(inputs: &[PathBuf]) -> Result<(Vec<InputFile>, Vec<WalkProblem>), std::io::Error> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let several = inputs.len() > 1;
    for input in inputs {
        let meta = std::fs::metadata(input)
            .map_err(|e| std::io::Error::new(e.kind(), format!("input {}: {e}", input.display())))?;
        if meta.is_file() {
            let name = PathBuf::from(input.file_name().unwrap_or(input.as_os_str()));
            files.push(InputFile::new(input.clone(), name));
            continue;
        }
        let prefix = if several {
            PathBuf::from(input.file_name().unwrap_or(input.as_os_str()))
        } else {
            PathBuf::new()
        };
        let walker = walkdir::WalkDir::new(input).follow_links(true).sort_by_file_name();
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    let name = e.file_name().to_string_lossy();
                    if is_input(&name) {
                        let kind = kind_of_name(&name);
                        let rel = prefix.join(e.path().strip_prefix(input).unwrap_or(e.path()));
                        files.push(InputFile::of_kind(e.path().to_path_buf(), rel, kind));
                    }
                }
                Ok(_) => {}
                Err(err) => problems.push(WalkProblem {
                    path: err
                        .path()
                        .map(|p| display(p.strip_prefix(input).unwrap_or(p)))
                        .unwrap_or_else(|| input.display().to_string()),
                    what: if err.loop_ancestor().is_some() {
                        "symlink loop: this folder links back to one of its own parents; not followed".into()
                    } else {
                        err.to_string()
                    },
                }),
            }
        }
    }
    Ok((files, problems))
}
