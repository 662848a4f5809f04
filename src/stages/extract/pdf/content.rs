//! Content streams: run a page's operators and keep where each character lands and where the
//! ruling lines are. Only what placing text needs is modelled: the graphics matrix (`cm`, `q`/`Q`),
//! the text state (`Tf`, `Tc`, `Tw`, `Tz`, `TL`, `Ts`), text positioning (`Td`, `TD`, `Tm`, `T*`),
//! the show operators (`Tj`, `TJ`, `'`, `"`), form XObjects, and paths built from `m`/`l`/`re`
//! that are stroked or filled thin (table borders). Images are counted, for telling a scan.

use super::fonts::{stream_bytes, Font};
use super::Limits;
use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::HashMap;
use std::rc::Rc;

/// A character placed on the page (PDF user space: y grows upwards).
#[derive(Debug, Clone)]
pub struct Char {
    pub x0: f64,
    pub x1: f64,
    /// Baseline.
    pub y: f64,
    /// Font size in page units.
    pub size: f64,
    pub text: String,
}

/// What a page shows that matters here.
#[derive(Debug, Default)]
pub struct PageContent {
    pub chars: Vec<Char>,
    /// Horizontal rules: (y, x0, x1).
    pub hlines: Vec<(f64, f64, f64)>,
    /// Vertical rules: (x, y0, y1).
    pub vlines: Vec<(f64, f64, f64)>,
    pub images: usize,
    /// The page's bottom, top and width (MediaBox).
    pub bottom: f64,
    pub top: f64,
    pub width: f64,
}

type Matrix = [f64; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

fn mul(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

fn apply(m: &Matrix, x: f64, y: f64) -> (f64, f64) {
    (x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5])
}

#[derive(Clone)]
struct GState {
    ctm: Matrix,
    font: Option<Rc<Font>>,
    size: f64,
    char_spacing: f64,
    word_spacing: f64,
    scale: f64,
    leading: f64,
    rise: f64,
}

/// Fonts already read, by object.
pub type FontCache = HashMap<ObjectId, Rc<Font>>;

pub struct Runner<'a> {
    doc: &'a Document,
    limits: &'a Limits,
    fonts: &'a mut FontCache,
    /// Operators run so far in the whole document.
    pub ops: &'a mut usize,
    out: PageContent,
    gs: GState,
    stack: Vec<GState>,
    tm: Matrix,
    tlm: Matrix,
    path: Vec<(f64, f64, f64, f64)>,
    path_start: (f64, f64),
    cur: (f64, f64),
}

fn num(o: &Object) -> f64 {
    match o {
        Object::Integer(i) => *i as f64,
        Object::Real(r) => *r as f64,
        _ => 0.0,
    }
}

fn nums<const N: usize>(ops: &[Object]) -> Option<[f64; N]> {
    if ops.len() < N {
        return None;
    }
    let mut out = [0.0; N];
    for (k, o) in ops[ops.len() - N..].iter().enumerate() {
        out[k] = match o {
            Object::Integer(i) => *i as f64,
            Object::Real(r) => *r as f64,
            _ => return None,
        };
        if !out[k].is_finite() {
            return None;
        }
    }
    Some(out)
}

impl<'a> Runner<'a> {
    pub fn new(doc: &'a Document, limits: &'a Limits, fonts: &'a mut FontCache, ops: &'a mut usize) -> Self {
        Runner {
            doc,
            limits,
            fonts,
            ops,
            out: PageContent::default(),
            gs: GState {
                ctm: IDENTITY,
                font: None,
                size: 0.0,
                char_spacing: 0.0,
                word_spacing: 0.0,
                scale: 1.0,
                leading: 0.0,
                rise: 0.0,
            },
            stack: Vec::new(),
            tm: IDENTITY,
            tlm: IDENTITY,
            path: Vec::new(),
            path_start: (0.0, 0.0),
            cur: (0.0, 0.0),
        }
    }

