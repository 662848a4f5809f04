//! Fonts: how the bytes of a shown string become characters and advance widths.
//!
//! Chinese reports set their text in CID fonts. Most writers (Chromium, LibreOffice, Word) use
//! `Identity-H` with a `/ToUnicode` map, which is parsed here (`bfchar`, `bfrange` with a start
//! value or an array). Official-document typesetting systems write the predefined Adobe-GB1 CMaps
//! instead, often without a `/ToUnicode`: `UniGB-UCS2-H` and `UniGB-UTF16-H` are Unicode already,
//! `GBK-EUC-H` and `GB-EUC-H` are GBK bytes (decoded with `encoding_rs`). Simple fonts use their
//! `/Encoding` (WinAnsi, or a base with `/Differences` glyph names). A code no map explains is
//! kept as U+FFFD, so a number that cannot be read is never mistaken for another.

use lopdf::{Dictionary, Document, Object};
use std::collections::HashMap;

/// How a font's codes are split and turned into text.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scheme {
    /// One byte per code (simple fonts).
    Simple,
    /// Two bytes per code (`Identity-H` and most embedded CMaps).
    TwoByte,
    /// UTF-16BE: two bytes, or four for a surrogate pair.
    Utf16,
    /// GBK/EUC-CN: a byte below 0x81 alone, else two bytes.
    Gbk,
}

#[derive(Debug, Clone)]
pub struct Font {
    scheme: Scheme,
    /// Codes are Unicode themselves (UCS-2/UTF-16 CMaps) or GBK (EUC CMaps): decoded directly.
    direct: bool,
    to_unicode: HashMap<u32, String>,
    /// Simple fonts: the character of each byte from `/Encoding`.
    simple: Option<Box<[Option<char>; 256]>>,
    /// Advance width per code (or CID for Identity-H), in 1/1000 of the font size.
    widths: HashMap<u32, f64>,
    default_width: f64,
    /// Whether the code 32 is a space (word spacing `Tw` applies to it).
    pub single_byte: bool,
}

/// One decoded code of a shown string.
pub struct Glyph {
    pub text: String,
    /// Width in text space units per unit of font size (1/1000 glyph units already divided).
    pub width: f64,
    /// A single-byte code 32, which `Tw` widens.
    pub is_space: bool,
}

fn num(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(*r as f64),
        _ => None,
    }
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    doc.dereference(o).map(|(_, o)| o).unwrap_or(o)
}

fn name_of<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> Option<&'a [u8]> {
    match d.get(key).ok().map(|o| deref(doc, o)) {
        Some(Object::Name(n)) => Some(n),
        _ => None,
    }
}

/// Decoded content of a stream, bounded.
pub fn stream_bytes(doc: &Document, o: &Object, limit: usize) -> Option<Vec<u8>> {
    match deref(doc, o) {
        Object::Stream(s) => {
            if s.dict.has(b"Filter") {
                s.decompressed_content_with_limit(limit).ok()
            } else if s.content.len() <= limit {
                Some(s.content.clone())
            } else {
                None
            }
        }
        _ => None,
    }
}

impl Font {
    /// The font a `/Font` resource dictionary describes.
    pub fn load(doc: &Document, dict: &Dictionary, limit: usize) -> Font {
        let subtype = name_of(doc, dict, b"Subtype").unwrap_or(b"Type1");
        let mut font = Font {
            scheme: Scheme::Simple,
            direct: false,
            to_unicode: HashMap::new(),
            simple: None,
            widths: HashMap::new(),
            default_width: 500.0,
            single_byte: true,
        };
        if subtype == b"Type0" {
            font.single_byte = false;
            font.default_width = 1000.0;
            font.scheme = Scheme::TwoByte;
            match dict.get(b"Encoding").ok().map(|o| deref(doc, o)) {
                Some(Object::Name(n)) => {
                    let n = n.as_slice();
                    if n.starts_with(b"UniGB-UCS2") || n.starts_with(b"UniCNS-UCS2") {
                        font.direct = true;
                    } else if n.starts_with(b"UniGB-UTF16") || n.starts_with(b"UniCNS-UTF16") {
                        font.scheme = Scheme::Utf16;
                        font.direct = true;
                    } else if n.starts_with(b"GBK-EUC")
                        || n.starts_with(b"GB-EUC")
                        || n.starts_with(b"GBKp-EUC")
                        || n.starts_with(b"GBK2K")
                    {
                        font.scheme = Scheme::Gbk;
                        font.direct = true;
                    }
                }
                Some(o @ Object::Stream(_)) => {
                    // An embedded CMap: its code space tells the code length; its CIDs are not
                    // Unicode, so the text comes from /ToUnicode alone.
                    if let Some(bytes) = stream_bytes(doc, o, limit) {
                        if one_byte_codespace(&bytes) {
                            font.scheme = Scheme::Simple;
                        }
                    }
                }
                _ => {}
            }
            if let Ok(Object::Array(desc)) = dict.get(b"DescendantFonts").map(|o| deref(doc, o)) {
                if let Some(Object::Dictionary(d)) = desc.first().map(|o| deref(doc, o)) {
                    font.load_cid_widths(doc, d);
                }
            }
        } else {
            font.load_simple(doc, dict);
        }
        if let Ok(o) = dict.get(b"ToUnicode") {
            if let Some(bytes) = stream_bytes(doc, o, limit) {
                parse_to_unicode(&bytes, &mut font.to_unicode);
            }
        }
        font
    }

