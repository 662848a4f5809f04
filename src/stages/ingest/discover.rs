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
            seen: None,
        }
    }

    fn new(path: PathBuf, rel: PathBuf) -> InputFile {
        let kind = kind_of(&path);
        InputFile::of_kind(path, rel, kind, None)
    }

    fn of_kind(path: PathBuf, rel: PathBuf, kind: InputKind, seen: Option<(u64, u128)>) -> InputFile {
        InputFile { path, display: display(&rel), rel, kind, seen }
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
        match walk_in_parallel(input, &prefix) {
            Some(found) => files.extend(found),
            None => walk(input, &prefix, &mut files, &mut problems),
        }
    }
    Ok((files, problems))
}

/// Files found under `input` walking its top-level folders in parallel, in [`walk`]'s order;
/// `None` when a symlink or an entry that cannot be read is met anywhere, for [`walk`] to walk.
///
/// Why: walking the national set's 337 folders of 11,384 files took 22 ms on one core with
/// `walkdir`, the longest step before a one-file re-run could look anything up; a third of it was
/// `walkdir` sorting each folder by file name, which it parses out of each entry's path at every
/// comparison. Here each folder's names are read once and sorted, and the top-level folders are
/// walked at once. Following a link, one walk of a subfolder would not know the folders above it
/// and could take a loop back to the top for files: with a link anywhere, or anything [`walk`]
/// would report, the input is walked as a whole instead.
fn walk_in_parallel(input: &Path, prefix: &Path) -> Option<Vec<InputFile>> {
    use rayon::prelude::*;
    let parts: Vec<Option<Vec<InputFile>>> = listing(input)?
        .into_par_iter()
        .map(|entry| {
            let mut files = Vec::new();
            visit(entry, prefix, &mut files)?;
            Some(files)
        })
        .collect();
    // Moved, not `concat`ed, which cloned every file's paths and name.
    Some(parts.into_iter().collect::<Option<Vec<Vec<InputFile>>>>()?.into_iter().flatten().collect())
}

/// A folder's entries, by file name as `walkdir`'s `sort_by_file_name` orders them: name, type
/// (from the listing, not a `stat`) and the entry.
type Entry = (std::ffi::OsString, std::fs::FileType, std::fs::DirEntry);

fn listing(dir: &Path) -> Option<Vec<Entry>> {
    let mut entries = Vec::new();
    for e in std::fs::read_dir(dir).ok()? {
        let e = e.ok()?;
        entries.push((e.file_name(), e.file_type().ok()?, e));
    }
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Some(entries)
}

/// An entry of a folder whose path relative to the input is `rel_dir`: an input file is added to
/// `files`, a folder walked; `None` for a link or what cannot be read.
fn visit((name, ty, entry): Entry, rel_dir: &Path, files: &mut Vec<InputFile>) -> Option<()> {
    if ty.is_symlink() {
        return None;
    }
    if ty.is_dir() {
        let rel = rel_dir.join(&name);
        for entry in listing(&entry.path())? {
            visit(entry, &rel, files)?;
        }
    } else if ty.is_file() {
        files.extend(input_file(&name, entry.path(), || rel_dir.join(&name), || seen(&entry)));
    }
    Some(())
}

/// Size and modification time of a file met in a folder listing. On Unix a `stat` relative to the
/// open folder (`fstatat`), the name alone looked up: a one-file re-run of the national set
/// compares 11,384 files' stamps, and a `stat` of each whole path (five folders deep) at lookup was
/// 6–9 % of its CPU samples, the kernel walking the same folders again. Stamped here, the re-run
/// took 493 against 532 ms of CPU (`perf stat`, medians of 12 alternating runs, 2026-12-07) but
/// only 287 against 292.5 ms of wall time (16): the walk runs beside the manifest's decoding and
/// is now the longer of the two. Elsewhere `None`, and the cache takes the stamp of the path as
/// before (on Windows the listing's own times can lag behind a file still open for writing).
#[cfg(unix)]
fn seen(entry: &std::fs::DirEntry) -> Option<(u64, u128)> {
    crate::model::file::size_and_mtime(&entry.metadata().ok()?)
}

