//! Packing, unpacking and copying the cells of segments between buffers,
//! a run at a time; large writes may use streaming stores.

use super::segment::{walk2, Prepared};
use crate::dtype::Element;

/// How a copy writes its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stores {
    /// Ordinary stores: the target ends up in cache (small copies, or
    /// targets read right after, such as a chunk the peer copies out of
    /// cache).
    Cached,
    /// Streaming stores for contiguous runs of at least `min_run` bytes
    /// (see the `nontemporal` crate): for large targets not read again soon.
    Streaming { min_run: usize },
}

impl Stores {
    /// Streaming stores for runs long enough to gain from them: shorter
    /// runs have too short an aligned middle to pay for the fence.
    pub(crate) const STREAMING: Stores = Stores::Streaming { min_run: 1024 };
}

#[inline]
fn copy_run<T: Element>(
    src: &[T],
    (so, ss): (usize, usize),
    dst: &mut [T],
    (d_o, ds): (usize, usize),
    n: usize,
    stores: Stores,
) {
    if ss == 1 && ds == 1 {
        let (dst, src) = (&mut dst[d_o..d_o + n], &src[so..so + n]);
        let stream = match stores {
            Stores::Streaming { min_run } => std::mem::size_of_val(src) >= min_run,
            Stores::Cached => false,
        };
        if stream {
            // element types whose bytes are all the value (every one but
            // bool) copy as bytes; `le_bytes` borrows for all of them
            if let Some(bytes) = T::le_bytes_mut(dst) {
                nontemporal::copy(bytes, &T::le_bytes(src));
                return;
            }
        }
        dst.copy_from_slice(src);
    } else {
        for i in 0..n {
            dst[d_o + i * ds] = src[so + i * ss];
        }
    }
}

/// Copies the cells of `seg` from `src` into `out` in message order.
pub(crate) fn pack<T: Element>(
    seg: &Prepared,
    src: &[T],
    out: &mut [T],
    pos: &mut Vec<usize>,
    stores: Stores,
) {
    match seg {
        Prepared::Product { buffer, message } => {
            walk2(buffer, message, pos, |so, ss, d_o, ds, n| {
                copy_run(src, (so, ss), out, (d_o, ds), n, stores)
            })
        }
        Prepared::Flat(offsets) => {
            for (o, &k) in out.iter_mut().zip(offsets) {
                *o = src[k];
            }
        }
    }
}

/// Copies `input` (message order) into the cells of `seg` in `dst`.
pub(crate) fn unpack<T: Element>(
    seg: &Prepared,
    input: &[T],
    dst: &mut [T],
    pos: &mut Vec<usize>,
    stores: Stores,
) {
    match seg {
        Prepared::Product { buffer, message } => {
            walk2(message, buffer, pos, |so, ss, d_o, ds, n| {
                copy_run(input, (so, ss), dst, (d_o, ds), n, stores)
            })
        }
        Prepared::Flat(offsets) => {
            for (&x, &k) in input.iter().zip(offsets) {
                dst[k] = x;
            }
        }
    }
}

/// Packs `segments` one after another at the start of `out` (one
/// message's worth); returns the number of cells packed.
pub(crate) fn pack_all<T: Element>(
    segments: &[Prepared],
    src: &[T],
    out: &mut [T],
    pos: &mut Vec<usize>,
    stores: Stores,
) -> usize {
    let mut at = 0;
    for seg in segments {
        let n = seg.len();
        pack(seg, src, &mut out[at..at + n], pos, stores);
        at += n;
    }
    at
}

/// Unpacks one message's worth, `segments` one after another from the
/// start of `input`; returns the number of cells taken.
pub(crate) fn unpack_all<T: Element>(
    segments: &[Prepared],
    input: &[T],
    dst: &mut [T],
    pos: &mut Vec<usize>,
    stores: Stores,
) -> usize {
    let mut at = 0;
    for seg in segments {
        let n = seg.len();
        unpack(seg, &input[at..at + n], dst, pos, stores);
        at += n;
    }
    at
}

/// Copies the cells of `s` in `src` to the cells of `d` in `dst`, matched
/// in message order.
pub(crate) fn copy<T: Element>(
    s: &Prepared,
    src: &[T],
    d: &Prepared,
    dst: &mut [T],
    pos: &mut Vec<usize>,
    stores: Stores,
) {
    match (s, d) {
        (Prepared::Product { buffer: a, .. }, Prepared::Product { buffer: b, .. }) => {
            walk2(a, b, pos, |so, ss, d_o, ds, n| {
                copy_run(src, (so, ss), dst, (d_o, ds), n, stores)
            })
        }
        (Prepared::Flat(a), Prepared::Flat(b)) => {
            for (&x, &y) in a.iter().zip(b) {
                dst[y] = src[x];
            }
        }
        (Prepared::Flat(a), p) => p.for_each_offset(pos, |b, m| dst[b] = src[a[m]]),
        (p, Prepared::Flat(b)) => p.for_each_offset(pos, |a, m| dst[b[m]] = src[a]),
    }
}

/// Like [`copy`] within one buffer (source and target cells are disjoint).
pub(crate) fn copy_within<T: Copy>(
    s: &Prepared,
    d: &Prepared,
    buf: &mut [T],
    pos: &mut Vec<usize>,
) {
    match (s, d) {
        (Prepared::Product { buffer: a, .. }, Prepared::Product { buffer: b, .. }) => {
            walk2(a, b, pos, |so, ss, d_o, ds, n| {
                for i in 0..n {
                    buf[d_o + i * ds] = buf[so + i * ss];
                }
            })
        }
        _ => {
            let mut pairs = Vec::with_capacity(s.len());
            s.for_each_offset(pos, |a, _| pairs.push(a));
            let mut k = 0;
            d.for_each_offset(pos, |b, _| {
                buf[b] = buf[pairs[k]];
                k += 1;
            });
        }
    }
}
