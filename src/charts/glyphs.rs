//! PNG text with glyphs where they belong. plotters' own ab_glyph text drops each glyph's left side
//! bearing, which spaces CJK text unevenly (自 治县, a full-width （ glued to the left). [`Bitmap`]
//! wraps plotters' bitmap backend, passes every shape through, and lays out and rasterizes text
//! itself with ab_glyph and the bundled font: pen position plus bearing, sized by the em like SVG.

use super::font::FONT;
use crate::error::{Error, Result};
use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};
use plotters::backend::BitMapBackend;
use plotters::style::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

/// plotters' SVG writes a text size `s` as `font-size: s / 1.24`: the same em here keeps the two
/// formats alike.
const SVG_EM: f64 = 1.24;

pub struct Bitmap<'a> {
    inner: BitMapBackend<'a>,
    font: FontRef<'static>,
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
        let mut pixels: Vec<(BackendCoord, f32)> = Vec::new();
        let mut pen = x0;
        let mut prev = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                pen += font.kern(p, id);
            }
            prev = Some(id);
            let glyph = id.with_scale_and_position(scale, point(pen, base));
            pen += font.h_advance(id);
            let Some(outline) = self.font.outline_glyph(glyph) else { continue };
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                let (tx, ty) = (bounds.min.x as i32 + gx as i32, bounds.min.y as i32 + gy as i32);
                let (dx, dy) = transform.transform(tx, ty);
                pixels.push(((pos.0 + dx, pos.1 + dy), coverage));
            });
        }
        for ((x, y), coverage) in pixels {
            if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h && coverage > 0.0 {
                let c = BackendColor { alpha: color.alpha * coverage.min(1.0) as f64, rgb: color.rgb };
                self.inner.draw_pixel((x, y), c)?;
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
