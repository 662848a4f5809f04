//! The plotters backend of SVG charts: plotters' own SVG writer, with text measured by [`Glyphs`],
//! the same layout as the PNG of the chart. plotters would measure each label by looking up and
//! cloning its registered font every time (6 % of SVG's time), and without the side bearings the
//! PNG text is placed by.

use super::glyphs::Glyphs;
use crate::error::Result;
use plotters::prelude::SVGBackend;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

pub struct SvgText<'a> {
    svg: SVGBackend<'a>,
    glyphs: Glyphs,
}

impl<'a> SvgText<'a> {
    /// An SVG of `size` written into `buf`.
    pub fn new(buf: &'a mut String, size: (u32, u32)) -> Result<SvgText<'a>> {
        Ok(SvgText { svg: SVGBackend::with_string(buf, size), glyphs: Glyphs::new()? })
    }
}

type Drawn = std::result::Result<(), DrawingErrorKind<std::io::Error>>;

/// Every drawing call goes to plotters' SVG backend as it is: those it does not write itself
/// (paths, polygons, circles) would otherwise fall back to the trait's pixel-by-pixel defaults.
impl DrawingBackend for SvgText<'_> {
    type ErrorType = std::io::Error;

    fn get_size(&self) -> (u32, u32) {
        self.svg.get_size()
    }

    fn ensure_prepared(&mut self) -> Drawn {
        self.svg.ensure_prepared()
    }

    fn present(&mut self) -> Drawn {
        self.svg.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Drawn {
        self.svg.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Drawn {
        self.svg.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        a: BackendCoord,
        b: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Drawn {
        self.svg.draw_rect(a, b, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Drawn {
        self.svg.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Drawn {
        self.svg.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Drawn {
        self.svg.fill_polygon(vert, style)
    }

    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, pos: BackendCoord) -> Drawn {
        self.svg.draw_text(text, style, pos)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> std::result::Result<(u32, u32), DrawingErrorKind<std::io::Error>> {
        Ok(self.glyphs.size(text, style))
    }
}
