use super::*;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

/// A fresh host directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "dlrun-vfs-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn grant(host: &Path, guest: &str) -> Preopen {
    Preopen {
        host: host.to_path_buf(),
        guest: guest.to_string(),
    }
}

fn names(v: &Vfs, fd: i32) -> Vec<String> {
    v.getdents(fd, 1000)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect()
}

/// The compiled-module cache inside a grant: whatever the program
/// tries, the key keeps its bytes and nothing is added.
#[test]
fn a_hidden_directory_is_out_of_reach_through_every_name() {
    let t = TempDir::new();
    let cache = t.path().join("cache");
    std::fs::create_dir(&cache).unwrap();
    std::fs::write(cache.join("key"), b"secret").unwrap();
    let mut v = Vfs::new(&[grant(t.path(), "/g")]).unwrap();
    v.hide(&cache, &["key"]);
    let wr = O_WRONLY | O_CREAT | O_TRUNC;
    assert_eq!(
        v.open(AT_FDCWD, "/g/cache/key", O_RDONLY, 0),
        Err(Errno::ACCES)
    );
    assert_eq!(
        v.open(AT_FDCWD, "/g/cache/new", wr, 0o644),
        Err(Errno::ACCES)
    );
    assert_eq!(
        v.open(AT_FDCWD, "/g/cache", O_RDONLY | O_DIRECTORY, 0),
        Err(Errno::ACCES)
    );
    v.symlink("cache/key", AT_FDCWD, "/g/k").unwrap();
    v.symlink("cache", AT_FDCWD, "/g/c").unwrap();
    assert_eq!(v.open(AT_FDCWD, "/g/k", wr, 0o644), Err(Errno::ACCES));
    assert_eq!(v.open(AT_FDCWD, "/g/c/key", O_RDONLY, 0), Err(Errno::ACCES));
    assert_eq!(v.truncate(AT_FDCWD, "/g/k", 0), Err(Errno::ACCES));
    assert_eq!(v.chmod(AT_FDCWD, "/g/k", 0o644, 0), Err(Errno::ACCES));
    assert_eq!(
        v.link(AT_FDCWD, "/g/c/key", AT_FDCWD, "/g/k2"),
        Err(Errno::ACCES)
    );
    assert_eq!(
        v.rename(AT_FDCWD, "/g/cache", AT_FDCWD, "/g/x"),
        Err(Errno::BUSY)
    );
    assert_eq!(
        v.rename(AT_FDCWD, "/g/k", AT_FDCWD, "/g/cache/k"),
        Err(Errno::ACCES)
    );
    assert_eq!(
        v.unlink(AT_FDCWD, "/g/cache", AT_REMOVEDIR),
        Err(Errno::BUSY)
    );
    assert_eq!(std::fs::read(cache.join("key")).unwrap(), b"secret");
    assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 1);
    // Everything else in the grant works as before.
    let fd = v.open(AT_FDCWD, "/g/k", O_RDONLY | O_NOFOLLOW | O_PATH, 0);
    assert!(fd.is_err() || v.close(fd.unwrap()).is_ok());
    v.unlink(AT_FDCWD, "/g/k", 0).unwrap();
    let fd = v.open(AT_FDCWD, "/g/f", wr, 0o644).unwrap();
    v.close(fd).unwrap();
    v.rename(AT_FDCWD, "/g/f", AT_FDCWD, "/g/f2").unwrap();
    v.mkdir(AT_FDCWD, "/g/sub", 0o755).unwrap();
    v.symlink("../f2", AT_FDCWD, "/g/sub/up").unwrap();
    let fd = v.open(AT_FDCWD, "/g/sub/up", O_RDONLY, 0).unwrap();
    v.close(fd).unwrap();
}

/// A cache directory not made yet: the program cannot make it first.
#[test]
fn a_missing_hidden_directory_cannot_be_made_by_the_program() {
    let t = TempDir::new();
    let mut v = Vfs::new(&[grant(t.path(), "/g")]).unwrap();
    v.hide(&t.path().join("cache"), &["key"]);
    assert_eq!(v.mkdir(AT_FDCWD, "/g/cache", 0o755), Err(Errno::ACCES));
    v.mkdir(AT_FDCWD, "/g/other", 0o755).unwrap();
    assert_eq!(
        v.rename(AT_FDCWD, "/g/other", AT_FDCWD, "/g/cache"),
        Err(Errno::ACCES)
    );
    assert_eq!(v.symlink("other", AT_FDCWD, "/g/cache"), Err(Errno::ACCES));
}