#[cfg(not(unix))]
fn seen(_: &std::fs::DirEntry) -> Option<(u64, u128)> {
    None
}

/// The file `name` at `path` as an input, `rel` its path from the input root, if a walk takes it
/// ([`is_input`]); both walks find their files through here.
fn input_file(
    name: &std::ffi::OsStr,
    path: impl Into<PathBuf>,
    rel: impl FnOnce() -> PathBuf,
    seen: impl FnOnce() -> Option<(u64, u128)>,
) -> Option<InputFile> {
    let text = name.to_string_lossy();
    is_input(&text).then(|| InputFile::of_kind(path.into(), rel(), kind_of_name(&text), seen()))
}

/// The files under `input` following symlinks but not their loops; what cannot be walked goes
/// to `problems`.
fn walk(input: &Path, prefix: &Path, files: &mut Vec<InputFile>, problems: &mut Vec<WalkProblem>) {
    let walker = walkdir::WalkDir::new(input).follow_links(true).sort_by_file_name();
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() => files.extend(input_file(
                e.file_name(),
                e.path(),
                || prefix.join(e.path().strip_prefix(input).unwrap_or(e.path())),
                || None,
            )),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn names(files: &[InputFile]) -> Vec<(String, String, InputKind)> {
        files.iter().map(|f| (f.display.clone(), f.path.display().to_string(), f.kind)).collect()
    }

    #[test]
    fn the_parallel_walk_finds_what_the_walk_finds_in_its_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("in");
        for d in ["b/deep/er", "a", "c", "b2"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        for f in [
            "z.csv",
            "a/1.csv",
            "a/2.TXT",
            "a/2.log.txt",
            "b/x.docx",
            "b/deep/y.csv",
            "b/deep/er/z.xlsx",
            "b/~$lock.xlsx",
            "b2/p.pdf",
            "b2/notes.md",
            "c.csv",
            "A.csv",
            "b/deep.csv",
        ] {
            std::fs::write(root.join(f), "1").unwrap();
        }
        let (mut walked, mut problems) = (Vec::new(), Vec::new());
        walk(&root, Path::new("pre"), &mut walked, &mut problems);
        assert!(problems.is_empty());
        let parallel = walk_in_parallel(&root, Path::new("pre")).expect("no link, nothing unreadable");
        assert_eq!(names(&parallel), names(&walked));
        // The parallel walk stamps each file as a `stat` of its path would (on Unix; elsewhere
        // the cache stats the path itself).
        for f in &parallel {
            let expected = if cfg!(unix) {
                crate::model::file::size_and_mtime(&std::fs::metadata(&f.path).unwrap())
            } else {
                None
            };
            assert!(f.seen.is_some() == cfg!(unix));
            assert_eq!(f.seen, expected, "{}", f.display);
        }
        let found: Vec<&str> = walked.iter().map(|f| f.display.as_str()).collect();
        assert_eq!(
            found,
            [
                "pre/A.csv",
                "pre/a/1.csv",
                "pre/a/2.TXT",
                "pre/b/deep/er/z.xlsx",
                "pre/b/deep/y.csv",
                "pre/b/deep.csv",
                "pre/b/x.docx",
                "pre/b/~$lock.xlsx",
                "pre/b2/p.pdf",
                "pre/c.csv",
                "pre/z.csv",
            ]
        );
    }

    /// Unix only: making a symlink on Windows needs a privilege a test cannot count on.
    #[cfg(unix)]
    #[test]
    fn a_folder_with_a_symlink_is_walked_whole() {
        let dir = tempfile::tempdir().unwrap();
        let (root, elsewhere) = (dir.path().join("in"), dir.path().join("elsewhere"));
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("y.csv"), "1").unwrap();
        std::fs::write(root.join("sub/a.csv"), "1").unwrap();
        std::os::unix::fs::symlink(&elsewhere, root.join("sub/linked")).unwrap();
        assert!(walk_in_parallel(&root, Path::new("")).is_none());
        let (files, problems) = discover(std::slice::from_ref(&root)).unwrap();
        assert!(problems.is_empty());
        let found: Vec<&str> = files.iter().map(|f| f.display.as_str()).collect();
        assert_eq!(found, ["sub/a.csv", "sub/linked/y.csv"]);
    }
}
