//! The layers of `src/` stay layers: a module imports only from layers below its own, the stages
//! do not reach into each other (ingest calls extract through the items `stages::extract` itself
//! declares, never its submodules), and the top-level modules form no cycle. See
//! `docs/architecture.md` and `src/lib.rs`.
//!
//! The check reads the source text: every `crate::a::b` path (in `use` lines and in code), comments
//! aside. It is a test, not a lint, so it runs wherever `cargo test` does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The units of `src/`, bottom to top, with their layer. Units of one layer may not import each
/// other, except as `ALLOWED_SIDEWAYS` says.
const LAYERS: &[(&str, u8)] = &[
    ("support", 1),
    ("reference", 2),
    ("model", 3),
    ("stages::validate", 4),
    ("stages::extract", 4),
    ("stages::ingest", 4),
    ("stages::synth", 4),
    ("store", 5),
    ("rollup", 6),
    ("charts", 7),
    ("workbooks", 8),
    ("pipeline", 9),
    ("cmd", 10),
];

/// (from, to): a unit that may use another of its own layer, through `to`'s own items only.
const ALLOWED_SIDEWAYS: &[(&str, &str)] = &[("stages::ingest", "stages::extract")];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Import {
    file: String,
    line: usize,
    text: String,
    from: String,
    to: String,
    /// The path's segment after the unit (`cells` in `crate::stages::extract::cells::Cells`).
    next: Option<String>,
}

fn unit_of(rel: &Path) -> Option<String> {
    let parts: Vec<String> =
        rel.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
    let first = parts.first()?;
    match first.as_str() {
        "lib" | "main" => None,
        "stages" => parts.get(1).filter(|p| p.as_str() != "mod").map(|p| format!("stages::{p}")),
        _ => Some(first.clone()),
    }
}

fn unit_of_path(segments: &[&str]) -> Option<String> {
    let first = *segments.first()?;
    if first == "stages" {
        return segments.get(1).map(|s| format!("stages::{s}"));
    }
    Some(first.to_string())
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Every `crate::…` path in a line of code: `crate::a::b::C` gives `[a, b, C]`; `crate::{a, b::c}`
/// gives `[a]` and `[b, c]`.
fn paths_in(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before_ok = at == 0 || !rest[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        let after = &rest[at + "crate::".len()..];
        rest = after;
        if !before_ok {
            continue;
        }
        if let Some(group) = after.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or("");
            for item in inner.split(',') {
                let segs = segments(item.trim());
                if !segs.is_empty() {
                    out.push(segs);
                }
            }
        } else {
            let segs = segments(after);
            if !segs.is_empty() {
                out.push(segs);
            }
        }
    }
    out
}

fn segments(s: &str) -> Vec<String> {
    let mut segs = Vec::new();
    let mut rest = s;
    loop {
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        segs.push(rest[..end].to_string());
        match rest[end..].strip_prefix("::") {
            Some(r) if r.starts_with(|c: char| c.is_alphanumeric() || c == '_') => rest = r,
            _ => break,
        }
    }
    segs
}

/// Every import of one unit by another in the source tree under `src`.
fn imports(src: &Path) -> Vec<Import> {
    let mut files = Vec::new();
    rs_files(src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let rel = path.strip_prefix(src).unwrap_or(&path).to_path_buf();
        let Some(from) = unit_of(&rel) else { continue };
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for segs in paths_in(code) {
                let refs: Vec<&str> = segs.iter().map(String::as_str).collect();
                let Some(to) = unit_of_path(&refs) else { continue };
                if to == from {
                    continue;
                }
                let skip = if to.starts_with("stages::") { 2 } else { 1 };
                out.push(Import {
                    file: format!("src/{}", rel.display()).replace('\\', "/"),
                    line: n + 1,
                    text: line.trim().to_string(),
                    from: from.clone(),
                    to,
                    next: segs.get(skip).cloned(),
                });
            }
        }
    }
    out
}

/// The submodules a unit declares (`mod x;` files and folders), so that a sideways import can be
/// told to reach into one.
fn submodules(src: &Path, unit: &str) -> BTreeSet<String> {
    let dir = src.join(unit.replace("::", "/"));
    let mut out = BTreeSet::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().trim_end_matches(".rs").to_string();
            if name != "mod" {
                out.insert(name);
            }
        }
    }
    out
}

