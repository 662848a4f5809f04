//! Merge the cells of all files into reports. A report split over several files is joined; the same
//! cell given twice with the same value is kept once; with different values both rows are rejected,
//! since nothing says which one is right.

use crate::model::finding::{Finding, Rule, Severity};
use crate::model::scope::BodyKind;
use crate::model::{Cell, CellSource, Report};
use crate::model::{ParsedFile, Rejection, ReportKey};
use crate::reference::catalog::{catalog, Format};
use crate::support::hash::{HashMap, HashSet};
use rayon::prelude::*;

#[derive(Clone, Copy)]
struct Occurrence {
    report: u32,
    metric: u16,
    file: u32,
    cell: u32,
}

/// What merging one year gives: its reports sorted by key, the merge's findings, and the rows it
/// rejected (both rows of a conflicting cell), for the caller to apply to the files.
#[derive(Debug, Default)]
pub struct Merged {
    pub reports: Vec<Report>,
    pub findings: Vec<Finding>,
    pub rejections: Vec<Rejection>,
}

/// Merge the cells the files hold now (one year's, see `spill`) into reports; the cells are gone
/// afterwards.
///
/// Files that share no report are merged apart, in parallel up to [`PARALLEL_CELLS`]: the files of a year fall into groups
/// linked by the reports they share (for per-report files, one file a group), and each group is
/// walked on its own, in file order. A cell given twice is found first with a bit per (report,
/// metric) in each group; only when one is, are all cells indexed and sorted to judge the repeats
/// (`repeats`). One after the other, indexing, sorting and assembling were 0.035 s of a national
/// year on one core, the longest single-core stretch of a one-file re-run; the index alone was
/// 16 bytes a cell (290 MB on the nation's every-body year).
pub fn merge(files: &mut [ParsedFile]) -> Merged {
    let parallel = files.iter().map(|f| f.cells.len()).sum::<usize>() <= PARALLEL_CELLS;
    merge_with(files, parallel)
}

/// [`merge`], the groups assembled in parallel or one after another.
fn merge_with(files: &mut [ParsedFile], parallel: bool) -> Merged {
    let (keys, maps) = number(files);
    let groups = Groups::of(files, &maps, keys.len());
    let any_repeat = groups
        .bounds
        .par_windows(2)
        .map_init(Seen::default, |seen, w| seen.gives_a_cell_twice(files, &maps, &groups.files[w[0]..w[1]]))
        .any(|twice| twice);
    let repeats = if any_repeat {
        let mut occurrences = occurrences(files, &maps);
        occurrences.par_sort_unstable_by_key(|o| (o.report, o.metric, o.file, o.cell));
        repeats(files, &keys, &occurrences)
    } else {
        Repeats { findings: Vec::new(), rejections: Vec::new(), rejected_here: HashSet::default() }
    };
    let mut reports = assemble(files, &keys, &maps, &groups, &repeats.rejected_here, parallel);
    reports.retain(|r| r.sources.iter().any(Option::is_some));
    reports.par_iter_mut().for_each(|r| r.files.sort_unstable());
    reports.par_sort_unstable_by(|a, b| a.key.cmp(&b.key));
    Merged { reports, findings: repeats.findings, rejections: repeats.rejections }
}

/// Every report key this round's cells belong to, numbered in order of first appearance, and for
/// each file the number of each of its reports (`u32::MAX` for one without cells this round).
fn number(files: &[ParsedFile]) -> (Vec<ReportKey>, Vec<Vec<u32>>) {
    let mut keys: Vec<ReportKey> = Vec::new();
    let mut global: HashMap<&ReportKey, u32> = HashMap::default();
    let mut used: Vec<bool> = Vec::new();
    let maps = files
        .iter()
        .map(|f| {
            // A file without cells this round (another year's, another region group's) has nothing
            // to number: an empty map, not one slot a report.
            if f.cells.is_empty() {
                return Vec::new();
            }
            // Only the reports this round's cells belong to: a file's other years wait in the spill.
            used.clear();
            used.resize(f.reports.len(), false);
            for c in &f.cells {
                if let Some(u) = used.get_mut(c.report as usize) {
                    *u = true;
                }
            }
            f.reports
                .iter()
                .zip(&used)
                .map(|(k, &used)| {
                    if !used {
                        return u32::MAX;
                    }
                    *global.entry(k).or_insert_with(|| {
                        keys.push(k.clone());
                        (keys.len() - 1) as u32
                    })
                })
                .collect()
        })
        .collect();
    (keys, maps)
}

