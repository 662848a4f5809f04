//! One chart to one file: SVG through a string, PNG through a canvas, both by our own plotters
//! backends (`svg.rs`, `bitmap.rs`). No clock and no randomness reach either, so the same rollup
//! gives the same bytes.

use super::backend::bitmap::Bitmap;
use super::backend::canvas::Canvas;
use super::backend::pngfile;
use super::backend::svg::Svg;
use super::style::DrawResult;
use super::{compare::Compare, outcomes::Outcomes, trend::Trend, yoy::Yoy};
use crate::support::error::{Error, IoContext, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::cell::RefCell;
use std::path::Path;

/// What a rayon worker reuses from one chart to the next: the canvas and the PNG file's buffers,
/// and the SVG text, which otherwise grows by doubling through every chart (8 % of SVG's time).
#[derive(Default)]
struct Buffers {
    canvas: Canvas,
    png: pngfile::Buffers,
    svg: String,
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers::default());
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    Svg,
    Png,
}

impl Format {
    pub fn ext(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "svg" => Some(Format::Svg),
            "png" => Some(Format::Png),
            _ => None,
        }
    }
}

/// Every kind of chart, so one list of jobs can hold them all.
#[derive(Debug)]
pub enum Spec {
    Trend(Trend),
    Compare(Compare),
    Outcomes(Outcomes),
    Yoy(Yoy),
}

impl Spec {
    pub fn size(&self) -> (u32, u32) {
        match self {
            Spec::Trend(c) => c.size(),
            Spec::Compare(c) => c.size(),
            Spec::Outcomes(c) => c.size(),
            Spec::Yoy(c) => c.size(),
        }
    }

    pub fn title(&self) -> &str {
        match self {
            Spec::Trend(c) => &c.title,
            Spec::Compare(c) => &c.title,
            Spec::Outcomes(c) => &c.title,
            Spec::Yoy(c) => &c.title,
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE)?;
        match self {
            Spec::Trend(c) => c.draw(root)?,
            Spec::Compare(c) => c.draw(root)?,
            Spec::Outcomes(c) => c.draw(root)?,
            Spec::Yoy(c) => c.draw(root)?,
        }
        root.present()?;
        Ok(())
    }
}