#[test]
fn symlink_targets_are_checked_by_resolution() {
    let t = TempDir::new();
    std::fs::create_dir(t.path().join("d")).unwrap();
    let v = Vfs::new(&[grant(t.path(), "/g")]).unwrap();
    v.symlink(".", AT_FDCWD, "/g/dot").unwrap();
    assert_eq!(v.symlink("dot/..", AT_FDCWD, "/g/esc"), Err(Errno::PERM));
    assert_eq!(
        v.symlink("dot/dot/../x", AT_FDCWD, "/g/esc"),
        Err(Errno::PERM)
    );
    v.symlink("..", AT_FDCWD, "/g/d/up").unwrap();
    assert_eq!(v.symlink("up/..", AT_FDCWD, "/g/d/esc"), Err(Errno::PERM));
    v.symlink("loop2", AT_FDCWD, "/g/loop1").unwrap();
    v.symlink("loop1", AT_FDCWD, "/g/loop2").unwrap();
    assert_eq!(v.symlink("loop1/x", AT_FDCWD, "/g/l"), Err(Errno::LOOP));
    v.symlink("dot/d/../d", AT_FDCWD, "/g/fine").unwrap();
    v.symlink("missing/../d", AT_FDCWD, "/g/fine2").unwrap();
    assert!(std::fs::symlink_metadata(t.path().join("esc")).is_err());
    assert!(std::fs::symlink_metadata(t.path().join("d/esc")).is_err());
}

#[test]
fn chmod_of_a_grant_root() {
    use std::os::unix::fs::PermissionsExt as _;
    let t = TempDir::new();
    let v = Vfs::new(&[grant(t.path(), "/g")]).unwrap();
    v.chmod(AT_FDCWD, "/g", 0o750, 0).unwrap();
    let mode = std::fs::metadata(t.path()).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o750);
}

#[test]
fn normalization() {
    assert_eq!(normalize("/", ""), "/");
    assert_eq!(normalize("/", "."), "/");
    assert_eq!(normalize("/", ".."), "/");
    assert_eq!(normalize("/", "../../x"), "/x");
    assert_eq!(normalize("/a/b", "c"), "/a/b/c");
    assert_eq!(normalize("/a/b", "../c"), "/a/c");
    assert_eq!(normalize("/a/b", "/c/./d//e/"), "/c/d/e");
    assert_eq!(normalize("/a", "b/../../../.."), "/");
    assert_eq!(normalize("/a", "x/.."), "/a");
}

#[test]
fn preopen_guest_paths() {
    let p = |s| Preopen::parse(s).unwrap();
    assert_eq!(p(".").guest, "/");
    assert_eq!(p("./").guest, "/");
    assert_eq!(p("data").guest, "/data");
    assert_eq!(p("a/../b/").guest, "/b");
    assert_eq!(p("../up").guest, "/up");
    assert_eq!(p("/srv/x").guest, "/srv/x");
    assert_eq!(p("/srv/x::/data").guest, "/data");
    assert_eq!(p("/srv/x::data").guest, "/data");
    assert_eq!(p("/srv/x::/data").host, PathBuf::from("/srv/x"));
    assert!(Preopen::parse("::/x").is_err());
    assert!(Preopen::parse("x::").is_err());
}

#[test]
fn missing_host_dir_is_an_error() {
    let t = TempDir::new();
    let err = Vfs::new(&[grant(&t.path().join("nope"), "/x")])
        .err()
        .unwrap();
    assert!(err.contains("nope"), "{err}");
    let dup = Vfs::new(&[grant(t.path(), "/x"), grant(t.path(), "/x")]);
    assert!(dup.is_err());
}

#[test]
fn longest_prefix_mount_wins() {
    let outer = TempDir::new();
    let inner = TempDir::new();
    std::fs::write(outer.path().join("f"), "outer").unwrap();
    std::fs::write(inner.path().join("f"), "inner").unwrap();
    std::fs::create_dir(outer.path().join("sub")).unwrap();
    std::fs::write(outer.path().join("sub/g"), "g").unwrap();
    let mut v = Vfs::new(&[grant(outer.path(), "/"), grant(inner.path(), "/sub/in")]).unwrap();
    let read = |v: &mut Vfs, p: &str| {
        let fd = v.open(AT_FDCWD, p, O_RDONLY, 0).unwrap();
        let mut b = [0u8; 16];
        let n = v.read(fd, &mut b).unwrap();
        v.close(fd).unwrap();
        String::from_utf8_lossy(&b[..n]).into_owned()
    };
    assert_eq!(read(&mut v, "/f"), "outer");
    assert_eq!(read(&mut v, "/sub/in/f"), "inner");
    assert_eq!(read(&mut v, "/sub/in/../g"), "g");
    // /sub lists its real file and the mount point.
    let fd = v.open(AT_FDCWD, "/sub", O_RDONLY | O_DIRECTORY, 0).unwrap();
    assert_eq!(names(&v, fd), [".", "..", "g", "in"]);
    // `/subx` is not under `/sub`.
    assert_eq!(v.stat(AT_FDCWD, "/subx", 0), Err(Errno::NOENT));
}

