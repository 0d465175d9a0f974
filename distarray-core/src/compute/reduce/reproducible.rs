//! The reproducible sum: the same bits for any number of ranks and any
//! distribution (the pre-rounding method of Demmel and Nguyen).

use super::agreed_reducible;
use crate::array::DistArrayBase;
use crate::comm::Comm;
use crate::compute::ufunc::FloatElement;
use crate::dtype::Element;
use crate::error::Result;
use mpi::collective::SystemOperation;
use mpi::traits::*;
use ndarray::Data;

impl<T: FloatElement, S: Data<Elem = T>> DistArrayBase<S> {
    /// The sum with the same bits for any number of ranks and any
    /// distribution. Every cell is split onto fixed binary grids (bins of
    /// 32 bits) chosen by the largest magnitude, and sums of grid multiples
    /// are exact, so their order does not matter (the pre-rounding method
    /// of Demmel and Nguyen, as in ReproBLAS). One pass over memory: each
    /// block of cells sets the window of bins by its own largest magnitude,
    /// and bins that a later, larger block pushes out of the window are
    /// dropped with everything carried out of them, as if the final window
    /// had been used from the start. Each cell is kept to about 2^-64 of
    /// the largest magnitude. Arrays beyond the bins' range (a cell above
    /// 2^900 or not finite, or every cell below 2^-801) take the two-pass method
    /// ([`reproducible_sum_two_pass`]).
    /// Collective.
    pub fn sum_reproducible(&self) -> Result<f64> {
        agreed_reducible(self.layout())?;
        let comm = self.layout().comm();
        let owned = self.owned();
        let values: Vec<f64>;
        let slice: &[f64] = match (owned.as_slice(), T::DTYPE) {
            (Some(s), crate::DType::F64) => f64_slice(s),
            _ => {
                values = owned.iter().map(|x| x.to_f64().unwrap()).collect();
                &values
            }
        };
        reproducible_sum(comm, slice, self.layout().global_len())
    }
}

fn f64_slice<T: Element>(s: &[T]) -> &[f64] {
    let bytes = T::le_bytes(s);
    match bytes {
        std::borrow::Cow::Borrowed(b) => bytemuck::cast_slice(b),
        std::borrow::Cow::Owned(_) => unreachable!("f64 is plain data"),
    }
}

/// Largest finite magnitude (lane-wise), and whether any cell is not finite
/// (`x * 0` is NaN exactly for those). Compiled for the best SIMD level the
/// processor has, chosen at run time.
#[multiversion::multiversion(targets("x86_64+avx2+fma", "x86_64+avx", "x86_64+sse4.1"))]
fn max_abs_and_poison(x: &[f64]) -> (f64, bool) {
    let mut lanes = [0.0f64; 8];
    let mut poison = [0.0f64; 8];
    let chunks = x.chunks_exact(8);
    let tail = chunks.remainder();
    for c in chunks {
        for i in 0..8 {
            lanes[i] = lanes[i].max(c[i].abs());
            poison[i] += c[i] * 0.0;
        }
    }
    let mut max_abs = lanes.iter().fold(0.0f64, |a, &b| a.max(b));
    let mut bad = poison.iter().any(|p| p.is_nan());
    for &v in tail {
        max_abs = max_abs.max(v.abs());
        bad |= !v.is_finite();
    }
    (max_abs, bad)
}

/// The two-fold pre-rounding split of every cell onto the grids of `s1`
/// and `s2` (after scaling by `scale`): lane sums of both folds and the
/// tail's sums. Exact in any order. Multiversioned like `max_abs_and_poison`.
#[multiversion::multiversion(targets("x86_64+avx2+fma", "x86_64+avx", "x86_64+sse4.1"))]
fn fold2(x: &[f64], scale: f64, s1: f64, s2: f64) -> ([f64; 8], [f64; 8], f64, f64) {
    let mut a1 = [0.0f64; 8];
    let mut a2 = [0.0f64; 8];
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    if scale == 1.0 {
        for c in chunks {
            for i in 0..8 {
                let q = (s1 + c[i]) - s1;
                a1[i] += q;
                a2[i] += (s2 + (c[i] - q)) - s2;
            }
        }
    } else {
        for c in chunks {
            for i in 0..8 {
                let v = c[i] * scale;
                let q = (s1 + v) - s1;
                a1[i] += q;
                a2[i] += (s2 + (v - q)) - s2;
            }
        }
    }
    let (mut t1, mut t2) = (0.0f64, 0.0f64);
    for &v in rest {
        let v = v * scale;
        let q = (s1 + v) - s1;
        t1 += q;
        t2 += (s2 + (v - q)) - s2;
    }
    (a1, a2, t1, t2)
}