    fn load_cid_widths(&mut self, doc: &Document, d: &Dictionary) {
        if let Some(w) = d.get(b"DW").ok().and_then(|o| num(deref(doc, o))) {
            self.default_width = w;
        }
        let Ok(Object::Array(w)) = d.get(b"W").map(|o| deref(doc, o)) else { return };
        let mut i = 0;
        while i < w.len() && self.widths.len() < 70_000 {
            let Some(first) = num(deref(doc, &w[i])) else { break };
            match w.get(i + 1).map(|o| deref(doc, o)) {
                Some(Object::Array(list)) => {
                    for (k, x) in list.iter().take(70_000).enumerate() {
                        if let Some(x) = num(deref(doc, x)) {
                            self.widths.insert(first as u32 + k as u32, x);
                        }
                    }
                    i += 2;
                }
                Some(o) => {
                    let (Some(last), Some(x)) = (num(o), w.get(i + 2).and_then(|o| num(deref(doc, o))))
                    else {
                        break;
                    };
                    let (a, b) = (first.max(0.0) as u32, last.max(0.0) as u32);
                    for c in a..=b.min(a.saturating_add(70_000)) {
                        self.widths.insert(c, x);
                    }
                    i += 3;
                }
                None => break,
            }
        }
    }

    fn load_simple(&mut self, doc: &Document, dict: &Dictionary) {
        let first = dict.get(b"FirstChar").ok().and_then(|o| num(deref(doc, o))).unwrap_or(0.0) as u32;
        if let Ok(Object::Array(w)) = dict.get(b"Widths").map(|o| deref(doc, o)) {
            for (k, x) in w.iter().take(256).enumerate() {
                if let Some(x) = num(deref(doc, x)) {
                    self.widths.insert(first + k as u32, x);
                }
            }
        }
        // Type3 glyph widths are in glyph space; its FontMatrix (usually 0.001) scales them.
        if name_of(doc, dict, b"Subtype") == Some(b"Type3") {
            if let Ok(Object::Array(m)) = dict.get(b"FontMatrix").map(|o| deref(doc, o)) {
                if let Some(a) = m.first().and_then(num) {
                    for v in self.widths.values_mut() {
                        *v *= a * 1000.0;
                    }
                }
            }
        }
        let mut table: Box<[Option<char>; 256]> = Box::new([None; 256]);
        let base = match dict.get(b"Encoding").ok().map(|o| deref(doc, o)) {
            Some(Object::Name(n)) => n.clone(),
            Some(Object::Dictionary(d)) => name_of(doc, d, b"BaseEncoding").unwrap_or(b"").to_vec(),
            _ => Vec::new(),
        };
        for b in 0..=255u8 {
            table[b as usize] = base_char(&base, b);
        }
        if let Some(Object::Dictionary(d)) = dict.get(b"Encoding").ok().map(|o| deref(doc, o)) {
            if let Ok(Object::Array(diffs)) = d.get(b"Differences").map(|o| deref(doc, o)) {
                let mut code = 0usize;
                for o in diffs.iter().take(1024) {
                    match deref(doc, o) {
                        Object::Integer(i) => code = (*i).clamp(0, 255) as usize,
                        Object::Name(n) => {
                            if code < 256 {
                                table[code] = glyph_char(n);
                            }
                            code += 1;
                        }
                        _ => {}
                    }
                }
            }
        }
        self.simple = Some(table);
    }

