//! Platforms without memfd and `/proc/<pid>/fd`: nothing can be shared,
//! both constructors say so (plans then use MPI alone).

use crate::Handle;
use std::convert::Infallible;
use std::io;

fn unsupported() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "node-shm needs Linux (memfd and /proc/<pid>/fd)",
    )
}

/// No advice on this platform: returns false.
pub fn advise_huge_pages<T>(_buf: &[T]) -> bool {
    false
}

/// Always an `Unsupported` error here.
pub fn write_to_process(
    _pid: i32,
    _cookie_address: usize,
    _cookie: &[u8; 16],
    _address: usize,
    _data: &[u8],
) -> io::Result<()> {
    Err(unsupported())
}

/// A shared buffer: none can exist on this platform.
#[derive(Debug)]
pub struct SharedBuffer(Infallible);

impl SharedBuffer {
    /// Always an `Unsupported` error here.
    pub fn new(_len: usize) -> io::Result<SharedBuffer> {
        Err(unsupported())
    }
    /// Unreachable: no buffer exists.
    pub fn handle(&self) -> Option<Handle> {
        match self.0 {}
    }
    /// Unreachable: no buffer exists.
    pub fn close_handle(&mut self) {
        match self.0 {}
    }
    /// Unreachable: no buffer exists.
    pub fn len(&self) -> usize {
        match self.0 {}
    }
    /// Unreachable: no buffer exists.
    pub fn is_empty(&self) -> bool {
        match self.0 {}
    }
    /// Unreachable: no buffer exists.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        match self.0 {}
    }
}

/// A peer's buffer: none can be opened on this platform.
#[derive(Debug)]
pub struct PeerBuffer(Infallible);

impl PeerBuffer {
    /// Always an `Unsupported` error here.
    pub fn open(_handle: Handle, _len: usize) -> io::Result<PeerBuffer> {
        Err(unsupported())
    }
    /// Unreachable: no buffer exists.
    pub fn len(&self) -> usize {
        match self.0 {}
    }
    /// Unreachable: no buffer exists.
    pub fn is_empty(&self) -> bool {
        match self.0 {}
    }
    /// Unreachable: no buffer exists.
    pub fn copy_to(&self, _offset: usize, _out: &mut [u8]) {
        match self.0 {}
    }
}
