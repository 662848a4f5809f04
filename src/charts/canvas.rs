//! The pixels of one PNG chart, and the only code that writes them: solid spans and integer alpha
//! blending. Blending follows plotters' bitmap backend to the bit (its `draw_pixel`), so that
//! dropping that backend changed no pixel of a chart.

use super::palette::Palette;

/// An RGB colour.
pub type Rgb = [u8; 3];

/// Opacity in 256ths, as plotters' bitmap backend quantizes it; `OPAQUE` replaces the pixel.
pub type Level = u16;
pub const OPAQUE: Level = 256;

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

/// Whole pixels of `colour` over `row`, sixteen at a time: a per-pixel loop of three-byte copies
/// does not vectorize, and backgrounds and bars are most of a chart's pixels.
fn fill_row(row: &mut [u8], colour: Rgb) {
    if colour[0] == colour[1] && colour[1] == colour[2] {
        row.fill(colour[0]);
        return;
    }
    let mut pattern = [0u8; 48];
    for px in pattern.chunks_exact_mut(3) {
        px.copy_from_slice(&colour);
    }
    let mut chunks = row.chunks_exact_mut(48);
    for chunk in &mut chunks {
        chunk.copy_from_slice(&pattern);
    }
    let rest = chunks.into_remainder();
    let n = rest.len();
    rest.copy_from_slice(&pattern[..n]);
}

/// A chart's pixels, kept across the charts one thread draws so that its buffers are reused instead
/// of allocated, page-faulted and zeroed each time. While the chart has at most 256 colours they are
/// palette indices, a byte a pixel to fill and to compress; the 257th colour turns them into RGB.
#[derive(Default)]
pub struct Canvas {
    width: usize,
    height: usize,
    indexed: bool,
    /// The colour of every pixel, while they are all one: a chart's first act is to paint its
    /// background over the one `reset` painted, a second full pass over the buffer for nothing.
    plain: Option<Rgb>,
    index: Vec<u8>,
    palette: Palette,
    rgb: Vec<u8>,
}

/// What a PNG stores.
pub enum Pixels<'a> {
    Indexed { index: &'a [u8], palette: &'a [Rgb] },
    Rgb(&'a [u8]),
}

impl Canvas {
    /// Start a `width` × `height` picture in `background`, indexed if `palette`.
    pub fn reset(&mut self, (width, height): (u32, u32), background: Rgb, palette: bool) {
        self.width = width as usize;
        self.height = height as usize;
        self.indexed = palette;
        self.palette.clear();
        // Every pixel is written below: resizing only, the old contents are not cleared first.
        if palette {
            self.index.resize(self.width * self.height, 0);
        } else {
            self.rgb.resize(self.width * self.height * 3, 0);
        }
        self.plain = None;
        self.fill((0, 0), (width as i32, height as i32), background);
    }

    pub fn size(&self) -> (u32, u32) {
        (self.width as u32, self.height as u32)
    }

