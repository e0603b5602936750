//! Error numbers in the WASI numbering, and their host translation.

use std::io;

/// An error number in the WASI numbering (also Emscripten's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub i32);

impl Errno {
    /// EACCES: permission denied.
    pub const ACCES: Errno = Errno(2);
    /// EAGAIN: try again (would block).
    pub const AGAIN: Errno = Errno(6);
    /// EBADF: bad file descriptor.
    pub const BADF: Errno = Errno(8);
    /// EBUSY: resource busy.
    pub const BUSY: Errno = Errno(10);
    /// EEXIST: file exists.
    pub const EXIST: Errno = Errno(20);
    /// EFAULT: bad address.
    pub const FAULT: Errno = Errno(21);
    /// EFBIG: file too large.
    pub const FBIG: Errno = Errno(22);
    /// EILSEQ: illegal byte sequence.
    pub const ILSEQ: Errno = Errno(25);
    /// EINTR: interrupted call.
    pub const INTR: Errno = Errno(27);
    /// EINVAL: invalid argument.
    pub const INVAL: Errno = Errno(28);
    /// EIO: input/output error.
    pub const IO: Errno = Errno(29);
    /// EISDIR: is a directory.
    pub const ISDIR: Errno = Errno(31);
    /// ELOOP: too many symbolic links.
    pub const LOOP: Errno = Errno(32);
    /// EMFILE: too many open files.
    pub const MFILE: Errno = Errno(33);
    /// EMLINK: too many links.
    pub const MLINK: Errno = Errno(34);
    /// ENAMETOOLONG: file name too long.
    pub const NAMETOOLONG: Errno = Errno(37);
    /// ENODEV: no such device.
    pub const NODEV: Errno = Errno(43);
    /// ENOENT: no such file or directory.
    pub const NOENT: Errno = Errno(44);
    /// ENOMEM: out of memory.
    pub const NOMEM: Errno = Errno(48);
    /// ENOSPC: no space left on device.
    pub const NOSPC: Errno = Errno(51);
    /// ENOSYS: function not implemented.
    pub const NOSYS: Errno = Errno(52);
    /// ENOTDIR: not a directory.
    pub const NOTDIR: Errno = Errno(54);
    /// ENOTEMPTY: directory not empty.
    pub const NOTEMPTY: Errno = Errno(55);
    /// ENOTSOCK: not a socket.
    pub const NOTSOCK: Errno = Errno(57);
    /// ENOTSUP: operation not supported.
    pub const NOTSUP: Errno = Errno(58);
    /// ENOTTY: not a terminal.
    pub const NOTTY: Errno = Errno(59);
    /// EOVERFLOW: value too large for its type.
    pub const OVERFLOW: Errno = Errno(61);
    /// EPERM: operation not permitted.
    pub const PERM: Errno = Errno(63);
    /// EPIPE: broken pipe.
    pub const PIPE: Errno = Errno(64);
    /// ERANGE: result out of range.
    pub const RANGE: Errno = Errno(68);
    /// EROFS: read-only file system.
    pub const ROFS: Errno = Errno(69);
    /// ESPIPE: illegal seek.
    pub const SPIPE: Errno = Errno(70);
    /// EXDEV: cross-device link.
    pub const XDEV: Errno = Errno(75);
    /// ENXIO: no reader on the other end of a FIFO opened O_NONBLOCK for
    /// writing.
    pub const NXIO: Errno = Errno(60);
    /// Not an errno: the program's `--timeout` passed while the host
    /// waited for it. Never returned to the program: the ABI layers end it
    /// (with the timeout's status) instead, so it cannot run on.
    pub const DEADLINE: Errno = Errno(-1);

