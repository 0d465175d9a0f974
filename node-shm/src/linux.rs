//! The Linux implementation: memfd, `/proc/<pid>/fd`, mmap.

use crate::Handle;
use std::io;

/// Copies this long or longer go out with streaming stores.
const STREAM_MIN_BYTES: usize = 1024;

/// A read-write shared mapping this process created.
///
/// # Examples
///
/// ```
/// use node_shm::{PeerBuffer, SharedBuffer};
/// let mut mine = SharedBuffer::new(1 << 16).unwrap();
/// assert_eq!(mine.len(), 1 << 16);
/// mine.as_mut_slice().fill(9);
/// let handle = mine.handle().unwrap(); // sent to same-node peers
/// let peer = PeerBuffer::open(handle, 1 << 16).unwrap();
/// mine.close_handle(); // every peer has opened it: nothing is left to find
/// assert!(mine.handle().is_none());
/// let mut out = vec![0u8; 4096];
/// peer.copy_to(1000, &mut out); // the peer's mapping stays
/// assert!(out.iter().all(|&b| b == 9));
/// ```
#[derive(Debug)]
pub struct SharedBuffer {
    map: Mapping,
    fd: Option<i32>,
}

/// A read-only mapping of a peer's [`SharedBuffer`].
///
/// # Examples
///
/// ```
/// use node_shm::{PeerBuffer, SharedBuffer};
/// let mut mine = SharedBuffer::new(64).unwrap();
/// mine.as_mut_slice()[60..].copy_from_slice(b"tail");
/// let handle = mine.handle().unwrap();
/// let peer = PeerBuffer::open(handle, 64).unwrap();
/// assert_eq!(peer.len(), 64);
/// let mut out = [0u8; 4];
/// peer.copy_to(60, &mut out);
/// assert_eq!(&out, b"tail");
/// // asking for more than the creator made is refused
/// assert!(PeerBuffer::open(handle, 65).is_err());
/// ```
#[derive(Debug)]
pub struct PeerBuffer {
    map: Mapping,
}

