//! Find the input CSV files: files given directly, and every `*.csv` under a folder (recursively,
//! in a stable order, following symlinks but not their loops).

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct InputFile {
    pub path: PathBuf,
    /// Path relative to the input root it was found under; `rejected/` mirrors it.
    pub rel: PathBuf,
    /// `rel` as text, the name findings and Parquet use for this file.
    pub display: String,
}

impl InputFile {
    /// A file known only by name (bytes parsed from memory, tests, the fuzz target).
    pub fn named(name: &str) -> InputFile {
        InputFile { path: PathBuf::from(name), rel: PathBuf::from(name), display: name.to_string() }
    }
}

/// A path that could not be walked (permissions, a symlink loop); reported, never fatal.
#[derive(Debug, Clone)]
pub struct WalkProblem {
    pub path: String,
    pub what: String,
}

fn is_csv(p: &Path) -> bool {
    p.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("csv"))
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
            files.push(InputFile { path: input.clone(), display: display(&name), rel: name });
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
                Ok(e) if e.file_type().is_file() && is_csv(e.path()) => {
                    let rel = prefix.join(e.path().strip_prefix(input).unwrap_or(e.path()));
                    files.push(InputFile { path: e.path().to_path_buf(), display: display(&rel), rel });
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
