use super::layout::rights;
use super::*;
use wasmtime::AsContextMut;

fn u64_at(b: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(b[i..i + 8].try_into().unwrap())
}

#[test]
fn filestat_layout() {
    let st = Stat {
        dev: 0x0102_0304_0506_0708,
        ino: 0x1_0000_0002,
        mode: S_IFREG | 0o644,
        nlink: 3,
        size: 0x7_0000_0008,
        atime: (10, 11),
        mtime: (12, 13),
        ctime: (-1, 5),
        ..Stat::default()
    };
    let b = filestat_bytes(&st);
    assert_eq!(b.len(), 64);
    assert_eq!(u64_at(&b, 0), 0x0102_0304_0506_0708);
    assert_eq!(u64_at(&b, 8), 0x1_0000_0002);
    assert_eq!(b[16], filetype::REGULAR_FILE);
    assert_eq!(&b[17..24], &[0; 7]);
    assert_eq!(u64_at(&b, 24), 3);
    assert_eq!(u64_at(&b, 32), 0x7_0000_0008);
    assert_eq!(u64_at(&b, 40), 10_000_000_011);
    assert_eq!(u64_at(&b, 48), 12_000_000_013);
    // Before the epoch: not representable, 0.
    assert_eq!(u64_at(&b, 56), 0);
    let dir = Stat {
        mode: S_IFDIR | 0o755,
        ..Stat::default()
    };
    assert_eq!(filestat_bytes(&dir)[16], filetype::DIRECTORY);
    let fifo = Stat {
        mode: S_IFIFO,
        ..Stat::default()
    };
    assert_eq!(filestat_bytes(&fifo)[16], filetype::UNKNOWN);
}

#[test]
fn dirent_layout() {
    let e = DirEntry {
        name: "hello".into(),
        ino: 0xabcdef,
        kind: FileKind::Symlink,
        next: 7,
    };
    let b = dirent_bytes(&e);
    assert_eq!(b.len(), 24 + 5);
    assert_eq!(u64_at(&b, 0), 7);
    assert_eq!(u64_at(&b, 8), 0xabcdef);
    assert_eq!(u32::from_le_bytes(b[16..20].try_into().unwrap()), 5);
    assert_eq!(b[20], filetype::SYMBOLIC_LINK);
    assert_eq!(&b[21..24], &[0; 3]);
    assert_eq!(&b[24..], b"hello");
}

#[test]
fn fdstat_layout_and_rights() {
    let b = fdstat_bytes(filetype::REGULAR_FILE, 0x11, 0x1234, 0x5678);
    assert_eq!(b[0], 4);
    assert_eq!(b[1], 0);
    assert_eq!(u16::from_le_bytes([b[2], b[3]]), 0x11);
    assert_eq!(u64_at(&b, 8), 0x1234);
    assert_eq!(u64_at(&b, 16), 0x5678);
    // Files: read and write rights by access mode.
    let (ro, inh) = rights_of(filetype::REGULAR_FILE, O_RDONLY);
    assert_eq!(inh, 0);
    assert!(ro & rights::FD_READ != 0 && ro & rights::FD_WRITE == 0);
    assert!(ro & rights::FD_SEEK != 0);
    let (wo, _) = rights_of(filetype::REGULAR_FILE, O_WRONLY | O_APPEND);
    assert!(wo & rights::FD_READ == 0 && wo & rights::FD_WRITE != 0);
    let (rw, _) = rights_of(filetype::REGULAR_FILE, O_RDWR);
    assert!(rw & rights::FD_READ != 0 && rw & rights::FD_WRITE != 0);
    let (p, _) = rights_of(filetype::REGULAR_FILE, O_RDWR | O_PATH);
    assert_eq!(p & (rights::READING | rights::WRITING), 0);
    // Terminals cannot seek or tell (wasi-libc's isatty test).
    let (tty, _) = rights_of(filetype::CHARACTER_DEVICE, O_WRONLY);
    assert_eq!(tty & (rights::FD_SEEK | rights::FD_TELL), 0);
    assert!(tty & rights::FD_WRITE != 0);
    // Directories hand every right on to what is opened in them.
    let (d, inh) = rights_of(filetype::DIRECTORY, O_RDONLY);
    assert!(d & rights::FD_READDIR != 0 && d & rights::PATH_OPEN != 0);
    assert_eq!(d & rights::FD_WRITE, 0);
    assert_eq!(inh, rights::ALL);
    assert_eq!(fdflags_of(O_WRONLY | O_APPEND | O_NONBLOCK), 1 | 4);
    assert_eq!(fdflags_of(O_SYNC), 2 | 8 | 16);
    assert_eq!(fdflags_of(O_DSYNC), 2);
}