/// The files with cells this round in groups that share no report:
/// `files[bounds[g]..bounds[g + 1]]` are group `g`'s, ascending, the groups in the order of their first file. (Flat, not a list per group: thousands
/// of small allocations freed while the reports' large ones are made had glibc consolidating its
/// free lists at every report, a third of merging a year.)
struct Groups {
    files: Vec<u32>,
    bounds: Vec<usize>,
}

impl Groups {
    fn of(files: &[ParsedFile], maps: &[Vec<u32>], reports: usize) -> Groups {
        // Union-find over files: a file joins the group of the first file that had one of its reports.
        let mut parent: Vec<u32> = (0..maps.len() as u32).collect();
        fn root(parent: &mut [u32], mut i: u32) -> u32 {
            while parent[i as usize] != i {
                let up = parent[parent[i as usize] as usize];
                parent[i as usize] = up;
                i = up;
            }
            i
        }
        let mut first = vec![u32::MAX; reports];
        for (fi, map) in maps.iter().enumerate() {
            for &r in map.iter().filter(|&&r| r != u32::MAX) {
                match first[r as usize] {
                    u32::MAX => first[r as usize] = fi as u32,
                    other => {
                        let (a, b) = (root(&mut parent, other), root(&mut parent, fi as u32));
                        parent[a.max(b) as usize] = a.min(b);
                    }
                }
            }
        }
        // Each file's root is its group's first file (a root is always the smallest of its group):
        // a stable sort by root puts the groups in order of their first file, each ascending.
        // Only the files with cells this round: a region group's round is a few hundred of the
        // input's files, and grouping every file (each alone, without cells) in every round was
        // 0.09 s of CPU in a national first run cut into 31 groups a year (124 rounds, `perf`).
        let mut rooted: Vec<(u32, u32)> = (0..maps.len() as u32)
            .filter(|&fi| !files[fi as usize].cells.is_empty())
            .map(|fi| (root(&mut parent, fi), fi))
            .collect();
        rooted.sort_by_key(|&(r, _)| r);
        let mut bounds = vec![0];
        for i in 1..rooted.len() {
            if rooted[i].0 != rooted[i - 1].0 {
                bounds.push(i);
            }
        }
        let files: Vec<u32> = rooted.into_iter().map(|(_, fi)| fi).collect();
        if !files.is_empty() {
            bounds.push(files.len());
        }
        Groups { files, bounds }
    }
}

/// A bit per (report, metric) seen in a group, kept from group to group on a thread.
#[derive(Default)]
struct Seen {
    at: HashMap<u32, usize>,
    bits: Vec<u64>,
}

impl Seen {
    /// Whether some (report, metric) of a group of files is given by more than one cell.
    fn gives_a_cell_twice(&mut self, files: &[ParsedFile], maps: &[Vec<u32>], group: &[u32]) -> bool {
        let words = catalog().len().div_ceil(64);
        self.at.clear();
        self.bits.clear();
        for &fi in group {
            let map = &maps[fi as usize];
            for c in &files[fi as usize].cells {
                let Some(&r) = map.get(c.report as usize) else { continue };
                let next = self.at.len();
                let i = *self.at.entry(r).or_insert(next);
                if i == next {
                    self.bits.resize(self.bits.len() + words, 0);
                }
                let (w, b) = (i * words + c.metric as usize / 64, 1u64 << (c.metric % 64));
                let Some(word) = self.bits.get_mut(w) else { continue };
                if *word & b != 0 {
                    return true;
                }
                *word |= b;
            }
        }
        false
    }
}

/// One occurrence per cell pointing at its report, metric, file and place in the file.
fn occurrences(files: &[ParsedFile], maps: &[Vec<u32>]) -> Vec<Occurrence> {
    let mut occurrences: Vec<Occurrence> = Vec::with_capacity(files.iter().map(|f| f.cells.len()).sum());
    for (fi, f) in files.iter().enumerate() {
        let map = &maps[fi];
        occurrences.extend(f.cells.iter().enumerate().filter_map(|(ci, c)| {
            Some(Occurrence {
                report: *map.get(c.report as usize)?,
                metric: c.metric,
                file: fi as u32,
                cell: ci as u32,
            })
        }));
    }
    occurrences
}