    /// Run a page's content; an error means a limit was hit.
    pub fn page(mut self, page: ObjectId) -> Result<PageContent, String> {
        let dict = self.doc.get_dictionary(page).map_err(|e| e.to_string())?;
        (self.out.bottom, self.out.top, self.out.width) =
            media_box(self.doc, dict).unwrap_or((0.0, 842.0, 595.0));
        let resources = page_resources(self.doc, page);
        let mut content = Vec::new();
        let contents = match dict.get(b"Contents") {
            Ok(o) => self.doc.dereference(o).map(|(_, o)| o.clone()).unwrap_or(Object::Null),
            Err(_) => Object::Null,
        };
        let parts: Vec<Object> = match contents {
            Object::Array(a) => a,
            o => vec![o],
        };
        for part in parts.iter().take(10_000) {
            let bytes = stream_bytes(self.doc, part, self.limits.stream_bytes).ok_or_else(|| {
                "a page's content stream cannot be decoded within the size limit".to_string()
            })?;
            if content.len() + bytes.len() > self.limits.stream_bytes {
                return Err("a page's content is larger than the limit".into());
            }
            content.extend_from_slice(&bytes);
            content.push(b'\n');
        }
        self.run(&content, &resources, 0)?;
        Ok(self.out)
    }

    fn font(&mut self, resources: &[Dictionary], name: &[u8]) -> Option<Rc<Font>> {
        for r in resources {
            let Some(Object::Dictionary(fonts)) = r.get(b"Font").ok().map(|o| deref(self.doc, o)) else {
                continue;
            };
            let Ok(entry) = fonts.get(name) else { continue };
            if let Object::Reference(id) = entry {
                if let Some(f) = self.fonts.get(id) {
                    return Some(f.clone());
                }
            }
            let Object::Dictionary(d) = deref(self.doc, entry) else { continue };
            let f = Rc::new(Font::load(self.doc, d, self.limits.stream_bytes));
            if let Object::Reference(id) = entry {
                self.fonts.insert(*id, f.clone());
            }
            return Some(f);
        }
        None
    }