    /// The glyphs of a shown string.
    pub fn decode(&self, bytes: &[u8]) -> Vec<Glyph> {
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let (code, len) = self.next_code(&bytes[i..]);
            let raw = &bytes[i..i + len];
            i += len;
            let text = if let Some(t) = self.to_unicode.get(&code) {
                t.clone()
            } else if self.direct {
                match self.scheme {
                    Scheme::Gbk => encoding_rs::GBK.decode_without_bom_handling(raw).0.into_owned(),
                    Scheme::Utf16 => encoding_rs::UTF_16BE.decode_without_bom_handling(raw).0.into_owned(),
                    _ => char::from_u32(code).map(String::from).unwrap_or_else(|| "\u{FFFD}".into()),
                }
            } else if let Some(t) = &self.simple {
                t[(code & 0xFF) as usize].map(String::from).unwrap_or_else(|| "\u{FFFD}".into())
            } else {
                "\u{FFFD}".into()
            };
            let width = self.width_of(code, &text) / 1000.0;
            out.push(Glyph { text, width, is_space: len == 1 && code == 32 });
        }
        out
    }

    fn width_of(&self, code: u32, text: &str) -> f64 {
        if self.direct {
            // The CIDs of a predefined CMap are not its codes and its CID table is not here:
            // half-width for ASCII, the default (full) width for the rest.
            return if text.is_ascii() { self.default_width / 2.0 } else { self.default_width };
        }
        self.widths.get(&code).copied().unwrap_or(self.default_width)
    }

    fn next_code(&self, b: &[u8]) -> (u32, usize) {
        let two =
            |b: &[u8]| if b.len() >= 2 { ((b[0] as u32) << 8 | b[1] as u32, 2) } else { (b[0] as u32, 1) };
        match self.scheme {
            Scheme::Simple => (b[0] as u32, 1),
            Scheme::TwoByte => two(b),
            Scheme::Utf16 => {
                if (0xD8..0xDC).contains(&b[0]) && b.len() >= 4 {
                    let (hi, _) = two(b);
                    let (lo, _) = two(&b[2..]);
                    (0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF), 4)
                } else {
                    two(b)
                }
            }
            Scheme::Gbk => {
                if b[0] >= 0x81 && b.len() >= 2 {
                    two(b)
                } else {
                    (b[0] as u32, 1)
                }
            }
        }
    }
}

/// Whether an embedded CMap's code space is one byte wide.
fn one_byte_codespace(cmap: &[u8]) -> bool {
    let text = String::from_utf8_lossy(cmap);
    let Some(start) = text.find("begincodespacerange") else { return false };
    let rest = &text[start + "begincodespacerange".len()..];
    let body = &rest[..rest.find("endcodespacerange").unwrap_or(rest.len())];
    let hexes = hex_strings(body);
    !hexes.is_empty() && hexes.iter().all(|h| h.len() == 1)
}

/// The `<…>` hex strings of a CMap section, as bytes.
fn hex_strings(s: &str) -> Vec<Vec<u8>> {
    tokens(s).into_iter().filter_map(|t| if let Token::Hex(h) = t { Some(h) } else { None }).collect()
}

fn code_of(b: &[u8]) -> u32 {
    b.iter().take(4).fold(0u32, |acc, &x| acc << 8 | x as u32)
}

fn utf16_text(b: &[u8]) -> String {
    encoding_rs::UTF_16BE.decode_without_bom_handling(b).0.into_owned()
}

/// A `/ToUnicode` CMap: `bfchar` pairs and `bfrange` triples (a start value, or an array of values).
pub fn parse_to_unicode(cmap: &[u8], out: &mut HashMap<u32, String>) {
    let text = String::from_utf8_lossy(cmap);
    let mut rest: &str = &text;
    const MAX: usize = 70_000;
    loop {
        let c = rest.find("beginbfchar");
        let r = rest.find("beginbfrange");
        let (start, is_range) = match (c, r) {
            (Some(c), Some(r)) if r < c => (r, true),
            (Some(c), _) => (c, false),
            (None, Some(r)) => (r, true),
            (None, None) => break,
        };
        let (open, close) =
            if is_range { ("beginbfrange", "endbfrange") } else { ("beginbfchar", "endbfchar") };
        let body_start = start + open.len();
        let end = rest[body_start..].find(close).map_or(rest.len(), |e| body_start + e);
        let body = &rest[body_start..end];
        if is_range {
            parse_ranges(body, out, MAX);
        } else {
            let hexes = hex_strings(body);
            for pair in hexes.chunks(2) {
                if let [src, dst] = pair {
                    if out.len() < MAX {
                        out.insert(code_of(src), utf16_text(dst));
                    }
                }
            }
        }
        rest = &rest[(end + close.len()).min(rest.len())..];
    }
}

enum Token {
    Hex(Vec<u8>),
    Open,
    Close,
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    let digits: Vec<u8> = hex.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|pair| {
            let v = std::str::from_utf8(pair).ok().and_then(|s| u8::from_str_radix(s, 16).ok()).unwrap_or(0);
            if pair.len() == 1 {
                v << 4
            } else {
                v
            }
        })
        .collect()
}

fn tokens(body: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(k) = rest.find(['<', '[', ']']) {
        match rest.as_bytes()[k] {
            b'[' => {
                out.push(Token::Open);
                rest = &rest[k + 1..];
            }
            b']' => {
                out.push(Token::Close);
                rest = &rest[k + 1..];
            }
            _ => {
                let Some(e) = rest[k..].find('>') else { break };
                out.push(Token::Hex(hex_bytes(&rest[k + 1..k + e])));
                rest = &rest[k + e + 1..];
            }
        }
    }
    out
}