/// One `mmap`ed range, unmapped on drop.
#[derive(Debug)]
struct Mapping {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: a Mapping is an address range owned by this value alone (no
// aliasing Rust references escape except through &self / &mut self
// borrows), so moving or sharing it between threads is as safe as a Vec.
unsafe impl Send for Mapping {}
// SAFETY: see Send; shared access (&self) only reads: len, copy_to.
unsafe impl Sync for Mapping {}

impl Drop for Mapping {
    fn drop(&mut self) {
        if self.len > 0 {
            // SAFETY: ptr/len are exactly what mmap returned for this
            // mapping, unmapped once, here; no borrow of it outlives self.
            unsafe { libc::munmap(self.ptr.cast(), self.len) };
        }
    }
}

/// Asks the kernel to back `buf`'s whole 2 MiB pages with transparent
/// huge pages when they are first touched (`madvise(MADV_HUGEPAGE)`);
/// returns whether the advice was taken. Only advice: the contents do not
/// change, and where huge pages are off or the range holds no whole huge
/// page nothing happens.
///
/// Why: a large buffer's first touch costs one page fault per 4 KiB page;
/// a 1.6 GB gather target spent 0.5 s of its 0.9 s in faults on the
/// development VMs. Call it on memory not yet touched (a fresh `calloc`ed
/// `Vec`) to make that first write about as fast as a write to warm memory.
///
/// ```
/// let v = vec![0u8; 8 << 20];
/// let _ = node_shm::advise_huge_pages(&v);
/// assert!(v.iter().all(|&b| b == 0));
/// ```
pub fn advise_huge_pages<T>(buf: &[T]) -> bool {
    const HUGE: usize = 2 << 20;
    let start = buf.as_ptr() as usize;
    let end = start + std::mem::size_of_val(buf);
    let (first, last) = (start.next_multiple_of(HUGE), end / HUGE * HUGE);
    if last <= first {
        return false;
    }
    // SAFETY: [first, last) lies inside `buf`'s allocation, which the
    // borrow keeps mapped; MADV_HUGEPAGE is advice that changes neither the
    // contents nor the mapping (unlike MADV_DONTNEED and the like).
    let rc = unsafe {
        libc::madvise(
            first as *mut libc::c_void,
            last - first,
            libc::MADV_HUGEPAGE,
        )
    };
    rc == 0
}

/// Writes `data` into the memory of process `pid` at `address`, once the
/// 16 bytes that process holds at `cookie_address` are `cookie`: the
/// process published both addresses (over MPI, say) and put a random
/// cookie there, so a `pid` that names another process (one on another
/// node, a recycled pid) reads differently, or not at all, and nothing is
/// written. Linux's `process_vm_readv` / `process_vm_writev`, which need
/// the permission to trace the target (the same user, as MPI's
/// single-copy transports need); an error says why it was refused.
///
/// Why: a large message between two processes of one node is copied by
/// the receiver (MPI's single copy reads the sender's memory), so a rank
/// that gathers from a peer copies its own part and the peer's part one
/// after the other. Written by the sender instead, the two copies run on
/// two cores at once.
///
/// The target must not read or write the range until it is told that the
/// write is over (the caller's messages order the two). This process is
/// never a target: `pid` equal to this process's id is refused, so safe
/// code can not write into memory this program's own references hold.
/// (The kernel also needs the right to trace the target: with Yama's
/// `ptrace_scope` at 1 or more, sibling processes are refused and an
/// error says so.)
///
/// ```
/// // this process is never a target
/// let cookie = [7u8; 16];
/// let target = vec![0u8; 64];
/// let me = std::process::id() as i32;
/// let err = node_shm::write_to_process(me, cookie.as_ptr() as usize, &cookie, target.as_ptr() as usize, b"x");
/// assert!(err.is_err());
/// assert_eq!(target[0], 0);
/// ```
pub fn write_to_process(
    pid: i32,
    cookie_address: usize,
    cookie: &[u8; 16],
    address: usize,
    data: &[u8],
) -> io::Result<()> {
    if u32::try_from(pid).ok() == Some(std::process::id()) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "write_to_process never writes into this process",
        ));
    }
    let mut seen = [0u8; 16];
    let local = libc::iovec {
        iov_base: seen.as_mut_ptr().cast(),
        iov_len: seen.len(),
    };
    let remote = libc::iovec {
        iov_base: cookie_address as *mut libc::c_void,
        iov_len: seen.len(),
    };
    // SAFETY: `local` describes `seen`, writable and alive for the call;
    // `remote` is only read, in the other process, by the kernel, which
    // checks that it is mapped there.
    let got = unsafe { libc::process_vm_readv(pid, &local, 1, &remote, 1, 0) };
    if got != 16 {
        return Err(last_error("reading the peer's cookie"));
    }
    if &seen != cookie {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("process {pid} does not hold the cookie it was said to: not the peer"),
        ));
    }
    // the kernel caps one transfer near 2 GiB: go by 1 GiB
    let mut done = 0;
    while done < data.len() {
        let piece = (data.len() - done).min(1 << 30);
        let local = libc::iovec {
            iov_base: data[done..].as_ptr() as *mut libc::c_void,
            iov_len: piece,
        };
        let remote = libc::iovec {
            iov_base: (address + done) as *mut libc::c_void,
            iov_len: piece,
        };
        // SAFETY: `local` describes part of `data`, which the kernel only
        // reads; `remote` lies in the other process, which published it as
        // writable and leaves it alone until told (see above); the kernel
        // checks it is mapped there.
        let wrote = unsafe { libc::process_vm_writev(pid, &local, 1, &remote, 1, 0) };
        if wrote < 0 {
            return Err(last_error("writing into the peer"));
        }
        if wrote == 0 {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "writing into the peer: nothing was written",
            ));
        }
        done += wrote as usize;
    }
    Ok(())
}

fn last_error(what: &str) -> io::Error {
    let e = io::Error::last_os_error();
    io::Error::new(e.kind(), format!("{what}: {e}"))
}

