//! The pixels of one PNG chart, and the only code that writes them: solid spans and integer alpha
//! blending, as palette indices, so that every chart is stored as an indexed PNG, a byte a pixel
//! to fill, filter and deflate instead of three.
//!
//! Blending follows plotters' bitmap backend (its `draw_pixel`) with the level rounded to
//! sixteenths, and anti-aliased lines crossing each other, or text over six bar colours, still
//! make more shades than a palette holds. So shades are kept to a budget: those over the
//! background (most of a chart's edges) may take the palette up to [`BACKGROUND_SHADES`] entries,
//! those over anything else up to [`OTHER_SHADES`], and the entries above are left to the chart's
//! own colours, drawn opaque, which stay exact. A shade that finds no room is drawn at the nearest
//! level whose colour the palette has, at worst not blended at all or opaque: an edge where two
//! lines cross is a little harder, never a colour of neither line.

use super::palette::Palette;
use super::shades::Shades;

/// An RGB colour.
pub type Rgb = [u8; 3];

/// Opacity in 256ths, as plotters' bitmap backend quantizes it; `OPAQUE` replaces the pixel.
pub type Level = u16;
pub const OPAQUE: Level = 256;

/// Blends are at multiples of this many 256ths: sixteen shades of a colour over a background,
/// which the eye does not tell from 256 at the edge of a line or a glyph.
const STEP: Level = 16;

/// Shades over the background may fill the palette up to here, leaving the rest to opaque colours:
/// a chart has about a dozen of its own, and one drawn last must still find an entry.
pub const BACKGROUND_SHADES: usize = 224;

/// Shades over anything else (crossings, text over bars) stop here, leaving room for the shades of
/// lines drawn later over the background.
pub const OTHER_SHADES: usize = 128;

/// The nearest multiple of [`STEP`]: from `OPAQUE - STEP / 2` up that is opaque, below `STEP / 2`
/// nothing.
#[inline]
pub fn quantize(a: Level) -> Level {
    (a + STEP / 2) / STEP * STEP
}

/// plotters' rule from a float alpha to a level: at least 255/256 replaces, the rest is truncated
/// (the `as` cast is `floor` for these non-negative values, without a libm call per pixel).
pub fn level(alpha: f64) -> Level {
    if alpha >= 1.0 - 1.0 / 256.0 {
        OPAQUE
    } else if alpha > 0.0 {
        (alpha * 256.0) as Level
    } else {
        0
    }
}

/// One channel moved towards `new` by `a`/256, rounding towards where it was: the division of a
/// signed difference truncates towards zero, which is plotters' two-branch rule without a branch.
#[inline]
fn mix(prev: u8, new: u8, a: i32) -> u8 {
    let d = i32::from(new) - i32::from(prev);
    (i32::from(prev) + d * a / 256) as u8
}

#[inline]
pub fn blend(prev: Rgb, new: Rgb, a: Level) -> Rgb {
    let a = i32::from(a);
    [mix(prev[0], new[0], a), mix(prev[1], new[1], a), mix(prev[2], new[2], a)]
}

/// A chart's pixels, kept across the charts one thread draws so that its buffers are reused instead
/// of allocated, page-faulted and zeroed each time.
#[derive(Default)]
pub struct Canvas {
    width: usize,
    height: usize,
    /// The colour of every pixel, while they are all one: a chart's first act is to paint its
    /// background over the one `reset` painted, a second full pass over the buffer for nothing.
    plain: Option<Rgb>,
    index: Vec<u8>,
    palette: Palette,
    shades: Shades,
}

/// What a PNG stores: a palette index a pixel, row by row.
pub struct Pixels<'a> {
    pub index: &'a [u8],
    pub palette: &'a [Rgb],
}

impl Canvas {
    /// Start a `width` × `height` picture in `background`.
    pub fn reset(&mut self, (width, height): (u32, u32), background: Rgb) {
        self.width = width as usize;
        self.height = height as usize;
        self.palette.clear();
        self.shades.clear();
        // Every pixel is written below: resizing only, the old contents are not cleared first.
        self.index.resize(self.width * self.height, 0);
        self.plain = None;
        self.fill((0, 0), (width as i32, height as i32), background);
    }

