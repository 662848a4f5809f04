//! The drawing backends under the charts: plotters draws into `svg` (SVG text) or `bitmap` (the PNG
//! charts), which paints a `canvas` with a small `palette` of colours and their anti-aliasing
//! `shades`, fills `polygon`s, rasterises text with `glyphs` from the bundled CJK `font`, and writes
//! the PNG with `pngfile`. Hand-written rather than plotters' own bitmap backend for speed and
//! byte-stable output (see each module's doc for the figures); private to `charts` so that nothing
//! outside draws around the chart code.

pub(crate) mod bitmap;
pub(crate) mod canvas;
pub(crate) mod font;
pub(crate) mod glyphs;
pub(crate) mod palette;
pub(crate) mod pngfile;
pub(crate) mod polygon;
pub(crate) mod shades;
pub(crate) mod svg;