    pub fn pixels(&self) -> Pixels<'_> {
        if self.indexed {
            Pixels::Indexed { index: &self.index, palette: self.palette.colours() }
        } else {
            Pixels::Rgb(&self.rgb)
        }
    }

    /// The colour at (`x`, `y`), which must be inside.
    pub fn get(&self, x: usize, y: usize) -> Rgb {
        let i = y * self.width + x;
        if self.indexed {
            self.palette.colour(self.index[i])
        } else {
            [self.rgb[i * 3], self.rgb[i * 3 + 1], self.rgb[i * 3 + 2]]
        }
    }

    /// The palette index of `colour`, or `None` once the picture is RGB, turning it RGB when the
    /// palette is full.
    #[inline]
    fn index_of(&mut self, colour: Rgb) -> Option<u8> {
        if !self.indexed {
            return None;
        }
        let index = self.palette.index(colour);
        if index.is_none() {
            self.expand_to_rgb();
        }
        index
    }

    fn expand_to_rgb(&mut self) {
        self.rgb.resize(self.index.len() * 3, 0);
        let colours = self.palette.colours();
        for (px, &i) in self.rgb.chunks_exact_mut(3).zip(&self.index) {
            px.copy_from_slice(&colours[usize::from(i)]);
        }
        self.indexed = false;
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
        match self.index_of(colour) {
            Some(i) => {
                for y in y0..y1 {
                    self.index[y * w + x0..y * w + x1].fill(i);
                }
            }
            None => {
                for y in y0..y1 {
                    fill_row(&mut self.rgb[(y * w + x0) * 3..(y * w + x1) * 3], colour);
                }
            }
        }
    }

    /// Blend `colour` at `level` over the half-open rectangle between corners `a` and `b`.
    pub fn blend_rect(&mut self, a: (i32, i32), b: (i32, i32), colour: Rgb, level: Level) {
        if level == 0 {
            return;
        }
        let Some((x0, x1, y0, y1)) = self.clip(a, b) else { return };
        self.plain = None;
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
        let done = if self.indexed { self.blend_run_indexed(start, levels, colour) } else { 0 };
        let rest = &levels[done..];
        let start = start + done;
        if rest.is_empty() {
            // Indexed throughout: the RGB buffer may be another chart's, or none.
            return;
        }
        for (px, &a) in self.rgb[start * 3..(start + rest.len()) * 3].chunks_exact_mut(3).zip(rest) {
            if a == OPAQUE {
                px.copy_from_slice(&colour);
            } else if a != 0 {
                let new = blend([px[0], px[1], px[2]], colour, a);
                px.copy_from_slice(&new);
            }
        }
    }

    /// [`Canvas::blend_run`] in palette indices, up to the pixel that needs a 257th colour, which
    /// turns the picture RGB; returns how many pixels it blended.
    fn blend_run_indexed(&mut self, start: usize, levels: &[Level], colour: Rgb) -> usize {
        // Glyph interiors are opaque: their index is the colour's, looked up once a run.
        let mut solid = None;
        for (n, &a) in levels.iter().enumerate() {
            if a == 0 {
                continue;
            }
            let i = start + n;
            if a == OPAQUE {
                if solid.is_none() {
                    solid = self.index_of(colour);
                }
                match solid {
                    Some(index) => self.index[i] = index,
                    None => return n,
                }
                continue;
            }
            if !self.blend_indexed(i, colour, a) {
                return n;
            }
        }
        levels.len()
    }

    /// Blend pixel `i` (row-major).
    #[inline(always)]
    fn blend_at(&mut self, i: usize, colour: Rgb, level: Level) {
        if self.indexed && self.blend_indexed(i, colour, level) {
            return;
        }
        // RGB, or just turned RGB by a 257th colour.
        let px = &mut self.rgb[i * 3..i * 3 + 3];
        let prev = [px[0], px[1], px[2]];
        px.copy_from_slice(&blend(prev, colour, level));
    }

    /// Blend pixel `i` in palette indices; false, with the pixel untouched, when the result would be
    /// a 257th colour (the picture has then turned RGB).
    fn blend_indexed(&mut self, i: usize, colour: Rgb, level: Level) -> bool {
        let prev = self.palette.colour(self.index[i]);
        let new = blend(prev, colour, level);
        if new == prev {
            return true;
        }
        match self.index_of(new) {
            Some(index) => {
                self.index[i] = index;
                true
            }
            None => false,
        }
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

    fn rgb(c: &Canvas) -> Vec<Rgb> {
        let (w, h) = c.size();
        (0..h as usize).flat_map(|y| (0..w as usize).map(move |x| (x, y))).map(|(x, y)| c.get(x, y)).collect()
    }

    #[test]
    fn fills_clip_and_take_corners_in_any_order() {
        let mut c = Canvas::default();
        c.reset((4, 3), [255; 3], true);
        c.fill((5, 2), (2, -1), [0; 3]);
        let dark: Vec<usize> =
            rgb(&c).iter().enumerate().filter(|(_, p)| p[0] == 0).map(|(i, _)| i).collect();
        assert_eq!(dark, vec![2, 3, 6, 7]);
    }

    #[test]
    fn rgb_pictures_fill_and_blend_alike() {
        let mut c = Canvas::default();
        c.reset((20, 2), [255; 3], false);
        c.fill((1, 0), (19, 1), [10, 20, 30]);
        c.blend((0, 1), [0; 3], 64);
        let px = rgb(&c);
        assert!(px[1..19].iter().all(|p| *p == [10, 20, 30]));
        assert_eq!((px[0], px[19], px[20]), ([255; 3], [255; 3], [192; 3]));
        assert!(matches!(c.pixels(), Pixels::Rgb(_)));
    }

    #[test]
    fn runs_blend_like_single_pixels_and_clip() {
        let levels: Vec<Level> = (0..40).map(|i| i * 7).collect();
        for palette in [true, false] {
            let (mut run, mut single) = (Canvas::default(), Canvas::default());
            run.reset((30, 3), [255; 3], palette);
            single.reset((30, 3), [255; 3], palette);
            run.blend_run((-5, 1), &levels, [33, 33, 33]);
            run.blend_run((0, 3), &levels, [33, 33, 33]);
            for (i, &a) in levels.iter().enumerate() {
                single.blend((i as i32 - 5, 1), [33, 33, 33], a);
            }
            assert_eq!(rgb(&run), rgb(&single));
            assert_ne!(rgb(&run)[31], [255; 3]);
        }
    }

    #[test]
    fn repainting_the_background_after_drawing_is_not_skipped() {
        let mut c = Canvas::default();
        c.reset((3, 1), [255; 3], false);
        c.fill((0, 0), (3, 1), [255; 3]);
        c.blend((1, 0), [0; 3], OPAQUE);
        c.fill((0, 0), (3, 1), [255; 3]);
        assert_eq!(rgb(&c), vec![[255; 3]; 3]);
        c.blend_run((0, 0), &[OPAQUE], [0; 3]);
        c.fill((0, 0), (3, 1), [255; 3]);
        assert_eq!(rgb(&c), vec![[255; 3]; 3]);
    }

    #[test]
    fn the_257th_colour_turns_the_picture_rgb_with_the_same_pixels() {
        let mut c = Canvas::default();
        c.reset((300, 2), [255; 3], true);
        c.fill((0, 1), (300, 2), [10, 20, 30]);
        for x in 0..254 {
            c.blend((x, 0), [0, 0, x as u8], OPAQUE);
        }
        assert!(matches!(c.pixels(), Pixels::Indexed { palette, .. } if palette.len() == 256));
        let before = rgb(&c);
        c.blend((299, 0), [1, 2, 3], 128);
        assert!(matches!(c.pixels(), Pixels::Rgb(_)));
        let after = rgb(&c);
        assert_eq!(after[299], blend([255; 3], [1, 2, 3], 128));
        assert_eq!(before[..299], after[..299]);
        assert_eq!(before[300..], after[300..]);
        // The next chart starts indexed again.
        c.reset((2, 2), [0; 3], true);
        assert!(matches!(c.pixels(), Pixels::Indexed { palette, .. } if palette.len() == 1));
    }
}