/// Draw `spec` into `path` (its extension is not looked at: `format` decides).
pub fn write(spec: &Spec, path: &Path, format: Format) -> Result<()> {
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| Error::Chart {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    match format {
        Format::Svg => BUFFERS.with_borrow_mut(|Buffers { svg, .. }| {
            {
                let root = Svg::new(svg, spec.size())?.into_drawing_area();
                spec.draw(&root).map_err(failed)?;
            }
            std::fs::write(path, &svg[..]).at(path)
        }),
        Format::Png => BUFFERS.with_borrow_mut(|Buffers { canvas, png, .. }| {
            canvas.reset(spec.size(), [255; 3]);
            {
                let root = Bitmap::new(canvas)?.into_drawing_area();
                spec.draw(&root).map_err(failed)?;
            }
            pngfile::write(path, canvas.pixels(), canvas.size(), png)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::super::backend::bitmap::Bitmap;
    use super::super::backend::canvas::{blend, Rgb, OTHER_SHADES};
    use super::super::metrics::Unit;
    use super::super::trend::{Series, Trend};
    use super::super::{backend::font, style};
    use super::*;
    use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind};

    /// Twenty counties whose lines wander across each other: more shades than a palette holds.
    fn crowded_trend() -> Spec {
        let series = |name: String, scale: f64, phase: f64| Series {
            name,
            points: (2021..=2030).map(|y| (y, scale * (2.0 + (f64::from(y) * 0.9 + phase).sin()))).collect(),
        };
        Spec::Trend(Trend {
            title: "某市 行政许可决定（件） · 2021–2030年".into(),
            unit: Unit::Count,
            total: series("某市".into(), 30_000.0, 0.0),
            children: (0..20)
                .map(|i| series(format!("第{i}县"), 1000.0 + 150.0 * f64::from(i), f64::from(i)))
                .collect(),
            child_noun: "县（市、区）",
            years: (2021, 2030),
            // The latest year partial: hollow point, "19/20" under it, the caption says so.
            partial: vec![(2030, 19, 20)],
        })
    }

    fn rgb(c: RGBColor) -> Rgb {
        [c.0, c.1, c.2]
    }

    /// plotters' own SVG backend, text measured as `Svg` measures it: the reference `Svg` must
    /// match byte for byte.
    struct Reference<'a> {
        svg: SVGBackend<'a>,
        glyphs: super::super::backend::glyphs::Glyphs,
    }

    impl<'a> Reference<'a> {
        fn new(buf: &'a mut String, size: (u32, u32)) -> Reference<'a> {
            Reference {
                svg: SVGBackend::with_string(buf, size),
                glyphs: super::super::backend::glyphs::Glyphs::new().unwrap(),
            }
        }
    }

    type Drawn = std::result::Result<(), DrawingErrorKind<std::io::Error>>;

    impl DrawingBackend for Reference<'_> {
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
        fn draw_pixel(&mut self, p: BackendCoord, c: BackendColor) -> Drawn {
            self.svg.draw_pixel(p, c)
        }
        fn draw_line<S: BackendStyle>(&mut self, a: BackendCoord, b: BackendCoord, s: &S) -> Drawn {
            self.svg.draw_line(a, b, s)
        }
        fn draw_rect<S: BackendStyle>(&mut self, a: BackendCoord, b: BackendCoord, s: &S, f: bool) -> Drawn {
            self.svg.draw_rect(a, b, s, f)
        }
        fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, p: I, s: &S) -> Drawn {
            self.svg.draw_path(p, s)
        }
        fn draw_circle<S: BackendStyle>(&mut self, c: BackendCoord, r: u32, s: &S, f: bool) -> Drawn {
            self.svg.draw_circle(c, r, s, f)
        }
        fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
            &mut self,
            p: I,
            s: &S,
        ) -> Drawn {
            self.svg.fill_polygon(p, s)
        }
        fn draw_text<S: BackendTextStyle>(&mut self, t: &str, s: &S, p: BackendCoord) -> Drawn {
            self.svg.draw_text(t, s, p)
        }
        fn estimate_text_size<S: BackendTextStyle>(
            &self,
            t: &str,
            s: &S,
        ) -> std::result::Result<(u32, u32), DrawingErrorKind<std::io::Error>> {
            Ok(self.glyphs.size(t, s))
        }
    }

    /// One chart of each kind, with what escaping, gaps, negatives and missing values bring.
    fn every_kind() -> Vec<Spec> {
        use super::super::{compare::Compare, outcomes::Outcomes, yoy::Yoy};
        let names = ["喀什市", "疏附县", "A&B <县>", "泽普县 \"新\"", "O'Brien"];
        let bars = |f: fn(usize) -> Option<f64>| -> Vec<(String, Option<f64>)> {
            names.iter().enumerate().map(|(i, n)| (n.to_string(), f(i))).collect()
        };
        vec![
            crowded_trend(),
            Spec::Compare(Compare {
                title: "喀什地区各县（市、区）行政事业性收费（万元） · 2024年".into(),
                unit: Unit::TenThousandYuan,
                bars: bars(|i| (i != 3).then_some(1234.5 * i as f64 + 0.25)),
            }),
            Spec::Yoy(Yoy {
                title: "喀什地区各县（市、区）公开率同比变化 · 2024年较2023年".into(),
                unit_label: "百分点",
                bars: bars(|i| (i != 1).then_some(12.5 - 7.25 * i as f64)),
            }),
            Spec::Outcomes(Outcomes {
                title: "喀什地区依申请公开办理结果 · 2024年".into(),
                rows: names
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (n.to_string(), [i as f64, 3.0, 0.0, 1.0, 2.0, 5.0]))
                    .collect(),
            }),
        ]
    }

    #[test]
    fn svg_is_plotters_svg_byte_for_byte() {
        font::register().unwrap();
        let mut escaped = 0;
        for spec in every_kind() {
            let mut ours = String::from("left over from the chart before");
            spec.draw(&Svg::new(&mut ours, spec.size()).unwrap().into_drawing_area()).unwrap();
            let mut theirs = String::new();
            spec.draw(&Reference::new(&mut theirs, spec.size()).into_drawing_area()).unwrap();
            assert!(theirs.contains("<text"), "{}", spec.title());
            assert_eq!(ours, theirs, "{}", spec.title());
            escaped += theirs.matches("&amp;").count() + theirs.matches("&apos;").count();
        }
        assert!(escaped >= 3, "the names to escape never reached a chart");
    }

    /// What no chart draws today: outlines, pixels, translucent colours, rotated and bold text.
    #[test]
    fn svg_is_plotters_svg_for_every_primitive() {
        use plotters::style::FontTransform;
        font::register().unwrap();
        fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>) -> DrawResult
        where
            DB::ErrorType: 'static,
        {
            let faint = RGBColor(31, 119, 180).mix(0.35);
            root.draw(&Rectangle::new([(5, 5), (60, 40)], ShapeStyle::from(&style::INK).stroke_width(2)))?;
            root.draw(&Rectangle::new([(70, 5), (90, 40)], faint.filled()))?;
            root.draw(&Circle::new((120, 30), 9, ShapeStyle::from(&faint).stroke_width(3)))?;
            root.draw(&Circle::new((150, 30), 4, style::TOTAL.filled()))?;
            root.draw(&Pixel::new((3, 90), faint))?;
            root.draw(&Polygon::new(vec![(10, 60), (40, 95), (5, 99)], faint))?;
            root.draw(&PathElement::new(
                vec![(0, 0), (50, 70), (99, 3)],
                ShapeStyle::from(&faint).stroke_width(2),
            ))?;
            for (i, t) in [
                FontTransform::None,
                FontTransform::Rotate90,
                FontTransform::Rotate180,
                FontTransform::Rotate270,
            ]
            .into_iter()
            .enumerate()
            {
                let font = (font::FAMILY, 13.0 + i as f64).into_font().transform(t).color(&faint);
                root.draw(&Text::new(format!("第{i}<&'\">"), (40 * i as i32, 80), font))?;
            }
            let bold = (font::FAMILY, 15.0, FontStyle::Bold).into_font();
            root.draw(&Text::new("粗体", (160, 60), bold))?;
            let italic = (font::FAMILY, 15.0, FontStyle::Italic).into_font();
            root.draw(&Text::new("斜体", (160, 90), italic))?;
            root.present()?;
            Ok(())
        }
        let size = (200, 120);
        let mut ours = String::new();
        draw(Svg::new(&mut ours, size).unwrap().into_drawing_area()).unwrap();
        let mut theirs = String::new();
        draw(Reference::new(&mut theirs, size).into_drawing_area()).unwrap();
        for tag in
            ["fill=\"none\"", "<circle", "<polygon", "<polyline", "rotate(270", "bold", "italic", "&apos;"]
        {
            assert!(theirs.contains(tag), "{tag} not drawn");
        }
        assert_eq!(ours, theirs);
    }

    #[test]
    fn a_crowded_trend_keeps_its_colours_and_its_edges() {
        font::register().unwrap();
        let spec = crowded_trend();
        let mut canvas = Canvas::default();
        canvas.reset(spec.size(), [255; 3]);
        {
            let root = Bitmap::new(&mut canvas).unwrap().into_drawing_area();
            spec.draw(&root).unwrap();
        }
        let pixels = canvas.pixels();
        assert!(
            pixels.palette.len() > OTHER_SHADES,
            "{} colours: the palette was never crowded",
            pixels.palette.len()
        );
        let count =
            |colour: Rgb| pixels.index.iter().filter(|&&i| pixels.palette[usize::from(i)] == colour).count();
        // Text, axes, grid and every line in the chart's own colours, exact.
        for colour in [style::INK, style::MUTED, style::GRID, style::OTHERS, style::TOTAL]
            .iter()
            .chain(&style::HIGHLIGHT)
        {
            assert!(count(rgb(*colour)) > 200, "{colour:?}: {} pixels", count(rgb(*colour)));
        }
        // And each line's edges still fade into the background through its shades, the last drawn too.
        for colour in style::HIGHLIGHT.iter().chain([&style::TOTAL, &style::INK]) {
            let shades =
                (16..256).step_by(16).filter(|&a| count(blend([255; 3], rgb(*colour), a)) > 0).count();
            assert!(shades >= 12, "{colour:?}: {shades} shades over the background");
        }
    }
}
