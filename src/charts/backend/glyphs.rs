//! PNG text with glyphs where they belong. plotters' own ab_glyph text drops each glyph's left side
//! bearing, which spaces CJK text unevenly (自 治县, a full-width （ glued to the left). [`Glyphs`]
//! lays out and rasterizes text itself with ab_glyph and the bundled font: pen position plus
//! bearing, sized by the em like SVG, and blends the coverage straight into the [`Canvas`].

use super::canvas::{level, Canvas, Level, OPAQUE};
use super::font::FONT;
use crate::support::error::{Error, Result};
use ab_glyph::{point, Font, FontRef, GlyphId, PxScale, ScaleFont};
use plotters::style::text_anchor::{HPos, VPos};
use plotters_backend::{BackendCoord, BackendTextStyle, FontTransform};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::OnceLock;

/// plotters' SVG writes a text size `s` as `font-size: s / 1.24`: the same em here keeps the two
/// formats alike.
const SVG_EM: f64 = 1.24;

pub struct Glyphs {
    font: &'static FontRef<'static>,
}

/// Past this many rasterized glyphs a thread's cache starts again, so that memory stays bounded
/// (a few MB) whatever the region names bring.
const GLYPH_CACHE_LIMIT: usize = 20_000;

thread_local! {
    /// Rasterized glyphs, kept across all the charts one rayon worker draws: tick labels, units and
    /// region names repeat the same few hundred glyphs, and outlining them was ~16 % of PNG time
    /// when the cache lived for one chart. A glyph's raster depends only on its key, so sharing it
    /// changes no pixel.
    static GLYPHS: RefCell<HashMap<GlyphKey, Option<Rc<Coverage>>>> = RefCell::new(HashMap::new());
}

/// Glyph, scale, and its position's fraction of a pixel in quarters.
type GlyphKey = (u16, u32, u8, u8);

/// A glyph's ink: offset of its top-left pixel from the whole-pixel pen position, width, and
/// coverage row by row as the blending level of an opaque colour, worked out once per glyph
/// rather than once per pixel drawn; and each row's span from its first to its last inked pixel,
/// so that drawing skips the blank corners of the box.
struct Coverage {
    left: i32,
    top: i32,
    width: usize,
    levels: Vec<Level>,
    spans: Vec<(usize, usize)>,
}

/// Split a position into whole pixels and a fraction in quarters (0–3).
fn quarter(v: f32) -> (i32, u8) {
    let q = (v * 4.0).round() as i32;
    (q.div_euclid(4), q.rem_euclid(4) as u8)
}

/// The ink of one glyph at its scale and sub-pixel position; `None` for a glyph without outline
/// (a space).
fn rasterize(font: &FontRef<'static>, glyph: ab_glyph::Glyph) -> Option<Rc<Coverage>> {
    let outline = font.outline_glyph(glyph)?;
    let b = outline.px_bounds();
    let width = b.width() as usize;
    if width == 0 {
        return None;
    }
    let mut levels = vec![0; width * b.height() as usize];
    outline.draw(|gx, gy, c| {
        if let Some(a) = levels.get_mut(gy as usize * width + gx as usize) {
            *a = level(f64::from(c.min(1.0)));
        }
    });
    let spans = levels
        .chunks_exact(width)
        .map(|row| match row.iter().position(|&a| a > 0) {
            Some(first) => (first, width - row.iter().rev().take_while(|&&a| a == 0).count()),
            None => (0, 0),
        })
        .collect();
    Some(Rc::new(Coverage { left: b.min.x as i32, top: b.min.y as i32, width, levels, spans }))
}

impl Glyphs {
    /// The bundled font, parsed once per process: every chart of both formats measures text with
    /// it, and parsing its tables again for each of 13,680 files was work for nothing.
    pub fn new() -> Result<Glyphs> {
        static FONT_REF: OnceLock<std::result::Result<FontRef<'static>, String>> = OnceLock::new();
        match FONT_REF.get_or_init(|| FontRef::try_from_slice(FONT).map_err(|e| e.to_string())) {
            Ok(font) => Ok(Glyphs { font }),
            Err(e) => Err(Error::Chart {
                path: "assets/fonts".into(),
                message: format!("the bundled font does not parse: {e}"),
            }),
        }
    }

    fn scale(&self, size: f64) -> PxScale {
        // ab_glyph's scale is the height from descender to ascender, not the em.
        let em = (size / SVG_EM) as f32;
        let units = self.font.units_per_em().unwrap_or(1000.0);
        PxScale::from(em * self.font.height_unscaled() / units)
    }