fn parse_ranges(body: &str, out: &mut HashMap<u32, String>, max: usize) {
    let toks = tokens(body);
    let mut i = 0;
    while i + 2 < toks.len() {
        let (Token::Hex(lo), Token::Hex(hi)) = (&toks[i], &toks[i + 1]) else {
            i += 1;
            continue;
        };
        let (lo, hi) = (code_of(lo), code_of(hi));
        match &toks[i + 2] {
            Token::Open => {
                let mut k = i + 3;
                let mut code = lo;
                while let Some(Token::Hex(v)) = toks.get(k) {
                    if code <= hi && out.len() < max {
                        out.insert(code, utf16_text(v));
                    }
                    code = code.saturating_add(1);
                    k += 1;
                }
                i = k + 1;
            }
            Token::Hex(dst) => {
                i += 3;
                if hi < lo || hi - lo > 0xFFFF {
                    continue;
                }
                // The last UTF-16 unit counts up through the range.
                let units: Vec<u16> =
                    dst.chunks(2).map(|p| (p[0] as u16) << 8 | *p.get(1).unwrap_or(&0) as u16).collect();
                for (k, code) in (lo..=hi).enumerate() {
                    if out.len() >= max {
                        return;
                    }
                    let mut u = units.clone();
                    if let Some(last) = u.last_mut() {
                        *last = last.wrapping_add(k as u16);
                    }
                    out.insert(code, String::from_utf16_lossy(&u));
                }
            }
            Token::Close => i += 3,
        }
    }
}

/// The character a base encoding gives a byte: WinAnsi (Windows-1252) for the common encodings;
/// Standard and MacRoman agree with it on the printable ASCII that numbers and labels use.
fn base_char(_base: &[u8], b: u8) -> Option<char> {
    if b < 0x20 {
        return None;
    }
    let bytes = [b];
    let (s, _, bad) = encoding_rs::WINDOWS_1252.decode(&bytes);
    if bad {
        None
    } else {
        s.chars().next()
    }
}

/// A glyph name of `/Differences` as a character: `uniXXXX`, `uXXXX`, single letters, and the
/// names of digits and punctuation.
fn glyph_char(name: &[u8]) -> Option<char> {
    let n = std::str::from_utf8(name).ok()?;
    if let Some(h) = n.strip_prefix("uni").filter(|h| h.len() >= 4) {
        return u32::from_str_radix(&h[..4], 16).ok().and_then(char::from_u32);
    }
    if let Some(h) = n.strip_prefix('u').filter(|h| (4..=6).contains(&h.len())) {
        if let Ok(v) = u32::from_str_radix(h, 16) {
            return char::from_u32(v);
        }
    }
    if n.len() == 1 {
        return n.chars().next();
    }
    const NAMES: [(&str, char); 28] = [
        ("space", ' '),
        ("zero", '0'),
        ("one", '1'),
        ("two", '2'),
        ("three", '3'),
        ("four", '4'),
        ("five", '5'),
        ("six", '6'),
        ("seven", '7'),
        ("eight", '8'),
        ("nine", '9'),
        ("period", '.'),
        ("comma", ','),
        ("hyphen", '-'),
        ("minus", '-'),
        ("slash", '/'),
        ("percent", '%'),
        ("parenleft", '('),
        ("parenright", ')'),
        ("colon", ':'),
        ("semicolon", ';'),
        ("bar", '|'),
        ("endash", '–'),
        ("emdash", '—'),
        ("plus", '+'),
        ("underscore", '_'),
        ("bracketleft", '['),
        ("bracketright", ']'),
    ];
    NAMES.iter().find(|(k, _)| *k == n).map(|(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_unicode_chars_and_ranges() {
        let cmap = b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
            2 beginbfchar <0003> <0020> <0011> <4E00> endbfchar\n\
            2 beginbfrange <0013> <0015> <0030> <0020> <0021> [<516C> <5F00>] endbfrange";
        let mut m = HashMap::new();
        parse_to_unicode(cmap, &mut m);
        assert_eq!(m[&3], " ");
        assert_eq!(m[&0x11], "一");
        assert_eq!((m[&0x13].as_str(), m[&0x15].as_str()), ("0", "2"));
        assert_eq!((m[&0x20].as_str(), m[&0x21].as_str()), ("公", "开"));
    }

    #[test]
    fn glyph_names() {
        assert_eq!(glyph_char(b"uni4E00"), Some('一'));
        assert_eq!(glyph_char(b"seven"), Some('7'));
        assert_eq!(glyph_char(b"A"), Some('A'));
        assert_eq!(glyph_char(b"g123"), None);
    }
}
