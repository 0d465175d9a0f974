//! A tour of the distributions: one array of each kind, each rank's
//! Distributed Array Protocol description as JSON, and a check that the
//! gathered array is the one we meant to build.
//!
//! Run it on 4 ranks: `scripts/mpirun -n 4 target/release/examples/layouts`
//! (or `scripts/demo`). Any number of ranks works.

use distarray::ndarray::{ArrayD, Dimension, IxDyn};
use distarray::{Comm, Dist, DistArray, Layout};

fn main() -> Result<(), distarray::Error> {
    let _universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let (rank, nprocs) = (comm.rank(), comm.size());

    // this rank's cells of a 10-cell unstructured axis: g goes to rank (3g + 1) % P
    let mine: Vec<usize> = (0..10)
        .rev()
        .filter(|g| (3 * g + 1) % nprocs == rank)
        .collect();
    let examples: Vec<(&str, Layout)> = vec![
        ("block", Layout::block(&comm, &[10])?),
        ("block, irregular", {
            let mut bounds: Vec<usize> = (0..nprocs).map(|p| p * p).collect();
            bounds.push(nprocs * nprocs + 3);
            Layout::new(&comm, &[nprocs * nprocs + 3], &[Dist::BlockBounds(bounds)])?
        }),
        ("cyclic", Layout::new(&comm, &[10], &[Dist::Cyclic])?),
        (
            "block-cyclic, block 3",
            Layout::new(&comm, &[10], &[Dist::BlockCyclic(3)])?,
        ),
        (
            "unstructured",
            Layout::with_grid(
                &comm,
                &[10],
                &[Dist::Unstructured {
                    indices: mine,
                    one_to_one: true,
                }],
                &[nprocs],
            )?,
        ),
        (
            "block with ghost cells, periodic",
            Layout::new(
                &comm,
                &[12],
                &[Dist::BlockPadded {
                    ghost_width: 1,
                    boundary_width: (1, 1),
                    periodic: true,
                }],
            )?,
        ),
        (
            "block x cyclic, 2-d",
            Layout::new(&comm, &[6, 5], &[Dist::Block, Dist::Cyclic])?,
        ),
        (
            "not distributed x block-cyclic, 2-d",
            Layout::new(
                &comm,
                &[3, 8],
                &[Dist::NotDistributed, Dist::BlockCyclic(2)],
            )?,
        ),
    ];

    for (title, layout) in &examples {
        let shape = layout.shape().to_vec();
        let flat = |ix: &[usize]| ix.iter().zip(&shape).fold(0, |acc, (&i, &n)| acc * n + i);
        let a = DistArray::from_fn(layout, |ix: &[usize]| flat(ix) as f64);

        // every rank's description, printed in rank order by rank 0
        let line = format!("  rank {rank}: {}", a.to_dap().dim_data_json());
        let lines = comm.all_gather_bytes(line.as_bytes());
        if rank == 0 {
            println!("{title}  shape {shape:?}  grid {:?}", layout.grid().shape());
            for l in &lines {
                println!("{}", String::from_utf8_lossy(l));
            }
        }

        let whole = a.gather_all()?;
        let want = ArrayD::from_shape_fn(IxDyn(&shape), |ix| flat(ix.slice()) as f64);
        assert_eq!(whole, want, "{title}: the gathered array differs");
        if rank == 0 {
            println!("  gathered: {} cells, all where they belong\n", whole.len());
        }
    }
    if rank == 0 {
        println!("all {} layouts check out on {nprocs} ranks", examples.len());
    }
    Ok(())
}
