//! Multi-rank test harness.
//!
//! A multi-rank test binary (`harness = false`) lists its checks and calls
//! [`main`]. Run by `cargo test`, it re-runs itself under `mpiexec -n N`
//! once per rank count, with oversubscription and Open MPI's run-as-root
//! variables set, so nobody has to remember them. Every check runs in that
//! one MPI job (an `mpiexec` start costs 0.2–0.4 s; a job per assertion
//! would not scale), and each (check, rank count) pair is reported as its
//! own test. A rank that panics aborts the job (see
//! `distarray::abort_on_panic`), which fails the checks it did not finish;
//! a job that hangs is killed by a timeout and fails the same way.
//!
//! Environment: `DISTARRAY_MPI_TIMEOUT` (seconds per job, default 300),
//! `DISTARRAY_MPIEXEC` (launcher, default `mpiexec`).

#![allow(dead_code)]

use distarray::Comm;
use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Set on the ranks of a job: run the checks (scripts/memcheck sets it to run
/// them under valgrind, one valgrind per rank).
const CHILD_ENV: &str = "DISTARRAY_MPI_CHILD";
const OK_MARK: &str = "DISTARRAY-CHECK-OK ";
const DONE_MARK: &str = "DISTARRAY-CHECKS-DONE";

/// One check: runs on every rank of the job's world communicator.
pub struct Check {
    /// Name shown in the report.
    pub name: &'static str,
    /// The body; panics (assertion failures) abort the job.
    pub run: fn(&Comm),
}

/// Shorthand: `check!(fn_name)`.
#[macro_export]
macro_rules! check {
    ($f:ident) => {
        harness::Check {
            name: stringify!($f),
            run: $f,
        }
    };
}

/// The Open MPI settings every launch needs on these machines.
pub fn mpi_env(cmd: &mut Command) {
    cmd.env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_rmaps_base_oversubscribe", "1")
        .env("OMPI_MCA_mpi_yield_when_idle", "1")
        .env("OMPI_MCA_pml", "ob1")
        .env("OMPI_MCA_btl", "self,vader");
    // one OpenBLAS thread per rank (the pthreads build would start one per
    // core in every rank) unless the caller chose
    if std::env::var_os("OPENBLAS_NUM_THREADS").is_none() {
        cmd.env("OPENBLAS_NUM_THREADS", "1");
    }
}

struct JobOutput {
    /// checks that finished on every rank
    passed: Vec<String>,
    /// mpiexec exited 0 after the completion mark
    ok: bool,
    log: String,
}

/// Entry point of a multi-rank test binary.
pub fn main(suite: &'static str, checks: &'static [Check], rank_counts: &[usize]) {
    if std::env::var_os(CHILD_ENV).is_some() {
        run_child(checks);
        return;
    }
    let mut args = Arguments::from_args();
    args.test_threads = Some(1); // one MPI job at a time on 2 cores
    let jobs: Arc<Mutex<HashMap<usize, Arc<JobOutput>>>> = Arc::default();
    let mut trials = Vec::new();
    for &n in rank_counts {
        let job_of = {
            let jobs = jobs.clone();
            move || {
                jobs.lock()
                    .unwrap()
                    .entry(n)
                    .or_insert_with(|| Arc::new(launch(n)))
                    .clone()
            }
        };
        for c in checks {
            let job_of = job_of.clone();
            let name = c.name;
            trials.push(Trial::test(format!("{suite}::np{n}::{name}"), move || {
                let job = job_of();
                if job.passed.iter().any(|p| p == name) {
                    return Ok(());
                }
                let first_missing = checks
                    .iter()
                    .find(|c| !job.passed.iter().any(|p| p == c.name))
                    .map(|c| c.name)
                    .unwrap_or("?");
                if first_missing == name {
                    Err(Failed::from(format!(
                        "check `{name}` failed on {n} ranks. Job output:\n{}",
                        job.log
                    )))
                } else {
                    Err(Failed::from(format!(
                        "not reached on {n} ranks: the job stopped in `{first_missing}` (see its report)"
                    )))
                }
            }));
        }
        trials.push(Trial::test(
            format!("{suite}::np{n}::~job_ends_cleanly"),
            move || {
                let job = job_of();
                if job.ok {
                    Ok(())
                } else {
                    Err(Failed::from(format!(
                        "the {n}-rank job did not end cleanly:\n{}",
                        job.log
                    )))
                }
            },
        ));
    }
    libtest_mimic::run(&args, trials).exit();
}

fn launch(n: usize) -> JobOutput {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    let timeout: u64 = std::env::var("DISTARRAY_MPI_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let dir = std::env::temp_dir();
    let tag = format!("distarray-harness-{}-{n}", std::process::id());
    // stdout (where rank 0 writes the marks) apart from stderr, so a
    // message from another rank can never split a mark
    let out_path: PathBuf = dir.join(format!("{tag}.out"));
    let err_path: PathBuf = dir.join(format!("{tag}.err"));
    let out = std::fs::File::create(&out_path).expect("temp file for the job's output");
    let err = std::fs::File::create(&err_path).expect("temp file for the job's errors");
    let launcher = std::env::var("DISTARRAY_MPIEXEC").unwrap_or_else(|_| "mpiexec".into());
    let mut cmd = Command::new(launcher);
    cmd.args(["-n", &n.to_string(), "--oversubscribe", "--timeout"])
        .arg((timeout + 5).to_string())
        .arg(&exe)
        .env(CHILD_ENV, "1")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    mpi_env(&mut cmd);
    let start = Instant::now();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return JobOutput {
                passed: Vec::new(),
                ok: false,
                log: format!(
                    "could not start mpiexec: {e} (install Open MPI: scripts/install-deps)"
                ),
            }
        }
    };
    let status = loop {
        if let Some(s) = child.try_wait().expect("waiting for mpiexec") {
            break Some(s);
        }
        if start.elapsed() > Duration::from_secs(timeout + 30) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    let _ = std::fs::remove_file(&out_path);
    let _ = std::fs::remove_file(&err_path);
    let passed: Vec<String> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix(OK_MARK))
        .map(|s| s.trim().to_string())
        .collect();
    let done = stdout.lines().any(|l| l.starts_with(DONE_MARK));
    let ok = matches!(status, Some(s) if s.success()) && done;
    let mut note = String::new();
    if status.is_none() {
        note = format!("\n[harness] job killed after {}s (hang?)", timeout + 30);
    } else if !ok {
        note = format!("\n[harness] mpiexec ended with {status:?}, completion mark seen: {done}");
    }
    JobOutput {
        passed,
        ok,
        log: format!("--- stdout\n{stdout}--- stderr\n{stderr}{note}"),
    }
}

