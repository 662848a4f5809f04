//! A chart's PNG file: signature, header, palette when indexed, the pixel rows as one zlib stream
//! ([`deflate`](super::deflate)), end. Built in memory and written with one call.

use super::canvas::Pixels;
use super::deflate;
use crate::error::{IoContext, Result};
use std::path::Path;

const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let from = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[from..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// The bytes of the PNG of `pixels`, `width` × `height`, into `out` (cleared first).
pub fn encode(pixels: Pixels<'_>, (width, height): (u32, u32), out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(&SIGNATURE);
    // Bit depth 8; colour type 3 (palette) or 2 (RGB); deflate; adaptive filtering; no interlace.
    let colour_type = if matches!(pixels, Pixels::Indexed { .. }) { 3 } else { 2 };
    let mut header = [0u8; 13];
    header[..4].copy_from_slice(&width.to_be_bytes());
    header[4..8].copy_from_slice(&height.to_be_bytes());
    header[8..10].copy_from_slice(&[8, colour_type]);
    chunk(out, b"IHDR", &header);
    let (data, bpp) = match pixels {
        Pixels::Indexed { index, palette } => {
            chunk(out, b"PLTE", palette.concat().as_slice());
            (index, 1)
        }
        Pixels::Rgb(rgb) => (rgb, 3),
    };
    // IDAT's length goes before the stream, which is compressed in place after it.
    let at = out.len();
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(b"IDAT");
    deflate::compress(data, width as usize * bpp, bpp, out);
    let len = (out.len() - at - 8) as u32;
    out[at..at + 4].copy_from_slice(&len.to_be_bytes());
    let crc = crc32fast::hash(&out[at + 4..]);
    out.extend_from_slice(&crc.to_be_bytes());
    chunk(out, b"IEND", &[]);
}

/// Write the PNG of `pixels` to `path`, with `buffer` for its bytes.
pub fn write(path: &Path, pixels: Pixels<'_>, size: (u32, u32), buffer: &mut Vec<u8>) -> Result<()> {
    encode(pixels, size, buffer);
    std::fs::write(path, &buffer[..]).at(path)
}