#[test]
fn virtual_parents_and_unmounted_paths() {
    let t = TempDir::new();
    std::fs::write(t.path().join("f"), "x").unwrap();
    let mut v = Vfs::new(&[grant(t.path(), "/a/b")]).unwrap();
    for p in ["/", "/a", "/a/", "/a/b"] {
        let st = v.stat(AT_FDCWD, p, 0).unwrap();
        assert_eq!(st.kind(), FileKind::Directory, "{p}");
    }
    assert_eq!(v.stat(AT_FDCWD, "/a/c", 0), Err(Errno::NOENT));
    assert_eq!(v.stat(AT_FDCWD, "/etc/passwd", 0), Err(Errno::NOENT));
    let fd = v.open(AT_FDCWD, "/", O_RDONLY | O_DIRECTORY, 0).unwrap();
    assert_eq!(names(&v, fd), [".", "..", "a"]);
    v.chdir("/a").unwrap();
    assert_eq!(v.cwd(), "/a");
    assert_eq!(v.stat(AT_FDCWD, "b/f", 0).unwrap().size, 1);
    // Creating inside a virtual directory is refused; outside, ENOENT.
    assert_eq!(
        v.open(AT_FDCWD, "/a/new", O_CREAT | O_WRONLY, 0o644),
        Err(Errno::ACCES)
    );
    assert_eq!(
        v.open(AT_FDCWD, "/x/new", O_CREAT | O_WRONLY, 0o644),
        Err(Errno::NOENT)
    );
    assert_eq!(v.mkdir(AT_FDCWD, "/a", 0o755), Err(Errno::EXIST));
    assert_eq!(v.mkdir(AT_FDCWD, "/a/d", 0o755), Err(Errno::ACCES));
    assert_eq!(v.unlink(AT_FDCWD, "/a", AT_REMOVEDIR), Err(Errno::BUSY));
    assert_eq!(v.unlink(AT_FDCWD, "/a/b", AT_REMOVEDIR), Err(Errno::BUSY));
    assert_eq!(v.open(AT_FDCWD, "/a", O_WRONLY, 0), Err(Errno::ISDIR));
    assert_eq!(v.access(AT_FDCWD, "/a", W_OK, 0), Err(Errno::ACCES));
    assert_eq!(v.access(AT_FDCWD, "/a", R_OK | X_OK, 0), Ok(()));
    // Without any mount, everything but `/` is missing.
    let mut bare = Vfs::default();
    assert_eq!(bare.stat(AT_FDCWD, "/", 0).unwrap().mode, S_IFDIR | 0o555);
    assert_eq!(bare.open(AT_FDCWD, "x", O_RDONLY, 0), Err(Errno::NOENT));
}

#[test]
fn escapes_are_refused() {
    let t = TempDir::new();
    let root = t.path().join("root");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(t.path().join("secret"), "s").unwrap();
    std::fs::create_dir(root.join("sub")).unwrap();
    std::os::unix::fs::symlink("../secret", root.join("up")).unwrap();
    std::os::unix::fs::symlink(t.path().join("secret"), root.join("abs")).unwrap();
    std::os::unix::fs::symlink("..", root.join("sub/parent")).unwrap();
    std::os::unix::fs::symlink("../..", root.join("sub/grandparent")).unwrap();
    let mut v = Vfs::new(&[grant(&root, "/")]).unwrap();
    // `..` is lexical and stops at `/`: this is /secret inside the mount.
    assert_eq!(
        v.open(AT_FDCWD, "../secret", O_RDONLY, 0),
        Err(Errno::NOENT)
    );
    assert_eq!(
        v.open(AT_FDCWD, "/sub/../../secret", O_RDONLY, 0),
        Err(Errno::NOENT)
    );
    // Symlinks out of the mount, relative or absolute, are EPERM.
    assert_eq!(v.open(AT_FDCWD, "up", O_RDONLY, 0), Err(Errno::PERM));
    assert_eq!(v.open(AT_FDCWD, "abs", O_RDONLY, 0), Err(Errno::PERM));
    assert_eq!(v.stat(AT_FDCWD, "up", 0), Err(Errno::PERM));
    assert_eq!(
        v.open(AT_FDCWD, "sub/grandparent/secret", O_RDONLY, 0),
        Err(Errno::PERM)
    );
    assert_eq!(
        v.open(AT_FDCWD, "up", O_WRONLY | O_CREAT | O_TRUNC, 0o644),
        Err(Errno::PERM)
    );
    // ...but lstat and readlink of a relative one work, and a symlink
    // that stays inside resolves.
    assert_eq!(
        v.stat(AT_FDCWD, "up", AT_SYMLINK_NOFOLLOW).unwrap().kind(),
        FileKind::Symlink
    );
    assert_eq!(v.readlink(AT_FDCWD, "up").unwrap(), "../secret");
    assert_eq!(v.readlink(AT_FDCWD, "abs"), Err(Errno::PERM));
    assert_eq!(
        v.stat(AT_FDCWD, "sub/parent/sub", 0).unwrap().kind(),
        FileKind::Directory
    );
    // New symlinks must stay inside.
    assert_eq!(v.symlink("/etc/passwd", AT_FDCWD, "l1"), Err(Errno::PERM));
    assert_eq!(v.symlink("../x", AT_FDCWD, "l2"), Err(Errno::PERM));
    assert_eq!(v.symlink("../../x", AT_FDCWD, "sub/l3"), Err(Errno::PERM));
    assert_eq!(v.symlink("../x", AT_FDCWD, "sub/l4"), Ok(()));
    assert_eq!(v.readlink(AT_FDCWD, "/sub/l4").unwrap(), "../x");
    // O_NOFOLLOW on a symlink.
    assert_eq!(
        v.open(AT_FDCWD, "sub/l4", O_RDONLY | O_NOFOLLOW, 0),
        Err(Errno::LOOP)
    );
    // The secret was never touched.
    assert_eq!(std::fs::read(t.path().join("secret")).unwrap(), b"s");
}