/// What the cells given more than once come to: a note for a repeat with the same value, an error
/// and both rows rejected for different values.
struct Repeats {
    findings: Vec<Finding>,
    rejections: Vec<Rejection>,
    /// (file, record) of every row rejected here, which the reports must not take.
    rejected_here: HashSet<(u32, u32)>,
}

fn cell(files: &[ParsedFile], o: &Occurrence) -> crate::model::Cell {
    files[o.file as usize].cells[o.cell as usize]
}

/// Judge every (report, metric) given by more than one cell; `occurrences` sorted by report and metric.
fn repeats(files: &[ParsedFile], keys: &[ReportKey], occurrences: &[Occurrence]) -> Repeats {
    let mut out = Repeats { findings: Vec::new(), rejections: Vec::new(), rejected_here: HashSet::default() };
    for group in occurrences.chunk_by(|a, b| a.report == b.report && a.metric == b.metric) {
        if group.len() < 2 {
            continue;
        }
        let first = cell(files, &group[0]);
        let key = &keys[group[0].report as usize];
        let metric = catalog().metric(group[0].metric as usize);
        let place = |o: &Occurrence| {
            let c = cell(files, o);
            let shown = c.value.map(|v| v.to_string()).unwrap_or_else(|| "空".into());
            // Line 0: a cell of an HTML or .docx report, which has no line of its own.
            let at = if c.line > 0 { format!(" 第 {} 行", c.line) } else { String::new() };
            format!("{}{at} = {shown}", files[o.file as usize].file.display)
        };
        let all_same = group.iter().all(|o| cell(files, o).value == first.value);
        let places: Vec<String> = group.iter().map(place).collect();
        let report_name = format!("{:06} {} {}", key.region, key.year, key.body);
        let (severity, rule, message) = if all_same {
            (
                Severity::Info,
                Rule::DuplicateCell,
                format!(
                    "{report_name}：{} 重复给出，数值相同，只保留一次：{}",
                    metric.label_zh(),
                    places.join("；")
                ),
            )
        } else {
            (
                Severity::Error,
                Rule::ConflictingCell,
                format!(
                    "{report_name}：{} 给出了不同的数值，无法判断哪个正确，相关行均被拒收：{}",
                    metric.label_zh(),
                    places.join("；")
                ),
            )
        };
        let values: Vec<String> =
            group.iter().map(|o| cell(files, o).value.map(|v| v.to_string()).unwrap_or_default()).collect();
        let flagged = if all_same { &group[1..] } else { group };
        for o in flagged {
            let c = cell(files, o);
            let f = &files[o.file as usize];
            let mut finding = Finding::new(severity, rule, &f.file.display, message.clone())
                .at(c.line as u64, f.header.get(c.col as usize).map(|s| s.trim()))
                .metric(&metric.id);
            finding.region_code = Some(format!("{:06}", key.region));
            finding.year = Some(key.year);
            finding.body = Some(key.body.clone());
            finding.expected = Some("同一数据项只给一个数值".into());
            finding.actual = Some(values.join(" / "));
            if !all_same {
                out.rejected_here.insert((o.file, c.record));
                out.rejections.push(Rejection {
                    file: f.file.display.clone(),
                    file_no: Some(o.file),
                    record: c.record,
                    line: c.line as u64,
                    reason: format!("{}: {}", rule.id(), message),
                });
            }
            out.findings.push(finding);
        }
    }
    out
}

/// Each distinct value a report's cells declare (a format, a body kind) with the (metric, file, cell)
/// and the source of its first accepted cell.
type Firsts<T> = Vec<((u16, u32, u32), T, CellSource)>;

/// Note `value` as declared at `at`, keeping the earliest place of each distinct value.
fn keep_first<T: PartialEq>(firsts: &mut Firsts<T>, at: (u16, u32, u32), value: T, source: CellSource) {
    match firsts.iter_mut().find(|(_, v, _)| *v == value) {
        Some(e) if at < e.0 => *e = (at, value, source),
        Some(_) => {}
        None => firsts.push((at, value, source)),
    }
}

