//! The binary format of xxgk's caches (`.xxgk-cache/`: the parse manifest, cell blobs, kept years)
//! and of the ingest's spill files, in one place so that the format can change without touching
//! its users.
//!
//! Why postcard: bincode 1.x, used before, is unmaintained (RUSTSEC-2025-0141); postcard is
//! maintained, works through serde like it did (so the cached types did not change), is small
//! (three crates, no proc macros of its own) and compact (varints).
//!
//! Every value encoded here starts with a header, `XXGK` and [`FORMAT`]: a cache written by an older
//! xxgk (bincode, with no header) or by a future format is told apart from a damaged one, and
//! discarded with a note ([`Error::OtherFormat`]), never misread as data.

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::io::{Read, Write};

/// Bump when the encoding itself changes (not when a cached type does: the caches key those).
pub const FORMAT: u16 = 1;

const MAGIC: &[u8; 4] = b"XXGK";
const HEADER: usize = MAGIC.len() + 2;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("written by another version of xxgk ({found}; this one reads postcard format {FORMAT})")]
    OtherFormat { found: String },
    #[error("damaged: {0}")]
    Damaged(#[from] postcard::Error),
    #[error("a record of {0} bytes is larger than a spill record can be")]
    TooLarge(usize),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// `value` with the format header in front.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_le_bytes());
    Ok(postcard::to_extend(value, out)?)
}

/// What [`encode`] wrote; [`Error::OtherFormat`] for bytes of another format.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let body = body(bytes)?;
    Ok(postcard::from_bytes(body)?)
}

fn body(bytes: &[u8]) -> Result<&[u8], Error> {
    match bytes.split_at_checked(HEADER) {
        Some((head, body)) if &head[..4] == MAGIC => {
            let format = u16::from_le_bytes([head[4], head[5]]);
            if format == FORMAT {
                Ok(body)
            } else {
                Err(Error::OtherFormat { found: format!("postcard format {format}") })
            }
        }
        _ => Err(Error::OtherFormat { found: "bincode, before xxgk moved to postcard".into() }),
    }
}

/// `value` without the header, for a value kept inside another that has it (the parse cache keeps
/// each file's entry encoded until the file is looked up).
pub fn encode_nested<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    Ok(postcard::to_allocvec(value)?)
}

/// What [`encode_nested`] wrote.
pub fn decode_nested<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    Ok(postcard::from_bytes(bytes)?)
}

/// A `Vec<u8>` field as one run of bytes (`#[serde(with = "codec::bytes")]`): serde's default
/// takes it as a list of numbers, decoded one at a time.
pub mod bytes {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct Bytes;
        impl serde::de::Visitor<'_> for Bytes {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(v)
            }
        }
        d.deserialize_byte_buf(Bytes)
    }
}

/// Append one length-prefixed record (a spill file holds many, read back with [`read_record`]).
pub fn write_record<T: Serialize + ?Sized>(w: &mut impl Write, value: &T) -> Result<(), Error> {
    let bytes = encode(value)?;
    let len = u32::try_from(bytes.len()).map_err(|_| Error::TooLarge(bytes.len()))?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(&bytes)?;
    Ok(())
}

/// The next record [`write_record`] wrote; `buf` is reused between calls.
pub fn read_record<T: DeserializeOwned>(r: &mut impl Read, buf: &mut Vec<u8>) -> Result<T, Error> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    buf.resize(u32::from_le_bytes(len) as usize, 0);
    r.read_exact(buf)?;
    decode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_records() {
        let v: (u32, Vec<Option<f64>>, String) = (7, vec![Some(1.5), None, Some(-0.25)], "北京".into());
        let bytes = encode(&v).unwrap();
        assert_eq!(&bytes[..4], b"XXGK");
        assert_eq!(decode::<(u32, Vec<Option<f64>>, String)>(&bytes).unwrap(), v);
        let mut file = Vec::new();
        write_record(&mut file, &v).unwrap();
        write_record(&mut file, &(8u32, Vec::<Option<f64>>::new(), String::new())).unwrap();
        let (mut r, mut buf) = (&file[..], Vec::new());
        assert_eq!(read_record::<(u32, Vec<Option<f64>>, String)>(&mut r, &mut buf).unwrap(), v);
        assert_eq!(read_record::<(u32, Vec<Option<f64>>, String)>(&mut r, &mut buf).unwrap().0, 8);
    }

    #[test]
    fn an_older_or_newer_cache_is_another_format_not_data() {
        // What bincode 1.x wrote for a (u64 length-prefixed) string: no header.
        let old = [5u8, 0, 0, 0, 0, 0, 0, 0, b'h', b'e', b'l', b'l', b'o'];
        let e = decode::<String>(&old).unwrap_err();
        assert!(matches!(e, Error::OtherFormat { .. }), "{e}");
        assert!(e.to_string().contains("bincode"), "{e}");
        let mut newer = encode("x").unwrap();
        newer[4] = 9;
        assert!(matches!(decode::<String>(&newer), Err(Error::OtherFormat { .. })));
        let mut cut = encode(&vec![1u32; 10]).unwrap();
        cut.truncate(cut.len() - 3);
        assert!(matches!(decode::<Vec<u32>>(&cut), Err(Error::Damaged(_))));
    }
}
