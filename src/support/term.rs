//! Text for a terminal. Tables are padded by display width, not by `char` count: a Chinese
//! character takes two columns, so `{:<28}` misaligns every row holding a Chinese file name or
//! label. A closed pipe (`xxgk metrics | head -2`) is not an error: the reader has what it wanted,
//! and the command stops quietly with success, as ripgrep and xsv do.

use unicode_width::UnicodeWidthStr;

/// Columns `s` takes on a terminal.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` followed by spaces up to `cols` display columns (nothing added when it is wider).
pub fn pad(s: &str, cols: usize) -> String {
    let mut out = String::with_capacity(s.len() + cols);
    out.push_str(s);
    out.extend(std::iter::repeat_n(' ', cols.saturating_sub(width(s))));
    out
}

/// Spaces up to `cols` display columns, then `s` (for numbers).
pub fn pad_left(s: &str, cols: usize) -> String {
    let mut out: String = std::iter::repeat_n(' ', cols.saturating_sub(width(s))).collect();
    out.push_str(s);
    out
}

/// Whether an error, or any error it was caused by, is a write to a closed pipe.
pub fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        let io = match err.downcast_ref::<csv::Error>().map(csv::Error::kind) {
            // A CSV writer's I/O error is inside its kind, not its `source`.
            Some(csv::ErrorKind::Io(io)) => Some(io),
            _ => err.downcast_ref::<std::io::Error>(),
        };
        if io.is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) {
            return true;
        }
        cur = err.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_takes_two_columns() {
        assert_eq!(width("岳普湖县"), 8);
        assert_eq!(pad("岳普湖县", 10), "岳普湖县  ");
        assert_eq!(pad("abc", 5), "abc  ");
        assert_eq!(pad("超过宽度的名字", 4), "超过宽度的名字");
        assert_eq!(pad_left("34754", 7), "  34754");
        assert_eq!(pad_left("（万元）", 10), "  （万元）");
    }

    #[test]
    fn a_broken_pipe_is_found_through_the_causes() {
        #[derive(Debug, thiserror::Error)]
        #[error("writing the table")]
        struct Outer(#[source] std::io::Error);
        let e = Outer(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(is_broken_pipe(&e));
        let other = Outer(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        assert!(!is_broken_pipe(&other));
        let csv_err = csv::Error::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert!(is_broken_pipe(&csv_err));
    }
}
