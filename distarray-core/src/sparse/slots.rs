//! This rank's rows while a builder fills them: one slot of room per row,
//! entries appended in the order they come, sorted and combined only once,
//! at the end, in place.
//!
//! Why this shape: a row's entries arrive a few at a time and mostly in
//! order, so appending to a slot sized from the caller's hint is a couple
//! of stores per entry; entries that do not fit wait in a list and get room
//! all at once (one pass that moves every row to exact room). The final
//! pass sorts each row's few columns (insertion sort: stable, and linear
//! when they came in order), combines duplicates and compacts the rows
//! forward into CSR in the same memory.

use super::CsrRows;

/// Entries for rows, in the order they came: (row, column, value) lists.
#[derive(Debug, Clone, Default)]
pub(crate) struct Triplets<T> {
    pub(crate) rows: Vec<usize>,
    pub(crate) cols: Vec<usize>,
    pub(crate) vals: Vec<T>,
}

impl<T> Triplets<T> {
    #[inline]
    pub(crate) fn push(&mut self, row: usize, col: usize, val: T) {
        self.rows.push(row);
        self.cols.push(col);
        self.vals.push(val);
    }

    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }
}

/// Rows longer than this are sorted through a scratch buffer rather than
/// by insertion.
const INSERTION_MAX: usize = 32;

/// Per-row slots: row `r`'s room is `start[r] .. start[r + 1]`, filled up
/// to `next[r]`.
#[derive(Debug, Clone)]
pub(crate) struct Slots<T> {
    start: Vec<usize>,
    next: Vec<usize>,
    cols: Vec<usize>,
    vals: Vec<T>,
}

impl<T: Copy + Default> Slots<T> {
    /// `nrows` rows with no room yet.
    pub(crate) fn new(nrows: usize) -> Slots<T> {
        Slots {
            start: vec![0; nrows + 1],
            next: vec![0; nrows],
            cols: Vec::new(),
            vals: Vec::new(),
        }
    }

    /// Number of rows.
    pub(crate) fn nrows(&self) -> usize {
        self.next.len()
    }

    /// Entries held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.next.iter().zip(&self.start).map(|(n, s)| n - s).sum()
    }

    /// Appends an entry to row `r` if its slot has room; false otherwise.
    #[inline]
    pub(crate) fn try_push(&mut self, r: usize, col: usize, val: T) -> bool {
        let at = self.next[r];
        if at < self.start[r + 1] {
            self.cols[at] = col;
            self.vals[at] = val;
            self.next[r] = at + 1;
            true
        } else {
            false
        }
    }

    /// Room for at least `per_row` entries in every row (entries held stay).
    pub(crate) fn reserve(&mut self, per_row: usize) {
        if self.start.windows(2).all(|w| w[1] - w[0] >= per_row) {
            return;
        }
        self.relayout(|_, room, _| room.max(per_row));
    }

    /// Moves every row to room `room(r, current room, entries held)`
    /// (never fewer than it holds).
    fn relayout(&mut self, room: impl Fn(usize, usize, usize) -> usize) {
        let n = self.nrows();
        let mut start = Vec::with_capacity(n + 1);
        let mut at = 0;
        for r in 0..n {
            start.push(at);
            let held = self.next[r] - self.start[r];
            at += room(r, self.start[r + 1] - self.start[r], held).max(held);
        }
        start.push(at);
        let mut cols = vec![0usize; at];
        let mut vals = vec![T::default(); at];
        for ((next, &s), &d) in self.next.iter_mut().zip(&self.start).zip(&start) {
            let e = *next;
            cols[d..d + e - s].copy_from_slice(&self.cols[s..e]);
            vals[d..d + e - s].copy_from_slice(&self.vals[s..e]);
            *next = d + e - s;
        }
        (self.start, self.cols, self.vals) = (start, cols, vals);
    }

    /// Appends the entries (`rows` are local row numbers), in order, making
    /// room once for those that do not fit.
    pub(crate) fn place(&mut self, more: &Triplets<T>) {
        let n = more.len();
        let mut i = 0;
        while i < n && self.try_push(more.rows[i], more.cols[i], more.vals[i]) {
            i += 1;
        }
        if i == n {
            return;
        }
        let mut extra = vec![0usize; self.nrows()];
        for &r in &more.rows[i..] {
            extra[r] += 1;
        }
        self.relayout(|r, _, held| held + extra[r]);
        for k in i..n {
            let placed = self.try_push(more.rows[k], more.cols[k], more.vals[k]);
            debug_assert!(placed, "room was made for every entry");
        }
    }

    /// The rows in CSR form: each row's entries sorted by column (stably:
    /// entries with one column stay in the order they came) and entries
    /// with the same column combined, `combine(earlier, later)`, left to
    /// right. In place: no second copy of the entries.
    pub(crate) fn into_csr(
        self,
        first_row: usize,
        ncols: usize,
        combine: impl Fn(T, T) -> T,
    ) -> CsrRows<T> {
        let Slots {
            mut start,
            next,
            mut cols,
            mut vals,
        } = self;
        let n = next.len();
        let mut scratch: Vec<(usize, T)> = Vec::new();
        let mut w = 0;
        for r in 0..n {
            let (s, e) = (start[r], next[r]);
            start[r] = w; // read before: s >= w, so compaction moves forward
            sort_row(&mut cols[s..e], &mut vals[s..e], &mut scratch);
            let mut k = s;
            while k < e {
                let c = cols[k];
                let mut v = vals[k];
                k += 1;
                while k < e && cols[k] == c {
                    v = combine(v, vals[k]);
                    k += 1;
                }
                cols[w] = c;
                vals[w] = v;
                w += 1;
            }
        }
        start[n] = w;
        cols.truncate(w);
        vals.truncate(w);
        cols.shrink_to_fit();
        vals.shrink_to_fit();
        CsrRows {
            first_row,
            ncols,
            row_ptr: start,
            cols,
            vals,
        }
    }
}