#[test]
fn fd_allocation_and_dup() {
    let t = TempDir::new();
    std::fs::write(t.path().join("f"), "hello").unwrap();
    let mut v = Vfs::new(&[grant(t.path(), "/")]).unwrap();
    assert_eq!(v.open_count(), 3);
    let a = v.open(AT_FDCWD, "f", O_RDONLY, 0).unwrap();
    let b = v.open(AT_FDCWD, "f", O_RDONLY, 0).unwrap();
    assert_eq!((a, b), (3, 4));
    v.close(a).unwrap();
    assert_eq!(v.close(a), Err(Errno::BADF));
    assert_eq!(v.open(AT_FDCWD, "f", O_RDONLY, 0).unwrap(), 3);
    // dup shares the offset.
    let d = v.dup(b).unwrap();
    assert_eq!(d, 5);
    let mut buf = [0u8; 2];
    v.read(b, &mut buf).unwrap();
    assert_eq!(v.seek(d, 0, SEEK_CUR).unwrap(), 2);
    // dup3 over an open fd, then onto a high one.
    assert_eq!(v.dup3(b, 3, O_CLOEXEC).unwrap(), 3);
    assert_eq!(v.fd_flags(3).unwrap(), 1);
    assert_eq!(v.dup3(b, b, 0), Err(Errno::INVAL));
    assert_eq!(v.dup3(b, MAX_FDS as i32, 0), Err(Errno::BADF));
    assert_eq!(v.dup3(b, 700, 0).unwrap(), 700);
    assert_eq!(v.dup_min(b, 600, false).unwrap(), 600);
    assert_eq!(v.dup_min(b, 600, false).unwrap(), 601);
    assert_eq!(v.dup(99), Err(Errno::BADF));
    assert_eq!(v.close(-1), Err(Errno::BADF));
    // Closing stdout frees 1 for the next open.
    v.close(1).unwrap();
    assert_eq!(v.open(AT_FDCWD, "f", O_RDONLY, 0).unwrap(), 1);
    // The table is limited.
    let mut last = Ok(0);
    for _ in 0..MAX_FDS {
        last = v.open(AT_FDCWD, "f", O_RDONLY, 0);
        if last.is_err() {
            break;
        }
    }
    assert_eq!(last, Err(Errno::MFILE));
}