    /// Translates a host (Linux/libc) errno.
    pub fn from_host(code: i32) -> Errno {
        let wasi = match code {
            libc::E2BIG => 1,
            libc::EACCES => 2,
            libc::EADDRINUSE => 3,
            libc::EADDRNOTAVAIL => 4,
            libc::EAFNOSUPPORT => 5,
            libc::EAGAIN => 6,
            libc::EALREADY => 7,
            libc::EBADF => 8,
            libc::EBADMSG => 9,
            libc::EBUSY => 10,
            libc::ECANCELED => 11,
            libc::ECHILD => 12,
            libc::ECONNABORTED => 13,
            libc::ECONNREFUSED => 14,
            libc::ECONNRESET => 15,
            libc::EDEADLK => 16,
            libc::EDESTADDRREQ => 17,
            libc::EDOM => 18,
            libc::EDQUOT => 19,
            libc::EEXIST => 20,
            libc::EFAULT => 21,
            libc::EFBIG => 22,
            libc::EHOSTUNREACH => 23,
            libc::EIDRM => 24,
            libc::EILSEQ => 25,
            libc::EINPROGRESS => 26,
            libc::EINTR => 27,
            libc::EINVAL => 28,
            libc::EIO => 29,
            libc::EISCONN => 30,
            libc::EISDIR => 31,
            libc::ELOOP => 32,
            libc::EMFILE => 33,
            libc::EMLINK => 34,
            libc::EMSGSIZE => 35,
            libc::EMULTIHOP => 36,
            libc::ENAMETOOLONG => 37,
            libc::ENETDOWN => 38,
            libc::ENETRESET => 39,
            libc::ENETUNREACH => 40,
            libc::ENFILE => 41,
            libc::ENOBUFS => 42,
            libc::ENODEV => 43,
            libc::ENOENT => 44,
            libc::ENOEXEC => 45,
            libc::ENOLCK => 46,
            libc::ENOLINK => 47,
            libc::ENOMEM => 48,
            libc::ENOMSG => 49,
            libc::ENOPROTOOPT => 50,
            libc::ENOSPC => 51,
            libc::ENOSYS => 52,
            libc::ENOTCONN => 53,
            libc::ENOTDIR => 54,
            libc::ENOTEMPTY => 55,
            libc::ENOTRECOVERABLE => 56,
            libc::ENOTSOCK => 57,
            libc::ENOTSUP => 58,
            libc::ENOTTY => 59,
            libc::ENXIO => 60,
            libc::EOVERFLOW => 61,
            libc::EOWNERDEAD => 62,
            libc::EPERM => 63,
            libc::EPIPE => 64,
            libc::EPROTO => 65,
            libc::EPROTONOSUPPORT => 66,
            libc::EPROTOTYPE => 67,
            libc::ERANGE => 68,
            libc::EROFS => 69,
            libc::ESPIPE => 70,
            libc::ESRCH => 71,
            libc::ESTALE => 72,
            libc::ETIMEDOUT => 73,
            libc::ETXTBSY => 74,
            libc::EXDEV => 75,
            _ => 29, // EIO
        };
        Errno(wasi)
    }
}

impl From<io::Error> for Errno {
    fn from(e: io::Error) -> Errno {
        if let Some(code) = e.raw_os_error() {
            return Errno::from_host(code);
        }
        match e.kind() {
            // cap-std's "a path led outside of the filesystem".
            io::ErrorKind::PermissionDenied => Errno::PERM,
            io::ErrorKind::NotFound => Errno::NOENT,
            io::ErrorKind::AlreadyExists => Errno::EXIST,
            io::ErrorKind::InvalidInput => Errno::INVAL,
            io::ErrorKind::Unsupported => Errno::NOTSUP,
            io::ErrorKind::WouldBlock => Errno::AGAIN,
            io::ErrorKind::BrokenPipe => Errno::PIPE,
            _ => Errno::IO,
        }
    }
}

impl std::fmt::Display for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "errno {}", self.0)
    }
}

/// Result of a file operation.
pub type Result<T> = std::result::Result<T, Errno>;
