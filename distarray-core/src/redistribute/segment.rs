//! Segments: the cells one message covers, as positions in a local buffer.
//!
//! A [`Segment`] is either the cartesian product of one [`Run`] per buffer
//! axis, visited in a given nesting order (outermost axis first), or an
//! explicit list of flat offsets (used by reshape, whose cells do not factor
//! per axis). Packing, unpacking and direct copies walk segments a run at a
//! time, so contiguous pieces move with `copy_from_slice`.

use crate::dtype::Element;
use std::ops::Range;

/// Positions along one axis: an arithmetic progression, or a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Run {
    /// `start, start + step, ...` (`len` of them).
    Strided {
        start: usize,
        len: usize,
        step: usize,
    },
    /// Arbitrary positions.
    List(Vec<usize>),
}

impl Run {
    /// The most compact run for `positions`.
    pub(crate) fn from_positions(positions: &[usize]) -> Run {
        match positions {
            [] => Run::Strided {
                start: 0,
                len: 0,
                step: 1,
            },
            [a] => Run::Strided {
                start: *a,
                len: 1,
                step: 1,
            },
            [a, b, ..] if b > a => {
                let step = b - a;
                if positions
                    .windows(2)
                    .all(|w| w[1] > w[0] && w[1] - w[0] == step)
                {
                    Run::Strided {
                        start: *a,
                        len: positions.len(),
                        step,
                    }
                } else {
                    Run::List(positions.to_vec())
                }
            }
            _ => Run::List(positions.to_vec()),
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Run::Strided { len, .. } => *len,
            Run::List(v) => v.len(),
        }
    }

    /// Positions `a..b` of this run.
    fn sub(&self, a: usize, b: usize) -> Run {
        match self {
            Run::Strided { start, step, .. } => Run::Strided {
                start: start + a * step,
                len: b - a,
                step: *step,
            },
            Run::List(v) => Run::List(v[a..b].to_vec()),
        }
    }

    #[inline]
    pub(crate) fn at(&self, i: usize) -> usize {
        match self {
            Run::Strided { start, step, .. } => start + i * step,
            Run::List(v) => v[i],
        }
    }

    fn encode(&self, out: &mut Vec<u64>) {
        match self {
            Run::Strided { start, len, step } => {
                out.extend([0, *start as u64, *len as u64, *step as u64])
            }
            Run::List(v) => {
                out.extend([1, v.len() as u64]);
                out.extend(v.iter().map(|&x| x as u64));
            }
        }
    }

    fn decode(input: &mut impl Iterator<Item = u64>) -> Run {
        let mut next = || input.next().expect("well-formed segment encoding") as usize;
        match next() {
            0 => Run::Strided {
                start: next(),
                len: next(),
                step: next(),
            },
            _ => {
                let n = next();
                Run::List((0..n).map(|_| next()).collect())
            }
        }
    }
}

/// The cells of one message in one local buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// `runs[order[0]] x runs[order[1]] x ...`, the last axis of `order` innermost.
    Product { runs: Vec<Run>, order: Vec<usize> },
    /// Flat (C-order) offsets, in message order.
    Flat(Vec<usize>),
}

impl Segment {
    /// Number of cells.
    pub(crate) fn len(&self) -> usize {
        match self {
            Segment::Product { runs, .. } => runs.iter().map(Run::len).product(),
            Segment::Flat(v) => v.len(),
        }
    }

    pub(crate) fn encode(&self, out: &mut Vec<u64>) {
        match self {
            Segment::Product { runs, order } => {
                out.extend([0, runs.len() as u64]);
                out.extend(order.iter().map(|&o| o as u64));
                for r in runs {
                    r.encode(out);
                }
            }
            Segment::Flat(v) => {
                out.extend([1, v.len() as u64]);
                out.extend(v.iter().map(|&x| x as u64));
            }
        }
    }

    pub(crate) fn decode(input: &mut impl Iterator<Item = u64>) -> Segment {
        let tag = input.next().expect("segment tag");
        let n = input.next().expect("segment length") as usize;
        if tag == 0 {
            let order = (0..n).map(|_| input.next().unwrap() as usize).collect();
            let runs = (0..n).map(|_| Run::decode(input)).collect();
            Segment::Product { runs, order }
        } else {
            Segment::Flat((0..n).map(|_| input.next().unwrap() as usize).collect())
        }
    }