    fn run(&mut self, content: &[u8], resources: &[Dictionary], depth: usize) -> Result<(), String> {
        let ops = Content::decode(content).map_err(|e| format!("content stream: {e}"))?.operations;
        for op in ops {
            *self.ops += 1;
            if *self.ops > self.limits.operators {
                return Err(format!("more than {} drawing operators", self.limits.operators));
            }
            if self.out.chars.len() > self.limits.chars {
                return Err(format!("more than {} characters on a page", self.limits.chars));
            }
            let o = &op.operands;
            match op.operator.as_str() {
                "q" if self.stack.len() < 64 => self.stack.push(self.gs.clone()),
                "Q" => {
                    if let Some(g) = self.stack.pop() {
                        self.gs = g;
                    }
                }
                "cm" => {
                    if let Some(m) = nums::<6>(o) {
                        self.gs.ctm = mul(&m, &self.gs.ctm);
                    }
                }
                "BT" => {
                    self.tm = IDENTITY;
                    self.tlm = IDENTITY;
                }
                "Tf" => {
                    if let (Some(Object::Name(n)), Some(s)) = (o.first(), o.get(1)) {
                        self.gs.font = self.font(resources, n);
                        self.gs.size = num(s);
                    }
                }
                "Tc" => self.gs.char_spacing = o.first().map(num).unwrap_or(0.0),
                "Tw" => self.gs.word_spacing = o.first().map(num).unwrap_or(0.0),
                "Tz" => self.gs.scale = o.first().map(num).unwrap_or(100.0) / 100.0,
                "TL" => self.gs.leading = o.first().map(num).unwrap_or(0.0),
                "Ts" => self.gs.rise = o.first().map(num).unwrap_or(0.0),
                "Td" => {
                    if let Some([x, y]) = nums::<2>(o) {
                        self.move_line(x, y);
                    }
                }
                "TD" => {
                    if let Some([x, y]) = nums::<2>(o) {
                        self.gs.leading = -y;
                        self.move_line(x, y);
                    }
                }
                "Tm" => {
                    if let Some(m) = nums::<6>(o) {
                        self.tm = m;
                        self.tlm = m;
                    }
                }
                "T*" => self.move_line(0.0, -self.gs.leading),
                "Tj" => {
                    if let Some(Object::String(s, _)) = o.first() {
                        self.show(s);
                    }
                }
                "'" => {
                    self.move_line(0.0, -self.gs.leading);
                    if let Some(Object::String(s, _)) = o.first() {
                        self.show(s);
                    }
                }
                "\"" => {
                    if let (Some(aw), Some(ac), Some(Object::String(s, _))) = (o.first(), o.get(1), o.get(2))
                    {
                        self.gs.word_spacing = num(aw);
                        self.gs.char_spacing = num(ac);
                        self.move_line(0.0, -self.gs.leading);
                        self.show(s);
                    }
                }
                "TJ" => {
                    if let Some(Object::Array(items)) = o.first() {
                        for item in items {
                            match item {
                                Object::String(s, _) => self.show(s),
                                Object::Integer(_) | Object::Real(_) => {
                                    let tx = -num(item) / 1000.0 * self.gs.size * self.gs.scale;
                                    self.tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], &self.tm);
                                }
                                _ => {}
                            }
                        }
                    }
                }
                "m" => {
                    if let Some([x, y]) = nums::<2>(o) {
                        self.cur = apply(&self.gs.ctm, x, y);
                        self.path_start = self.cur;
                    }
                }
                "l" => {
                    if let Some([x, y]) = nums::<2>(o) {
                        let p = apply(&self.gs.ctm, x, y);
                        if self.path.len() < 100_000 {
                            self.path.push((self.cur.0, self.cur.1, p.0, p.1));
                        }
                        self.cur = p;
                    }
                }
                "c" | "v" | "y" => {
                    // Curves are no rules: move on to their end point.
                    if let Some([x, y]) = nums::<2>(o) {
                        self.cur = apply(&self.gs.ctm, x, y);
                    }
                }
                "h" => {
                    let (s, c) = (self.path_start, self.cur);
                    if self.path.len() < 100_000 {
                        self.path.push((c.0, c.1, s.0, s.1));
                    }
                    self.cur = s;
                }
                "re" => {
                    if let Some([x, y, w, h]) = nums::<4>(o) {
                        let pts = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)];
                        let p: Vec<(f64, f64)> =
                            pts.iter().map(|&(a, b)| apply(&self.gs.ctm, a, b)).collect();
                        for k in 0..4 {
                            let (a, b) = (p[k], p[(k + 1) % 4]);
                            if self.path.len() < 100_000 {
                                self.path.push((a.0, a.1, b.0, b.1));
                            }
                        }
                        self.cur = p[0];
                        self.path_start = p[0];
                    }
                }
                "S" | "s" => self.paint(true),
                "f" | "F" | "f*" => self.paint(false),
                "B" | "B*" | "b" | "b*" => self.paint(true),
                "n" => self.path.clear(),
                "BI" | "ID" | "EI" => self.out.images += 1,
                "Do" => {
                    if let Some(Object::Name(n)) = o.first() {
                        self.xobject(resources, n, depth)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn xobject(&mut self, resources: &[Dictionary], name: &[u8], depth: usize) -> Result<(), String> {
        let doc = self.doc;
        let stream = resources.iter().find_map(|r| match r.get(b"XObject").ok().map(|o| deref(doc, o)) {
            Some(Object::Dictionary(x)) => match x.get(name).ok().map(|o| deref(doc, o)) {
                Some(Object::Stream(s)) => Some(s),
                _ => None,
            },
            _ => None,
        });
        let Some(stream) = stream else { return Ok(()) };
        match stream.dict.get(b"Subtype").ok() {
            Some(Object::Name(n)) if n == b"Image" => self.out.images += 1,
            Some(Object::Name(n)) if n == b"Form" && depth < 8 => {
                let bytes = if stream.dict.has(b"Filter") {
                    stream.decompressed_content_with_limit(self.limits.stream_bytes).ok()
                } else {
                    Some(stream.content.clone())
                };
                let Some(bytes) = bytes else { return Ok(()) };
                let mut inner: Vec<Dictionary> = Vec::new();
                if let Some(Object::Dictionary(r)) = stream.dict.get(b"Resources").ok().map(|o| deref(doc, o))
                {
                    inner.push(r.clone());
                }
                inner.extend(resources.iter().cloned());
                let saved = (self.gs.clone(), self.stack.len(), self.tm, self.tlm);
                if let Ok(Object::Array(m)) = stream.dict.get(b"Matrix") {
                    if let Some(m) = nums::<6>(m) {
                        self.gs.ctm = mul(&m, &self.gs.ctm);
                    }
                }
                let r = self.run(&bytes, &inner, depth + 1);
                self.gs = saved.0;
                self.stack.truncate(saved.1);
                self.tm = saved.2;
                self.tlm = saved.3;
                r?;
            }
            _ => {}
        }
        Ok(())
    }

    fn move_line(&mut self, x: f64, y: f64) {
        self.tlm = mul(&[1.0, 0.0, 0.0, 1.0, x, y], &self.tlm);
        self.tm = self.tlm;
    }

    fn show(&mut self, bytes: &[u8]) {
        let Some(font) = self.gs.font.clone() else { return };
        let g = &self.gs;
        let (size, th) = (g.size, g.scale);
        for glyph in font.decode(bytes) {
            let trm = mul(&mul(&[size * th, 0.0, 0.0, size, 0.0, g.rise], &self.tm), &g.ctm);
            let (x0, y) = apply(&trm, 0.0, 0.0);
            let (x1, _) = apply(&trm, glyph.width, 0.0);
            let height = (trm[2] * trm[2] + trm[3] * trm[3]).sqrt();
            let mut tx = glyph.width * size + g.char_spacing;
            if glyph.is_space {
                tx += g.word_spacing;
            }
            self.tm = mul(&[1.0, 0.0, 0.0, 1.0, tx * th, 0.0], &self.tm);
            if !glyph.text.chars().all(char::is_whitespace)
                && x0.is_finite()
                && y.is_finite()
                && height.is_finite()
            {
                self.out.chars.push(Char {
                    x0: x0.min(x1),
                    x1: x0.max(x1),
                    y,
                    size: height,
                    text: glyph.text,
                });
            }
        }
    }

    /// A painted path: its horizontal and vertical segments become rules. A filled path counts only
    /// when it is thin (a border drawn as a filled rectangle), not a shaded background.
    fn paint(&mut self, stroked: bool) {
        let path = std::mem::take(&mut self.path);
        if !stroked {
            let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
            for &(a, b, c, d) in &path {
                x0 = x0.min(a).min(c);
                x1 = x1.max(a).max(c);
                y0 = y0.min(b).min(d);
                y1 = y1.max(b).max(d);
            }
            if path.is_empty() {
                return;
            }
            let (w, h) = (x1 - x0, y1 - y0);
            if h <= 3.0 && w > 3.0 {
                self.out.hlines.push(((y0 + y1) / 2.0, x0, x1));
            } else if w <= 3.0 && h > 3.0 {
                self.out.vlines.push(((x0 + x1) / 2.0, y0, y1));
            }
            return;
        }
        for (a, b, c, d) in path {
            if (b - d).abs() < 0.5 && (a - c).abs() > 1.0 {
                self.out.hlines.push((b, a.min(c), a.max(c)));
            } else if (a - c).abs() < 0.5 && (b - d).abs() > 1.0 {
                self.out.vlines.push((a, b.min(d), b.max(d)));
            }
        }
    }
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    doc.dereference(o).map(|(_, o)| o).unwrap_or(o)
}

/// The resource dictionaries of a page, its own first, then those inherited from the page tree.
fn page_resources(doc: &Document, page: ObjectId) -> Vec<Dictionary> {
    let mut out = Vec::new();
    let mut id = Some(page);
    let mut seen = 0;
    while let Some(cur) = id {
        seen += 1;
        if seen > 32 {
            break;
        }
        let Ok(d) = doc.get_dictionary(cur) else { break };
        if let Some(Object::Dictionary(r)) = d.get(b"Resources").ok().map(|o| deref(doc, o)) {
            out.push(r.clone());
        }
        id = match d.get(b"Parent") {
            Ok(Object::Reference(p)) => Some(*p),
            _ => None,
        };
    }
    out
}

fn media_box(doc: &Document, page: &Dictionary) -> Option<(f64, f64, f64)> {
    let mut d = page;
    for _ in 0..32 {
        if let Some(Object::Array(b)) = d.get(b"MediaBox").ok().map(|o| deref(doc, o)) {
            if b.len() == 4 {
                let (x0, x1) = (num(deref(doc, &b[0])), num(deref(doc, &b[2])));
                let (y0, y1) = (num(deref(doc, &b[1])), num(deref(doc, &b[3])));
                return Some((y0.min(y1), y0.max(y1), (x1 - x0).abs()));
            }
        }
        match d.get(b"Parent") {
            Ok(Object::Reference(p)) => d = doc.get_dictionary(*p).ok()?,
            _ => return None,
        }
    }
    None
}