#[test]
fn read_write_seek_append() {
    let t = TempDir::new();
    let mut v = Vfs::new(&[grant(t.path(), "/d")]).unwrap();
    v.chdir("/d").unwrap();
    let fd = v
        .open(AT_FDCWD, "f", O_CREAT | O_WRONLY | O_TRUNC, 0o644)
        .unwrap();
    assert_eq!(v.write(fd, b"hello").unwrap(), 5);
    let mut b = [0u8; 4];
    assert_eq!(v.read(fd, &mut b), Err(Errno::BADF));
    assert_eq!(v.seek(fd, 1, SEEK_SET).unwrap(), 1);
    v.write(fd, b"E").unwrap();
    assert_eq!(v.seek(fd, -1, SEEK_END).unwrap(), 4);
    assert_eq!(v.seek(fd, -10, SEEK_CUR), Err(Errno::INVAL));
    assert_eq!(v.seek(fd, 0, 7), Err(Errno::INVAL));
    v.pwrite(fd, b"!", 5).unwrap();
    v.close(fd).unwrap();
    assert_eq!(std::fs::read(t.path().join("f")).unwrap(), b"hEllo!");
    let fd = v.open(AT_FDCWD, "f", O_WRONLY | O_APPEND, 0).unwrap();
    v.seek(fd, 0, SEEK_SET).unwrap();
    v.write(fd, b"+").unwrap();
    assert_eq!(v.status_flags(fd).unwrap(), O_WRONLY | O_APPEND);
    v.set_status_flags(fd, 0).unwrap();
    assert_eq!(v.status_flags(fd).unwrap(), O_WRONLY);
    v.close(fd).unwrap();
    let fd = v.open(AT_FDCWD, "/d/f", O_RDONLY, 0).unwrap();
    let mut all = [0u8; 16];
    let n = v.read(fd, &mut all).unwrap();
    assert_eq!(&all[..n], b"hEllo!+");
    assert_eq!(v.read(fd, &mut all).unwrap(), 0);
    assert_eq!(v.pread(fd, &mut all[..2], 1).unwrap(), 2);
    assert_eq!(&all[..2], b"El");
    assert_eq!(v.write(fd, b"x"), Err(Errno::BADF));
    assert_eq!(v.fstat(fd).unwrap().size, 7);
    assert_eq!(v.ftruncate(fd, 1), Err(Errno::INVAL));
    v.truncate(AT_FDCWD, "f", 3).unwrap();
    assert_eq!(v.fstat(fd).unwrap().size, 3);
    assert_eq!(
        v.open(AT_FDCWD, "f", O_CREAT | O_EXCL | O_WRONLY, 0o644),
        Err(Errno::EXIST)
    );
    assert_eq!(v.open(AT_FDCWD, "f/", O_RDONLY, 0), Err(Errno::NOTDIR));
    assert_eq!(v.stat(AT_FDCWD, "f/", 0), Err(Errno::NOTDIR));
    assert_eq!(v.open(AT_FDCWD, "nope", O_RDONLY, 0), Err(Errno::NOENT));
    assert_eq!(v.open(AT_FDCWD, "", O_RDONLY, 0), Err(Errno::NOENT));
    assert_eq!(
        v.open(AT_FDCWD, &"x".repeat(300), O_RDONLY, 0),
        Err(Errno::NAMETOOLONG)
    );
    // A file created O_RDONLY exists and reads as empty.
    let fd = v.open(AT_FDCWD, "ro", O_CREAT | O_RDONLY, 0o444).unwrap();
    assert_eq!(v.read(fd, &mut all).unwrap(), 0);
    assert_eq!(v.write(fd, b"x"), Err(Errno::BADF));
}

