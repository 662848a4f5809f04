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
        let key = (u32::from(colour[0]) << 16 | u32::from(colour[1]) << 8 | u32::from(colour[2])) + 1;
        let mut slot = (key.wrapping_mul(0x9E37_79B1) >> 23) as usize;
        loop {
            match self.keys[slot] {
                k if k == key => return Some(self.indices[slot]),
                0 => break,
                _ => slot = (slot + 1) % SLOTS,
            }
        }
        let index = u8::try_from(self.colours.len()).ok()?;
        self.colours.push(colour);
        self.keys[slot] = key;
        self.indices[slot] = index;
        Some(index)
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
}