    /// The segment cut into consecutive pieces of at most about `max` cells
    /// each, in message order (concatenated, the pieces are the segment).
    /// Cuts fall on the outermost nesting level longer than one; a level
    /// whose single step is longer than `max` is cut further inside.
    pub(crate) fn split(&self, max: usize) -> Vec<Segment> {
        let max = max.max(1);
        if self.len() <= max {
            return vec![self.clone()];
        }
        match self {
            Segment::Flat(v) => v.chunks(max).map(|c| Segment::Flat(c.to_vec())).collect(),
            Segment::Product { runs, order } => {
                let Some(k) = order.iter().position(|&a| runs[a].len() > 1) else {
                    return vec![self.clone()];
                };
                let axis = order[k];
                let inner: usize = order[k + 1..].iter().map(|&a| runs[a].len()).product();
                let per = (max / inner.max(1)).max(1);
                let n = runs[axis].len();
                let mut out = Vec::new();
                for a in (0..n).step_by(per) {
                    let mut piece = runs.clone();
                    piece[axis] = runs[axis].sub(a, (a + per).min(n));
                    let seg = Segment::Product {
                        runs: piece,
                        order: order.clone(),
                    };
                    if per == 1 && inner > max {
                        out.extend(seg.split(max));
                    } else {
                        out.push(seg);
                    }
                }
                out
            }
        }
    }

    /// The flat range this segment covers when it is one contiguous block
    /// of a C-order buffer of `shape`, visited in storage order.
    pub(crate) fn contiguous(&self, shape: &[usize]) -> Option<Range<usize>> {
        let Segment::Product { runs, order } = self else {
            return None;
        };
        if order.iter().enumerate().any(|(i, &o)| i != o) {
            return None;
        }
        let strides = c_strides(shape);
        let mut offset = 0;
        let mut partial_seen = false;
        for a in (0..runs.len()).rev() {
            let Run::Strided { start, len, step } = runs[a] else {
                return None;
            };
            if partial_seen && len > 1 {
                return None;
            }
            if len > 1 && step != 1 {
                return None;
            }
            if len != shape[a] {
                partial_seen = true;
            }
            offset += start * strides[a];
        }
        Some(offset..offset + self.len())
    }
}

pub(crate) fn c_strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// A product segment laid over a buffer: runs, strides and lengths in
/// nesting order (outermost first). Built once per plan, so walking it
/// allocates nothing.
#[derive(Debug, Clone)]
pub(crate) struct Nest {
    runs: Vec<Run>,
    strides: Vec<usize>,
    lens: Vec<usize>,
    /// offset of the levels of length 1, which are left out of the walk (so
    /// two nests that differ only in such levels walk in lockstep)
    base: usize,
    /// when the innermost run is a list with long consecutive stretches:
    /// (first list position, first value, length) of each stretch
    pieces: Option<Vec<(usize, usize, usize)>>,
}

/// The consecutive stretches of a list, when they are long enough to copy
/// as slices (at least four positions on average).
fn stretches(run: &Run) -> Option<Vec<(usize, usize, usize)>> {
    let Run::List(v) = run else { return None };
    let mut out: Vec<(usize, usize, usize)> = Vec::new();
    for (i, &x) in v.iter().enumerate() {
        match out.last_mut() {
            Some(p) if p.1 + p.2 == x => p.2 += 1,
            _ => out.push((i, x, 1)),
        }
    }
    (out.len() * 4 <= v.len()).then_some(out)
}

impl Nest {
    fn over(runs: &[Run], order: &[usize], shape: &[usize]) -> Nest {
        let st = c_strides(shape);
        let mut nest = Nest {
            runs: Vec::new(),
            strides: Vec::new(),
            lens: Vec::new(),
            base: 0,
            pieces: None,
        };
        for &a in order {
            if runs[a].len() == 1 {
                nest.base += runs[a].at(0) * st[a];
            } else {
                nest.runs.push(runs[a].clone());
                nest.strides.push(st[a]);
                nest.lens.push(runs[a].len());
            }
        }
        nest.pieces = nest.runs.last().and_then(stretches);
        nest
    }

    /// The message-order (dense) counterpart of a nest of these lengths.
    fn dense(lens: &[usize]) -> Nest {
        Nest {
            runs: lens
                .iter()
                .map(|&len| Run::Strided {
                    start: 0,
                    len,
                    step: 1,
                })
                .collect(),
            strides: c_strides(lens),
            lens: lens.to_vec(),
            base: 0,
            pieces: None,
        }
    }

