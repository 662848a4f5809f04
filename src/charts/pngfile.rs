//! A chart's PNG file through the `png` crate: indexed, with the canvas's palette. Charts are flat
//! colour: the Sub filter alone compresses them about as well as trying all five filters on every
//! row, at a fraction of the time.

use super::canvas::Pixels;
use crate::error::{Error, IoContext, Result};
use std::path::Path;

/// The bytes of the PNG of `pixels`, `width` × `height`, into `out` (cleared first).
pub fn encode(
    pixels: Pixels<'_>,
    (width, height): (u32, u32),
    out: &mut Vec<u8>,
) -> std::result::Result<(), png::EncodingError> {
    out.clear();
    let mut encoder = png::Encoder::new(&mut *out, width, height);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    encoder.set_filter(png::FilterType::Sub);
    encoder.set_adaptive_filter(png::AdaptiveFilterType::NonAdaptive);
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_palette(pixels.palette.concat());
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixels.index)?;
    writer.finish()
}

/// Write the PNG of `pixels` to `path`, with `buffer` for its bytes.
pub fn write(path: &Path, pixels: Pixels<'_>, size: (u32, u32), buffer: &mut Vec<u8>) -> Result<()> {
    encode(pixels, size, buffer)
        .map_err(|e| Error::Chart { path: path.to_path_buf(), message: e.to_string() })?;
    std::fs::write(path, &buffer[..]).at(path)
}
