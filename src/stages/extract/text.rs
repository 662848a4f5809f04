//! Text normalisation for matching labels and reading numbers as reports print them: full-width
//! forms, traditional characters (from mirror sites), stray spaces inside labels, units in cells.

use crate::reference::catalog::Kind;
use crate::reference::value::{is_null_mark, parse_value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Traditional → simplified, for the characters of the table labels, the format markers, report
/// titles and common place names. Matching only needs these; a full converter would be dead weight.
const TRADITIONAL: &str =
    "規範許處罰強業費開請數結轉辦區計這屬於國穩護權類內務過執詢項無機關沒現製補後確訪舉報訴\
複覆當獲繳納總繼續復議訟維糾審經單萬廢發決額條組織構會縣採購廳鎮島齊魯產設運衛鄉書館醫療環態資歸統節應\
體網絡違檢歷東陽雲貴蘇龍遼寧陝灣門橋莊豐廣寶興黃長漢楊陸臺壩嶺濱灘閩贛滬瀋遠達賓華鄭蘭個來為對與從時實際\
進裡還該點隊員問題頭領導風險質監慶熱訊傳聞號稱價億兩級鄰團園圍嶽擔況織務爾區吾維聯盟";
const SIMPLIFIED: &str =
    "规范许处罚强业费开请数结转办区计这属于国稳护权类内务过执询项无机关没现制补后确访举报诉\
复复当获缴纳总继续复议讼维纠审经单万废发决额条组织构会县采购厅镇岛齐鲁产设运卫乡书馆医疗环态资归统节应\
体网络违检历东阳云贵苏龙辽宁陕湾门桥庄丰广宝兴黄长汉杨陆台坝岭滨滩闽赣沪沈远达宾华郑兰个来为对与从时实际\
进里还该点队员问题头领导风险质监庆热讯传闻号称价亿两级邻团园围岳担况织务尔区吾维联盟";

fn simplified_of() -> &'static HashMap<char, char> {
    static MAP: OnceLock<HashMap<char, char>> = OnceLock::new();
    MAP.get_or_init(|| TRADITIONAL.chars().zip(SIMPLIFIED.chars()).filter(|(t, s)| t != s).collect())
}

/// One character as the tables mean it: full-width ASCII forms to ASCII, traditional to simplified.
fn fold(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' | '\u{00A0}' => ' ',
        _ => simplified_of().get(&c).copied().unwrap_or(c),
    }
}

/// Normalised text: folded characters, runs of whitespace (and line breaks inside a cell) removed.
/// Chinese text has no spaces between words, so a space inside a label is always noise.
pub fn normalize(s: &str) -> String {
    s.chars().map(fold).filter(|c| !c.is_whitespace()).collect()
}

/// The key a label is matched by: normalised, with every punctuation mark dropped, so that
/// `（一）予以公开`, `(一) 予以公开` and `（一）予以公開` all read `一予以公开`.
pub fn label_key(s: &str) -> String {
    s.chars().map(fold).filter(|c| c.is_alphanumeric()).collect()
}

/// A label key without its leading numbering (`一`, `七`, `1`, `12`): what is left when a page lost
/// or changed the `（一）`/`1.` in front of a label.
pub fn content_key(key: &str) -> &str {
    let numerals = |c: char| c.is_ascii_digit() || "一二三四五六七八九十".contains(c);
    let rest = key.trim_start_matches(numerals);
    if rest.is_empty() {
        key
    } else {
        rest
    }
}

/// What a table cell holds where a number belongs.
#[derive(Debug, Clone, PartialEq)]
pub enum CellValue {
    /// A number, already in the metric's unit.
    Number(f64),
    /// Nothing, or a placeholder (`-`, `/`, `—`): zero only when the row around it is complete.
    Blank,
    /// Text that is no number.
    Text,
}

impl CellValue {
    /// Whether the cell may stand where a number belongs.
    pub fn is_value(&self) -> bool {
        !matches!(self, CellValue::Text)
    }
}

/// Read a cell as a number in the unit of `kind`: counts may carry 件/个/项, the fee 万元 or 元
/// (元 is converted to 万元).
pub fn read_value(raw: &str, kind: Kind) -> CellValue {
    let s: String = raw.chars().map(fold).filter(|c| !c.is_whitespace()).collect();
    if is_null_mark(&s) || s == "无" {
        return CellValue::Blank;
    }
    let (digits, scale) = match kind {
        Kind::Amount => {
            if let Some(d) = s.strip_suffix("万元").or_else(|| s.strip_suffix('万')) {
                (d, 1.0)
            } else if let Some(d) = s.strip_suffix('元') {
                (d, 1e-4)
            } else {
                (s.as_str(), 1.0)
            }
        }
        Kind::Count | Kind::Change => (s.trim_end_matches(['件', '个', '项', '条', '次']), 1.0),
    };
    // Only 本年增/减 may be negative (`-8`, `减少8`); everything else reads as unsigned.
    let as_kind = if kind == Kind::Change { Kind::Change } else { Kind::Amount };
    match parse_value(digits, as_kind) {
        Ok(Some(v)) => {
            let v = v * scale;
            if kind.is_integer() && v.fract() != 0.0 {
                CellValue::Text
            } else if scale != 1.0 {
                // Keep 251000元 at exactly 25.1 rather than 25.099999999999998.
                CellValue::Number((v * 1e6).round() / 1e6)
            } else {
                CellValue::Number(v)
            }
        }
        Ok(None) => CellValue::Blank,
        Err(_) => CellValue::Text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_match_across_punctuation_width_and_script() {
        assert_eq!(label_key("（一）予以公开"), "一予以公开");
        assert_eq!(label_key("(一) 予以公開"), "一予以公开");
        assert_eq!(label_key("1.屬於國家秘密"), "1属于国家秘密");
        assert_eq!(label_key("商业\n企业"), "商业企业");
        assert_eq!(content_key("七总计"), "总计");
        assert_eq!(content_key("3其他"), "其他");
        assert_eq!(normalize("本年新 制作数量"), "本年新制作数量");
    }

    #[test]
    fn numbers_with_units_and_placeholders() {
        assert_eq!(read_value("519万元", Kind::Amount), CellValue::Number(519.0));
        assert_eq!(read_value("251000元", Kind::Amount), CellValue::Number(25.1));
        assert_eq!(read_value("12.35", Kind::Amount), CellValue::Number(12.35));
        assert_eq!(read_value("３件", Kind::Count), CellValue::Number(3.0));
        assert_eq!(read_value(" 0 ", Kind::Count), CellValue::Number(0.0));
        for blank in ["", "-", "/", "／", "—", "无"] {
            assert_eq!(read_value(blank, Kind::Count), CellValue::Blank, "{blank:?}");
        }
        assert_eq!(read_value("减少8", Kind::Count), CellValue::Text);
        assert_eq!(read_value("减少8项", Kind::Change), CellValue::Number(-8.0));
        assert_eq!(read_value("-3", Kind::Change), CellValue::Number(-3.0));
        assert_eq!(read_value("1.5", Kind::Count), CellValue::Text);
    }
}