#[test]
fn path_open_flags() {
    use rights::*;
    // wasi-libc's O_RDONLY: every right but the writing ones.
    let ro = ALL & !WRITING;
    assert_eq!(open_flags(1, 0, ro, 0), Ok(O_RDONLY));
    assert_eq!(
        open_flags(1, 0, ALL & !READING, FDFLAGS_APPEND),
        Ok(O_WRONLY | O_APPEND)
    );
    assert_eq!(
        open_flags(1, OFLAGS_CREAT | OFLAGS_TRUNC | OFLAGS_EXCL, ALL, 0),
        Ok(O_RDWR | O_CREAT | O_TRUNC | O_EXCL)
    );
    assert_eq!(
        open_flags(0, OFLAGS_DIRECTORY, FD_READDIR, FDFLAGS_NONBLOCK),
        Ok(O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_NOFOLLOW)
    );
    // No rights at all: reading, as other runtimes do.
    assert_eq!(open_flags(1, 0, 0, 0), Ok(O_RDONLY));
    assert_eq!(
        open_flags(1, 0, FD_DATASYNC, FDFLAGS_SYNC),
        Ok(O_WRONLY | O_SYNC)
    );
    assert_eq!(open_flags(2, 0, ro, 0), Err(Errno::INVAL));
    assert_eq!(open_flags(1, 16, ro, 0), Err(Errno::INVAL));
    assert_eq!(open_flags(1, 0, ro, 32), Err(Errno::INVAL));
}

#[test]
fn set_times_flags() {
    let now = FST_ATIM_NOW | FST_MTIM;
    assert_eq!(
        time_sets(0, 1_500_000_000_000_000_123, now as i32),
        Ok((TimeSet::Now, TimeSet::At(1_500_000_000, 123)))
    );
    assert_eq!(time_sets(5, 5, 0), Ok((TimeSet::Omit, TimeSet::Omit)));
    assert_eq!(
        time_sets(0, 0, (FST_ATIM | FST_ATIM_NOW) as i32),
        Err(Errno::INVAL)
    );
    assert_eq!(time_sets(0, 0, 16), Err(Errno::INVAL));
    assert_eq!(time_sets(0, 0, -1), Err(Errno::INVAL));
}

#[test]
fn subscriptions_and_events() {
    let mut clock = [0u8; 48];
    clock[0..8].copy_from_slice(&42u64.to_le_bytes());
    clock[8] = EVENTTYPE_CLOCK;
    clock[16..20].copy_from_slice(&1u32.to_le_bytes());
    clock[24..32].copy_from_slice(&1000u64.to_le_bytes());
    clock[40] = 1;
    assert_eq!(
        subscription(&clock),
        Ok(Subscription::Clock {
            userdata: 42,
            id: 1,
            timeout: 1000,
            abstime: true
        })
    );
    let mut fd = [0u8; 48];
    fd[0] = 9;
    fd[8] = EVENTTYPE_FD_WRITE;
    fd[16] = 4;
    assert_eq!(
        subscription(&fd),
        Ok(Subscription::Fd {
            userdata: 9,
            fd: 4,
            write: true
        })
    );
    fd[8] = 3;
    assert_eq!(subscription(&fd), Err(Errno::INVAL));
    let e = event_bytes(7, Errno::BADF, EVENTTYPE_FD_READ, 100, true);
    assert_eq!(u64_at(&e, 0), 7);
    assert_eq!(u16::from_le_bytes([e[8], e[9]]), 8);
    assert_eq!(e[10], EVENTTYPE_FD_READ);
    assert_eq!(u64_at(&e, 16), 100);
    assert_eq!(u16::from_le_bytes([e[24], e[25]]), 1);
    let e = event_bytes(7, Errno(0), EVENTTYPE_CLOCK, 100, true);
    assert_eq!(&e[11..], &[0; 21]);
}

