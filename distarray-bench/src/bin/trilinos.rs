//! Benchmark: our redistribution plan against Tpetra's Import on the same
//! exchange (unstructured -> block, 2e7 f64 on 2 ranks), both planned once
//! and executed repeatedly in this run. Figure `plan_vs_tpetra_import`:
//! Import time / plan time (throughput ratio, target >= 1.0).

use distarray::redistribute::Plan;
use distarray::trilinos::{Importer, TpetraMap, TpetraVector, Trilinos};
use distarray::{Comm, Dist, DistArray, Layout};
use distarray_bench::{report, size_arg, timed, Target};

fn main() {
    let universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let trilinos = Trilinos::init(&comm).unwrap();
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