impl SharedBuffer {
    /// `len` zero bytes shared through a new memfd (`len` may be 0: then
    /// nothing is mapped and peers open an empty buffer).
    pub fn new(len: usize) -> io::Result<SharedBuffer> {
        // SAFETY: the name is a NUL-terminated literal; flags are valid.
        let fd = unsafe {
            libc::memfd_create(
                c"distarray".as_ptr(),
                libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
            )
        };
        if fd < 0 {
            return Err(last_error("memfd_create"));
        }
        let close = |e: io::Error| {
            // SAFETY: fd is the descriptor memfd_create returned, closed once.
            unsafe { libc::close(fd) };
            e
        };
        let size = libc::off_t::try_from(len)
            .map_err(|_| close(io::Error::other("shared buffer too large")))?;
        // SAFETY: fd is a valid memfd; ftruncate sizes it (zero-filled).
        if unsafe { libc::ftruncate(fd, size) } != 0 {
            return Err(close(last_error("ftruncate")));
        }
        // sealed at its size: no process can shrink it under a peer's
        // mapping (reading past the end of a shrunk file is a SIGBUS), and
        // peers refuse files without this seal
        let seals = libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_SEAL;
        // SAFETY: fd is a memfd created with MFD_ALLOW_SEALING; F_ADD_SEALS
        // takes an int of seal flags.
        if unsafe { libc::fcntl(fd, libc::F_ADD_SEALS, seals) } != 0 {
            return Err(close(last_error("fcntl(F_ADD_SEALS)")));
        }
        let map = map(fd, len, libc::PROT_READ | libc::PROT_WRITE).map_err(close)?;
        Ok(SharedBuffer { map, fd: Some(fd) })
    }

    /// The handle peers open this buffer with, until [`Self::close_handle`].
    pub fn handle(&self) -> Option<Handle> {
        self.fd.map(|fd| Handle {
            // SAFETY: getpid has no preconditions.
            pid: unsafe { libc::getpid() },
            fd,
        })
    }

    /// Closes the descriptor: peers that opened the buffer keep their
    /// mappings; no new peer can open it.
    pub fn close_handle(&mut self) {
        if let Some(fd) = self.fd.take() {
            // SAFETY: fd is our memfd, closed once (taken out of self.fd).
            unsafe { libc::close(fd) };
        }
    }

    /// The buffer's length in bytes.
    pub fn len(&self) -> usize {
        self.map.len
    }

    /// Whether the buffer is empty.
    pub fn is_empty(&self) -> bool {
        self.map.len == 0
    }

    /// The bytes, writable (peers see the writes).
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        self.map.slice_mut()
    }
}

impl Drop for SharedBuffer {
    fn drop(&mut self) {
        self.close_handle();
    }
}

impl PeerBuffer {
    /// Opens a peer's buffer of at least `len` bytes by its handle. Fails
    /// when `/proc` does not let this process open the peer's descriptor,
    /// when it is not a sealed memfd (another process's file: callers
    /// should open handles of processes on their own node only, and check
    /// contents they know), or when the buffer is smaller.
    pub fn open(handle: Handle, len: usize) -> io::Result<PeerBuffer> {
        let path = format!("/proc/{}/fd/{}\0", handle.pid, handle.fd);
        // non-blocking and never a controlling terminal: should the handle
        // name something else than a peer's buffer (a FIFO, a tty), opening
        // it does not wait for a writer nor take the terminal (callers give
        // handles of same-node ranks only, so this is a second line)
        let flags = libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC;
        // SAFETY: path is NUL-terminated; open only reads it.
        let fd = unsafe { libc::open(path.as_ptr().cast(), flags) };
        if fd < 0 {
            return Err(last_error(&format!("open {}", path.trim_end_matches('\0'))));
        }
        // the shrink seal first (-1: not a sealable file), then the size:
        // once sealed the size can not go down between the check and a read
        // SAFETY: fd is open; F_GET_SEALS takes no argument.
        let seals = unsafe { libc::fcntl(fd, libc::F_GET_SEALS) };
        let sealed = seals > 0 && seals & libc::F_SEAL_SHRINK != 0;
        // SAFETY: an all-zero stat is a valid value to be overwritten.
        let mut stat: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: fd is open; stat is a valid, writable stat.
        let fits = sealed
            && unsafe { libc::fstat(fd, &mut stat) } == 0
            && stat.st_mode & libc::S_IFMT == libc::S_IFREG
            && usize::try_from(stat.st_size).is_ok_and(|size| size >= len);
        let mapped = if fits {
            map(fd, len, libc::PROT_READ)
        } else {
            Err(io::Error::other(format!(
                "{}/{} is not a shared buffer of at least {len} bytes (a sealed memfd)",
                handle.pid, handle.fd
            )))
        };
        // SAFETY: fd was opened above and is closed once; the mapping, if
        // any, does not need it.
        unsafe { libc::close(fd) };
        Ok(PeerBuffer { map: mapped? })
    }