/// Past this many cells in a year, its groups are assembled one after another. The cells were
/// read on other threads, and a report is larger than the cells it is made of (two entries per
/// catalog metric): assembled on the pool's threads, the reports could not take the memory the
/// cells gave back (glibc keeps it in the arena of the thread that allocated it), and the
/// nation's every-body year (18 million cells) peaked at 2.0–2.1 GB instead of 1.4.
const PARALLEL_CELLS: usize = 4_000_000;

/// The reports with each metric's first accepted value and where it was read; rows rejected earlier
/// (by the file's own checks) or here are skipped. Each group of files (`Groups`) is assembled on its
/// own, the groups in parallel when `parallel`.
///
/// A group's files are taken in order and each file's cells are dropped once taken, and a report
/// is made when its first cell is: memory holds the cells not yet taken and the reports made so
/// far, not all of both (every body of the nation is 18 million cells and 91,000 reports a year).
/// Visiting the cells of one (report, metric) in (file, cell) order, the first accepted one wins,
/// as in the sorted occurrences; the formats the cells declare are ordered by (metric, file, cell)
/// of their first accepted cell, as a walk in that order would have met them.
fn assemble(
    files: &mut [ParsedFile],
    keys: &[ReportKey],
    maps: &[Vec<u32>],
    groups: &Groups,
    rejected_here: &HashSet<(u32, u32)>,
    parallel: bool,
) -> Vec<Report> {
    // The files' cells in group order, moved out so that each group can drop them as it goes.
    let mut taken: Vec<(u32, Vec<Cell>)> =
        groups.files.iter().map(|&fi| (fi, std::mem::take(&mut files[fi as usize].cells))).collect();
    let mut slices: Vec<&mut [(u32, Vec<Cell>)]> = Vec::with_capacity(groups.bounds.len());
    let mut rest = &mut taken[..];
    for w in groups.bounds.windows(2) {
        let (group, after) = rest.split_at_mut(w[1] - w[0]);
        slices.push(group);
        rest = after;
    }
    let files: &[ParsedFile] = files;
    if !parallel {
        let (mut scratch, mut out) = (Scratch::default(), Vec::new());
        for group in slices {
            scratch.assemble_group(files, keys, maps, group, rejected_here, &mut out);
        }
        return out;
    }
    slices
        .into_par_iter()
        .fold(
            || (Scratch::default(), Vec::new()),
            |(mut scratch, mut out), group| {
                scratch.assemble_group(files, keys, maps, group, rejected_here, &mut out);
                (scratch, out)
            },
        )
        .map(|(_, out)| out)
        .reduce(Vec::new, |mut a, mut b| {
            if a.len() < b.len() {
                std::mem::swap(&mut a, &mut b);
            }
            a.append(&mut b);
            a
        })
}

/// What assembling a group works with, kept from group to group on a thread.
#[derive(Default)]
struct Scratch {
    /// The group's reports by number: where each is in the output.
    at: HashMap<u32, usize>,
    /// Per report, each declared format with the (metric, file, cell) of its first accepted cell.
    declared: HashMap<usize, Firsts<Format>>,
    /// Per report, each declared body kind with where it was first given (the same order).
    kinds: HashMap<usize, Firsts<BodyKind>>,
}

