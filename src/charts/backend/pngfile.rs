//! A chart's PNG file: indexed, with the canvas's palette. Charts are flat colour: the Sub filter
//! alone compresses them about as well as trying all five filters on every row, at a fraction of
//! the time; a row the same as the one above (margins, the inside of bars) is Up-filtered instead,
//! all zeros, which deflate passes over fastest (10 % smaller files, a little less time). The
//! `png` crate writes the chunks; the image data is filtered here and deflated with `fdeflate`,
//! the compressor the `png` crate itself uses at `Compression::Fast`, straight from the canvas
//! into a buffer kept from chart to chart.

use super::canvas::Pixels;
use crate::support::error::{Error, IoContext, Result};
use std::path::Path;

/// What one thread reuses from one PNG to the next.
#[derive(Default)]
pub struct Buffers {
    /// The file's bytes.
    file: Vec<u8>,
    /// The zlib stream of the image data.
    zlib: Vec<u8>,
    /// One filtered row, its filter type first.
    row: Vec<u8>,
    /// A row the same as the one above, Up-filtered: all zeros.
    same: Vec<u8>,
}

/// PNG's filter type byte for Sub: each byte less the one to its left.
const SUB: u8 = 1;

/// PNG's filter type byte for Up: each byte less the one above.
const UP: u8 = 2;

/// The zlib stream of `index`, `width` pixels a row, filtered row by row, into `zlib`.
fn deflate(
    index: &[u8],
    width: usize,
    zlib: &mut Vec<u8>,
    row: &mut Vec<u8>,
    same: &mut Vec<u8>,
) -> std::io::Result<()> {
    zlib.clear();
    let mut compressor = fdeflate::Compressor::new(std::mem::take(zlib))?;
    row.resize(width + 1, 0);
    same.clear();
    same.resize(width + 1, 0);
    same[0] = UP;
    let mut above: &[u8] = &[];
    for line in index.chunks_exact(width) {
        if line == above {
            compressor.write_data(same)?;
            continue;
        }
        row[0] = SUB;
        row[1] = line[0];
        for (out, pair) in row[2..].iter_mut().zip(line.windows(2)) {
            *out = pair[1].wrapping_sub(pair[0]);
        }
        compressor.write_data(row)?;
        above = line;
    }
    *zlib = compressor.finish()?;
    Ok(())
}

/// The bytes of the PNG of `pixels`, `width` × `height`, into `buffers.file`.
fn encode(
    pixels: Pixels<'_>,
    (width, height): (u32, u32),
    buffers: &mut Buffers,
) -> std::result::Result<(), png::EncodingError> {
    let Buffers { file, zlib, row, same } = buffers;
    deflate(pixels.index, width as usize, zlib, row, same)?;
    file.clear();
    let mut encoder = png::Encoder::new(&mut *file, width, height);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_palette(pixels.palette.concat());
    let mut writer = encoder.write_header()?;
    writer.write_chunk(png::chunk::IDAT, zlib)?;
    writer.finish()
}

/// Write the PNG of `pixels` to `path`.
pub fn write(path: &Path, pixels: Pixels<'_>, size: (u32, u32), buffers: &mut Buffers) -> Result<()> {
    encode(pixels, size, buffers)
        .map_err(|e| Error::Chart { path: path.to_path_buf(), message: e.to_string() })?;
    std::fs::write(path, &buffers.file[..]).at(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_to_the_same_indices_and_palette() {
        let (width, height) = (37usize, 5usize);
        // Rows in pairs, so that both filters are used.
        let index: Vec<u8> =
            (0..width * height).map(|i| [0, 0, 0, 1, 2, 255, 2][(i % width + i / width / 2) % 7]).collect();
        let palette = [[255, 255, 255], [33, 33, 33], [31, 119, 180]].repeat(86);
        let mut buffers = Buffers::default();
        // Twice over the same buffers: nothing of the first picture may leak into the second.
        for _ in 0..2 {
            encode(Pixels { index: &index, palette: &palette }, (width as u32, height as u32), &mut buffers)
                .unwrap();
            let mut reader = png::Decoder::new(std::io::Cursor::new(&buffers.file)).read_info().unwrap();
            assert_eq!(reader.info().color_type, png::ColorType::Indexed);
            assert_eq!(reader.info().palette.as_deref(), Some(&palette.concat()[..]));
            let mut decoded = vec![0; reader.output_buffer_size()];
            reader.next_frame(&mut decoded).unwrap();
            assert_eq!(decoded, index);
        }
    }
}