    /// The buffer's length in bytes (as opened).
    pub fn len(&self) -> usize {
        self.map.len
    }

    /// Whether the buffer is empty.
    pub fn is_empty(&self) -> bool {
        self.map.len == 0
    }

    /// Copies `out.len()` bytes from `offset` into `out`, with streaming
    /// stores into `out` on x86-64 for copies of 1 KiB or more (`out` is
    /// meant to be a large target not read again soon; the stores are
    /// fenced before returning).
    ///
    /// # Panics
    /// When the range is outside the buffer.
    pub fn copy_to(&self, offset: usize, out: &mut [u8]) {
        let end = offset.checked_add(out.len());
        assert!(
            end.is_some_and(|end| end <= self.map.len),
            "PeerBuffer::copy_to: bytes {offset}..{} of a {}-byte buffer",
            offset.saturating_add(out.len()),
            self.map.len
        );
        if out.is_empty() {
            return;
        }
        // SAFETY: offset + out.len() <= len (checked), so the range lies
        // inside the mapping, which lives as long as &self; its bytes are
        // initialised (file pages) and distinct from `out`; this process
        // never writes a peer's mapping, and the creator does not write
        // the range during the copy (the caller's messages order the two,
        // see the crate documentation).
        let src = unsafe { std::slice::from_raw_parts(self.map.ptr.add(offset), out.len()) };
        if out.len() >= STREAM_MIN_BYTES {
            nontemporal::copy(out, src);
        } else {
            out.copy_from_slice(src);
        }
    }
}

/// Maps `len` bytes of `fd` shared with `prot`.
fn map(fd: i32, len: usize, prot: i32) -> io::Result<Mapping> {
    if len == 0 {
        return Ok(Mapping {
            ptr: std::ptr::NonNull::dangling().as_ptr(),
            len: 0,
        });
    }
    // SAFETY: a fresh shared mapping chosen by the kernel (no fixed
    // address), of an open descriptor; the result is checked.
    let ptr = unsafe { libc::mmap(std::ptr::null_mut(), len, prot, libc::MAP_SHARED, fd, 0) };
    if ptr == libc::MAP_FAILED {
        return Err(last_error("mmap"));
    }
    Ok(Mapping {
        ptr: ptr.cast(),
        len,
    })
}

