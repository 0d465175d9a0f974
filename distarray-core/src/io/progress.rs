//! Progress of long saves and loads: a bar on rank 0's terminal, nothing
//! when stderr is not a terminal (batch jobs, CI) or the work is small.
//!
//! Under mpiexec a rank's stderr is a pipe even when mpiexec runs in a
//! terminal: set `DISTARRAY_PROGRESS=1` to get plain percentage lines from
//! rank 0 there (`DISTARRAY_PROGRESS=0` silences the bar everywhere).

use crate::comm::Comm;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// Work below this many bytes (per rank) shows no bar.
const THRESHOLD: usize = 64 << 20;

/// A byte counter that shows a bar on rank 0 when it is worth it.
pub(crate) struct Progress(Option<ProgressBar>, Option<Lines>);

/// The plain form: a line every tenth of the way.
struct Lines {
    label: String,
    total: usize,
    done: std::cell::Cell<usize>,
    shown: std::cell::Cell<usize>,
}

impl Progress {
    /// `bytes` this rank will move; `label` says what.
    pub(crate) fn new(comm: &Comm, bytes: usize, label: &str) -> Progress {
        let setting = std::env::var("DISTARRAY_PROGRESS").ok();
        if comm.rank() != 0 || bytes < THRESHOLD || setting.as_deref() == Some("0") {
            return Progress(None, None);
        }
        if !std::io::stderr().is_terminal() {
            if setting.as_deref() == Some("1") {
                return Progress(
                    None,
                    Some(Lines {
                        label: label.into(),
                        total: bytes,
                        done: 0.into(),
                        shown: 0.into(),
                    }),
                );
            }
            return Progress(None, None);
        }
        let bar = ProgressBar::new(bytes as u64);
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(label.to_string());
        Progress(Some(bar), None)
    }

    /// `n` more bytes done.
    pub(crate) fn advance(&self, n: usize) {
        if let Some(b) = &self.0 {
            b.inc(n as u64);
        }
        if let Some(l) = &self.1 {
            l.done.set(l.done.get() + n);
            let tenth = l.done.get() * 10 / l.total.max(1);
            if tenth > l.shown.get() {
                l.shown.set(tenth);
                eprintln!("{}: {}%", l.label, tenth * 10);
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}
