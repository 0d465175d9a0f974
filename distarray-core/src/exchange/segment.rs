//! Segments: the cells one message covers, as positions in a local buffer.
//!
//! A [`Segment`] is either the cartesian product of one [`Run`] per buffer
//! axis, visited in a given nesting order (outermost axis first), or an
//! explicit list of flat offsets (used by reshape, whose cells do not factor
//! per axis). Packing, unpacking and direct copies walk segments a run at a
//! time, so contiguous pieces move with `copy_from_slice`.

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
    /// Heap bytes this run holds.
    fn heap_bytes(&self) -> usize {
        match self {
            Run::List(v) => v.capacity() * std::mem::size_of::<usize>(),
            Run::Strided { .. } => 0,
        }
    }

    /// No positions.
    pub(crate) fn empty() -> Run {
        Run::Strided {
            start: 0,
            len: 0,
            step: 1,
        }
    }

    /// Appends a position, keeping the most compact form (the same run as
    /// [`Run::from_positions`] of all the positions pushed): an arithmetic
    /// progression stays three numbers however long it grows.
    pub(crate) fn push(&mut self, x: usize) {
        match self {
            Run::Strided { start, len, step } => {
                if *len == 0 {
                    (*start, *len, *step) = (x, 1, 1);
                } else if *len == 1 && x > *start {
                    (*len, *step) = (2, x - *start);
                } else if *len >= 2 && x == *start + *len * *step {
                    *len += 1;
                } else {
                    let mut v: Vec<usize> = (0..*len).map(|i| *start + i * *step).collect();
                    v.push(x);
                    *self = Run::List(v);
                }
            }
            Run::List(v) => v.push(x),
        }
    }

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

impl Nest {
    /// Heap bytes this nest holds.
    fn heap_bytes(&self) -> usize {
        let w = std::mem::size_of::<usize>();
        self.runs.iter().map(Run::heap_bytes).sum::<usize>()
            + self.runs.capacity() * std::mem::size_of::<Run>()
            + (self.strides.capacity() + self.lens.capacity()) * w
            + self.pieces.as_ref().map_or(0, |p| p.capacity() * 3 * w)
    }
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
    fn inner_stretches(&self) -> Option<Stretches<'_>> {
        let inner = self.lens.len().checked_sub(1)?;
        if self.strides[inner] != 1 {
            return None;
        }
        match &self.runs[inner] {
            Run::Strided {
                start,
                len,
                step: 1,
            } => Some(Stretches::One([(0, *start, *len)])),
            Run::Strided { .. } => None,
            Run::List(_) => self.pieces.as_deref().map(Stretches::Many),
        }
    }
}

/// Stretches of consecutive positions (see `Nest::inner_stretches`): one
/// held inline (so walking a plan allocates nothing) or a nest's list.
enum Stretches<'a> {
    One([(usize, usize, usize); 1]),
    Many(&'a [(usize, usize, usize)]),
}

impl std::ops::Deref for Stretches<'_> {
    type Target = [(usize, usize, usize)];
    fn deref(&self) -> &Self::Target {
        match self {
            Stretches::One(s) => s,
            Stretches::Many(s) => s,
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
    /// Heap bytes this prepared segment holds.
    pub(crate) fn heap_bytes(&self) -> usize {
        let w = std::mem::size_of::<usize>();
        match self {
            Prepared::Flat(v) => v.capacity() * w,
            Prepared::Product { buffer, message } => buffer.heap_bytes() + message.heap_bytes(),
        }
    }

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
    pub(super) fn for_each_offset(&self, pos: &mut Vec<usize>, mut f: impl FnMut(usize, usize)) {
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
pub(super) fn walk2(
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

#[cfg(test)]
#[path = "segment_tests.rs"]
mod tests;
