//! Look shared by every chart: fonts, colours, sizes, and the error type of a drawing.

use super::backend::font::FAMILY;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// What a drawing function returns; the backend's error boxed, so one signature fits SVG and PNG.
pub type DrawResult = std::result::Result<(), Box<dyn std::error::Error + Send + Sync>>;

pub const INK: RGBColor = RGBColor(33, 33, 33);
pub const MUTED: RGBColor = RGBColor(110, 110, 110);
pub const GRID: RGBColor = RGBColor(225, 225, 225);
pub const OTHERS: RGBColor = RGBColor(185, 185, 185);
pub const TOTAL: RGBColor = RGBColor(25, 55, 110);
/// The highlighted series, in order (Tableau 10, which stays apart for most colour vision).
pub const HIGHLIGHT: [RGBColor; 5] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
];
pub const BAR: RGBColor = RGBColor(70, 130, 180);
pub const UP: RGBColor = RGBColor(31, 119, 180);
pub const DOWN: RGBColor = RGBColor(230, 85, 13);
/// 予以公开, 部分公开, 不予公开, 无法提供, 不予处理, 其他处理.
pub const OUTCOME: [RGBColor; 6] = [
    RGBColor(46, 125, 50),
    RGBColor(156, 204, 101),
    RGBColor(229, 57, 53),
    RGBColor(251, 140, 0),
    RGBColor(142, 36, 170),
    RGBColor(144, 164, 174),
];

/// plotters' SVG backend writes a text size as `font-size: size / 1.24`, and `glyphs::Bitmap`
/// draws PNG text to the same em.
const EM: f64 = 1.24;

/// Text in the bundled font, `size` in pixels per em in both SVG and PNG.
pub fn text(size: f64, color: &RGBColor) -> TextStyle<'static> {
    (FAMILY, size * EM).into_font().color(color)
}

pub fn title() -> TextStyle<'static> {
    text(24.0, &INK)
}

/// Text whose anchor is its left edge, vertically centred.
pub fn left(size: f64, color: &RGBColor) -> TextStyle<'static> {
    text(size, color).pos(Pos::new(HPos::Left, VPos::Center))
}

pub fn right(size: f64, color: &RGBColor) -> TextStyle<'static> {
    text(size, color).pos(Pos::new(HPos::Right, VPos::Center))
}

pub fn centre(size: f64, color: &RGBColor) -> TextStyle<'static> {
    text(size, color).pos(Pos::new(HPos::Center, VPos::Center))
}

/// Pixels wide a label column must be for `names` at `size` (CJK glyphs are about one em wide).
pub fn label_width(names: impl Iterator<Item = usize>, size: f64) -> u32 {
    let longest = names.max().unwrap_or(2) as f64;
    (longest * size + 16.0).clamp(60.0, 360.0) as u32
}