/// Bits per bin of the one-pass method.
const BIN_BITS: i32 = 32;
/// Bins of the one-pass method: the top one (carries only) and three that
/// take pieces of every cell (so a cell is kept to about 2^-64 of the
/// largest magnitude).
const NBINS: usize = 4;
/// The lowest window: its last bin's quantum is 2^-896, its extraction
/// constants normal numbers. A sum whose global window is this one (every
/// cell below 2^-801) takes the two-pass method.
const MIN_TOP: i32 = -25;
/// Cells per block: the block's largest magnitude is found, then the block
/// (still in L1) is split onto the bins.
const BLOCK: usize = 2048;
/// Carries are extracted at least this often (bins stay exact below 2^21 additions).
const NORMALIZE_EVERY: usize = 1 << 19;

/// Splits every cell of `x` onto the bins with extraction constants `s`
/// (quanta 2^(32(top-1)), 2^(32(top-2)), 2^(32(top-3))), into eight lanes
/// each; what is below the last quantum is dropped.
#[multiversion::multiversion(targets("x86_64+avx2+fma", "x86_64+avx", "x86_64+sse4.1"))]
fn fold_block(x: &[f64], s: [f64; 3], a: &mut [[f64; 8]; 3]) {
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for i in 0..8 {
            let q1 = (s[0] + c[i]) - s[0];
            a[0][i] += q1;
            let r = c[i] - q1;
            let q2 = (s[1] + r) - s[1];
            a[1][i] += q2;
            a[2][i] += (s[2] + (r - q2)) - s[2];
        }
    }
    for (i, &v) in rest.iter().enumerate() {
        let q1 = (s[0] + v) - s[0];
        a[0][i] += q1;
        let r = v - q1;
        let q2 = (s[1] + r) - s[1];
        a[1][i] += q2;
        a[2][i] += (s[2] + (r - q2)) - s[2];
    }
}

/// `1.5 * 2^(32 b + 52)`: adding and subtracting it rounds to a multiple of 2^(32 b).
fn sigma(b: i32) -> f64 {
    1.5 * 2f64.powi(BIN_BITS * b + 52)
}

/// Bins `i = 0..NBINS` of quanta 2^(32 (top - i)), holding an exact value;
/// `top` is chosen so every cell is below half the top quantum, so a cell's
/// pieces land in bins 1.. and bin 0 only takes carries.
///
/// `s[i]` holds bin `i`'s pieces (minus what was carried out of it) and
/// `c[i]` what was carried out of bin `i` (multiples of bin `i - 1`'s
/// quantum). The carries stay with the bin they came from: when `top` is
/// raised and bin `i` falls below the window, its pieces *and* its carries
/// are dropped, exactly as if the final window had split every cell from
/// the start (a cell's piece in a bin does not depend on the window, as
/// long as the bin is in it). Which carries were taken when depends on
/// the distribution; the sums per bin do not.
struct Bins {
    top: i32,
    s: [f64; NBINS],
    c: [f64; NBINS],
}

impl Bins {
    fn empty(top: i32) -> Bins {
        Bins {
            top,
            s: [0.0; NBINS],
            c: [0.0; NBINS],
        }
    }

    /// Moves each bin's excess (a multiple of the quantum above) into its
    /// carry (exact), so that the bin itself stays small.
    fn extract_carries(&mut self) {
        for i in 1..NBINS {
            let sg = sigma(self.top - i as i32 + 1);
            let c = (sg + self.s[i]) - sg;
            self.s[i] -= c;
            self.c[i] += c;
        }
    }

