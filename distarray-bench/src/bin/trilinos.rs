//! Benchmarks of the Trilinos bridge, in this run:
//! - `tpetra_wrap_scaling`: wrapping a DistArray as a Tpetra Vector and a
//!   Tpetra Vector as a DistArray, at 1e8 elements / at 1e3 (<= 1.2);
//! - `plan_vs_tpetra_import`: our redistribution plan against Tpetra's
//!   Import on the same exchange (unstructured -> block, 2e7 f64 on 2
//!   ranks), both planned once: Import time / plan time (>= 1.0).

use distarray::redistribute::Plan;
use distarray::trilinos::{Importer, TpetraMap, TpetraVector, Trilinos};
use distarray::{Comm, Dist, DistArray, Layout};
use distarray_bench::{median, report, size_arg, timed, Target};

fn main() {
    let universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let trilinos = Trilinos::init(&comm).unwrap();
    {
        // both sizes timed in alternation, rep by rep, so machine drift hits
        // them alike (timed one block after the other, drift showed up as a ratio)
        let maps: Vec<(Layout, TpetraMap)> = [1_000usize, 100_000_000]
            .iter()
            .map(|&n| {
                let layout = Layout::block(&comm, &[n]).unwrap();
                let map = TpetraMap::from_layout(&trilinos, &layout).unwrap();
                (layout, map)
            })
            .collect();
        let mut cases: Vec<(DistArray<f64>, TpetraVector)> = maps
            .iter()
            .map(|(layout, map)| {
                (
                    DistArray::full(layout, 1.0),
                    TpetraVector::new(map).unwrap(),
                )
            })
            .collect();
        let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(101); maps.len()];
        for _ in 0..101 {
            for (((a, v), (_, map)), t) in cases.iter_mut().zip(&maps).zip(&mut times) {
                t.push(timed(&comm, || {
                    let w = TpetraVector::wrap(map, a).unwrap();
                    drop(w);
                    let g = v.array_mut().unwrap();
                    std::hint::black_box(&g);
                }));
            }
        }
        let medians: Vec<f64> = times.into_iter().map(median).collect();
        let (small, large) = (medians[0], medians[1]);
        if comm.rank() == 0 {
            eprintln!(
                "wrap both ways: 1e3 {:.1} us, 1e8 {:.1} us",
                small * 1e6,
                large * 1e6
            );
        }
        report(
            &comm,
            "tpetra_wrap_scaling",
            large / small,
            "ratio",
            Target::AtMost(1.2),
        );
    }
    {
        let n = size_arg(20_000_000);
        let p = comm.size();
        // scattered ownership: blocks of 64 cells dealt by a hash of the block
        let ix: Vec<usize> = (0..n)
            .filter(|g| {
                (distarray::random::mix64((g / 64) as u64) % p as u64) as usize == comm.rank()
            })
            .collect();
        let src = Layout::with_grid(
            &comm,
            &[n],
            &[Dist::Unstructured {
                indices: ix,
                one_to_one: true,
            }],
            &[p],
        )
        .unwrap();
        let dst = Layout::block(&comm, &[n]).unwrap();
        let a = DistArray::<f64>::random(&src, 1);
        let mut b = DistArray::<f64>::zeros(&dst);
        let mut plan = Plan::<f64>::new(&src, &dst).unwrap();
        let (sm, dm) = (
            TpetraMap::from_layout(&trilinos, &src).unwrap(),
            TpetraMap::from_layout(&trilinos, &dst).unwrap(),
        );
        let mut x = TpetraVector::new(&sm).unwrap();
        x.array_mut().unwrap().local_mut().assign(&a.local());
        let mut y = TpetraVector::new(&dm).unwrap();
        let importer = Importer::new(&sm, &dm).unwrap();
        let (mut t_plan, mut t_import) = (f64::INFINITY, f64::INFINITY);
        for _ in 0..5 {
            t_plan = t_plan.min(timed(&comm, || plan.execute(&a, &mut b).unwrap()));
            t_import = t_import.min(timed(&comm, || importer.apply(&x, &mut y).unwrap()));
        }
        assert_eq!(
            y.array_mut().unwrap().local(),
            b.local(),
            "the same exchange"
        );
        if comm.rank() == 0 {
            eprintln!("unstructured -> block, {n} f64 on {p} ranks: plan {:.1} ms, Tpetra Import {:.1} ms", t_plan * 1e3, t_import * 1e3);
        }
        report(
            &comm,
            "plan_vs_tpetra_import",
            t_import / t_plan,
            "ratio",
            Target::AtLeast(1.0),
        );
    }
    drop(trilinos);
    drop(comm);
    drop(universe);
}
