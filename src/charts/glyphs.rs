//! PNG text with glyphs where they belong. plotters' own ab_glyph text drops each glyph's left side
//! bearing, which spaces CJK text unevenly (自 治县, a full-width （ glued to the left). [`Bitmap`]
//! wraps plotters' bitmap backend, passes every shape through, and lays out and rasterizes text
//! itself with ab_glyph and the bundled font: pen position plus bearing, sized by the em like SVG.

use super::font::FONT;
use crate::error::{Error, Result};
use ab_glyph::{point, Font, FontRef, GlyphId, PxScale, ScaleFont};
use plotters::backend::BitMapBackend;
use plotters::style::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// plotters' SVG writes a text size `s` as `font-size: s / 1.24`: the same em here keeps the two
/// formats alike.
const SVG_EM: f64 = 1.24;

pub struct Bitmap<'a> {
    inner: BitMapBackend<'a>,
    font: FontRef<'static>,
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
/// coverage row by row.
struct Coverage {
    left: i32,
    top: i32,
    width: usize,
    alpha: Vec<f32>,
}

/// Split a position into whole pixels and a fraction in quarters (0–3).
fn quarter(v: f32) -> (i32, u8) {
    let q = (v * 4.0).round() as i32;
    (q.div_euclid(4), q.rem_euclid(4) as u8)
}

/// The ink of one glyph at its scale and sub-pixel position; `None` for a glyph without outline
/// (a space).
fn rasterize(font: &FontRef<'static>, glyph: ab_glyph::Glyph) -> Option<Rc<Coverage>> {
    font.outline_glyph(glyph).map(|outline| {
        let b = outline.px_bounds();
        let width = b.width() as usize;
        let mut alpha = vec![0.0; width * b.height() as usize];
        outline.draw(|gx, gy, c| {
            if let Some(a) = alpha.get_mut(gy as usize * width + gx as usize) {
                *a = c;
            }
        });
        Rc::new(Coverage { left: b.min.x as i32, top: b.min.y as i32, width, alpha })
    })
}

impl<'a> Bitmap<'a> {
    pub fn new(inner: BitMapBackend<'a>) -> Result<Bitmap<'a>> {
        let font = FontRef::try_from_slice(FONT).map_err(|e| Error::Chart {
            path: "assets/fonts".into(),
            message: format!("the bundled font does not parse: {e}"),
        })?;
        Ok(Bitmap { inner, font })
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
}

impl DrawingBackend for Bitmap<'_> {
    type ErrorType = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> std::result::Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let (w, ascent, descent) = self.measure(text, style.size());
        Ok((w.ceil() as u32, (ascent - descent).ceil() as u32))
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> std::result::Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
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
        let (w, h) = self.inner.get_size();
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
                cache.entry(key).or_insert_with(|| rasterize(&self.font, glyph)).clone()
            });
            let Some(ink) = ink else { continue };
            for (i, coverage) in ink.alpha.iter().enumerate() {
                if *coverage <= 0.0 {
                    continue;
                }
                let tx = x_px + ink.left + (i % ink.width) as i32;
                let ty = base_px + ink.top + (i / ink.width) as i32;
                let (dx, dy) = transform.transform(tx, ty);
                let (px, py) = (pos.0 + dx, pos.1 + dy);
                if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                    let c = BackendColor { alpha: color.alpha * coverage.min(1.0) as f64, rgb: color.rgb };
                    self.inner.draw_pixel((px, py), c)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::*;

    /// Columns with ink in a one-line bitmap of `text`, left-anchored at x = 10.
    fn inked_columns(text: &str) -> Vec<usize> {
        let (w, h) = (200u32, 60u32);
        let mut buf = vec![255u8; (w * h * 3) as usize];
        {
            let backend = Bitmap::new(BitMapBackend::with_buffer(&mut buf, (w, h))).unwrap();
            let root = backend.into_drawing_area();
            let style = super::super::style::text(30.0, &BLACK);
            root.draw(&Text::new(text.to_string(), (10, 10), style)).unwrap();
            root.present().unwrap();
        }
        (0..w as usize).filter(|&x| (0..h as usize).any(|y| buf[(y * w as usize + x) * 3] < 128)).collect()
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
}