/// Sorts one row's entries by column, stably.
fn sort_row<T: Copy>(cols: &mut [usize], vals: &mut [T], scratch: &mut Vec<(usize, T)>) {
    if cols.len() <= INSERTION_MAX {
        for i in 1..cols.len() {
            let (c, v) = (cols[i], vals[i]);
            let mut j = i;
            while j > 0 && cols[j - 1] > c {
                cols[j] = cols[j - 1];
                vals[j] = vals[j - 1];
                j -= 1;
            }
            cols[j] = c;
            vals[j] = v;
        }
        return;
    }
    if cols.windows(2).all(|w| w[0] <= w[1]) {
        return;
    }
    scratch.clear();
    scratch.extend(cols.iter().copied().zip(vals.iter().copied()));
    scratch.sort_by_key(|&(c, _)| c); // stable
    for (k, &(c, v)) in scratch.iter().enumerate() {
        cols[k] = c;
        vals[k] = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The CSR rows a plain map gives for `entries` (row, col, value),
    /// combined in order.
    fn reference(
        nrows: usize,
        entries: &[(usize, usize, i64)],
        combine: fn(i64, i64) -> i64,
    ) -> CsrRows<i64> {
        let mut m: BTreeMap<(usize, usize), i64> = BTreeMap::new();
        for &(r, c, v) in entries {
            m.entry((r, c))
                .and_modify(|x| *x = combine(*x, v))
                .or_insert(v);
        }
        let mut out = CsrRows {
            first_row: 0,
            ncols: 100,
            row_ptr: vec![0],
            cols: vec![],
            vals: vec![],
        };
        for r in 0..nrows {
            for (&(_, c), &v) in m.range((r, 0)..(r + 1, 0)) {
                out.cols.push(c);
                out.vals.push(v);
            }
            out.row_ptr.push(out.cols.len());
        }
        out
    }

    fn built(
        nrows: usize,
        room: usize,
        entries: &[(usize, usize, i64)],
        combine: fn(i64, i64) -> i64,
    ) -> CsrRows<i64> {
        let mut s = Slots::new(nrows);
        s.reserve(room);
        let mut over = Triplets::default();
        for &(r, c, v) in entries {
            if !s.try_push(r, c, v) {
                over.push(r, c, v);
            }
        }
        s.place(&over);
        assert_eq!(s.len(), entries.len());
        s.into_csr(0, 100, combine)
    }

    #[test]
    fn sorts_combines_and_compacts_with_any_room() {
        let entries = [
            (2, 5, 1),
            (0, 3, 2),
            (2, 1, 3),
            (2, 5, 4),
            (0, 3, 5),
            (3, 0, 6),
            (2, 5, 7),
            (0, 0, 8),
        ];
        let add = |a, b| a + b;
        let last = |_, b| b;
        for room in [0, 1, 2, 5] {
            assert_eq!(built(4, room, &entries, add), reference(4, &entries, add));
            assert_eq!(built(4, room, &entries, last), reference(4, &entries, last));
        }
        let a = built(4, 2, &entries, add);
        assert_eq!(a.row_ptr, [0, 2, 2, 4, 5]);
        assert_eq!(a.row(2), (&[1, 5][..], &[3, 12][..]));
        let b = built(4, 2, &entries, last);
        assert_eq!(b.row(0), (&[0, 3][..], &[8, 5][..])); // the later 3 wins
    }

    #[test]
    fn long_rows_sort_stably() {
        // 100 entries in one row, columns descending with repeats
        let entries: Vec<(usize, usize, i64)> =
            (0..100).map(|k| (0, (99 - k) / 3, k as i64)).collect();
        let last = |_, b| b;
        let add = |a, b| a + b;
        assert_eq!(built(1, 0, &entries, last), reference(1, &entries, last));
        assert_eq!(built(1, 7, &entries, add), reference(1, &entries, add));
    }

    #[test]
    fn empty_rows_and_no_rows() {
        let add = |a, b| a + b;
        let a = built(3, 4, &[], add);
        assert_eq!(a.row_ptr, [0, 0, 0, 0]);
        let b = built(0, 4, &[], add);
        assert_eq!((b.local_rows(), b.row_ptr), (0, vec![0]));
    }

    #[test]
    fn reserve_keeps_what_rows_hold() {
        let mut s = Slots::new(2);
        s.reserve(1);
        assert!(s.try_push(1, 4, 1.5));
        assert!(!s.try_push(1, 2, 2.5));
        s.reserve(3);
        assert!(s.try_push(1, 2, 2.5));
        let a = s.into_csr(7, 5, |a, b| a + b);
        assert_eq!(a.row_ptr, [0, 0, 2]);
        assert_eq!((a.first_row, a.row(1)), (7, (&[2, 4][..], &[2.5, 1.5][..])));
    }

    proptest::proptest! {
        #[test]
        fn any_entries_match_a_map(
            nrows in 1usize..8,
            room in 0usize..6,
            raw in proptest::collection::vec((0usize..8, 0usize..10, -5i64..5), 0..80),
            insert in proptest::bool::ANY,
        ) {
            let entries: Vec<_> = raw.into_iter().map(|(r, c, v)| (r % nrows, c, v)).collect();
            let f: fn(i64, i64) -> i64 = if insert { |_, b| b } else { |a, b| a + b };
            proptest::prop_assert_eq!(built(nrows, room, &entries, f), reference(nrows, &entries, f));
        }
    }
}
