//! The plotters backend of SVG charts: the document plotters' own SVG backend (plotters-svg 0.3.7)
//! writes, byte for byte, written straight into one reused buffer, and text measured by [`Glyphs`]
//! so that an SVG is laid out like its PNG. plotters' backend builds a `String` for every number
//! and attribute, escapes each text character by character and measures each label by cloning its
//! registered font: a third of SVG's time, which no chart needs. The test below draws every kind
//! of chart through both and compares the bytes.

use super::glyphs::Glyphs;
use crate::support::error::Result;
use plotters_backend::{
    text_anchor::{HPos, VPos},
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind, FontStyle,
    FontTransform,
};
use std::convert::Infallible;
use std::fmt::Write as _;

pub struct Svg<'a> {
    buf: &'a mut String,
    size: (u32, u32),
    /// Tags opened and not yet closed, innermost last: `</svg>` is written by `present`.
    open: Vec<&'static str>,
    glyphs: Glyphs,
}

type Drawn = std::result::Result<(), DrawingErrorKind<Infallible>>;

impl<'a> Svg<'a> {
    /// An SVG of `size`, written into `buf` from its start.
    pub fn new(buf: &'a mut String, size: (u32, u32)) -> Result<Svg<'a>> {
        buf.clear();
        let mut svg = Svg { buf, size, open: Vec::new(), glyphs: Glyphs::new()? };
        let (w, h) = size;
        svg.buf.push_str("<svg width=\"");
        svg.int(w);
        svg.buf.push_str("\" height=\"");
        svg.int(h);
        svg.buf.push_str("\" viewBox=\"0 0 ");
        svg.int(w);
        svg.buf.push(' ');
        svg.int(h);
        svg.buf.push_str("\" xmlns=\"http://www.w3.org/2000/svg\">\n");
        svg.open.push("svg");
        Ok(svg)
    }

    fn int(&mut self, n: impl itoa::Integer) {
        self.buf.push_str(itoa::Buffer::new().format(n));
    }

    /// ` name="n"`.
    fn attr_int(&mut self, name: &str, n: impl itoa::Integer) {
        self.buf.push(' ');
        self.buf.push_str(name);
        self.buf.push_str("=\"");
        self.int(n);
        self.buf.push('"');
    }

    /// ` name="text"`, escaped.
    fn attr(&mut self, name: &str, text: &str) {
        self.buf.push(' ');
        self.buf.push_str(name);
        self.buf.push_str("=\"");
        escape(self.buf, text);
        self.buf.push('"');
    }

    fn colour(&mut self, name: &str, c: BackendColor) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        self.buf.push(' ');
        self.buf.push_str(name);
        self.buf.push_str("=\"#");
        for v in [c.rgb.0, c.rgb.1, c.rgb.2] {
            self.buf.push(char::from(HEX[usize::from(v >> 4)]));
            self.buf.push(char::from(HEX[usize::from(v & 15)]));
        }
        self.buf.push('"');
    }

    /// plotters writes the alpha as Rust prints an `f64`: `1` when opaque.
    fn opacity(&mut self, c: BackendColor) {
        if c.alpha == 1.0 {
            self.buf.push_str(" opacity=\"1\"");
        } else {
            let _ = write!(self.buf, " opacity=\"{}\"", c.alpha);
        }
    }

    /// A shape filled with `c`, or outlined in it.
    fn paint(&mut self, c: BackendColor, fill: bool) {
        if fill {
            self.colour("fill", c);
            self.buf.push_str(" stroke=\"none\"");
        } else {
            self.buf.push_str(" fill=\"none\"");
            self.colour("stroke", c);
        }
    }

    /// `x,y ` for each point, as plotters writes `points`.
    fn points(&mut self, path: impl IntoIterator<Item = BackendCoord>) {
        self.buf.push_str(" points=\"");
        for (x, y) in path {
            self.int(x);
            self.buf.push(',');
            self.int(y);
            self.buf.push(' ');
        }
        self.buf.push('"');
    }

    fn close(&mut self) {
        self.buf.push_str("/>\n");
    }
}

