//! Cell values as people type them: `34,754`, full-width digits, `12.35` (万元), and the marks that
//! mean "not reported" (empty, `-`, `—`, `/`, `／`), which become null and never a silent 0.

use crate::reference::catalog::Kind;

/// More digits than this cannot be stored exactly in a Float64 and are no real count anyway.
const MAX_DIGITS: usize = 15;

#[derive(Debug, Clone, PartialEq)]
pub enum ValueProblem {
    NotANumber,
    Negative(f64),
    NonInteger(f64),
    TooLarge,
}

fn is_blank(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}' || c == '\u{FEFF}'
}

/// A field without surrounding blanks: whitespace, the ideographic space, and stray BOMs (which
/// `cat a.csv b.csv` and some exports leave in the middle of a file, invisible in every editor).
pub fn trim_blank(s: &str) -> &str {
    s.trim_matches(is_blank)
}

/// Marks for "not reported". `-0` is not one of them: it is a number (zero).
pub fn is_null_mark(s: &str) -> bool {
    matches!(s, "" | "-" | "－" | "—" | "——" | "–" | "/" | "／" | "\\" | "、")
}

/// Map full-width digits and punctuation to ASCII; `None` if nothing needed mapping.
fn to_ascii_number(s: &str) -> Option<String> {
    if s.is_ascii() {
        return None;
    }
    Some(
        s.chars()
            .map(|c| match c {
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                '．' => '.',
                '，' => ',',
                '－' => '-',
                '＋' => '+',
                c => c,
            })
            .collect(),
    )
}

/// Parse one cell. `Ok(None)` means "not reported".
pub fn parse_value(raw: &str, kind: Kind) -> Result<Option<f64>, ValueProblem> {
    let trimmed = raw.trim_matches(is_blank);
    if is_null_mark(trimmed) {
        return Ok(None);
    }
    // Fast path: the overwhelmingly common plain integer, no allocation.
    if !trimmed.is_empty() && trimmed.len() <= MAX_DIGITS && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return trimmed.parse::<u64>().map(|v| Some(v as f64)).map_err(|_| ValueProblem::NotANumber);
    }
    let mapped = to_ascii_number(trimmed);
    let s = mapped.as_deref().unwrap_or(trimmed);
    // 本年增/减 as the 2019 reports write it: `减少8`, `减4`, `增加3`, `增2`.
    let worded = (kind == Kind::Change).then(|| change_words(s)).flatten();
    let (negative, unsigned) = match worded {
        Some(w) => w,
        None => match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        },
    };
    let (int_part, frac_part) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let digits = grouped_digits(int_part).ok_or(ValueProblem::NotANumber)?;
    if let Some(f) = frac_part {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValueProblem::NotANumber);
        }
    }
    let frac = frac_part.unwrap_or("");
    if digits.len() + frac.len() > MAX_DIGITS + 4 || digits.trim_start_matches('0').len() > MAX_DIGITS {
        return Err(ValueProblem::TooLarge);
    }
    let text = if frac.is_empty() { digits.clone() } else { format!("{digits}.{frac}") };
    let value: f64 = text.parse().map_err(|_| ValueProblem::NotANumber)?;
    if negative && value != 0.0 && kind != Kind::Change {
        return Err(ValueProblem::Negative(-value));
    }
    if kind.is_integer() && value.fract() != 0.0 {
        return Err(ValueProblem::NonInteger(if negative { -value } else { value }));
    }
    // `-0` is zero; never store a negative zero.
    Ok(Some(if negative && value != 0.0 { -value } else { value.abs() }))
}

/// `减少8` → (negative, "8"); `增加3` → (positive, "3"); else `None`.
fn change_words(s: &str) -> Option<(bool, &str)> {
    for (word, negative) in [("减少", true), ("减", true), ("增加", false), ("增", false)] {
        if let Some(rest) = s.strip_prefix(word) {
            return Some((negative, rest.trim_matches(is_blank)));
        }
    }
    None
}