    /// The innermost level as stretches of consecutive buffer positions:
    /// (first list position, first value, length), when it is contiguous in
    /// memory (unit stride) and either a unit-step range or a list that
    /// compresses well.
    fn inner_stretches(&self) -> Option<std::borrow::Cow<'_, [(usize, usize, usize)]>> {
        let inner = self.lens.len().checked_sub(1)?;
        if self.strides[inner] != 1 {
            return None;
        }
        match &self.runs[inner] {
            Run::Strided {
                start,
                len,
                step: 1,
            } => Some(std::borrow::Cow::Owned(vec![(0, *start, *len)])),
            Run::Strided { .. } => None,
            Run::List(_) => self.pieces.as_deref().map(std::borrow::Cow::Borrowed),
        }
    }
}

/// A segment prepared for one buffer shape: what plans keep and walk.
#[derive(Debug, Clone)]
pub(crate) enum Prepared {
    /// A product: the nest over the buffer and its dense message-order twin.
    Product { buffer: Nest, message: Nest },
    /// Flat offsets into the buffer, in message order.
    Flat(Vec<usize>),
}

impl Prepared {
    /// Prepares `seg` for a C-order buffer of `shape`.
    pub(crate) fn new(seg: &Segment, shape: &[usize]) -> Prepared {
        match seg {
            Segment::Product { runs, order } => {
                let buffer = Nest::over(runs, order, shape);
                let message = Nest::dense(&buffer.lens);
                Prepared::Product { buffer, message }
            }
            Segment::Flat(v) => Prepared::Flat(v.clone()),
        }
    }

    /// Number of cells.
    pub(crate) fn len(&self) -> usize {
        match self {
            Prepared::Product { message, .. } => message.lens.iter().product(),
            Prepared::Flat(v) => v.len(),
        }
    }

    /// Calls `f(buffer offset, message offset)` for every cell (slow path).
    fn for_each_offset(&self, pos: &mut Vec<usize>, mut f: impl FnMut(usize, usize)) {
        match self {
            Prepared::Product { buffer, message } => {
                walk2(buffer, message, pos, |bo, bs, mo, ms, n| {
                    for i in 0..n {
                        f(bo + i * bs, mo + i * ms);
                    }
                })
            }
            Prepared::Flat(v) => v.iter().enumerate().for_each(|(m, &b)| f(b, m)),
        }
    }
}

