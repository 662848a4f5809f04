//! The zlib stream of a PNG's pixel rows, written for flat-colour charts: every row Sub-filtered, so
//! a run of one colour is a run of zero bytes; a row equal to the one above is one copy of it; the
//! rest are literals. One deflate block with the fixed Huffman codes of RFC 1951, so there is no
//! table to build or to send. Zero runs are skipped 32 bytes at a time and rows compared whole,
//! where a general-purpose compressor looks at every byte.

use simd_adler32::Adler32;

/// (code, bit length) of each literal byte, codes bit-reversed for an LSB-first stream.
const LITERALS: [(u16, u8); 256] = {
    let mut t = [(0, 0); 256];
    let mut v = 0;
    while v < 256 {
        t[v] = if v < 144 {
            (reverse(0x30 + v as u16, 8), 8)
        } else {
            (reverse(0x190 + (v as u16 - 144), 9), 9)
        };
        v += 1;
    }
    t
};

const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
    227, 258,
];
const LENGTH_EXTRA: [u8; 29] =
    [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DISTANCE_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
    4097, 6145, 8193, 12289, 16385, 24577,
];
const DISTANCE_EXTRA: [u8; 30] =
    [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

/// Bits and bit count of a match length of 3–258 (index: length − 3): its symbol, then extra bits.
const LENGTHS: [(u32, u8); 256] = {
    let mut t = [(0, 0); 256];
    let mut len = 3;
    while len <= 258 {
        let mut i = 28;
        while LENGTH_BASE[i] > len {
            i -= 1;
        }
        let symbol = 257 + i as u16;
        let (code, bits) = if symbol < 280 { (symbol - 256, 7) } else { (0xC0 + symbol - 280, 8) };
        let extra = (len - LENGTH_BASE[i]) as u32;
        t[len as usize - 3] = (reverse(code, bits) as u32 | extra << bits, bits + LENGTH_EXTRA[i]);
        len += 1;
    }
    t
};

const END_OF_BLOCK: (u64, u32) = (0, 7);
/// A deflate window: the farthest back a copy may reach.
const WINDOW: usize = 32_768;

const fn reverse(code: u16, bits: u8) -> u16 {
    code.reverse_bits() >> (16 - bits)
}

/// Bits and bit count of a copy distance of 1–32,768.
fn distance(d: usize) -> (u64, u32) {
    let i = DISTANCE_BASE.iter().rposition(|&b| usize::from(b) <= d).unwrap_or(0);
    let extra = (d - usize::from(DISTANCE_BASE[i])) as u64;
    (u64::from(reverse(i as u16, 5)) | extra << 5, 5 + u32::from(DISTANCE_EXTRA[i]))
}

/// An LSB-first bit stream into a byte buffer. Each write stores eight bytes and keeps the
/// unfinished byte, so that the bit count stays under eight and a write may carry 56 bits.
struct Bits<'a> {
    out: &'a mut Vec<u8>,
    pos: usize,
    acc: u64,
    n: u32,
}

impl Bits<'_> {
    /// Room for `bytes` more bytes of output, asked once a row so that writes need not check.
    fn reserve(&mut self, bytes: usize) {
        if self.out.len() < self.pos + bytes + 8 {
            self.out.resize((self.pos + bytes + 8) * 2, 0);
        }
    }

    #[inline]
    fn put(&mut self, bits: u64, n: u32) {
        self.acc |= bits << self.n;
        self.n += n;
        self.out[self.pos..self.pos + 8].copy_from_slice(&self.acc.to_le_bytes());
        let whole = self.n / 8;
        self.pos += whole as usize;
        self.acc >>= whole * 8;
        self.n -= whole * 8;
    }

    /// Eight literal bytes, four codes (at most 36 bits) to a write.
    #[inline]
    fn literal_word(&mut self, bytes: [u8; 8]) {
        for half in bytes.chunks_exact(4) {
            let (mut bits, mut n) = (0u64, 0u32);
            for &b in half {
                let (code, len) = LITERALS[usize::from(b)];
                bits |= u64::from(code) << n;
                n += u32::from(len);
            }
            self.put(bits, n);
        }
    }

    fn literals(&mut self, bytes: &[u8]) {
        let (mut bits, mut n) = (0u64, 0u32);
        for &b in bytes {
            let (code, len) = LITERALS[usize::from(b)];
            bits |= u64::from(code) << n;
            n += u32::from(len);
            if n > 47 {
                self.put(bits, n);
                (bits, n) = (0, 0);
            }
        }
        if n > 0 {
            self.put(bits, n);
        }
    }

    /// `len` bytes copied from `dist` back (`len` ≥ 3), as matches of at most 258.
    fn copy(&mut self, mut len: usize, (dist, dist_bits): (u64, u32)) {
        while len > 0 {
            // Never leave fewer than three, the shortest match.
            let piece = if len <= 258 { len } else { 258.min(len - 3) };
            let (bits, n) = LENGTHS[piece - 3];
            self.put(u64::from(bits) | dist << n, u32::from(n) + dist_bits);
            len -= piece;
        }
    }

    /// `len` zero bytes: a literal zero and a copy of it from one back, or literals when shorter.
    fn zeros(&mut self, len: usize) {
        if len < 4 {
            self.literals(&[0, 0, 0][..len]);
        } else {
            self.literals(&[0]);
            self.copy(len - 1, (0, 5));
        }
    }

    /// A filtered row: zero runs and literals.
    fn row(&mut self, f: &[u8]) {
        let mut run = 0;
        let mut i = 0;
        while let Some(word) = f.get(i..).and_then(|s| s.first_chunk::<8>()) {
            let word = u64::from_le_bytes(*word);
            if word == 0 {
                run += 8;
                i += 8;
                while let Some(block) = f.get(i..).and_then(|s| s.first_chunk::<32>()) {
                    if block.iter().fold(0, |a, b| a | b) != 0 {
                        break;
                    }
                    run += 32;
                    i += 32;
                }
                continue;
            }
            // Little-endian: the word's first bytes are its low ones.
            let (lead, trail) = ((word.trailing_zeros() / 8) as usize, (word.leading_zeros() / 8) as usize);
            self.zeros(run + lead);
            if lead == 0 && trail == 0 {
                self.literal_word(word.to_le_bytes());
            } else {
                self.literals(&f[i + lead..i + 8 - trail]);
            }
            run = trail;
            i += 8;
        }
        for &b in &f[i..] {
            if b == 0 {
                run += 1;
            } else {
                self.zeros(run);
                run = 0;
                self.literals(&[b]);
            }
        }
        self.zeros(run);
    }
}