/// What is wrong with the imports under `src`, one line each; empty when the layers hold.
fn problems(src: &Path) -> Vec<String> {
    let layer: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let mut out = Vec::new();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for imp in imports(src) {
        graph.entry(imp.from.clone()).or_default().insert(imp.to.clone());
        let (Some(&lf), Some(&lt)) = (layer.get(imp.from.as_str()), layer.get(imp.to.as_str())) else {
            out.push(format!(
                "{}:{}: `{}` or `{}` is in no layer (add it to LAYERS): {}",
                imp.file, imp.line, imp.from, imp.to, imp.text
            ));
            continue;
        };
        if lt > lf {
            out.push(format!(
                "{}:{}: {} (layer {lf}) imports {} (layer {lt}), a layer above it: {}",
                imp.file, imp.line, imp.from, imp.to, imp.text
            ));
        } else if lt == lf {
            let allowed = ALLOWED_SIDEWAYS.iter().any(|&(f, t)| f == imp.from && t == imp.to);
            let into_submodule = imp.next.as_ref().is_some_and(|n| submodules(src, &imp.to).contains(n));
            if !allowed {
                out.push(format!(
                    "{}:{}: {} imports {}, a unit of its own layer: {}",
                    imp.file, imp.line, imp.from, imp.to, imp.text
                ));
            } else if into_submodule {
                out.push(format!(
                    "{}:{}: {} reaches into {}::{} instead of using {}'s own items: {}",
                    imp.file,
                    imp.line,
                    imp.from,
                    imp.to,
                    imp.next.as_deref().unwrap_or(""),
                    imp.to,
                    imp.text
                ));
            }
        }
    }
    out.extend(cycles(&graph));
    out
}

/// A cycle among the units, as `a -> b -> a`, if there is one.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<String> {
        if let Some(at) = path.iter().position(|p| p == n) {
            let mut cycle = path[at..].to_vec();
            cycle.push(n.to_string());
            return Some(format!("the units form a cycle: {}", cycle.join(" -> ")));
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for m in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|n| visit(n, graph, &mut Vec::new(), &mut done)).into_iter().collect()
}

#[test]
fn src_keeps_its_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = problems(&src);
    assert!(found.is_empty(), "imports that break the layers:\n{}", found.join("\n"));
    // Every folder and top-level file of src/ is a unit of some layer (or the crate's roots).
    for e in std::fs::read_dir(&src).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().trim_end_matches(".rs").to_string();
        if ["lib", "main", "stages"].contains(&name.as_str()) {
            continue;
        }
        assert!(LAYERS.iter().any(|(u, _)| *u == name), "src/{name} is in no layer");
    }
}

/// The checker itself: a tree with an upward import, a sideways one, a reach into a submodule and
/// a cycle is caught, line by line.
#[test]
fn a_planted_upward_import_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    let write = |rel: &str, text: &str| {
        let p = src.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("model/mod.rs", "use crate::store::write; // up\n");
    write("store/mod.rs", "use crate::model::Report;\n");
    write(
        "stages/ingest/mod.rs",
        "use crate::stages::extract::cells::Cells;\nuse crate::stages::extract::read;\n",
    );
    write("stages/extract/mod.rs", "use crate::stages::ingest::parse;\n// use crate::charts::x;\n");
    write("stages/extract/cells.rs", "");
    let found = problems(src);
    let has = |s: &str| found.iter().any(|f| f.contains(s));
    assert!(has("src/model/mod.rs:1: model (layer 3) imports store (layer 5)"), "{found:#?}");
    assert!(has("src/stages/extract/mod.rs:1: stages::extract imports stages::ingest"), "{found:#?}");
    assert!(has("reaches into stages::extract::cells"), "{found:#?}");
    assert!(has("the units form a cycle"), "{found:#?}");
    assert!(!has("charts"), "a commented-out import is not an import: {found:#?}");
    assert!(!has("src/stages/ingest/mod.rs:2"), "ingest may call extract's own items: {found:#?}");
}
