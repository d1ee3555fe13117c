//! Thumbnails of evidence pictures (JPG, PNG): at most [`EDGE`] pixels on the
//! longer side, made once when the picture is uploaded and shown on the
//! project's page instead of the full picture.
//!
//! Guarantees:
//! - A picture is decoded only after the size its header declares was read
//!   and found within [`MAX_SIDE`] on each side and [`MAX_PIXELS`] in all; the
//!   decoder itself runs under the same limits and a bound on what it may
//!   allocate. A file that declares a huge picture is refused before any
//!   pixel is decoded, so it costs nothing in proportion to what it declares.
//! - A picture that is too large or cannot be read gets no thumbnail; the
//!   file itself is still kept (the page links to it instead of showing it).
//! - The thumbnail is a JPEG, turned upright as the photo's EXIF orientation says.

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// The longer side of a thumbnail, in pixels.
pub const EDGE: u32 = 240;
/// The largest side of a picture that gets a thumbnail.
pub const MAX_SIDE: u32 = 12_000;
/// The most pixels a picture that gets a thumbnail may have (a 40-megapixel photo).
pub const MAX_PIXELS: u64 = 40_000_000;
/// What the decoder may allocate: the largest picture above as RGBA, and some room.
const MAX_ALLOC: u64 = MAX_PIXELS * 4 + 16 * 1024 * 1024;

/// Why a picture has no thumbnail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoThumbnail {
    /// Not a JPG or PNG.
    NotAPicture,
    /// Its header declares more than the bounds.
    TooLarge,
    /// The bytes could not be read as the picture they claim to be.
    Unreadable(String),
}

/// The thumbnail (JPEG bytes) of a picture of `content_type`.
pub fn make(bytes: &[u8], content_type: &str) -> Result<Vec<u8>, NoThumbnail> {
    let format = match content_type {
        "image/jpeg" => ImageFormat::Jpeg,
        "image/png" => ImageFormat::Png,
        _ => return Err(NoThumbnail::NotAPicture),
    };
    let unreadable = |e: image::ImageError| NoThumbnail::Unreadable(e.to_string());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    // Reads the header only: the declared size is checked before any pixel is decoded.
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => NoThumbnail::TooLarge,
        e => unreadable(e),
    })?;
    let (w, h) = decoder.dimensions();
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(NoThumbnail::TooLarge);
    }
    let orientation = decoder.orientation().map_err(unreadable)?;
    let mut picture = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    picture.apply_orientation(orientation);
    // `thumbnail` would enlarge a picture smaller than the edge: a small one keeps its size.
    let small = if picture.width() <= EDGE && picture.height() <= EDGE { picture } else { picture.thumbnail(EDGE, EDGE) }.to_rgb8();
    let mut out = Vec::new();
    small.write_to(&mut Cursor::new(&mut out), ImageFormat::Jpeg).map_err(unreadable)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let picture = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Vec::new();
        picture.write_to(&mut Cursor::new(&mut out), ImageFormat::Png).unwrap();
        out
    }

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let picture = image::RgbImage::from_fn(w, h, |x, _| image::Rgb([(x % 256) as u8, 120, 40]));
        let mut out = Vec::new();
        picture.write_to(&mut Cursor::new(&mut out), ImageFormat::Jpeg).unwrap();
        out
    }

    fn size_of(thumb: &[u8]) -> (u32, u32) {
        let t = image::load_from_memory_with_format(thumb, ImageFormat::Jpeg).expect("a thumbnail is a JPEG");
        (t.width(), t.height())
    }

    #[test]
    fn a_thumbnail_fits_240_pixels_and_keeps_the_shape() {
        assert_eq!(size_of(&make(&png(960, 480), "image/png").unwrap()), (240, 120));
        assert_eq!(size_of(&make(&jpeg(300, 600), "image/jpeg").unwrap()), (120, 240));
        assert_eq!(size_of(&make(&png(100, 50), "image/png").unwrap()), (100, 50), "a small picture is not enlarged");
        assert_eq!(make(b"%PDF-1.4", "application/pdf"), Err(NoThumbnail::NotAPicture));
        assert!(matches!(make(&png(10, 10)[..40], "image/png"), Err(NoThumbnail::Unreadable(_))), "a cut-off picture");
    }

    /// CRC-32 as PNG chunks carry it.
    fn crc32(data: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
        }
        !c
    }

    /// A well-formed PNG header declaring `w` × `h` over one tiny compressed
    /// pixel: decoding it would allocate w × h × 3 bytes.
    fn declaring_png(w: u32, h: u32) -> Vec<u8> {
        let mut out = png(1, 1);
        out[16..20].copy_from_slice(&w.to_be_bytes());
        out[20..24].copy_from_slice(&h.to_be_bytes());
        let crc = crc32(&out[12..29]);
        out[29..33].copy_from_slice(&crc.to_be_bytes());
        out
    }

    /// A JPEG whose frame header declares `w` × `h`.
    fn declaring_jpeg(w: u16, h: u16) -> Vec<u8> {
        let mut out = jpeg(8, 8);
        let at = (2..out.len() - 9).find(|&i| out[i] == 0xFF && out[i + 1] == 0xC0).expect("a baseline frame");
        out[at + 5..at + 7].copy_from_slice(&h.to_be_bytes());
        out[at + 7..at + 9].copy_from_slice(&w.to_be_bytes());
        out
    }

    #[test]
    fn a_picture_declaring_a_huge_size_is_refused_before_it_is_decoded() {
        for (w, h) in [(100_000, 100_000), (12_001, 10), (8_000, 6_000)] {
            assert_eq!(make(&declaring_png(w, h), "image/png"), Err(NoThumbnail::TooLarge), "{w}×{h}");
        }
        assert_eq!(make(&declaring_jpeg(65_000, 65_000), "image/jpeg"), Err(NoThumbnail::TooLarge));
        assert_eq!(make(&declaring_jpeg(7_000, 7_000), "image/jpeg"), Err(NoThumbnail::TooLarge), "49 megapixels");
    }
}