/// Append to `out` the zlib stream of `data`, rows of `stride` bytes with `bpp` bytes a pixel, each
/// row Sub-filtered.
pub fn compress(data: &[u8], stride: usize, bpp: usize, out: &mut Vec<u8>) {
    // zlib header: deflate with a 32 KiB window, no dictionary, check bits making it a multiple of 31.
    out.extend_from_slice(&[0x78, 0x01]);
    let start = out.len();
    let mut bits = Bits { pos: start, out, acc: 0, n: 0 };
    bits.reserve(8);
    // The only block, final (1), with fixed codes (01).
    bits.put(0b011, 3);
    let mut adler = Adler32::new();
    let mut filtered = vec![0u8; stride + 1];
    filtered[0] = 1;
    // A row copy spans the row and its filter byte: at least a match's three, at most the window.
    let row_copy = (2..WINDOW).contains(&stride).then(|| distance(stride + 1));
    let mut above: Option<&[u8]> = None;
    for row in data.chunks_exact(stride) {
        // A literal is at most nine bits, and a copy or a run fewer bits than the bytes it stands for.
        bits.reserve((stride + 1) * 9 / 8 + 16);
        // The filtered row above is still in `filtered`, and is this row's too.
        if let (Some(above), Some(dist)) = (above, row_copy) {
            if above == row {
                adler.write(&filtered);
                bits.copy(stride + 1, dist);
                continue;
            }
        }
        let (first, rest) = filtered[1..].split_at_mut(bpp.min(stride));
        first.copy_from_slice(&row[..first.len()]);
        for (f, (x, left)) in rest.iter_mut().zip(row[first.len()..].iter().zip(row)) {
            *f = x.wrapping_sub(*left);
        }
        adler.write(&filtered);
        bits.row(&filtered);
        above = Some(row);
    }
    bits.reserve(8);
    bits.put(END_OF_BLOCK.0, END_OF_BLOCK.1);
    let end = bits.pos + usize::from(bits.n > 0);
    out.truncate(end);
    out.extend_from_slice(&adler.finish().to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inflate(z: &[u8]) -> Vec<u8> {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(z).read_to_end(&mut out).unwrap();
        out
    }

    /// What a PNG decoder reads back: each row with its filter byte, Sub-filtered.
    fn filtered(data: &[u8], stride: usize, bpp: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for row in data.chunks(stride) {
            out.push(1);
            out.extend((0..stride).map(|i| row[i].wrapping_sub(if i >= bpp { row[i - bpp] } else { 0 })));
        }
        out
    }

    #[test]
    fn round_trips_runs_rows_and_literals() {
        let mut rng = fastrand::Rng::with_seed(7);
        for (stride, bpp) in [(3 * 40, 3), (3 * 1100, 3), (1000, 1), (1, 1), (2, 1), (9, 3)] {
            let rows = 30;
            let mut data = vec![255u8; stride * rows];
            for r in 0..rows {
                let row = &mut data[r * stride..(r + 1) * stride];
                match r % 5 {
                    // Noise, a few specks, a solid span, and rows equal to the one above.
                    0 => row.iter_mut().for_each(|b| *b = rng.u8(..)),
                    1 => (0..3).for_each(|_| row[rng.usize(..stride)] = rng.u8(..)),
                    2 => row[stride / 3..stride / 2].fill(40),
                    _ => {}
                }
                if r % 5 >= 3 && r > 0 {
                    let (above, this) = data.split_at_mut(r * stride);
                    this[..stride].copy_from_slice(&above[(r - 1) * stride..]);
                }
            }
            let mut z = vec![9, 9];
            compress(&data, stride, bpp, &mut z);
            assert_eq!(&z[..2], &[9, 9], "appends");
            assert_eq!(inflate(&z[2..]), filtered(&data, stride, bpp), "stride {stride}");
        }
    }

    #[test]
    fn long_zero_runs_split_into_valid_matches() {
        for len in [1, 2, 3, 4, 5, 258, 259, 260, 261, 262, 516, 517, 1000, 4099] {
            let data = vec![0u8; len];
            let mut z = Vec::new();
            compress(&data, len, 1, &mut z);
            assert_eq!(inflate(&z), filtered(&data, len, 1), "{len}");
        }
    }
}
