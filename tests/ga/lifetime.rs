//! GA's lifetime in `mpi_ga`: the last check, which ends GA.

use super::{harness, GA};
use distarray::ga::{Ga, GlobalArray};
use distarray::{Comm, Layout};

/// The last check: handles are counted over the process, not per thread
/// (GA's state is the process'), and the last one, whichever thread holds
/// it, terminates GA (its communicators and memory freed, as valgrind
/// checks in scripts/memcheck); GA is not started again; MPI stays up for
/// the harness. One thread calls GA at a time: the other waits.
pub fn ga_terminates_with_the_last_handle_of_any_thread(comm: &Comm) {
    use std::sync::mpsc::channel;
    let ga = GA
        .with(|g| g.borrow_mut().take())
        .expect("initialized by the earlier checks");
    let (ready_tx, ready_rx) = channel();
    let (dropped_tx, dropped_rx) = channel::<()>();
    let worker = std::thread::spawn(move || {
        // a second handle, on another thread, while the first lives
        let mine = Ga::init().expect("a handle on a second thread");
        ready_tx.send(()).unwrap();
        dropped_rx.recv().unwrap();
        // the first handle is gone: GA still runs, for this thread's handle
        let world = Comm::world();
        let layout = Layout::block(&world, &[7]).unwrap();
        let mut g = GlobalArray::<f64>::new(&mine, &layout).unwrap();
        if world.rank() == 0 {
            g.put(&[2], &distarray::ndarray::arr1(&[5.0]).view())
                .unwrap();
        }
        g.sync();
        let seen = g.get(&[0], &[7]).unwrap();
        drop(g);
        drop(mine); // the last handle of the process: GA_Terminate
        seen.into_raw_vec_and_offset().0
    });
    ready_rx.recv().unwrap();
    drop(ga); // not the last handle: GA keeps running for the worker's
    dropped_tx.send(()).unwrap();
    let seen = worker.join().expect("the worker's GA calls succeed");
    assert_eq!(seen, vec![0.0, 0.0, 5.0, 0.0, 0.0, 0.0, 0.0]);
    // terminated once, by the worker's last handle: not started again
    let e = Ga::init().err().expect("GA is not started again");
    assert!(e.to_string().contains("terminated"), "{e}");
    harness::assert_same_everywhere(comm, &e);
    assert!(distarray::mpi::environment::is_initialized());
}