/// `text` with the five characters plotters escapes replaced by their entities; most text has none
/// and is copied at once.
fn escape(buf: &mut String, text: &str) {
    if !text.bytes().any(|b| matches!(b, b'<' | b'>' | b'&' | b'"' | b'\'')) {
        buf.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '<' => buf.push_str("&lt;"),
            '>' => buf.push_str("&gt;"),
            '&' => buf.push_str("&amp;"),
            '"' => buf.push_str("&quot;"),
            '\'' => buf.push_str("&apos;"),
            other => buf.push(other),
        }
    }
}

impl DrawingBackend for Svg<'_> {
    /// Writing into a `String` cannot fail.
    type ErrorType = Infallible;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Drawn {
        Ok(())
    }

    fn present(&mut self) -> Drawn {
        while let Some(tag) = self.open.pop() {
            self.buf.push_str("</");
            self.buf.push_str(tag);
            self.buf.push_str(">\n");
        }
        Ok(())
    }

    fn draw_pixel(&mut self, (x, y): BackendCoord, color: BackendColor) -> Drawn {
        if color.alpha == 0.0 {
            return Ok(());
        }
        self.buf.push_str("<rect");
        self.attr_int("x", x);
        self.attr_int("y", y);
        self.buf.push_str(" width=\"1\" height=\"1\" stroke=\"none\"");
        self.opacity(color);
        self.colour("fill", color);
        self.close();
        Ok(())
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Drawn {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        self.buf.push_str("<line");
        self.opacity(color);
        self.colour("stroke", color);
        self.attr_int("stroke-width", style.stroke_width());
        self.attr_int("x1", from.0);
        self.attr_int("y1", from.1);
        self.attr_int("x2", to.0);
        self.attr_int("y2", to.1);
        self.close();
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        a: BackendCoord,
        b: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Drawn {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        self.buf.push_str("<rect");
        self.attr_int("x", a.0);
        self.attr_int("y", a.1);
        self.attr_int("width", b.0 - a.0);
        self.attr_int("height", b.1 - a.1);
        self.opacity(color);
        self.paint(color, fill);
        self.close();
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Drawn {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        self.buf.push_str("<polyline fill=\"none\"");
        self.opacity(color);
        self.colour("stroke", color);
        self.attr_int("stroke-width", style.stroke_width());
        self.points(path);
        self.close();
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Drawn {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        self.buf.push_str("<polygon");
        self.opacity(color);
        self.colour("fill", color);
        self.points(vert);
        self.close();
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(&mut self, c: BackendCoord, radius: u32, style: &S, fill: bool) -> Drawn {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        self.buf.push_str("<circle");
        self.attr_int("cx", c.0);
        self.attr_int("cy", c.1);
        self.attr_int("r", radius);
        self.opacity(color);
        self.paint(color, fill);
        self.attr_int("stroke-width", style.stroke_width());
        self.close();
        Ok(())
    }

    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, (x, y): BackendCoord) -> Drawn {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let anchor = match style.anchor().h_pos {
            HPos::Left => "start",
            HPos::Right => "end",
            HPos::Center => "middle",
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => "0.76em",
            VPos::Center => "0.5ex",
            VPos::Bottom => "-0.5ex",
        };
        self.buf.push_str("<text");
        self.attr_int("x", x);
        self.attr_int("y", y);
        self.attr("dy", dy);
        self.attr("text-anchor", anchor);
        self.attr("font-family", style.family().as_str());
        // plotters' em: the size it lays text out at over 1.24, printed as Rust prints an `f64`.
        let _ = write!(self.buf, " font-size=\"{}\"", style.size() / 1.24);
        self.opacity(color);
        self.colour("fill", color);
        match style.style() {
            FontStyle::Normal => {}
            FontStyle::Bold => self.buf.push_str(" font-weight=\"bold\""),
            other => self.attr("font-style", other.as_str()),
        }
        let angle = match style.transform() {
            FontTransform::Rotate90 => Some(90),
            FontTransform::Rotate180 => Some(180),
            FontTransform::Rotate270 => Some(270),
            _ => None,
        };
        if let Some(angle) = angle {
            let _ = write!(self.buf, " transform=\"rotate({angle}, {x}, {y})\"");
        }
        self.buf.push_str(">\n");
        escape(self.buf, text);
        self.buf.push_str("\n</text>\n");
        Ok(())
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> std::result::Result<(u32, u32), DrawingErrorKind<Infallible>> {
        Ok(self.glyphs.size(text, style))
    }
}
