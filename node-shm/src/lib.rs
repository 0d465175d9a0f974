//! Memory shared with other processes on the same node.
//!
//! A process creates a [`SharedBuffer`] (an anonymous Linux `memfd`,
//! mapped read-write) and sends its [`Handle`] (pid and descriptor number)
//! to its peers over MPI; a peer on the same node opens it as a
//! [`PeerBuffer`] (through `/proc/<pid>/fd/<fd>`, mapped read-only) and
//! copies out of it with [`PeerBuffer::copy_to`]. Once every peer has
//! opened it the creator closes the descriptor ([`SharedBuffer::close_handle`]):
//! the mappings stay, nothing is left in the file system, and dropping
//! either side (an `munmap`) involves no other process, so no collective
//! call is needed to free it.
//!
//! Why: a redistribution sends data between two processes of one node
//! through MPI as a pack into a buffer and a copy the kernel makes
//! (Open MPI's single copy, `process_vm_readv`), which writes the target
//! with ordinary stores. Copying out of shared memory ourselves lets that
//! copy use streaming stores, which skip reading the target first: on the
//! development VMs a 100 MB exchange between two ranks fell from 31-33 ms to
//! 25-26 ms, the time of a plain memcpy of the same bytes.
//!
//! Synchronisation is the caller's: a peer must not be reading a range
//! while its creator writes it (the caller's messages order the two, as
//! MPI implementations order their own shared-memory copies); the copy
//! reads the range as ordinary memory between the caller's messages, with
//! the `nontemporal` crate's streaming stores for large copies.
//!
//! Buffers are sealed memfds of a fixed size, and a peer maps nothing else
//! (a regular file sealed against shrinking): the mapping can not be cut
//! short under the reader. Linux only; elsewhere both constructors return
//! an `Unsupported` error.
//!
//! This crate holds the `unsafe` of the system calls and of viewing a
//! peer's mapping as bytes.
//!
//! ```
//! use node_shm::{PeerBuffer, SharedBuffer};
//! let mut mine = SharedBuffer::new(4096).unwrap();
//! mine.as_mut_slice()[..5].copy_from_slice(b"hello");
//! // a peer process would receive the handle over MPI; here we are our own peer
//! let peer = PeerBuffer::open(mine.handle().unwrap(), 4096).unwrap();
//! let mut out = [0u8; 5];
//! peer.copy_to(0, &mut out);
//! assert_eq!(&out, b"hello");
//! ```
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

/// What a peer needs to open a [`SharedBuffer`]: its creator's process id
/// and descriptor number (meaningful on the creator's node only).
///
/// # Examples
///
/// ```
/// use node_shm::Handle;
/// let h = Handle { pid: 4242, fd: 7 };
/// let words = h.to_words(); // what travels over MPI
/// assert_eq!(Handle::from_words(words), Some(h));
/// assert_eq!(Handle::from_words([-1, 7]), None); // no process has that id
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handle {
    /// The creating process.
    pub pid: i32,
    /// The memfd's descriptor number in that process.
    pub fd: i32,
}

impl Handle {
    /// The handle as two integers, to send over MPI.
    pub fn to_words(self) -> [i64; 2] {
        [self.pid.into(), self.fd.into()]
    }
    /// The handle from [`Handle::to_words`]; `None` for values no handle has.
    pub fn from_words([pid, fd]: [i64; 2]) -> Option<Handle> {
        let (pid, fd) = (i32::try_from(pid).ok()?, i32::try_from(fd).ok()?);
        (pid > 0 && fd >= 0).then_some(Handle { pid, fd })
    }
}

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::{advise_huge_pages, write_to_process, PeerBuffer, SharedBuffer};

#[cfg(not(target_os = "linux"))]
mod unsupported;
#[cfg(not(target_os = "linux"))]
pub use unsupported::{advise_huge_pages, write_to_process, PeerBuffer, SharedBuffer};
