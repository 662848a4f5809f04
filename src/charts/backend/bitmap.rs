//! The plotters backend of PNG charts: shapes go to plotters' own rasterizers (polygons to a port
//! of one) and land on a [`Canvas`], solid spans and rectangles in one fill each, text through
//! [`Glyphs`]. The fast paths are the ones of plotters' bitmap backend, edge cases included, so
//! that the pixels stay what that backend drew, but for the canvas's rounding of blends.

use super::canvas::{level, Canvas, Rgb};
use super::glyphs::Glyphs;
use super::polygon;
use crate::support::error::Result;
use plotters_backend::{
    rasterizer, BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};
use std::convert::Infallible;

pub struct Bitmap<'a> {
    canvas: &'a mut Canvas,
    glyphs: Glyphs,
}

impl<'a> Bitmap<'a> {
    pub fn new(canvas: &'a mut Canvas) -> Result<Bitmap<'a>> {
        Ok(Bitmap { canvas, glyphs: Glyphs::new()? })
    }
}

fn rgb(color: BackendColor) -> Rgb {
    [color.rgb.0, color.rgb.1, color.rgb.2]
}

type Drawn = std::result::Result<(), DrawingErrorKind<Infallible>>;

impl DrawingBackend for Bitmap<'_> {
    /// Drawing into memory cannot fail.
    type ErrorType = Infallible;

    fn get_size(&self) -> (u32, u32) {
        self.canvas.size()
    }

    fn ensure_prepared(&mut self) -> Drawn {
        Ok(())
    }

    fn present(&mut self) -> Drawn {
        Ok(())
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Drawn {
        self.canvas.blend(point, rgb(color), level(color.alpha));
        Ok(())
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Drawn {
        if (from.0 == to.0 || from.1 == to.1) && style.stroke_width() == 1 {
            let color = style.color();
            // A horizontal line is the rectangle from `from` to one past `to`, as plotters has it:
            // drawn right to left it loses its two ends.
            let past_end = (to.0 + 1, to.1 + 1);
            if color.alpha < 1.0 {
                self.canvas.blend_rect(from, past_end, rgb(color), level(color.alpha));
            } else if from.1 == to.1 {
                self.canvas.fill(from, past_end, rgb(color));
            } else {
                let (y0, y1) = (from.1.min(to.1), from.1.max(to.1));
                self.canvas.fill((from.0, y0), (from.0 + 1, y1 + 1), rgb(color));
            }
            return Ok(());
        }
        rasterizer::draw_line(self, from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Drawn {
        if !fill {
            return rasterizer::draw_rect(self, upper_left, bottom_right, style, fill);
        }
        // Filled, the bottom-right corner is outside, as in plotters' bitmap backend. Translucent
        // rectangles and lines (the charts draw none) blend by the per-pixel rule, which can be one
        // off from that backend's eight-pixels-at-a-time blend.
        let color = style.color();
        if color.alpha < 1.0 {
            self.canvas.blend_rect(upper_left, bottom_right, rgb(color), level(color.alpha));
        } else {
            self.canvas.fill(upper_left, bottom_right, rgb(color));
        }
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Drawn {
        let vertices: Vec<BackendCoord> = vert.into_iter().collect();
        polygon::fill(self, &vertices, style)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> std::result::Result<(u32, u32), DrawingErrorKind<Infallible>> {
        Ok(self.glyphs.size(text, style))
    }

    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, pos: BackendCoord) -> Drawn {
        self.glyphs.draw(self.canvas, text, style, pos);
        Ok(())
    }
}
