//! The `.npy` format (version 1.0), written exactly as NumPy 1.23 writes it,
//! and element bytes (little-endian).

use super::pyliteral::{parse, Py};
use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use std::borrow::Cow;

#[cfg(target_endian = "big")]
compile_error!("distarray's file formats assume a little-endian host");

/// The `.npy` magic.
pub const NPY_MAGIC: &[u8; 6] = b"\x93NUMPY";

/// What an `.npy` header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpyHeader {
    /// Element type.
    pub dtype: DType,
    /// Whether the data is in Fortran (column-major) order.
    pub fortran_order: bool,
    /// The array's shape.
    pub shape: Vec<usize>,
}

impl NpyHeader {
    /// The complete header bytes (magic, version, length, dict, padding),
    /// byte-identical to `numpy.save` of NumPy 1.23.
    pub fn to_bytes(&self) -> Vec<u8> {
        let shape = Py::Tuple(self.shape.iter().map(|&n| Py::Int(n as i64)).collect());
        let mut text = format!(
            "{{'descr': {}, 'fortran_order': {}, 'shape': {}, }}",
            Py::Str(self.dtype.npy_descr().into()).repr(),
            Py::Bool(self.fortran_order).repr(),
            shape.repr()
        );
        // NumPy leaves room to grow the first (C) / last (Fortran) axis in place
        if !self.shape.is_empty() {
            let axis = if self.fortran_order {
                self.shape.len() - 1
            } else {
                0
            };
            let digits = self.shape[axis].to_string().len();
            text.push_str(&" ".repeat(21usize.saturating_sub(digits)));
        }
        let hlen = text.len() + 1;
        let pad = 64 - (10 + hlen) % 64;
        let mut out = Vec::with_capacity(10 + hlen + pad);
        out.extend_from_slice(NPY_MAGIC);
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&((hlen + pad) as u16).to_le_bytes());
        out.extend_from_slice(text.as_bytes());
        out.extend(std::iter::repeat_n(b' ', pad));
        out.push(b'\n');
        out
    }

    /// Reads a header from the start of `bytes`; returns it and the data offset.
    pub fn parse(bytes: &[u8], what: &str) -> Result<(NpyHeader, usize)> {
        let bad = |why: String| Error::Io {
            path: what.into(),
            detail: why,
        };
        if bytes.len() < 10 || &bytes[..6] != NPY_MAGIC {
            return Err(bad("not an .npy stream (bad magic)".into()));
        }
        let (major, hstart, hlen) = match bytes[6] {
            1 => (1, 10, u16::from_le_bytes([bytes[8], bytes[9]]) as usize),
            2 | 3 if bytes.len() >= 12 => (
                bytes[6],
                12,
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            ),
            v => return Err(bad(format!("unsupported .npy version {v}"))),
        };
        let _ = major;
        let end = hstart + hlen;
        if bytes.len() < end {
            return Err(bad(format!(
                "truncated header: needs {end} bytes, have {}",
                bytes.len()
            )));
        }
        let text = std::str::from_utf8(&bytes[hstart..end]).map_err(|e| bad(e.to_string()))?;
        let dict = parse(text).map_err(|e| bad(format!("header is not a Python literal: {e}")))?;
        let descr = match dict.get("descr") {
            Some(Py::Str(s)) => s.clone(),
            _ => return Err(bad("header has no 'descr'".into())),
        };
        let dtype = DType::ALL
            .into_iter()
            .find(|d| {
                d.npy_descr() == descr
                    || (descr == "|u1" && *d == DType::U8)
                    || (descr == "<u1" && *d == DType::U8)
            })
            .ok_or_else(|| bad(format!("unsupported dtype descr {descr:?}")))?;
        let fortran_order = match dict.get("fortran_order") {
            Some(Py::Bool(b)) => *b,
            _ => return Err(bad("header has no boolean 'fortran_order'".into())),
        };
        let shape = dict
            .get("shape")
            .and_then(Py::items)
            .and_then(|v| {
                v.iter()
                    .map(|x| x.int().and_then(|i| usize::try_from(i).ok()))
                    .collect::<Option<Vec<_>>>()
            })
            .ok_or_else(|| bad("header has no 'shape' tuple of sizes".into()))?;
        // the data's size must be a number of bytes this machine can hold
        let bytes = shape
            .iter()
            .try_fold(dtype.itemsize(), |acc, &n| acc.checked_mul(n));
        if bytes.is_none_or(|b| b > isize::MAX as usize) {
            return Err(bad(format!(
                "shape {shape:?} of {descr} holds more bytes than any file or memory can"
            )));
        }
        Ok((
            NpyHeader {
                dtype,
                fortran_order,
                shape,
            },
            end,
        ))
    }

    /// Bytes of data the header announces.
    pub fn data_len(&self) -> usize {
        self.shape.iter().product::<usize>() * self.dtype.itemsize()
    }
}

/// Elements as little-endian bytes (no copy except for `bool`).
pub fn to_bytes<T: Element>(data: &[T]) -> Cow<'_, [u8]> {
    T::le_bytes(data)
}

/// Fills `out` from little-endian bytes; `bool` bytes must be 0 or 1.
pub fn from_bytes<T: Element>(bytes: &[u8], out: &mut [T], what: &str) -> Result<()> {
    if bytes.len() != out.len() * T::DTYPE.itemsize() {
        return Err(Error::Io {
            path: what.into(),
            detail: format!(
                "{} bytes for {} elements of {}",
                bytes.len(),
                out.len(),
                T::DTYPE
            ),
        });
    }
    T::fill_from_le(bytes, out).map_err(|detail| Error::Io {
        path: what.into(),
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw_header(dict: &str) -> Vec<u8> {
        let mut b = NPY_MAGIC.to_vec();
        b.extend([1u8, 0]);
        b.extend((dict.len() as u16).to_le_bytes());
        b.extend(dict.as_bytes());
        b
    }

    #[test]
    fn shapes_larger_than_memory_are_refused_not_multiplied() {
        for shape in [
            "(1099511627776, 1099511627776)",
            "(9223372036854775807, 2)",
            "(4611686018427387904,)",
        ] {
            let h = raw_header(&format!(
                "{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}\n"
            ));
            let err = NpyHeader::parse(&h, "crafted").expect_err(shape);
            assert!(err.to_string().contains("more bytes than"), "{err}");
        }
        let nested = raw_header(&format!(
            "{{'descr': '<f8', 'shape': {}}}",
            "(".repeat(5000)
        ));
        assert!(NpyHeader::parse(&nested, "nested").is_err());
        let fine = raw_header("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 0), }\n");
        assert_eq!(NpyHeader::parse(&fine, "fine").unwrap().0.data_len(), 0);
    }

    #[test]
    fn header_matches_numpy() {
        let h = NpyHeader {
            dtype: DType::C128,
            fortran_order: false,
            shape: vec![4],
        };
        let b = h.to_bytes();
        assert_eq!(b.len(), 128);
        assert_eq!(u16::from_le_bytes([b[8], b[9]]), 118);
        assert!(std::str::from_utf8(&b[10..])
            .unwrap()
            .starts_with("{'descr': '<c16', 'fortran_order': False, 'shape': (4,), }"));
        let (back, off) = NpyHeader::parse(&b, "x").unwrap();
        assert_eq!((back, off), (h, 128));
    }
}