    /// Advance width, ascent and descent (negative) in pixels.
    fn measure(&self, text: &str, size: f64) -> (f32, f32, f32) {
        let font = self.font.as_scaled(self.scale(size));
        let mut width = 0.0;
        let mut prev = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                width += font.kern(p, id);
            }
            width += font.h_advance(id);
            prev = Some(id);
        }
        (width, font.ascent(), font.descent())
    }

    /// Pixels wide and high, as plotters asks to lay out labels.
    pub fn size<S: BackendTextStyle>(&self, text: &str, style: &S) -> (u32, u32) {
        let (w, ascent, descent) = self.measure(text, style.size());
        (w.ceil() as u32, (ascent - descent).ceil() as u32)
    }

    /// Draw `text` anchored at `pos` as `style` says.
    pub fn draw<S: BackendTextStyle>(&self, canvas: &mut Canvas, text: &str, style: &S, pos: BackendCoord) {
        let color = style.color();
        // An opaque colour blends each pixel at the glyph's own level, as plotters did.
        let opacity = level(color.alpha);
        if opacity == 0 {
            return;
        }
        let rgb = [color.rgb.0, color.rgb.1, color.rgb.2];
        let (width, ascent, descent) = self.measure(text, style.size());
        // Text coordinates: x along the text from its anchor, y down from it; the baseline at `base`.
        let x0 = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let base = match style.anchor().v_pos {
            VPos::Top => ascent,
            VPos::Center => (ascent + descent) / 2.0,
            VPos::Bottom => descent,
        };
        let scale = self.scale(style.size());
        let font = self.font.as_scaled(scale);
        let transform = style.transform();
        let upright = matches!(transform, FontTransform::None);
        let mut pen = x0;
        let mut prev = None;
        let mut placed: Vec<(GlyphId, f32)> = Vec::new();
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                pen += font.kern(p, id);
            }
            prev = Some(id);
            placed.push((id, pen));
            pen += font.h_advance(id);
        }
        let (base_px, base_q) = quarter(base);
        for (id, x) in placed {
            let (x_px, x_q) = quarter(x);
            let key = (id.0, scale.x.to_bits(), x_q, base_q);
            let ink = GLYPHS.with(|cache| {
                let mut cache = cache.borrow_mut();
                if cache.len() >= GLYPH_CACHE_LIMIT {
                    cache.clear();
                }
                let at = point(f32::from(x_q) / 4.0, f32::from(base_q) / 4.0);
                let glyph = id.with_scale_and_position(scale, at);
                cache.entry(key).or_insert_with(|| rasterize(self.font, glyph)).clone()
            });
            let Some(ink) = ink else { continue };
            let (left, top) = (x_px + ink.left, base_px + ink.top);
            for (row, (levels, &(first, end))) in
                ink.levels.chunks_exact(ink.width).zip(&ink.spans).enumerate()
            {
                let ty = top + row as i32;
                let (x, levels) = (left + first as i32, &levels[first..end]);
                if upright && opacity == OPAQUE {
                    canvas.blend_run((pos.0 + x, pos.1 + ty), levels, rgb);
                    continue;
                }
                for (col, &a) in levels.iter().enumerate() {
                    let (dx, dy) = transform.transform(x + col as i32, ty);
                    let a = (u32::from(a) * u32::from(opacity)) >> 8;
                    canvas.blend((pos.0 + dx, pos.1 + dy), rgb, a as Level);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::bitmap::Bitmap;
    use super::*;
    use plotters::prelude::*;

    /// Columns with ink in a one-line bitmap of `text`, left-anchored at x = 10.
    fn inked_columns(text: &str) -> Vec<usize> {
        let (w, h) = (200u32, 60u32);
        let mut canvas = Canvas::default();
        canvas.reset((w, h), [255; 3]);
        {
            let root = Bitmap::new(&mut canvas).unwrap().into_drawing_area();
            let style = crate::charts::style::text(30.0, &BLACK);
            root.draw(&Text::new(text.to_string(), (10, 10), style)).unwrap();
            root.present().unwrap();
        }
        (0..w as usize).filter(|&x| (0..h as usize).any(|y| canvas.get(x, y)[0] < 128)).collect()
    }

    #[test]
    fn glyphs_keep_their_side_bearing() {
        // A full-width opening bracket sits in the right half of its em box: its ink must start
        // well right of the pen, not at it.
        let paren = inked_columns("（");
        assert!(paren.first().copied().unwrap_or(0) >= 10 + 12, "{paren:?}");
        // And an ideograph starts near the pen.
        let ideograph = inked_columns("国");
        assert!(ideograph.first().copied().unwrap_or(99) <= 10 + 4, "{ideograph:?}");
    }

    /// Each string drawn alone into a small bitmap, through the backend that draws the PNG charts:
    /// whether each pixel has ink.
    fn ink_map(s: &str) -> Vec<bool> {
        let mut canvas = Canvas::default();
        canvas.reset((120, 40), [255; 3]);
        {
            let root = Bitmap::new(&mut canvas).unwrap().into_drawing_area();
            let style = (super::super::font::FAMILY, 28.0).into_font().color(&BLACK);
            root.draw(&Text::new(s.to_string(), (4, 4), style)).unwrap();
            root.present().unwrap();
        }
        (0..40).flat_map(|y| (0..120).map(move |x| (x, y))).map(|(x, y)| canvas.get(x, y)[0] < 128).collect()
    }

    #[test]
    fn chinese_text_is_glyphs_not_boxes() {
        super::super::font::register().unwrap();
        let ink = |px: &[bool]| px.iter().filter(|b| **b).count();
        // U+E000 (private use) is in no subset of ours: it draws as the .notdef box, which is what
        // every character would look like with a font that lacks CJK.
        let tofu = ink_map("\u{E000}");
        assert!(ink(&tofu) > 0, "the missing-glyph box should have ink to compare against");
        let mut seen: Vec<Vec<bool>> = Vec::new();
        for s in ["喀", "什", "地", "区", "县", "件", "岳", "年"] {
            let px = ink_map(s);
            assert!(ink(&px) > 20, "{s} drew nothing");
            assert_ne!(px, tofu, "{s} drew as the missing-glyph box");
            assert!(!seen.contains(&px), "{s} drew like an earlier character");
            seen.push(px);
        }
        assert!(ink(&ink_map("喀什地区")) > ink(&ink_map("喀")));
    }
}
