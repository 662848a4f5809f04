//! Up to 256 colours and their indices, in the order they first appeared: a chart's colours, so that
//! its PNG can store one byte per pixel instead of three.

use super::canvas::Rgb;

/// Open addressing over twice the most colours a palette holds keeps probe runs short.
const SLOTS: usize = 512;

pub struct Palette {
    colours: Vec<Rgb>,
    /// `colour + 1` (0 for an empty slot) and the colour's index, by hash.
    keys: [u32; SLOTS],
    indices: [u8; SLOTS],
}

impl Default for Palette {
    fn default() -> Self {
        Palette { colours: Vec::with_capacity(256), keys: [0; SLOTS], indices: [0; SLOTS] }
    }
}

fn key(colour: Rgb) -> u32 {
    (u32::from(colour[0]) << 16 | u32::from(colour[1]) << 8 | u32::from(colour[2])) + 1
}

/// How far apart two colours look, roughly: the eye weighs green most and blue least.
fn distance(a: Rgb, b: Rgb) -> u32 {
    let d = |i: usize| u32::from(a[i].abs_diff(b[i])).pow(2);
    3 * d(0) + 4 * d(1) + 2 * d(2)
}

impl Palette {
    pub fn clear(&mut self) {
        self.colours.clear();
        self.keys = [0; SLOTS];
    }

    pub fn colours(&self) -> &[Rgb] {
        &self.colours
    }

    #[inline]
    pub fn colour(&self, index: u8) -> Rgb {
        self.colours[usize::from(index)]
    }

    /// The index of `colour`, added if new; `None` when it would be the 257th.
    #[inline]
    pub fn index(&mut self, colour: Rgb) -> Option<u8> {
        self.index_within(colour, 256)
    }

    /// The index of `colour`, if the palette has it.
    #[inline]
    pub fn find(&self, colour: Rgb) -> Option<u8> {
        self.probe(key(colour)).ok()
    }

    /// The index of `colour`, added if new while the palette holds fewer than `limit` colours.
    #[inline]
    pub fn index_within(&mut self, colour: Rgb, limit: usize) -> Option<u8> {
        let key = key(colour);
        let slot = match self.probe(key) {
            Ok(index) => return Some(index),
            Err(slot) => slot,
        };
        if self.colours.len() >= limit {
            return None;
        }
        let index = u8::try_from(self.colours.len()).ok()?;
        self.colours.push(colour);
        self.keys[slot] = key;
        self.indices[slot] = index;
        Some(index)
    }

    /// The index under `key`, or the empty slot where it would go.
    #[inline]
    fn probe(&self, key: u32) -> Result<u8, usize> {
        let mut slot = (key.wrapping_mul(0x9E37_79B1) >> 23) as usize;
        loop {
            match self.keys[slot] {
                k if k == key => return Ok(self.indices[slot]),
                0 => return Err(slot),
                _ => slot = (slot + 1) % SLOTS,
            }
        }
    }

    /// The index of the entry nearest `colour`, the first of equals; `None` if there is none.
    pub fn nearest(&self, colour: Rgb) -> Option<u8> {
        let (i, _) = self.colours.iter().enumerate().min_by_key(|(_, c)| distance(**c, colour))?;
        u8::try_from(i).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_in_order_of_appearance_up_to_256() {
        let mut p = Palette::default();
        assert_eq!(p.index([255; 3]), Some(0));
        assert_eq!(p.index([0; 3]), Some(1));
        assert_eq!(p.index([255; 3]), Some(0));
        for i in 2..=255u8 {
            assert_eq!(p.index([i, 0, 1]), Some(i));
        }
        assert_eq!(p.index([1, 2, 3]), None);
        assert_eq!(p.index([7, 0, 1]), Some(7));
        assert_eq!(p.colours().len(), 256);
        p.clear();
        assert_eq!(p.index([1, 2, 3]), Some(0));
    }

    #[test]
    fn a_limit_leaves_the_rest_to_later_colours() {
        let mut p = Palette::default();
        assert_eq!(p.index_within([9; 3], 1), Some(0));
        assert_eq!(p.index_within([8; 3], 1), None);
        assert_eq!(p.index_within([9; 3], 1), Some(0));
        assert_eq!(p.find([8; 3]), None);
        assert_eq!(p.index([8; 3]), Some(1));
    }

    #[test]
    fn nearest_is_the_closest_entry() {
        let mut p = Palette::default();
        assert_eq!(p.nearest([1, 2, 3]), None);
        for c in [[255, 255, 255], [33, 33, 33], [31, 119, 180], [255, 127, 14]] {
            p.index(c);
        }
        assert_eq!(p.nearest([250, 250, 250]), Some(0));
        assert_eq!(p.nearest([40, 110, 170]), Some(2));
        assert_eq!(p.nearest([240, 130, 30]), Some(3));
        assert_eq!(p.find([240, 130, 30]), None);
        assert_eq!(p.find([31, 119, 180]), Some(2));
        // Of two at the same distance, the first.
        p.clear();
        p.index([10; 3]);
        p.index([30; 3]);
        assert_eq!(p.nearest([20; 3]), Some(0));
    }
}
