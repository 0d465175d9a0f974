//! Counts past MPI's 32-bit limit, on 2 ranks (the bug class of Heat's
//! issues #456 and #1932): gathering, gathering everywhere and scattering
//! an array of more than 2^31 elements (u8, 48000 x 48000: 2.3 GB), and
//! one whose every message carries more than 2^31 bytes (f64, 32768 x
//! 17000: 2.23 GB a rank), exactly. Checked without a second copy of the data:
//! every cell holds one byte pattern except markers placed around the
//! 2^31 boundaries and the ranks' seams; the markers are checked where
//! they must land, then the rest is compared, a MiB at a time, with the
//! pattern (memcmp), so the test stays fast in a debug build.
//! Peak memory: about 14 GB for the f64 part.

mod harness;

use distarray::{Comm, Dist, DistArray, Element, Layout};
use harness::Check;

static CHECKS: &[Check] = &[
    check!(more_than_2_31_elements_u8),
    check!(more_than_2_31_bytes_per_message_f64),
    #[cfg(feature = "hdf5")]
    check!(hdf5_with_more_than_2_31_bytes_a_rank),
];

fn main() {
    harness::main("mpi_large_counts", CHECKS, &[2]);
}

/// Every byte of `cells` is `pattern`: compared a MiB at a time.
fn all_bytes_are<T: Element>(cells: &[T], pattern: u8) -> bool {
    let bytes = T::le_bytes(cells);
    let one = vec![pattern; 1 << 20];
    bytes.chunks(1 << 20).all(|c| c == &one[..c.len()])
}

/// The global flat positions that get markers: around 2^31 (elements, and
/// bytes for 8-byte cells), the middle (the ranks' seam), the ends.
fn marker_positions(n: usize) -> Vec<usize> {
    let mut v = vec![0, 1, n / 2 - 1, n / 2, n / 2 + 1, n - 2, n - 1];
    for edge in [1usize << 31, (1usize << 31) / 8] {
        if edge + 1 < n {
            v.extend([edge - 1, edge, edge + 1]);
        }
    }
    v.sort_unstable();
    v.dedup();
    v
}

/// Fills `layout` with `fill`, then the markers (`marker(i)` at the i-th
/// position; only the owner writes). Returns the array and the markers.
fn marked<T: Element>(
    layout: &Layout,
    fill: T,
    marker: impl Fn(usize) -> T,
) -> (DistArray<T>, Vec<(usize, T)>) {
    let mut a = DistArray::full(layout, fill);
    let n = layout.global_len();
    let cols = layout.shape()[1];
    let markers: Vec<(usize, T)> = marker_positions(n)
        .into_iter()
        .enumerate()
        .map(|(i, k)| (k, marker(i)))
        .collect();
    for &(k, v) in &markers {
        a.set(&[k / cols, k % cols], v).unwrap();
    }
    (a, markers)
}

/// The whole array in C order holds the markers where they belong and the
/// pattern everywhere else (markers are put back to `fill` to check that).
fn check_whole<T: Element>(whole: &mut [T], markers: &[(usize, T)], fill: T, pattern: u8) {
    for &(k, v) in markers {
        assert_eq!(whole[k], v, "marker at {k}");
        whole[k] = fill;
    }
    assert!(
        all_bytes_are(whole, pattern),
        "every other cell is the fill"
    );
    for &(k, v) in markers {
        whole[k] = v;
    }
}

fn round_trips<T: Element>(
    comm: &Comm,
    layout: &Layout,
    fill: T,
    pattern: u8,
    marker: impl Fn(usize) -> T,
) {
    let (a, markers) = marked(layout, fill, marker);
    // gather to the root: more than 2^31 cells (or bytes) in one message
    let mut whole = a.gather(0).unwrap();
    if let Some(w) = whole.as_mut() {
        check_whole(w.as_slice_mut().unwrap(), &markers, fill, pattern);
    }
    // scatter back: exactly the original parts
    let back = DistArray::from_global(layout, 0, whole.as_ref().map(|w| w.view())).unwrap();
    assert_eq!(
        T::le_bytes(back.local().as_slice().unwrap()),
        T::le_bytes(a.local().as_slice().unwrap())
    );
    drop((whole, back));
    // the whole array on every rank
    let mut everywhere = a.gather_all().unwrap();
    check_whole(everywhere.as_slice_mut().unwrap(), &markers, fill, pattern);
    drop(everywhere);
    comm.barrier();
}

fn more_than_2_31_elements_u8(comm: &Comm) {
    let layout = Layout::new(
        comm,
        &[48_000, 48_000],
        &[Dist::Block, Dist::NotDistributed],
    )
    .unwrap();
    assert!(layout.global_len() > 1 << 31);
    round_trips(comm, &layout, 7u8, 7, |i| 100 + i as u8);
}

fn more_than_2_31_bytes_per_message_f64(comm: &Comm) {
    let layout = Layout::new(
        comm,
        &[32_768, 17_000],
        &[Dist::Block, Dist::NotDistributed],
    )
    .unwrap();
    assert!(
        layout.local_len() * 8 > 1 << 31,
        "every rank's message is over 2^31 bytes"
    );
    let fill = f64::from_bits(0x0707_0707_0707_0707);
    round_trips(comm, &layout, fill, 7, |i| i as f64 + 0.5);
}

/// Parallel HDF5 (MPI-IO underneath) writing and reading more than 2^31
/// bytes per rank, exactly.
#[cfg(feature = "hdf5")]
fn hdf5_with_more_than_2_31_bytes_a_rank(comm: &Comm) {
    let layout = Layout::new(
        comm,
        &[32_768, 17_000],
        &[Dist::Block, Dist::NotDistributed],
    )
    .unwrap();
    let fill = f64::from_bits(0x0707_0707_0707_0707);
    let (a, _) = marked(&layout, fill, |i| i as f64 + 0.25);
    let path = harness::scratch(comm, "large-hdf5").join("a.h5");
    a.save_hdf5(&path, "data", None).unwrap();
    let b = DistArray::<f64>::load_hdf5(&layout, &path, "data").unwrap();
    assert_eq!(
        f64::le_bytes(b.local().as_slice().unwrap()),
        f64::le_bytes(a.local().as_slice().unwrap())
    );
    drop(b);
    comm.barrier();
    if comm.rank() == 0 {
        let _ = std::fs::remove_file(&path);
    }
}