/// Digits of an integer part, with optional correct thousands grouping (`34,754`); `None` if malformed.
fn grouped_digits(s: &str) -> Option<String> {
    if s.is_empty() {
        return None;
    }
    if !s.contains(',') {
        return s.bytes().all(|b| b.is_ascii_digit()).then(|| s.to_string());
    }
    let groups: Vec<&str> = s.split(',').collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
    let all_digits = groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    (first_ok && rest_ok && all_digits).then(|| groups.concat())
}

/// A year as written: `2023`, `２０２３`, `2023年`.
pub fn parse_year(raw: &str) -> Option<i32> {
    let trimmed = raw.trim_matches(is_blank);
    let mapped = to_ascii_number(trimmed);
    let s = mapped.as_deref().unwrap_or(trimmed);
    let s = s.strip_suffix('年').unwrap_or(s).trim();
    if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Kind::*;

    #[test]
    fn plain_grouped_and_full_width_numbers() {
        assert_eq!(parse_value("34754", Count), Ok(Some(34754.0)));
        assert_eq!(parse_value("34,754", Count), Ok(Some(34754.0)));
        assert_eq!(parse_value("1,234,567", Count), Ok(Some(1234567.0)));
        assert_eq!(parse_value("３４７５４", Count), Ok(Some(34754.0)));
        assert_eq!(parse_value("３４，７５４", Count), Ok(Some(34754.0)));
        assert_eq!(parse_value(" 12 ", Count), Ok(Some(12.0)));
        assert_eq!(parse_value("12.0", Count), Ok(Some(12.0)));
    }

    #[test]
    fn fees_may_be_decimal_counts_may_not() {
        assert_eq!(parse_value("12.35", Amount), Ok(Some(12.35)));
        assert_eq!(parse_value("519", Amount), Ok(Some(519.0)));
        assert_eq!(parse_value("12.5", Count), Err(ValueProblem::NonInteger(12.5)));
    }

    #[test]
    fn not_reported_marks_are_null_not_zero() {
        for m in ["", " ", "-", "—", "/", "／", "－", "——"] {
            assert_eq!(parse_value(m, Count), Ok(None), "{m:?}");
        }
        assert_eq!(parse_value("0", Count), Ok(Some(0.0)));
        assert_eq!(parse_value("-0", Count), Ok(Some(0.0)));
    }

    #[test]
    fn things_that_are_not_plain_numbers() {
        for bad in ["1e3", "0x10", "١٢", "12a", "1,23", "12,3456", "abc", "1.", ".5", "NaN", "inf", "1 000"]
        {
            assert_eq!(parse_value(bad, Amount), Err(ValueProblem::NotANumber), "{bad:?}");
        }
        assert_eq!(parse_value("-3", Count), Err(ValueProblem::Negative(-3.0)));
        assert_eq!(parse_value("99999999999999999999", Count), Err(ValueProblem::TooLarge));
    }

    #[test]
    fn only_a_change_may_be_negative() {
        assert_eq!(parse_value("-8", Change), Ok(Some(-8.0)));
        assert_eq!(parse_value("－８", Change), Ok(Some(-8.0)));
        assert_eq!(parse_value("减少8", Change), Ok(Some(-8.0)));
        assert_eq!(parse_value("减 4", Change), Ok(Some(-4.0)));
        assert_eq!(parse_value("增加3", Change), Ok(Some(3.0)));
        assert_eq!(parse_value("+2", Change), Ok(Some(2.0)));
        assert_eq!(parse_value("-0", Change), Ok(Some(0.0)));
        assert_eq!(parse_value("-1.5", Change), Err(ValueProblem::NonInteger(-1.5)));
        assert_eq!(parse_value("减少8", Count), Err(ValueProblem::NotANumber));
        assert_eq!(parse_value("-8", Amount), Err(ValueProblem::Negative(-8.0)));
    }

    #[test]
    fn years() {
        assert_eq!(parse_year("2023"), Some(2023));
        assert_eq!(parse_year("２０２３"), Some(2023));
        assert_eq!(parse_year("2023年"), Some(2023));
        assert_eq!(parse_year("23"), None);
        assert_eq!(parse_year("2023.0"), None);
    }
}