/// Every function, with the type wasi-libc imports it with (its
/// `__wasilibc_real.c`): i = i32, l = i64; all return an errno but
/// proc_exit.
const WASI_LIBC_TYPES: &[(&str, &str)] = &[
    ("args_get", "ii"),
    ("args_sizes_get", "ii"),
    ("environ_get", "ii"),
    ("environ_sizes_get", "ii"),
    ("clock_res_get", "ii"),
    ("clock_time_get", "ili"),
    ("fd_advise", "illi"),
    ("fd_allocate", "ill"),
    ("fd_close", "i"),
    ("fd_datasync", "i"),
    ("fd_fdstat_get", "ii"),
    ("fd_fdstat_set_flags", "ii"),
    ("fd_fdstat_set_rights", "ill"),
    ("fd_filestat_get", "ii"),
    ("fd_filestat_set_size", "il"),
    ("fd_filestat_set_times", "illi"),
    ("fd_pread", "iiili"),
    ("fd_prestat_get", "ii"),
    ("fd_prestat_dir_name", "iii"),
    ("fd_pwrite", "iiili"),
    ("fd_read", "iiii"),
    ("fd_readdir", "iiili"),
    ("fd_renumber", "ii"),
    ("fd_seek", "ilii"),
    ("fd_sync", "i"),
    ("fd_tell", "ii"),
    ("fd_write", "iiii"),
    ("path_create_directory", "iii"),
    ("path_filestat_get", "iiiii"),
    ("path_filestat_set_times", "iiiilli"),
    ("path_link", "iiiiiii"),
    ("path_open", "iiiiilli"),
    ("path_readlink", "iiiiii"),
    ("path_remove_directory", "iii"),
    ("path_rename", "iiiiii"),
    ("path_symlink", "iiiii"),
    ("path_unlink_file", "iii"),
    ("poll_oneoff", "iiii"),
    ("proc_exit", "i"),
    ("proc_raise", "i"),
    ("sched_yield", ""),
    ("random_get", "ii"),
    ("sock_accept", "iii"),
    ("sock_recv", "iiiiii"),
    ("sock_send", "iiiii"),
    ("sock_shutdown", "ii"),
];

#[test]
fn every_function_is_named_once() {
    crate::abi::table::tests::assert_unique(FUNCS.names());
}

#[test]
fn every_function_has_wasi_libcs_type() {
    use wasmparser::ValType;
    let mut store = crate::abi::table::tests::store();
    let mut cx = store.as_context_mut();
    let mut names: Vec<&str> = WASI_LIBC_TYPES.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    let mut all: Vec<&str> = FUNCS.names().collect();
    all.sort_unstable();
    assert_eq!(names, all);
    for (name, params) in WASI_LIBC_TYPES {
        let mut params: Vec<ValType> = params
            .chars()
            .map(|c| if c == 'l' { ValType::I64 } else { ValType::I32 })
            .collect();
        if *name == "path_open" {
            // fd, dirflags, path, len, oflags, 2 rights, fdflags, out.
            params.push(ValType::I32);
        }
        let results = if *name == "proc_exit" {
            vec![]
        } else {
            vec![ValType::I32]
        };
        let sig = Sig { params, results };
        let f = func(&mut cx, name, Some(&sig));
        assert!(matches!(f, Ok(Some(_))), "{name}: {f:?}");
    }
    assert!(matches!(func(&mut cx, "strftime", None), Ok(None)));
}