    pub fn size(&self) -> (u32, u32) {
        (self.width as u32, self.height as u32)
    }

    pub fn pixels(&self) -> Pixels<'_> {
        Pixels { index: &self.index, palette: self.palette.colours() }
    }

    /// The colour at (`x`, `y`), which must be inside.
    #[cfg(test)]
    pub fn get(&self, x: usize, y: usize) -> Rgb {
        self.palette.colour(self.index[y * self.width + x])
    }

    /// The entry of a colour drawn opaque: the chart's own (backgrounds, bars, lines, text), which
    /// may take any entry, the reserved ones included.
    #[inline]
    fn solid(&mut self, colour: Rgb) -> u8 {
        match self.palette.index(colour) {
            Some(index) => index,
            // More than 256 colours of its own: no chart has them.
            None => self.palette.nearest(colour).unwrap_or(0),
        }
    }

    /// Clip the half-open rectangle between two corners (in either order) to the picture.
    fn clip(&self, a: (i32, i32), b: (i32, i32)) -> Option<(usize, usize, usize, usize)> {
        let (w, h) = (self.width as i32, self.height as i32);
        let (x0, x1) = (a.0.min(b.0).max(0), a.0.max(b.0).min(w));
        let (y0, y1) = (a.1.min(b.1).max(0), a.1.max(b.1).min(h));
        (x0 < x1 && y0 < y1).then_some((x0 as usize, x1 as usize, y0 as usize, y1 as usize))
    }

    /// Paint the half-open rectangle between corners `a` and `b` (in either order).
    pub fn fill(&mut self, a: (i32, i32), b: (i32, i32), colour: Rgb) {
        let Some((x0, x1, y0, y1)) = self.clip(a, b) else { return };
        let w = self.width;
        let whole = (x0, x1, y0, y1) == (0, w, 0, self.height);
        if whole && self.plain == Some(colour) {
            return;
        }
        self.plain = whole.then_some(colour);
        let i = self.solid(colour);
        for y in y0..y1 {
            self.index[y * w + x0..y * w + x1].fill(i);
        }
    }

    /// Blend `colour` at `level` over the half-open rectangle between corners `a` and `b`.
    pub fn blend_rect(&mut self, a: (i32, i32), b: (i32, i32), colour: Rgb, level: Level) {
        if quantize(level) == 0 {
            return;
        }
        let Some((x0, x1, y0, y1)) = self.clip(a, b) else { return };
        self.plain = None;
        self.shades.draw_in(colour);
        for y in y0..y1 {
            for x in x0..x1 {
                self.blend_at(y * self.width + x, colour, level);
            }
        }
    }

    /// Blend one pixel; outside the picture is nothing.
    #[inline]
    pub fn blend(&mut self, (x, y): (i32, i32), colour: Rgb, level: Level) {
        if x >= 0 && y >= 0 && (x as usize) < self.width && (y as usize) < self.height && level > 0 {
            self.plain = None;
            self.shades.draw_in(colour);
            self.blend_at(y as usize * self.width + x as usize, colour, level);
        }
    }

    /// Blend a row of levels from (`x`, `y`) rightwards, clipped to the picture: a glyph's row.
    pub fn blend_run(&mut self, (x, y): (i32, i32), levels: &[Level], colour: Rgb) {
        let (w, h) = (self.width as i32, self.height as i32);
        let end = x.saturating_add(levels.len() as i32).min(w);
        if y < 0 || y >= h || x >= end {
            return;
        }
        self.plain = None;
        let x0 = x.max(0);
        let levels = &levels[(x0 - x) as usize..(end - x) as usize];
        let start = y as usize * self.width + x0 as usize;
        self.shades.draw_in(colour);
        for (n, &a) in levels.iter().enumerate() {
            self.blend_at(start + n, colour, a);
        }
    }

    /// Blend pixel `i` (row-major) in the colour `shades` is drawing in. One path for every level,
    /// nothing and opaque included, without a branch but for a blend not seen before: glyph edges
    /// mix the three at random.
    #[inline(always)]
    fn blend_at(&mut self, i: usize, colour: Rgb, level: Level) {
        let level = quantize(level);
        let under = self.index[i];
        self.index[i] = match self.shades.get(under, level) {
            Some(index) => index,
            None => self.new_shade(under, colour, level),
        };
    }

    /// The entry of `colour` over entry `under` at a quantized `level`, remembered in `shades`:
    /// once found, the answer holds for the rest of the chart (an entry's colour never changes),
    /// a nearest level included (a nearer one could only come with room the budget no longer has,
    /// or from an opaque colour drawn later, for which the pixel is as good a match).
    #[inline(never)]
    fn new_shade(&mut self, under: u8, colour: Rgb, level: Level) -> u8 {
        let index = match level {
            0 => under,
            OPAQUE => self.solid(colour),
            _ => {
                let prev = self.palette.colour(under);
                let new = blend(prev, colour, level);
                // The background is the first colour, painted by `reset`.
                let budget = if under == 0 { BACKGROUND_SHADES } else { OTHER_SHADES };
                if new == prev {
                    under
                } else if let Some(index) = self.palette.index_within(new, budget) {
                    index
                } else {
                    self.nearest_level(under, colour, level)
                }
            }
        };
        self.shades.put(under, level, index);
        index
    }

    /// The entry of `colour` over entry `under` at the level nearest `level` that the palette has,
    /// the fainter of two as near.
    fn nearest_level(&mut self, under: u8, colour: Rgb, level: Level) -> u8 {
        let prev = self.palette.colour(under);
        for d in (STEP..OPAQUE).step_by(usize::from(STEP)) {
            if d >= level {
                return under;
            }
            if let Some(index) = self.palette.find(blend(prev, colour, level - d)) {
                return index;
            }
            if level + d >= OPAQUE {
                return self.solid(colour);
            }
            if let Some(index) = self.palette.find(blend(prev, colour, level + d)) {
                return index;
            }
        }
        under
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_plotters() {
        assert_eq!(level(1.0), OPAQUE);
        assert_eq!(level(255.5 / 256.0), OPAQUE);
        assert_eq!(level(0.5), 128);
        assert_eq!(level(0.9 / 256.0), 0);
        assert_eq!(level(-1.0), 0);
    }

    #[test]
    fn blending_rounds_towards_the_old_colour() {
        assert_eq!(blend([255, 0, 100], [0, 255, 100], 128), [128, 127, 100]);
        assert_eq!(blend([255, 255, 255], [33, 33, 33], OPAQUE), [33, 33, 33]);
        assert_eq!(blend([10, 20, 30], [200, 0, 30], 1), [10, 20, 30]);
    }

    #[test]
    fn levels_round_to_sixteenths() {
        assert_eq!(
            [0, 7, 8, 23, 24, 128, 247, 248, 255, OPAQUE].map(quantize),
            [0, 0, 16, 16, 32, 128, 240, OPAQUE, OPAQUE, OPAQUE]
        );
    }

    fn rgb(c: &Canvas) -> Vec<Rgb> {
        let (w, h) = c.size();
        (0..h as usize).flat_map(|y| (0..w as usize).map(move |x| (x, y))).map(|(x, y)| c.get(x, y)).collect()
    }

    #[test]
    fn fills_clip_and_take_corners_in_any_order() {
        let mut c = Canvas::default();
        c.reset((4, 3), [255; 3]);
        c.fill((5, 2), (2, -1), [0; 3]);
        let dark: Vec<usize> =
            rgb(&c).iter().enumerate().filter(|(_, p)| p[0] == 0).map(|(i, _)| i).collect();
        assert_eq!(dark, vec![2, 3, 6, 7]);
    }

    #[test]
    fn blends_are_plotters_at_the_nearest_sixteenth() {
        let mut c = Canvas::default();
        c.reset((257, 1), [255; 3]);
        for a in 0..=OPAQUE {
            c.blend((i32::from(a), 0), [31, 119, 180], a);
        }
        for (a, px) in rgb(&c).into_iter().enumerate() {
            assert_eq!(px, blend([255; 3], [31, 119, 180], quantize(a as Level)), "level {a}");
        }
    }

    #[test]
    fn runs_blend_like_single_pixels_and_clip() {
        let levels: Vec<Level> = (0..40).map(|i| i * 7).collect();
        let (mut run, mut single) = (Canvas::default(), Canvas::default());
        run.reset((30, 3), [255; 3]);
        single.reset((30, 3), [255; 3]);
        run.blend_run((-5, 1), &levels, [33, 33, 33]);
        run.blend_run((0, 3), &levels, [33, 33, 33]);
        for (i, &a) in levels.iter().enumerate() {
            single.blend((i as i32 - 5, 1), [33, 33, 33], a);
        }
        assert_eq!(rgb(&run), rgb(&single));
        assert_ne!(rgb(&run)[31], [255; 3]);
    }

    #[test]
    fn repainting_the_background_after_drawing_is_not_skipped() {
        let mut c = Canvas::default();
        c.reset((3, 1), [255; 3]);
        c.fill((0, 0), (3, 1), [255; 3]);
        c.blend((1, 0), [0; 3], OPAQUE);
        c.fill((0, 0), (3, 1), [255; 3]);
        assert_eq!(rgb(&c), vec![[255; 3]; 3]);
        c.blend_run((0, 0), &[OPAQUE], [0; 3]);
        c.fill((0, 0), (3, 1), [255; 3]);
        assert_eq!(rgb(&c), vec![[255; 3]; 3]);
    }

    /// Faint shades of 40 colours, far more than a palette holds; none so near opaque that it
    /// would be drawn opaque instead.
    fn crowd(c: &mut Canvas, y: i32) {
        for n in 0..40u8 {
            let colour = [n * 6, 255 - n * 5, n * 3];
            for a in (16..=OPAQUE / 2).step_by(16) {
                c.blend((i32::from(n), y + i32::from(a / 16)), colour, a);
            }
        }
    }

    #[test]
    fn the_charts_own_colours_stay_exact_when_shades_crowd() {
        let mut c = Canvas::default();
        c.reset((300, 50), [255; 3]);
        crowd(&mut c, 0);
        assert_eq!(c.pixels().palette.len(), BACKGROUND_SHADES);
        // Opaque colours drawn after the shades filled their part of the palette: exact.
        let own: Vec<Rgb> = (0..(256 - BACKGROUND_SHADES) as u8).map(|n| [n, 100, 200 - n]).collect();
        for (n, &colour) in own.iter().enumerate() {
            c.fill((50, n as i32), (60, n as i32 + 1), colour);
            c.blend_run((60, n as i32), &[OPAQUE; 5], colour);
        }
        for (n, &colour) in own.iter().enumerate() {
            assert!((50..65).all(|x| c.get(x, n) == colour), "colour {n}");
        }
        assert_eq!(c.pixels().palette.len(), 256);
    }

    #[test]
    fn shades_over_other_colours_leave_room_for_shades_over_the_background() {
        let mut c = Canvas::default();
        c.reset((300, 50), [255; 3]);
        c.fill((0, 0), (100, 20), [40, 40, 40]);
        crowd(&mut c, 0);
        assert_eq!(c.pixels().palette.len(), OTHER_SHADES);
        // A line drawn later over the background still gets every shade of its own.
        let later = [214, 39, 40];
        for a in (16..OPAQUE).step_by(16) {
            c.blend((200, i32::from(a / 16)), later, a);
            assert_eq!(c.get(200, usize::from(a / 16)), blend([255; 3], later, a));
        }
    }

    #[test]
    fn a_shade_without_room_takes_the_nearest_level_the_palette_has() {
        let mut c = Canvas::default();
        c.reset((300, 50), [255; 3]);
        let (bar, ink) = ([40, 40, 40], [250, 250, 100]);
        c.fill((0, 0), (300, 20), bar);
        c.blend((200, 0), ink, 96);
        crowd(&mut c, 0);
        // No room at 128, nor at 112 or 144: 96, the nearest there is.
        c.blend((201, 0), ink, 128);
        assert_eq!(c.get(201, 0), blend(bar, ink, 96));
        // Nothing nearer than the bar itself, or than the ink drawn opaque.
        c.blend((202, 0), ink, 32);
        assert_eq!(c.get(202, 0), bar);
        c.blend((203, 0), ink, 240);
        assert_eq!(c.get(203, 0), ink);
    }
}