#[test]
fn directories_and_getdents() {
    let t = TempDir::new();
    let mut v = Vfs::new(&[grant(t.path(), "/")]).unwrap();
    v.mkdir(AT_FDCWD, "d", 0o755).unwrap();
    assert_eq!(v.mkdir(AT_FDCWD, "d", 0o755), Err(Errno::EXIST));
    for n in ["c", "a", "b"] {
        let fd = v
            .open(AT_FDCWD, &format!("d/{n}"), O_CREAT | O_WRONLY, 0o644)
            .unwrap();
        v.close(fd).unwrap();
    }
    v.mkdir(AT_FDCWD, "d/sub", 0o755).unwrap();
    let dfd = v.open(AT_FDCWD, "d", O_RDONLY | O_DIRECTORY, 0).unwrap();
    let first = v.getdents(dfd, 2).unwrap();
    assert_eq!(first[0].name, ".");
    assert_eq!(first[1].name, "..");
    assert_eq!(first[1].next, 2);
    let rest = v.getdents(dfd, 100).unwrap();
    let kinds: Vec<(String, FileKind)> = rest.iter().map(|e| (e.name.clone(), e.kind)).collect();
    assert_eq!(
        kinds,
        [
            ("a".to_string(), FileKind::Regular),
            ("b".to_string(), FileKind::Regular),
            ("c".to_string(), FileKind::Regular),
            ("sub".to_string(), FileKind::Directory)
        ]
    );
    assert!(v.getdents(dfd, 100).unwrap().is_empty());
    // Seeking back to an entry index replays from there; 0 rereads.
    v.seek(dfd, 3, SEEK_SET).unwrap();
    assert_eq!(v.getdents(dfd, 1).unwrap()[0].name, "b");
    v.unlink(AT_FDCWD, "d/c", 0).unwrap();
    v.seek(dfd, 0, SEEK_SET).unwrap();
    assert_eq!(names(&v, dfd), [".", "..", "a", "b", "sub"]);
    assert_eq!(v.read(dfd, &mut [0u8; 4]), Err(Errno::ISDIR));
    assert_eq!(v.open(AT_FDCWD, "d", O_WRONLY, 0), Err(Errno::ISDIR));
    assert_eq!(
        v.open(AT_FDCWD, "d", O_RDONLY | O_CREAT, 0),
        Err(Errno::ISDIR)
    );
    // openat relative to the directory descriptor.
    let f = v.open(dfd, "a", O_RDONLY, 0).unwrap();
    assert_eq!(v.getdents(f, 10), Err(Errno::NOTDIR));
    assert_eq!(v.open(f, "x", O_RDONLY, 0), Err(Errno::NOTDIR));
    assert_eq!(v.stat(f, "", AT_EMPTY_PATH).unwrap().size, 0);
    // rmdir/unlink errors.
    assert_eq!(v.unlink(AT_FDCWD, "d", AT_REMOVEDIR), Err(Errno::NOTEMPTY));
    assert_eq!(v.unlink(AT_FDCWD, "d/sub", 0), Err(Errno::ISDIR));
    assert_eq!(v.unlink(AT_FDCWD, "d/a", AT_REMOVEDIR), Err(Errno::NOTDIR));
    assert_eq!(v.unlink(AT_FDCWD, "d/a", 0x4), Err(Errno::INVAL));
    v.unlink(AT_FDCWD, "d/sub", AT_REMOVEDIR).unwrap();
    // chdir / fchdir.
    v.chdir("d").unwrap();
    assert_eq!(v.cwd(), "/d");
    assert_eq!(v.chdir("a"), Err(Errno::NOTDIR));
    v.chdir("..").unwrap();
    assert_eq!(v.cwd(), "/");
    v.fchdir(dfd).unwrap();
    assert_eq!(v.cwd(), "/d");
    assert_eq!(v.fchdir(f), Err(Errno::NOTDIR));
    assert_eq!(v.stat(AT_FDCWD, "a", 0).unwrap().kind(), FileKind::Regular);
    // access.
    assert_eq!(v.access(AT_FDCWD, "a", F_OK, 0), Ok(()));
    assert_eq!(v.access(AT_FDCWD, "a", R_OK, 0), Ok(()));
    assert_eq!(v.access(AT_FDCWD, "zz", F_OK, 0), Err(Errno::NOENT));
    assert_eq!(v.access(AT_FDCWD, "a", 8, 0), Err(Errno::INVAL));
}

#[test]
fn rename_within_and_across_mounts() {
    let a = TempDir::new();
    let b = TempDir::new();
    std::fs::write(a.path().join("f"), "1").unwrap();
    let v = Vfs::new(&[grant(a.path(), "/a"), grant(b.path(), "/b")]).unwrap();
    v.rename(AT_FDCWD, "/a/f", AT_FDCWD, "/a/g").unwrap();
    assert!(a.path().join("g").exists());
    assert_eq!(
        v.rename(AT_FDCWD, "/a/g", AT_FDCWD, "/b/g"),
        Err(Errno::XDEV)
    );
    assert_eq!(v.link(AT_FDCWD, "/a/g", AT_FDCWD, "/b/g"), Err(Errno::XDEV));
    assert_eq!(
        v.rename(AT_FDCWD, "/a/nope", AT_FDCWD, "/a/x"),
        Err(Errno::NOENT)
    );
    assert_eq!(v.rename(AT_FDCWD, "/a", AT_FDCWD, "/b/x"), Err(Errno::BUSY));
    assert_eq!(v.rename(AT_FDCWD, "/a/g", AT_FDCWD, "/b"), Err(Errno::BUSY));
    assert_eq!(
        v.rename(AT_FDCWD, "/a/g", AT_FDCWD, "/c"),
        Err(Errno::ACCES)
    );
    v.link(AT_FDCWD, "/a/g", AT_FDCWD, "/a/h").unwrap();
    assert_eq!(v.stat(AT_FDCWD, "/a/h", 0).unwrap().nlink, 2);
}