/// Calls `f(offset_a, step_a, offset_b, step_b, n)` for each innermost run
/// of two nests walked in lockstep (their lengths must agree). `pos` is
/// scratch (no allocation when its capacity suffices).
fn walk2(
    a: &Nest,
    b: &Nest,
    pos: &mut Vec<usize>,
    mut f: impl FnMut(usize, usize, usize, usize, usize),
) {
    let d = a.lens.len();
    debug_assert_eq!(a.lens, b.lens);
    if d == 0 {
        f(a.base, 1, b.base, 1, 1);
        return;
    }
    if a.lens.contains(&0) {
        return;
    }
    let inner = d - 1;
    let (ra, rb) = (&a.runs[inner], &b.runs[inner]);
    let inner_step = |r: &Run, stride: usize| match r {
        Run::Strided { step, .. } => Some(step * stride),
        Run::List(_) => None,
    };
    let (sa, sb) = (
        inner_step(ra, a.strides[inner]),
        inner_step(rb, b.strides[inner]),
    );
    // lists of consecutive stretches on both sides: copy slice by slice
    let joint = match (&sa, &sb) {
        (Some(_), Some(_)) => None,
        _ => a.inner_stretches().zip(b.inner_stretches()),
    };
    pos.clear();
    pos.resize(inner, 0);
    loop {
        let base_a: usize = a.base
            + (0..inner)
                .map(|i| a.runs[i].at(pos[i]) * a.strides[i])
                .sum::<usize>();
        let base_b: usize = b.base
            + (0..inner)
                .map(|i| b.runs[i].at(pos[i]) * b.strides[i])
                .sum::<usize>();
        if let Some((pa, pb)) = &joint {
            let (mut i, mut x, mut y) = (0usize, 0usize, 0usize);
            let n = a.lens[inner];
            while i < n {
                while pa[x].0 + pa[x].2 <= i {
                    x += 1;
                }
                while pb[y].0 + pb[y].2 <= i {
                    y += 1;
                }
                let len = (pa[x].0 + pa[x].2).min(pb[y].0 + pb[y].2) - i;
                f(
                    base_a + pa[x].1 + (i - pa[x].0),
                    1,
                    base_b + pb[y].1 + (i - pb[y].0),
                    1,
                    len,
                );
                i += len;
            }
        } else {
            match (sa, sb) {
                (Some(sa), Some(sb)) => f(
                    base_a + ra.at(0) * a.strides[inner],
                    sa,
                    base_b + rb.at(0) * b.strides[inner],
                    sb,
                    a.lens[inner],
                ),
                _ => {
                    for i in 0..a.lens[inner] {
                        f(
                            base_a + ra.at(i) * a.strides[inner],
                            1,
                            base_b + rb.at(i) * b.strides[inner],
                            1,
                            1,
                        );
                    }
                }
            }
        }
        let mut i = inner;
        loop {
            if i == 0 {
                return;
            }
            i -= 1;
            pos[i] += 1;
            if pos[i] < a.lens[i] {
                break;
            }
            pos[i] = 0;
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_compress() {
        assert_eq!(
            Run::from_positions(&[3, 4, 5]),
            Run::Strided {
                start: 3,
                len: 3,
                step: 1
            }
        );
        assert_eq!(
            Run::from_positions(&[1, 4, 7]),
            Run::Strided {
                start: 1,
                len: 3,
                step: 3
            }
        );
        assert_eq!(Run::from_positions(&[4, 1]), Run::List(vec![4, 1]));
    }

    #[test]
    fn pack_unpack_transposed() {
        // 2x3 buffer, take rows 0..2 x cols {0, 2}, nested column-major
        let src: Vec<i32> = (0..6).collect();
        let seg = Segment::Product {
            runs: vec![Run::from_positions(&[0, 1]), Run::from_positions(&[0, 2])],
            order: vec![1, 0],
        };
        let prep = Prepared::new(&seg, &[2, 3]);
        let mut pos = Vec::new();
        let mut out = vec![0; 4];
        pack(&prep, &src, &mut out, &mut pos, Stores::Cached);
        assert_eq!(out, vec![0, 3, 2, 5]);
        let mut back = vec![-1; 6];
        unpack(&prep, &out, &mut back, &mut pos, Stores::Cached);
        assert_eq!(back, vec![0, -1, 2, 3, -1, 5]);
    }

    #[test]
    fn split_pieces_concatenate_to_the_segment() {
        // 4 x 6 buffer; rows {0, 2, 3} x cols 1..5, nested column-major
        let shape = [4, 6];
        let seg = Segment::Product {
            runs: vec![
                Run::List(vec![0, 2, 3]),
                Run::Strided {
                    start: 1,
                    len: 4,
                    step: 1,
                },
            ],
            order: vec![1, 0],
        };
        let src: Vec<i32> = (0..24).collect();
        let mut pos = Vec::new();
        let mut whole = vec![0; seg.len()];
        pack(
            &Prepared::new(&seg, &shape),
            &src,
            &mut whole,
            &mut pos,
            Stores::Cached,
        );
        for max in [1, 2, 3, 5, 12, 100] {
            let pieces = seg.split(max);
            assert!(pieces.iter().all(|p| p.len() <= max.max(3)), "max {max}");
            let mut joined = Vec::new();
            for p in &pieces {
                let mut out = vec![0; p.len()];
                pack(
                    &Prepared::new(p, &shape),
                    &src,
                    &mut out,
                    &mut pos,
                    Stores::Cached,
                );
                joined.extend(out);
            }
            assert_eq!(joined, whole, "pieces of at most {max}");
        }
        // an outer level of one position is skipped; flat offsets split too
        let row = Segment::Product {
            runs: vec![
                Run::Strided {
                    start: 2,
                    len: 1,
                    step: 1,
                },
                Run::Strided {
                    start: 0,
                    len: 6,
                    step: 1,
                },
            ],
            order: vec![0, 1],
        };
        assert_eq!(
            row.split(4).iter().map(Segment::len).collect::<Vec<_>>(),
            vec![4, 2]
        );
        let flat = Segment::Flat(vec![5, 1, 7, 3, 2]);
        assert_eq!(
            flat.split(2),
            vec![
                Segment::Flat(vec![5, 1]),
                Segment::Flat(vec![7, 3]),
                Segment::Flat(vec![2])
            ]
        );
    }

    #[test]
    fn contiguity() {
        let full = |n| Run::Strided {
            start: 0,
            len: n,
            step: 1,
        };
        let seg = Segment::Product {
            runs: vec![
                Run::Strided {
                    start: 1,
                    len: 2,
                    step: 1,
                },
                full(4),
            ],
            order: vec![0, 1],
        };
        assert_eq!(seg.contiguous(&[5, 4]), Some(4..12));
        let seg = Segment::Product {
            runs: vec![
                full(5),
                Run::Strided {
                    start: 0,
                    len: 2,
                    step: 1,
                },
            ],
            order: vec![0, 1],
        };
        assert_eq!(seg.contiguous(&[5, 4]), None);
        let mut enc = Vec::new();
        seg.encode(&mut enc);
        assert_eq!(Segment::decode(&mut enc.into_iter()), seg);
    }
}

#[cfg(test)]
mod fixed_axis_tests {
    use super::*;

    #[test]
    fn a_fixed_row_copies_from_its_offset() {
        let src: Vec<i32> = (0..35).collect();
        let s = Segment::Product {
            runs: vec![
                Run::from_positions(&[6]),
                Run::from_positions(&[0, 1, 2, 3, 4]),
            ],
            order: vec![0, 1],
        };
        let d = Segment::Product {
            runs: vec![Run::from_positions(&[0, 1, 2, 3, 4])],
            order: vec![0],
        };
        let (ps, pd) = (Prepared::new(&s, &[7, 5]), Prepared::new(&d, &[5]));
        let mut out = vec![0; 5];
        copy(&ps, &src, &pd, &mut out, &mut Vec::new(), Stores::Cached);
        assert_eq!(out, vec![30, 31, 32, 33, 34]);
    }
}

#[cfg(test)]
mod stretch_tests {
    use super::*;

    #[test]
    fn lists_of_stretches_copy_slice_by_slice() {
        // source positions in stretches [10..16) [30..36) [2..8), target [0..6) [50..56) [20..26)
        let s: Vec<usize> = (10..16).chain(30..36).chain(2..8).collect();
        let d: Vec<usize> = (0..6).chain(50..56).chain(20..26).collect();
        let (ss, dd) = (
            Segment::Product {
                runs: vec![Run::from_positions(&s)],
                order: vec![0],
            },
            Segment::Product {
                runs: vec![Run::from_positions(&d)],
                order: vec![0],
            },
        );
        let (ps, pd) = (Prepared::new(&ss, &[60]), Prepared::new(&dd, &[60]));
        let src: Vec<i32> = (0..60).collect();
        let mut dst = vec![-1; 60];
        copy(&ps, &src, &pd, &mut dst, &mut Vec::new(), Stores::Cached);
        for (k, (&a, &b)) in s.iter().zip(&d).enumerate() {
            assert_eq!(dst[b], a as i32, "pair {k}");
        }
        assert_eq!(dst.iter().filter(|&&x| x >= 0).count(), 18);
        let mut packed = vec![0; 18];
        pack(&ps, &src, &mut packed, &mut Vec::new(), Stores::Cached);
        assert_eq!(packed, s.iter().map(|&x| x as i32).collect::<Vec<_>>());
    }
}

#[cfg(test)]
mod streaming_tests {
    use super::*;

    /// Rows `1..4` and columns `3..303` of a 5 x 310 buffer into a 3 x 300
    /// one: three runs of 300 elements, long enough to stream.
    fn copy_block<T: Element>(value: impl Fn(usize) -> T, stores: Stores) -> Vec<T> {
        let s = Segment::Product {
            runs: vec![
                Run::from_positions(&[1, 2, 3]),
                Run::from_positions(&(3..303).collect::<Vec<_>>()),
            ],
            order: vec![0, 1],
        };
        let d = Segment::Product {
            runs: vec![
                Run::from_positions(&[0, 1, 2]),
                Run::from_positions(&(0..300).collect::<Vec<_>>()),
            ],
            order: vec![0, 1],
        };
        let (ps, pd) = (Prepared::new(&s, &[5, 310]), Prepared::new(&d, &[3, 300]));
        let src: Vec<T> = (0..5 * 310).map(&value).collect();
        let mut dst = vec![T::default(); 900];
        copy(&ps, &src, &pd, &mut dst, &mut Vec::new(), stores);
        let mut back = vec![T::default(); 900];
        unpack(&pd, &dst, &mut back, &mut Vec::new(), stores);
        assert_eq!(back, dst, "unpack into the same cells");
        dst
    }

    #[test]
    fn streaming_stores_copy_the_same_cells() {
        let every_run = Stores::Streaming { min_run: 0 };
        for stores in [Stores::Cached, Stores::STREAMING, every_run] {
            let got = copy_block(|i| i as f64 + 0.5, stores);
            for (r, row) in got.chunks(300).enumerate() {
                for (c, &x) in row.iter().enumerate() {
                    assert_eq!(
                        x,
                        ((r + 1) * 310 + c + 3) as f64 + 0.5,
                        "{stores:?} ({r}, {c})"
                    );
                }
            }
            // bool has no plain bytes to stream: the ordinary copy serves
            let flags = copy_block(|i| i % 3 == 0, stores);
            assert_eq!(flags, copy_block(|i| i % 3 == 0, Stores::Cached));
            assert_eq!(flags[0], (310 + 3) % 3 == 0);
        }
    }
}
