//! Blends an indexed canvas has already worked out, for the colour it is drawing in: which entry
//! a pixel of entry `p` becomes at level `a`. A chart blends a few hundred thousand edge pixels
//! and a handful of colours over a few backgrounds, so nearly every blend is one seen before, and
//! remembering it saves the colour arithmetic and the palette's hash probe.

use super::canvas::{Level, Rgb};

/// One slot per palette entry and level in sixteenths, 0 to 16 (the canvas blends at those only).
const SLOTS: usize = 256 * 32;

pub struct Shades {
    colour: Option<Rgb>,
    /// Slots stamped with the current generation are known; a new colour or chart is a new
    /// generation, which forgets them all without clearing.
    generation: u32,
    /// The generation above the entry, so that a lookup is one load and one comparison.
    slots: Vec<u32>,
}

impl Default for Shades {
    fn default() -> Self {
        Shades { colour: None, generation: 0, slots: vec![0; SLOTS] }
    }
}

#[inline]
fn slot(prev: u8, level: Level) -> usize {
    debug_assert!(level <= 256 && level.is_multiple_of(16));
    usize::from(prev) << 5 | usize::from(level >> 4)
}

impl Shades {
    /// Forget everything: a new palette.
    pub fn clear(&mut self) {
        self.colour = None;
        self.forget();
    }

    fn forget(&mut self) {
        self.generation = (self.generation + 1) % (1 << 24);
        if self.generation == 0 {
            // Slots from sixteen million generations ago would look current.
            self.slots.fill(0);
            self.generation = 1;
        }
    }

    /// Drawing in `colour` from now on.
    #[inline]
    pub fn draw_in(&mut self, colour: Rgb) {
        if self.colour != Some(colour) {
            self.colour = Some(colour);
            self.forget();
        }
    }

    #[inline]
    pub fn get(&self, prev: u8, level: Level) -> Option<u8> {
        let known = self.slots[slot(prev, level)];
        (known >> 8 == self.generation).then_some(known as u8)
    }

    #[inline]
    pub fn put(&mut self, prev: u8, level: Level, index: u8) {
        self.slots[slot(prev, level)] = self.generation << 8 | u32::from(index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_colour_forgets_the_old_ones_blends() {
        let mut s = Shades::default();
        s.clear();
        s.draw_in([1, 2, 3]);
        s.put(7, 32, 9);
        s.put(7, 256, 4);
        assert_eq!(
            (s.get(7, 32), s.get(7, 48), s.get(7, 256), s.get(8, 256)),
            (Some(9), None, Some(4), None)
        );
        s.draw_in([1, 2, 3]);
        assert_eq!(s.get(7, 32), Some(9));
        s.draw_in([3, 2, 1]);
        assert_eq!((s.get(7, 32), s.get(7, 256)), (None, None));
        s.put(7, 32, 5);
        s.clear();
        s.draw_in([3, 2, 1]);
        assert_eq!(s.get(7, 32), None);
    }
}