#[test]
fn pipes() {
    let mut v = Vfs::default();
    let (r, w) = v.pipe().unwrap();
    assert_eq!((r, w), (3, 4));
    let mut b = [0u8; 8];
    assert_eq!(v.read(r, &mut b), Err(Errno::AGAIN));
    assert!(!v.poll(r).unwrap().read);
    v.write(w, b"abc").unwrap();
    assert!(v.poll(r).unwrap().read);
    assert_eq!(v.readable_bytes(r).unwrap(), 3);
    assert_eq!(v.read(r, &mut b[..2]).unwrap(), 2);
    assert_eq!(v.seek(r, 0, SEEK_CUR), Err(Errno::SPIPE));
    assert_eq!(v.fstat(r).unwrap().kind(), FileKind::Fifo);
    let w2 = v.dup(w).unwrap();
    v.close(w).unwrap();
    assert_eq!(v.read(r, &mut b).unwrap(), 1);
    assert_eq!(v.read(r, &mut b), Err(Errno::AGAIN));
    v.close(w2).unwrap();
    assert_eq!(v.read(r, &mut b).unwrap(), 0);
    assert!(v.poll(r).unwrap().hangup);
    // A full pipe takes what fits, then EAGAIN.
    let (r4, w4) = v.pipe().unwrap();
    let big = vec![7u8; PIPE_CAPACITY + 10];
    assert_eq!(v.write(w4, &big).unwrap(), PIPE_CAPACITY);
    assert_eq!(v.write(w4, b"x"), Err(Errno::AGAIN));
    assert_eq!(v.read(r4, &mut b).unwrap(), 8);
    assert_eq!(v.write(w4, &big).unwrap(), 8);
    let (r2, w3) = v.pipe().unwrap();
    v.close(r2).unwrap();
    assert_eq!(v.write(w3, b"x"), Err(Errno::PIPE));
    assert_eq!(v.poll(99), None);
}

#[test]
fn preopens_and_renumber() {
    let a = TempDir::new();
    let b = TempDir::new();
    std::fs::write(a.path().join("f"), "a").unwrap();
    let mut v = Vfs::new(&[grant(a.path(), "/a"), grant(b.path(), "/x/b")]).unwrap();
    v.open_preopens().unwrap();
    // The mounts in order, then the virtual root nobody mounted.
    assert_eq!(v.preopen(3), Ok("/a"));
    assert_eq!(v.preopen(4), Ok("/x/b"));
    assert_eq!(v.preopen(5), Ok("/"));
    assert_eq!(v.preopen(6), Err(Errno::BADF));
    assert_eq!(v.preopen(1), Err(Errno::BADF));
    assert_eq!(v.preopen(-1), Err(Errno::BADF));
    assert!(v.is_dir(3).unwrap());
    // Paths resolve against a preopen as against its guest path: `..`
    // is lexical, so from /a it reaches the virtual root and /x.
    assert_eq!(v.stat(3, "f", 0).unwrap().size, 1);
    assert_eq!(v.stat(3, "../x/b", 0).unwrap().kind(), FileKind::Directory);
    assert_eq!(names(&v, 5), [".", "..", "a", "x"]);
    assert_eq!(
        v.open(5, "new", O_CREAT | O_WRONLY, 0o644),
        Err(Errno::ACCES)
    );
    // dup does not copy the tag; renumber moves it and closes `from`.
    let d = v.dup(3).unwrap();
    assert_eq!(d, 6);
    assert_eq!(v.preopen(d), Err(Errno::BADF));
    let f = v.open(3, "f", O_RDONLY, 0).unwrap();
    v.renumber(3, f).unwrap();
    assert_eq!(v.preopen(f), Ok("/a"));
    assert!(!v.is_open(3));
    assert_eq!(v.renumber(3, f), Err(Errno::BADF));
    assert_eq!(v.renumber(f, 3), Err(Errno::BADF));
    assert_eq!(v.renumber(f, f), Ok(()));
    // A root mount needs no virtual root.
    let mut r = Vfs::new(&[grant(a.path(), "/")]).unwrap();
    r.open_preopens().unwrap();
    assert_eq!(r.preopen(3), Ok("/"));
    assert_eq!(r.preopen(4), Err(Errno::BADF));
    // Without a grant, only the empty virtual root.
    let mut bare = Vfs::default();
    bare.open_preopens().unwrap();
    assert_eq!(bare.preopen(3), Ok("/"));
    assert_eq!(bare.stat(3, "etc/passwd", 0), Err(Errno::NOENT));
}

#[test]
fn stdio_is_a_terminal() {
    let mut v = Vfs::default();
    assert_eq!(v.isatty(0), Ok(()));
    assert_eq!(v.isatty(2), Ok(()));
    assert_eq!(v.kind(1).unwrap(), FileKind::CharDevice);
    assert_eq!(v.status_flags(0).unwrap(), O_RDONLY);
    assert_eq!(v.status_flags(1).unwrap(), O_WRONLY);
    assert_eq!(v.seek(1, 0, SEEK_CUR), Err(Errno::SPIPE));
    let d = v.dup(1).unwrap();
    assert_eq!(v.isatty(d), Ok(()));
    assert_eq!(v.fstat(0).unwrap().mode, S_IFCHR | 0o666);
    let (r, _) = v.pipe().unwrap();
    assert_eq!(v.isatty(r), Err(Errno::NOTTY));
    assert_eq!(v.isatty(50), Err(Errno::BADF));
}