    /// Raises `top` to `new_top`, dropping the bins (and their carries)
    /// that fall below the window.
    fn raise(&mut self, new_top: i32) {
        let shift = (new_top - self.top).clamp(0, NBINS as i32) as usize;
        if shift > 0 {
            for i in (0..NBINS).rev() {
                let (s, c) = if i >= shift {
                    (self.s[i - shift], self.c[i - shift])
                } else {
                    (0.0, 0.0)
                };
                self.s[i] = s;
                self.c[i] = c;
            }
            self.top = new_top;
        }
    }

    /// The value, from bins whose sums are final (the window fixed): the
    /// carries joined to the bins above, then every bin reduced to half the
    /// quantum above, from the bottom (exact; a form that depends only on
    /// the bins' exact sums), then added from the top.
    fn value(&self) -> f64 {
        let mut v = self.s;
        for i in 1..NBINS {
            v[i - 1] += self.c[i];
        }
        for i in (1..NBINS).rev() {
            let b = self.top - i as i32 + 1;
            let sg = sigma(b);
            let mut c = (sg + v[i]) - sg;
            // the remainder in [0, q): unique for the bin's exact value
            // (rounding to nearest would leave +-q/2 at a tie, its side
            // depending on the carries taken before)
            if v[i] - c < 0.0 {
                c -= 2f64.powi(BIN_BITS * b);
            }
            v[i] -= c;
            v[i - 1] += c;
        }
        v.iter().fold(0.0, |acc, &x| acc + x)
    }

    /// Adds the lanes into the bins and clears them.
    fn take_lanes(&mut self, a: &mut [[f64; 8]; 3]) {
        for (k, lanes) in a.iter_mut().enumerate() {
            self.s[k + 1] += lanes.iter().sum::<f64>();
            *lanes = [0.0; 8];
        }
    }
}

/// The one-pass sum: per block, the largest magnitude sets the window of
/// bins (fixed 32-bit boundaries, so a cell's pieces do not depend on which
/// block it sits in); bins that later fall below the window are dropped
/// with their carries, as they would be for the final window. `None` when
/// the values fall outside the range the bins cover (huge, tiny, or not
/// finite).
fn one_pass_bins(x: &[f64]) -> Option<Bins> {
    let mut bins: Option<Bins> = None;
    let mut a = [[0.0f64; 8]; 3];
    let mut since = 0usize;
    for block in x.chunks(BLOCK) {
        let (m, bad) = max_abs_and_poison(block);
        // huge or not finite: the two-pass method, on every rank (whether
        // some cell is, does not depend on the layout)
        if bad || m >= 2f64.powi(900) {
            return None;
        }
        if m == 0.0 {
            continue;
        }
        let e = ((m.to_bits() >> 52) & 0x7ff) as i32 - 1022; // m < 2^e
                                                             // m < 2^(32 need - 1); tiny blocks take the lowest window (the
                                                             // global window decides whether the sum is too tiny for the bins)
        let need = (e + 1 + BIN_BITS - 1).div_euclid(BIN_BITS).max(MIN_TOP);
        let b = bins.get_or_insert_with(|| Bins::empty(need));
        if need > b.top {
            // the lanes belong to the old window: into its bins first
            b.take_lanes(&mut a);
            b.extract_carries();
            b.raise(need);
            since = 0;
        }
        let t = b.top;
        fold_block(block, [sigma(t - 1), sigma(t - 2), sigma(t - 3)], &mut a);
        since += block.len();
        if since >= NORMALIZE_EVERY {
            b.take_lanes(&mut a);
            b.extract_carries();
            since = 0;
        }
    }
    let mut b = bins.unwrap_or_else(|| Bins::empty(i32::MIN / 2));
    if b.top > i32::MIN / 2 {
        b.take_lanes(&mut a);
        b.extract_carries();
    }
    Some(b)
}

/// See [`DistArrayBase::sum_reproducible`]: one memory pass (blocked) in
/// the common range, the two-pass method otherwise.
pub fn reproducible_sum(comm: &Comm, x: &[f64], n: usize) -> Result<f64> {
    // the global count fixes the grids: it must be the same everywhere
    comm.agree_on(
        "reproducible_sum (global count)",
        crate::comm::fingerprint([n as u64]),
        Ok(()),
    )?;
    sum_agreed(comm, x, n)
}

