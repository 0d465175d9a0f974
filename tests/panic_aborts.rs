//! A panic on one rank ends the whole MPI job by default, even when the
//! program never called `abort_on_panic()`: the hook is installed with the
//! first communicator. The test runs this binary under `mpiexec -n 2`:
//! rank 1 panics while rank 0 waits in a barrier it can never leave; the
//! job must end by that rank's abort, not by mpiexec's time limit.

mod harness;

use std::process::{Command, Stdio};

const PROBE: &str = "DISTARRAY_PANIC_PROBE";

/// What each rank runs under mpiexec.
fn probe() {
    let _universe = distarray::mpi::initialize().expect("MPI initializes");
    let comm = distarray::Comm::world(); // no abort_on_panic() call
    if comm.rank() == 1 {
        panic!("rank 1 fails on purpose");
    }
    comm.barrier(); // never left: rank 1 is gone
}

#[test]
fn a_panic_on_one_rank_ends_the_job_without_abort_on_panic() {
    if std::env::var(PROBE).is_ok() {
        probe();
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new("mpiexec");
    cmd.args(["-n", "2", "--oversubscribe", "--timeout", "120"])
        .arg(&exe)
        .args([
            "--exact",
            "a_panic_on_one_rank_ends_the_job_without_abort_on_panic",
            "--nocapture",
        ])
        .env(PROBE, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    harness::mpi_env(&mut cmd);
    let out = cmd.output().expect("mpiexec runs");
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "the job must fail: {text}");
    // ended by the abort (its error code, 101), not by mpiexec's time limit
    assert_eq!(
        out.status.code(),
        Some(101),
        "rank 1 aborts the job: {text}"
    );
    assert!(
        !text.contains("time limit"),
        "the job hung until its time limit: {text}"
    );
    assert!(
        text.contains("distarray: rank 1 panicked; aborting the MPI job"),
        "the hook says which rank panicked: {text}"
    );
}