#[test]
fn mappings_write_back() {
    let t = TempDir::new();
    std::fs::write(t.path().join("m"), "abcdef").unwrap();
    let mut v = Vfs::new(&[grant(t.path(), "/")]).unwrap();
    let ro = v.open(AT_FDCWD, "m", O_RDONLY, 0).unwrap();
    assert!(matches!(v.map(ro, 0, 4096, true, true), Err(Errno::ACCES)));
    let (m, bytes) = v.map(ro, 2, 4096, true, false).unwrap();
    assert_eq!(bytes, b"cdef");
    assert!(!m.shared_write());
    let rw = v.open(AT_FDCWD, "m", O_RDWR, 0).unwrap();
    let (m, _) = v.map(rw, 0, 4096, true, true).unwrap();
    v.close(rw).unwrap();
    let mut mem = b"ABCDEF".to_vec();
    mem.resize(4096, 0);
    // Only up to the end of the file is written back.
    m.write_back(&mem).unwrap();
    assert_eq!(std::fs::read(t.path().join("m")).unwrap(), b"ABCDEF");
    v.add_mapping(0x10000, m);
    assert_eq!(v.shared_mappings(), [0x10000]);
    assert!(v.remove_mapping(0x10000).is_some());
    let dfd = v.open(AT_FDCWD, "/", O_RDONLY, 0).unwrap();
    assert!(matches!(v.map(dfd, 0, 1, false, false), Err(Errno::NODEV)));
}

#[test]
fn times_and_modes() {
    let t = TempDir::new();
    std::fs::write(t.path().join("f"), "x").unwrap();
    let v = Vfs::new(&[grant(t.path(), "/")]).unwrap();
    v.utimens(
        AT_FDCWD,
        Some("f"),
        TimeSet::At(1_000_000_000, 5),
        TimeSet::At(1_500_000_000, 0),
        0,
    )
    .unwrap();
    let st = v.stat(AT_FDCWD, "f", 0).unwrap();
    assert_eq!(st.atime, (1_000_000_000, 5));
    assert_eq!(st.mtime.0, 1_500_000_000);
    v.utimens(AT_FDCWD, Some("f"), TimeSet::Omit, TimeSet::Now, 0)
        .unwrap();
    assert_eq!(v.stat(AT_FDCWD, "f", 0).unwrap().atime.0, 1_000_000_000);
    v.chmod(AT_FDCWD, "f", 0o600, 0).unwrap();
    assert_eq!(v.stat(AT_FDCWD, "f", 0).unwrap().mode & 0o777, 0o600);
    assert_eq!(
        v.utimens(
            AT_FDCWD,
            Some("f"),
            TimeSet::At(1, 1_000_000_000),
            TimeSet::Omit,
            0
        ),
        Err(Errno::INVAL)
    );
    // Far future: the host's to take or refuse, never a panic.
    let _ = v.utimens(
        AT_FDCWD,
        Some("f"),
        TimeSet::At(i64::MAX, 0),
        TimeSet::Omit,
        0,
    );
    // Before the epoch: refused by path (cap-primitives would panic),
    // set through a descriptor.
    assert_eq!(
        v.utimens(
            AT_FDCWD,
            Some("f"),
            TimeSet::At(i64::MIN, 0),
            TimeSet::Omit,
            0
        ),
        Err(Errno::INVAL)
    );
    assert_eq!(
        v.utimens(AT_FDCWD, Some("f"), TimeSet::Omit, TimeSet::At(-5, 0), 0),
        Err(Errno::INVAL)
    );
    let mut vm = Vfs::new(&[grant(t.path(), "/")]).unwrap();
    let fd = vm.open(AT_FDCWD, "f", O_RDONLY, 0).unwrap();
    vm.utimens(fd, None, TimeSet::Omit, TimeSet::At(-5, 0), 0)
        .unwrap();
    assert_eq!(vm.fstat(fd).unwrap().mtime, (-5, 0));
    assert_eq!(
        v.chmod(AT_FDCWD, "f", 0o600, AT_SYMLINK_NOFOLLOW),
        Err(Errno::NOTSUP)
    );
}

#[test]
fn host_errnos_translate() {
    assert_eq!(Errno::from_host(libc::ENOENT), Errno::NOENT);
    assert_eq!(Errno::from_host(libc::EACCES), Errno::ACCES);
    assert_eq!(Errno::from_host(libc::EXDEV), Errno::XDEV);
    assert_eq!(Errno::from_host(libc::ENOTEMPTY), Errno::NOTEMPTY);
    let escape = io::Error::new(io::ErrorKind::PermissionDenied, "outside");
    assert_eq!(Errno::from(escape), Errno::PERM);
}