impl Scratch {
    /// [`assemble`] for one group of files that share no report with any other, its reports
    /// added to `out`.
    fn assemble_group(
        &mut self,
        files: &[ParsedFile],
        keys: &[ReportKey],
        maps: &[Vec<u32>],
        group: &mut [(u32, Vec<Cell>)],
        rejected_here: &HashSet<(u32, u32)>,
        out: &mut Vec<Report>,
    ) {
        self.at.clear();
        for (file, cells) in group.iter_mut() {
            let file = *file;
            let cells = std::mem::take(cells);
            let f = &files[file as usize];
            let map = &maps[file as usize];
            for (ci, c) in cells.iter().enumerate() {
                let Some(&r) = map.get(c.report as usize) else { continue };
                if r == u32::MAX
                    || f.rejected.contains_key(&c.record)
                    || rejected_here.contains(&(file, c.record))
                {
                    continue;
                }
                let i = *self.at.entry(r).or_insert_with(|| {
                    out.push(Report::new(keys[r as usize].clone()));
                    out.len() - 1
                });
                let report = &mut out[i];
                let m = c.metric as usize;
                if report.sources[m].is_some() {
                    continue;
                }
                let source = CellSource { file, record: c.record, line: c.line, col: c.col };
                report.values[m] = c.value;
                report.sources[m] = Some(source);
                let at = (c.metric, file, ci as u32);
                if let Some(kind) = c.kind {
                    keep_first(self.kinds.entry(i).or_default(), at, kind, source);
                }
                if let Some(format) = c.declared {
                    keep_first(self.declared.entry(i).or_default(), at, format, source);
                }
                if report.files.last() != Some(&file) && !report.files.contains(&file) {
                    report.files.push(file);
                }
            }
        }
        for (i, mut d) in self.declared.drain() {
            d.sort_by_key(|e| e.0);
            out[i].declared = d.into_iter().map(|(_, f, s)| (f, s)).collect();
        }
        for (i, mut d) in self.kinds.drain() {
            d.sort_by_key(|e| e.0);
            out[i].declared_kind = d.into_iter().map(|(_, k, s)| (k, s)).collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{InputFile, RejectedRow};
    use proptest::prelude::*;

    /// The merge as it was before files were merged apart by group: the sorted occurrences of
    /// every cell, then one walk over the files in order. The parallel merge must give the same.
    mod serial {
        use super::super::*;

        pub fn merge(files: &mut [ParsedFile]) -> Merged {
            let (keys, maps, mut occurrences) = index(files);
            occurrences.par_sort_unstable_by_key(|o| (o.report, o.metric, o.file, o.cell));
            let repeats = repeats(files, &keys, &occurrences);
            drop(occurrences);
            let mut reports = assemble(files, keys, &maps, &repeats.rejected_here);
            reports.retain(|r| r.sources.iter().any(Option::is_some));
            for r in &mut reports {
                r.files.sort_unstable();
            }
            reports.sort_by(|a, b| a.key.cmp(&b.key));
            Merged { reports, findings: repeats.findings, rejections: repeats.rejections }
        }

        fn index(files: &[ParsedFile]) -> (Vec<ReportKey>, Vec<Vec<u32>>, Vec<Occurrence>) {
            let mut maps = Vec::with_capacity(files.len());
            let mut keys: Vec<ReportKey> = Vec::new();
            let mut global: HashMap<ReportKey, u32> = HashMap::default();
            let mut occurrences: Vec<Occurrence> =
                Vec::with_capacity(files.iter().map(|f| f.cells.len()).sum());
            for (fi, f) in files.iter().enumerate() {
                // Only the reports this round's cells belong to: a file's other years wait in the spill.
                let mut used = vec![false; f.reports.len()];
                for c in &f.cells {
                    if let Some(u) = used.get_mut(c.report as usize) {
                        *u = true;
                    }
                }
                let map: Vec<u32> = f
                    .reports
                    .iter()
                    .zip(&used)
                    .map(|(k, &used)| {
                        if !used {
                            return u32::MAX;
                        }
                        *global.entry(k.clone()).or_insert_with(|| {
                            keys.push(k.clone());
                            (keys.len() - 1) as u32
                        })
                    })
                    .collect();
                occurrences.extend(f.cells.iter().enumerate().map(|(ci, c)| Occurrence {
                    report: map[c.report as usize],
                    metric: c.metric,
                    file: fi as u32,
                    cell: ci as u32,
                }));
                maps.push(map);
            }
            (keys, maps, occurrences)
        }

        fn assemble(
            files: &mut [ParsedFile],
            keys: Vec<ReportKey>,
            maps: &[Vec<u32>],
            rejected_here: &HashSet<(u32, u32)>,
        ) -> Vec<Report> {
            let mut keys: Vec<Option<ReportKey>> = keys.into_iter().map(Some).collect();
            let mut reports: Vec<Option<Report>> = (0..keys.len()).map(|_| None).collect();
            // Per report, each declared format with the (metric, file, cell) of its first accepted cell.
            let mut declared: HashMap<u32, Firsts<Format>> = HashMap::default();
            // Per report, each declared body kind with where it was first given (the same order).
            let mut kinds: HashMap<u32, Firsts<BodyKind>> = HashMap::default();
            for (fi, f) in files.iter_mut().enumerate() {
                let file = fi as u32;
                let cells = std::mem::take(&mut f.cells);
                for (ci, c) in cells.iter().enumerate() {
                    let Some(&r) = maps[fi].get(c.report as usize) else { continue };
                    if r == u32::MAX
                        || f.rejected.contains_key(&c.record)
                        || rejected_here.contains(&(file, c.record))
                    {
                        continue;
                    }
                    let report = reports[r as usize].get_or_insert_with(|| {
                        Report::new(keys[r as usize].take().expect("a report is made once"))
                    });
                    let m = c.metric as usize;
                    if report.sources[m].is_some() {
                        continue;
                    }
                    let source = CellSource { file, record: c.record, line: c.line, col: c.col };
                    report.values[m] = c.value;
                    report.sources[m] = Some(source);
                    let at = (c.metric, file, ci as u32);
                    if let Some(kind) = c.kind {
                        keep_first(kinds.entry(r).or_default(), at, kind, source);
                    }
                    if let Some(format) = c.declared {
                        keep_first(declared.entry(r).or_default(), at, format, source);
                    }
                    if report.files.last() != Some(&file) && !report.files.contains(&file) {
                        report.files.push(file);
                    }
                }
            }
            for (r, mut d) in declared {
                d.sort_by_key(|e| e.0);
                if let Some(report) = reports[r as usize].as_mut() {
                    report.declared = d.into_iter().map(|(_, f, s)| (f, s)).collect();
                }
            }
            for (r, mut d) in kinds {
                d.sort_by_key(|e| e.0);
                if let Some(report) = reports[r as usize].as_mut() {
                    report.declared_kind = d.into_iter().map(|(_, k, s)| (k, s)).collect();
                }
            }
            reports.into_iter().flatten().collect()
        }
    }

    /// A cell: (report of the file, metric, value, declared format, kind).
    type Spec = (u8, u16, Option<u8>, Option<bool>, Option<u8>);
    /// A file: its reports (region, body), its cells, its rejected records.
    type FileSpec = (Vec<(u32, String)>, Vec<Spec>, Vec<u32>);

    fn files(specs: &[FileSpec]) -> Vec<ParsedFile> {
        specs
            .iter()
            .enumerate()
            .map(|(fi, (reports, cells, rejected))| {
                let mut f = ParsedFile::new(&InputFile::named(&format!("f{fi}.csv")));
                f.reports = reports
                    .iter()
                    .map(|(region, body)| ReportKey { region: *region, year: 2023, body: body.clone() })
                    .collect();
                let n = f.reports.len() as u32;
                f.cells = cells
                    .iter()
                    .enumerate()
                    .filter(|_| n > 0)
                    .map(|(i, &(r, metric, value, declared, kind))| Cell {
                        report: u32::from(r) % n,
                        metric,
                        col: 1,
                        // Two cells to a record, so that a rejected record takes both.
                        record: i as u32 / 2,
                        line: i as u32 / 2 + 2,
                        value: value.map(f64::from),
                        declared: declared.map(|d| if d { Format::F2021 } else { Format::F2019 }),
                        kind: kind.map(|k| {
                            [BodyKind::Government, BodyKind::Department, BodyKind::Township][k as usize % 3]
                        }),
                    })
                    .collect();
                for &r in rejected {
                    f.rejected.insert(r, RejectedRow { line: u64::from(r) + 2, reasons: vec!["x".into()] });
                }
                f
            })
            .collect()
    }

    fn shown(m: &Merged) -> String {
        format!("{:?}\n{:?}\n{:?}", m.reports, m.findings, m.rejections)
    }

    fn file_spec() -> impl Strategy<Value = FileSpec> {
        let body = prop::sample::select(vec!["政府".to_string(), "教育局".to_string()]);
        let cell = (
            0u8..3,
            0u16..6,
            prop::option::of(0u8..3),
            prop::option::of(any::<bool>()),
            prop::option::of(0u8..3),
        );
        (
            prop::collection::vec((0u32..4, body), 0..3),
            prop::collection::vec(cell, 0..12),
            prop::collection::vec(0u32..6, 0..2),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        /// Few regions, bodies and metrics, so that reports span files and cells repeat, with the
        /// same value or another.
        #[test]
        fn merging_apart_gives_what_the_serial_merge_gave(specs in prop::collection::vec(file_spec(), 0..8)) {
            let old = shown(&serial::merge(&mut files(&specs)));
            for parallel in [true, false] {
                let mut a = files(&specs);
                prop_assert_eq!(shown(&merge_with(&mut a, parallel)), old.clone());
                prop_assert!(a.iter().all(|f| f.cells.is_empty()));
            }
        }
    }
}