/// [`reproducible_sum`] once `n` is agreed.
fn sum_agreed(comm: &Comm, x: &[f64], n: usize) -> Result<f64> {
    match finish_bins(comm, one_pass_bins(x)) {
        Some(v) => Ok(v),
        None => two_pass_agreed(comm, x, n),
    }
}

/// The one-pass sum of every rank's bins (`None`: this rank's cells left
/// the bins' range); `None` when some rank's did, or the cells are too
/// tiny for the bins (agreed: the caller takes the two-pass method).
/// Collective.
fn finish_bins(comm: &Comm, local: Option<Bins>) -> Option<f64> {
    let raw = comm.raw();
    let mut any_fallback = 0u8;
    raw.all_reduce_into(
        &u8::from(local.is_none()),
        &mut any_fallback,
        SystemOperation::max(),
    );
    if any_fallback == 1 {
        return None;
    }
    let mut b = local.expect("no rank fell back");
    let mut top = 0i32;
    raw.all_reduce_into(&b.top, &mut top, SystemOperation::max());
    if top == i32::MIN / 2 {
        return Some(0.0); // every cell is zero
    }
    if top <= MIN_TOP {
        // every cell below 2^-801: too fine for the bins (decided from the
        // global window, the same on every layout)
        return None;
    }
    if b.top == i32::MIN / 2 {
        b.top = top;
    } else {
        b.raise(top);
    }
    // every bin's pieces and carries summed over the ranks (exact: grid
    // multiples far from 2^53 of their quantum)
    let mut mine = [0.0f64; 2 * NBINS];
    mine[..NBINS].copy_from_slice(&b.s);
    mine[NBINS..].copy_from_slice(&b.c);
    let mut g = [0.0f64; 2 * NBINS];
    raw.all_reduce_into(&mine[..], &mut g[..], SystemOperation::sum());
    let mut total = Bins::empty(top);
    total.s.copy_from_slice(&g[..NBINS]);
    total.c.copy_from_slice(&g[NBINS..]);
    Some(total.value())
}

/// The reproducible sum of cells given piece by piece (the slabs of an
/// out-of-core array, in any order): the same bits as
/// [`reproducible_sum`] of all the pieces at once, on any ranks. When the
/// cells leave the one-pass range, [`finish`](Self::finish) says so and
/// the caller streams the pieces again through [`TwoPass`].
#[cfg(feature = "zarr")]
pub(crate) struct PieceSum {
    bins: Option<Bins>,
    fallback: bool,
    count: usize,
}

#[cfg(feature = "zarr")]
impl PieceSum {
    pub(crate) fn new() -> PieceSum {
        PieceSum {
            bins: None,
            fallback: false,
            count: 0,
        }
    }

    /// Adds the cells of one piece.
    pub(crate) fn add(&mut self, x: &[f64]) {
        self.count += x.len();
        if self.fallback {
            return;
        }
        let Some(mut b) = one_pass_bins(x) else {
            self.fallback = true;
            return;
        };
        if b.top == i32::MIN / 2 {
            return; // all zeros
        }
        match &mut self.bins {
            None => self.bins = Some(b),
            Some(a) => {
                // both on the higher window (what falls below it is what
                // the final window drops anyway), then the exact sums
                let top = a.top.max(b.top);
                a.raise(top);
                b.raise(top);
                for i in 0..NBINS {
                    a.s[i] += b.s[i];
                    a.c[i] += b.c[i];
                }
                a.extract_carries();
            }
        }
    }

    /// The cells added on this rank.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// The sum over every rank, or `None` (on every rank) when the
    /// two-pass method must run. Collective.
    pub(crate) fn finish(self, comm: &Comm) -> Option<f64> {
        let local = if self.fallback {
            None
        } else {
            Some(self.bins.unwrap_or_else(|| Bins::empty(i32::MIN / 2)))
        };
        finish_bins(comm, local)
    }
}

/// The two-pass method: the global largest magnitude fixes two grids.
pub fn reproducible_sum_two_pass(comm: &Comm, x: &[f64], n: usize) -> Result<f64> {
    comm.agree_on(
        "reproducible_sum_two_pass (global count)",
        crate::comm::fingerprint([n as u64]),
        Ok(()),
    )?;
    two_pass_agreed(comm, x, n)
}