impl Mapping {
    fn slice_mut(&mut self) -> &mut [u8] {
        // SAFETY: ptr is valid for len bytes (or dangling with len 0) for
        // as long as self; &mut self makes this the only Rust reference.
        // Peer processes may read the bytes meanwhile, which does not
        // affect this process.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This process is never written; another process (here `sleep`)
    /// that does not hold the cookie at the address is not written either.
    #[test]
    fn writes_only_where_the_cookie_is() {
        let cookie = [3u8; 16];
        let target = vec![0u8; 16];
        let me = std::process::id() as i32;
        let at = (cookie.as_ptr() as usize, target.as_ptr() as usize);
        assert!(write_to_process(me, at.0, &cookie, at.1, b"x").is_err());
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let err = write_to_process(child.id() as i32, at.0, &cookie, at.1, b"x");
        let _ = child.kill();
        let _ = child.wait();
        assert!(err.is_err());
        assert_eq!(target, vec![0u8; 16]);
    }

    #[test]
    fn a_peer_sees_what_the_creator_writes_at_every_offset_and_length() {
        let len = 10_000;
        let mut mine = SharedBuffer::new(len).unwrap();
        assert_eq!(mine.len(), len);
        for (i, b) in mine.as_mut_slice().iter_mut().enumerate() {
            *b = (i * 31 % 251) as u8;
        }
        let peer = PeerBuffer::open(mine.handle().unwrap(), len).unwrap();
        for (offset, n) in [
            (0, 0),
            (0, 1),
            (3, 1023),
            (5, 1024),
            (1, 4000),
            (17, 9983),
            (0, len),
        ] {
            for pad in 0..3 {
                let mut out = vec![0xEEu8; n + 2 * pad];
                peer.copy_to(offset, &mut out[pad..pad + n]);
                let want: Vec<u8> = (offset..offset + n).map(|i| (i * 31 % 251) as u8).collect();
                assert_eq!(
                    &out[pad..pad + n],
                    &want[..],
                    "offset {offset} n {n} pad {pad}"
                );
                assert!(out[..pad].iter().chain(&out[pad + n..]).all(|&b| b == 0xEE));
            }
        }
        // later writes are seen: the mapping is shared, not a copy
        mine.as_mut_slice()[100] = 7;
        let mut one = [0u8];
        peer.copy_to(100, &mut one);
        assert_eq!(one, [7]);
    }

    #[test]
    fn the_mapping_outlives_the_closed_handle_and_the_creator() {
        let mut mine = SharedBuffer::new(64).unwrap();
        mine.as_mut_slice()[63] = 9;
        let handle = mine.handle().unwrap();
        let peer = PeerBuffer::open(handle, 64).unwrap();
        mine.close_handle();
        assert!(mine.handle().is_none());
        assert!(
            PeerBuffer::open(handle, 64).is_err(),
            "closed: no new peers"
        );
        drop(mine);
        let mut out = [0u8; 1];
        peer.copy_to(63, &mut out);
        assert_eq!(out, [9]);
    }

    #[test]
    fn bad_handles_and_sizes_are_errors() {
        let mine = SharedBuffer::new(64).unwrap();
        let h = mine.handle().unwrap();
        let err = PeerBuffer::open(h, 65).unwrap_err();
        assert!(err.to_string().contains("at least 65 bytes"), "{err}");
        let gone = Handle {
            pid: h.pid,
            fd: 1_000_000,
        };
        assert!(PeerBuffer::open(gone, 8).is_err());
        assert_eq!(Handle::from_words(h.to_words()), Some(h));
        assert_eq!(Handle::from_words([-1, 3]), None);
        assert_eq!(Handle::from_words([1 << 40, 3]), None);
        let empty = SharedBuffer::new(0).unwrap();
        assert!(empty.is_empty());
        assert!(PeerBuffer::open(empty.handle().unwrap(), 0)
            .unwrap()
            .is_empty());
    }

    /// Handles naming something else than a sealed memfd (what a handle
    /// from another node could name here) are refused, never waited on.
    #[test]
    fn other_files_are_refused_without_waiting() {
        use std::os::fd::AsRawFd;
        let pid = std::process::id() as i32;
        let dir = std::env::temp_dir().join(format!("node-shm-test-{pid}"));
        std::fs::create_dir_all(&dir).unwrap();
        let file_path = dir.join("plain");
        std::fs::write(&file_path, [1u8; 4096]).unwrap();
        let file = std::fs::File::open(&file_path).unwrap();
        let plain = Handle {
            pid,
            fd: file.as_raw_fd(),
        };
        assert!(
            PeerBuffer::open(plain, 16).is_err(),
            "an unsealed regular file"
        );
        let fifo_path = dir.join("fifo");
        let c_path = std::ffi::CString::new(fifo_path.to_str().unwrap()).unwrap();
        // SAFETY: a NUL-terminated path; mkfifo only creates the node.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        // a FIFO without writers (we only read, without blocking), named
        // by a handle: a blocking read-only open of it would wait forever
        use std::os::unix::fs::OpenOptionsExt;
        let fifo = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo_path)
            .unwrap();
        let named = Handle {
            pid,
            fd: fifo.as_raw_fd(),
        };
        assert!(PeerBuffer::open(named, 16).is_err(), "a FIFO");
        drop((file, fifo));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    #[should_panic(expected = "bytes 60..70 of a 64-byte buffer")]
    fn copies_outside_the_buffer_panic() {
        let mine = SharedBuffer::new(64).unwrap();
        let peer = PeerBuffer::open(mine.handle().unwrap(), 64).unwrap();
        peer.copy_to(60, &mut [0u8; 10]);
    }
}
