//! The pixels of one PNG chart, and the only code that writes them: solid spans and integer alpha
//! blending. Blending follows plotters' bitmap backend to the bit (its `draw_pixel`), so that
//! dropping that backend changed no pixel of a chart.

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

/// One channel moved towards `new` by `a`/256, rounding towards where it was.
#[inline]
fn mix(prev: u8, new: u8, a: u32) -> u8 {
    if new > prev {
        prev + ((u32::from(new - prev) * a) >> 8) as u8
    } else {
        prev - ((u32::from(prev - new) * a) >> 8) as u8
    }
}

#[inline]
pub fn blend(prev: Rgb, new: Rgb, a: Level) -> Rgb {
    let a = u32::from(a);
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

/// A buffer kept across the charts one thread draws: a chart's 1–3 MB are reused instead of
/// allocated, page-faulted and zeroed each time.
#[derive(Default)]
pub struct Canvas {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

impl Canvas {
    /// Start a `width` × `height` picture in `background`.
    pub fn reset(&mut self, (width, height): (u32, u32), background: Rgb) {
        self.width = width as usize;
        self.height = height as usize;
        self.rgb.clear();
        self.rgb.resize(self.width * self.height * 3, 0);
        self.fill((0, 0), (width as i32, height as i32), background);
    }

    pub fn size(&self) -> (u32, u32) {
        (self.width as u32, self.height as u32)
    }

    pub fn rgb(&self) -> &[u8] {
        &self.rgb
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
        for y in y0..y1 {
            fill_row(&mut self.rgb[(y * self.width + x0) * 3..(y * self.width + x1) * 3], colour);
        }
    }

    /// Blend `colour` at `a` over the half-open rectangle between corners `a` and `b`.
    pub fn blend_rect(&mut self, a: (i32, i32), b: (i32, i32), colour: Rgb, level: Level) {
        if level == 0 {
            return;
        }
        let Some((x0, x1, y0, y1)) = self.clip(a, b) else { return };
        for y in y0..y1 {
            for x in x0..x1 {
                self.blend_at(x, y, colour, level);
            }
        }
    }

    /// Blend one pixel; outside the picture is nothing.
    #[inline]
    pub fn blend(&mut self, (x, y): (i32, i32), colour: Rgb, level: Level) {
        if x >= 0 && y >= 0 && (x as usize) < self.width && (y as usize) < self.height && level > 0 {
            self.blend_at(x as usize, y as usize, colour, level);
        }
    }

    #[inline]
    fn blend_at(&mut self, x: usize, y: usize, colour: Rgb, level: Level) {
        let i = (y * self.width + x) * 3;
        let px = &mut self.rgb[i..i + 3];
        let prev = [px[0], px[1], px[2]];
        px.copy_from_slice(&blend(prev, colour, level));
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
    fn fills_clip_and_take_corners_in_any_order() {
        let mut c = Canvas::default();
        c.reset((4, 3), [255; 3]);
        c.fill((5, 2), (2, -1), [0; 3]);
        let dark: Vec<usize> =
            c.rgb().chunks(3).enumerate().filter(|(_, p)| p[0] == 0).map(|(i, _)| i).collect();
        assert_eq!(dark, vec![2, 3, 6, 7]);
    }
}