/// [`reproducible_sum_two_pass`] once `n` is agreed.
fn two_pass_agreed(comm: &Comm, x: &[f64], n: usize) -> Result<f64> {
    let mut pass = TwoPass::new();
    pass.scan(x);
    if let Some(v) = pass.fix_grids(comm, n) {
        return Ok(v);
    }
    pass.fold(x);
    Ok(pass.finish(comm))
}

/// The two-pass method over cells given piece by piece: every piece
/// [`scan`](Self::scan)ned, the grids fixed ([`fix_grids`](Self::fix_grids),
/// collective), every piece [`fold`](Self::fold)ed, then
/// [`finish`](Self::finish) (collective).
pub(crate) struct TwoPass {
    max_abs: f64,
    /// NaN, +inf, -inf seen.
    flags: [u8; 3],
    scale: f64,
    s: [f64; 2],
    t: [f64; 2],
}

impl TwoPass {
    pub(crate) fn new() -> TwoPass {
        TwoPass {
            max_abs: 0.0,
            flags: [0; 3],
            scale: 1.0,
            s: [0.0; 2],
            t: [0.0; 2],
        }
    }

    /// The first pass over a piece: its largest finite magnitude and its
    /// non-finite cells.
    pub(crate) fn scan(&mut self, x: &[f64]) {
        // `x * 0` is NaN exactly for the non-finite cells, so one
        // vectorized pass finds both
        let (max_abs, bad) = max_abs_and_poison(x);
        if !bad {
            self.max_abs = self.max_abs.max(max_abs);
            return;
        }
        for &v in x {
            if v.is_nan() {
                self.flags[0] = 1;
            } else if v == f64::INFINITY {
                self.flags[1] = 1;
            } else if v == f64::NEG_INFINITY {
                self.flags[2] = 1;
            } else {
                self.max_abs = self.max_abs.max(v.abs());
            }
        }
    }

    /// Fixes the two grids from every rank's scan of `n` cells in all:
    /// `Some(sum)` when that already decides the sum (a NaN, an infinity,
    /// all zeros), the same on every rank. Collective.
    pub(crate) fn fix_grids(&mut self, comm: &Comm, n: usize) -> Option<f64> {
        let raw = comm.raw();
        let mut flags = [0u8; 3];
        raw.all_reduce_into(&self.flags[..], &mut flags[..], SystemOperation::max());
        if flags[0] == 1 || (flags[1] == 1 && flags[2] == 1) {
            return Some(f64::NAN);
        }
        if flags[1] == 1 {
            return Some(f64::INFINITY);
        }
        if flags[2] == 1 {
            return Some(f64::NEG_INFINITY);
        }
        let mut m = 0.0f64;
        raw.all_reduce_into(&self.max_abs, &mut m, SystemOperation::max());
        if m == 0.0 || n == 0 {
            return Some(0.0);
        }
        // 2^em > m; the first grid's top binade 2^e1 holds n * m with room to spare
        let em = m.log2().floor() as i32 + 1;
        let en = (n as f64).log2().ceil() as i32;
        let e1 = em + en + 1;
        // keep 1.5 * 2^e1 finite: scale everything by an exact power of two
        let shift = (e1 - 1000).max(0);
        self.scale = 2f64.powi(-shift);
        let e1 = e1 - shift;
        let e2 = e1 - 53 + en + 1;
        self.s = [1.5 * 2f64.powi(e1), 1.5 * 2f64.powi(e2)];
        None
    }

    /// The second pass over a piece: its cells onto the grids (exact in
    /// any order).
    pub(crate) fn fold(&mut self, x: &[f64]) {
        let (a1, a2, t1, t2) = fold2(x, self.scale, self.s[0], self.s[1]);
        // every partial sum is an exact grid multiple: any order gives the same bits
        self.t[0] += t1;
        self.t[1] += t2;
        for i in 0..8 {
            self.t[0] += a1[i];
            self.t[1] += a2[i];
        }
    }

    /// The sum over every rank. Collective.
    pub(crate) fn finish(&self, comm: &Comm) -> f64 {
        let mut g = [0.0f64; 2];
        comm.raw()
            .all_reduce_into(&self.t[..], &mut g[..], SystemOperation::sum());
        (g[0] + g[1]) / self.scale
    }
}