fn run_child(checks: &[Check]) {
    let universe = distarray::mpi::initialize().expect("MPI initializes once");
    distarray::abort_on_panic();
    {
        let comm = Comm::world();
        let rank = comm.rank();
        for c in checks {
            (c.run)(&comm);
            comm.barrier();
            if rank == 0 {
                println!("{OK_MARK}{}", c.name);
                let _ = std::io::stdout().flush();
            }
        }
        comm.barrier();
        if rank == 0 {
            // every check passed: their scratch directories go (a failed
            // job keeps them, to look at)
            let prefix = format!("distarray-test-{}-", std::process::id());
            if let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) {
                for e in entries.flatten() {
                    if e.file_name().to_string_lossy().starts_with(&prefix) {
                        let _ = std::fs::remove_dir_all(e.path());
                    }
                }
            }
            println!(
                "{DONE_MARK} {} checks on {} ranks",
                checks.len(),
                comm.size()
            );
            let _ = std::io::stdout().flush();
        }
    }
    drop(universe);
}

/// The conformance data directory (`../shared/conformance` beside the
/// repository, or `DISTARRAY_CONFORMANCE_DIR`). Panics when it is missing:
/// conformance tests never pass by finding nothing.
pub fn conformance_dir() -> PathBuf {
    let dir = std::env::var_os("DISTARRAY_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance"));
    assert!(
        dir.join("dap").is_dir(),
        "conformance data not found at {} (set DISTARRAY_CONFORMANCE_DIR)",
        dir.display()
    );
    dir
}

/// Every `*.json` file of a conformance subdirectory, parsed, sorted by name.
pub fn conformance_cases(sub: &str) -> Vec<(String, serde_json::Value)> {
    let dir = conformance_dir().join(sub);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no cases in {}", dir.display());
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (
                name,
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
            )
        })
        .collect()
}

/// A fresh scratch directory named after `name`, the same on every rank
/// (rank 0's process id), emptied by rank 0; removed at the end of a job
/// whose checks all passed (a failed job keeps it). Collective.
pub fn scratch(comm: &Comm, name: &str) -> PathBuf {
    let mine = format!("{}-{}", std::process::id(), name);
    let tag = String::from_utf8(comm.broadcast_bytes(0, mine.into_bytes())).unwrap();
    let dir = std::env::temp_dir().join(format!("distarray-test-{tag}"));
    if comm.rank() == 0 {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
    }
    comm.barrier();
    dir
}

/// One layout of every kind (uneven, padded and periodic, unstructured,
/// empty) for the file-format round trips.
pub fn io_layouts(comm: &Comm) -> Vec<distarray::Layout> {
    use distarray::{Dist, Layout};
    let p = comm.size();
    let ix: Vec<usize> = (0..9)
        .rev()
        .filter(|g| (g * 5 + 1) % p == comm.rank())
        .collect();
    vec![
        Layout::block(comm, &[7, 5]).unwrap(),
        Layout::new(comm, &[7, 5], &[Dist::Cyclic, Dist::BlockCyclic(2)]).unwrap(),
        Layout::new(
            comm,
            &[3, 4, 5],
            &[Dist::NotDistributed, Dist::Block, Dist::Cyclic],
        )
        .unwrap(),
        Layout::new(
            comm,
            &[11],
            &[Dist::BlockPadded {
                ghost_width: 1,
                boundary_width: (1, 1),
                periodic: true,
            }],
        )
        .unwrap(),
        Layout::with_grid(
            comm,
            &[9],
            &[Dist::Unstructured {
                indices: ix,
                one_to_one: true,
            }],
            &[p],
        )
        .unwrap(),
        Layout::block(comm, &[2, 0]).unwrap(),
    ]
}

/// Runs `script` with `python3 -c` on rank 0 and asserts it succeeded
/// (its stderr in the message, after `what`); every rank waits for it.
/// Collective.
pub fn run_python(comm: &Comm, what: &str, script: &str) {
    if comm.rank() == 0 {
        let run = std::process::Command::new("python3")
            .args(["-c", script])
            .output()
            .expect("python3 runs");
        assert!(
            run.status.success(),
            "{what} failed:\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    comm.barrier();
}

/// Asserts every rank holds an identical error (errors are agreed, never
/// rank-local). Collective.
pub fn assert_same_everywhere(comm: &Comm, err: &distarray::Error) {
    let text = serde_json::to_vec(err).unwrap();
    let h = text
        .iter()
        .fold(0u64, |h, &b| distarray::random::mix64(h ^ b as u64));
    assert!(comm.same_on_all(h), "ranks disagree on the error: {err}");
}

/// Every case directory of a conformance subdirectory (each holds a
/// `case.json`), parsed, sorted by name. Panics when there are none.
pub fn conformance_case_dirs(sub: &str) -> Vec<(serde_json::Value, PathBuf)> {
    let dir = conformance_dir().join(sub);
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    names.sort();
    assert!(
        !names.is_empty(),
        "no case directories in {}",
        dir.display()
    );
    names
        .into_iter()
        .map(|case_dir| {
            let text = std::fs::read_to_string(case_dir.join("case.json")).unwrap();
            (serde_json::from_str(&text).unwrap(), case_dir)
        })
        .collect()
}
