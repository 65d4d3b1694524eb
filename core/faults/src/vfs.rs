//! The shim itself, `redline-faults`, over the platform's VFS: every file
//! method passes through [`crate::verdict`] first; the database, WAL and
//! journals keep unsynced changes in [`crate::pending`] while power cuts
//! are planned. Temporary files pass straight through (nothing relies on
//! them after a crash).

use crate::pending::{self, Change};
use crate::{Failure, Verdict};
use rusqlite::ffi;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::OnceLock;

const VFS_CNAME: &CStr = c"redline-faults";

pub fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| unsafe {
        let root = ffi::sqlite3_vfs_find(std::ptr::null());
        assert!(!root.is_null(), "SQLite has no default VFS");
        let vfs = Box::leak(Box::new(ffi::sqlite3_vfs {
            iVersion: 3,
            szOsFile: (std::mem::size_of::<FaultyFile>() as c_int) + (*root).szOsFile,
            mxPathname: (*root).mxPathname,
            pNext: std::ptr::null_mut(),
            zName: VFS_CNAME.as_ptr(),
            pAppData: root.cast(),
            xOpen: Some(x_open),
            xDelete: Some(x_delete),
            xAccess: Some(x_access),
            xFullPathname: Some(x_full_pathname),
            xDlOpen: None,
            xDlError: None,
            xDlSym: None,
            xDlClose: None,
            xRandomness: Some(x_randomness),
            xSleep: Some(x_sleep),
            xCurrentTime: Some(x_current_time),
            xGetLastError: Some(x_get_last_error),
            xCurrentTimeInt64: Some(x_current_time_int64),
            xSetSystemCall: None,
            xGetSystemCall: None,
            xNextSystemCall: None,
        }));
        assert_eq!(ffi::sqlite3_vfs_register(vfs, 1), ffi::SQLITE_OK, "registering the faulty VFS");
    });
}

/// Our file, followed in the same allocation by the platform's file.
#[repr(C)]
struct FaultyFile {
    base: ffi::sqlite3_file,
    /// The file's path (a `Box<String>`, freed on close), or null for a
    /// file whose changes are never held (temporary files).
    path: *mut String,
}

unsafe fn root(vfs: *mut ffi::sqlite3_vfs) -> *mut ffi::sqlite3_vfs {
    unsafe { (*vfs).pAppData.cast() }
}

unsafe fn real(f: *mut ffi::sqlite3_file) -> *mut ffi::sqlite3_file {
    unsafe { f.cast::<FaultyFile>().add(1).cast() }
}

/// The path of a file whose unsynced changes are held, while holding.
unsafe fn held(f: *mut ffi::sqlite3_file) -> Option<&'static str> {
    let p = unsafe { (*f.cast::<FaultyFile>()).path };
    if p.is_null() || !crate::holding() { None } else { Some(unsafe { (*p).as_str() }) }
}

macro_rules! forward {
    ($f:expr, $method:ident, $missing:expr $(, $arg:expr)*) => {{
        let r = real($f);
        match (*(*r).pMethods).$method {
            Some(m) => m(r $(, $arg)*),
            None => $missing,
        }
    }};
}

unsafe extern "C" fn x_open(
    vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    unsafe {
        (*file).pMethods = std::ptr::null();
        let root = root(vfs);
        let Some(open) = (*root).xOpen else { return ffi::SQLITE_CANTOPEN };
        let rc = open(root, name, real(file), flags, out_flags);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        let durable = ffi::SQLITE_OPEN_MAIN_DB | ffi::SQLITE_OPEN_WAL | ffi::SQLITE_OPEN_MAIN_JOURNAL | ffi::SQLITE_OPEN_SUPER_JOURNAL;
        let s = file.cast::<FaultyFile>();
        (*s).path = if flags & durable != 0 && !name.is_null() {
            Box::into_raw(Box::new(CStr::from_ptr(name).to_string_lossy().into_owned()))
        } else {
            std::ptr::null_mut()
        };
        (*file).pMethods = &METHODS;
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn x_close(f: *mut ffi::sqlite3_file) -> c_int {
    unsafe {
        let rc = forward!(f, xClose, ffi::SQLITE_OK);
        let s = f.cast::<FaultyFile>();
        if !(*s).path.is_null() {
            drop(Box::from_raw((*s).path));
            (*s).path = std::ptr::null_mut();
        }
        rc
    }
}

/// Power fails now: a random part of every file's unsynced changes reaches
/// the disk (each write whole, cut to its first sectors, or not at all;
/// truncations done or not), then the process dies.
fn cut() -> ! {
    for (path, changes) in pending::take_all() {
        let Ok(file) = std::fs::OpenOptions::new().write(true).open(&path) else { continue };
        for change in changes {
            use std::os::unix::fs::FileExt;
            match change {
                Change::Write { offset, data } => match crate::coin(4) {
                    0 | 1 => {}
                    2 => {
                        let _ = file.write_all_at(&data, offset);
                    }
                    _ => {
                        let sectors = data.len().div_ceil(512) as u64;
                        let keep = ((crate::coin(sectors.max(1)) * 512) as usize).min(data.len());
                        let _ = file.write_all_at(&data[..keep], offset);
                    }
                },
                Change::Truncate { size } => {
                    if crate::coin(2) == 0 {
                        let _ = file.set_len(size);
                    }
                }
            }
        }
    }
    unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
    loop {
        std::thread::park();
    }
}

/// The fate of one operation: `Some(code)` to fail it with (`io` for an
/// I/O error), `None` to carry on. A power cut does not return.
fn gate(is_read: bool, is_sync: bool, io: c_int) -> Option<c_int> {
    match crate::verdict(is_read, is_sync) {
        Verdict::Go => None,
        Verdict::Fail(Failure::Io) => Some(io),
        Verdict::Fail(Failure::Full) => Some(ffi::SQLITE_FULL),
        Verdict::Cut => cut(),
    }
}

unsafe extern "C" fn x_read(f: *mut ffi::sqlite3_file, buf: *mut c_void, amt: c_int, off: ffi::sqlite3_int64) -> c_int {
    if let Some(rc) = gate(true, false, ffi::SQLITE_IOERR_READ) {
        return rc;
    }
    unsafe {
        let rc = forward!(f, xRead, ffi::SQLITE_IOERR_READ, buf, amt, off);
        let Some(path) = held(f) else { return rc };
        if !pending::any(path) || (rc != ffi::SQLITE_OK && rc != ffi::SQLITE_IOERR_SHORT_READ) {
            return rc;
        }
        let mut on_disk: ffi::sqlite3_int64 = 0;
        let frc = forward!(f, xFileSize, ffi::SQLITE_IOERR_FSTAT, &mut on_disk);
        if frc != ffi::SQLITE_OK {
            return frc;
        }
        let buf = std::slice::from_raw_parts_mut(buf.cast::<u8>(), amt as usize);
        let size = pending::overlay(path, buf, off as u64, on_disk as u64);
        if size < off as u64 + amt as u64 { ffi::SQLITE_IOERR_SHORT_READ } else { ffi::SQLITE_OK }
    }
}

unsafe extern "C" fn x_write(f: *mut ffi::sqlite3_file, buf: *const c_void, amt: c_int, off: ffi::sqlite3_int64) -> c_int {
    if let Some(rc) = gate(false, false, ffi::SQLITE_IOERR_WRITE) {
        return rc;
    }
    unsafe {
        let Some(path) = held(f) else { return forward!(f, xWrite, ffi::SQLITE_IOERR_WRITE, buf, amt, off) };
        let data = std::slice::from_raw_parts(buf.cast::<u8>(), amt as usize).to_vec();
        pending::push(path, Change::Write { offset: off as u64, data });
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn x_truncate(f: *mut ffi::sqlite3_file, size: ffi::sqlite3_int64) -> c_int {
    if let Some(rc) = gate(false, false, ffi::SQLITE_IOERR_TRUNCATE) {
        return rc;
    }
    unsafe {
        let Some(path) = held(f) else { return forward!(f, xTruncate, ffi::SQLITE_IOERR_TRUNCATE, size) };
        pending::push(path, Change::Truncate { size: size as u64 });
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn x_sync(f: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    if let Some(rc) = gate(false, true, ffi::SQLITE_IOERR_FSYNC) {
        return rc;
    }
    unsafe {
        if let Some(path) = held(f) {
            for change in pending::take(path) {
                let rc = match change {
                    Change::Write { offset, data } => {
                        forward!(f, xWrite, ffi::SQLITE_IOERR_WRITE, data.as_ptr().cast(), data.len() as c_int, offset as i64)
                    }
                    Change::Truncate { size } => forward!(f, xTruncate, ffi::SQLITE_IOERR_TRUNCATE, size as i64),
                };
                if rc != ffi::SQLITE_OK {
                    return rc;
                }
            }
        }
        forward!(f, xSync, ffi::SQLITE_IOERR_FSYNC, flags)
    }
}

unsafe extern "C" fn x_file_size(f: *mut ffi::sqlite3_file, size: *mut ffi::sqlite3_int64) -> c_int {
    unsafe {
        let rc = forward!(f, xFileSize, ffi::SQLITE_IOERR_FSTAT, size);
        if rc == ffi::SQLITE_OK
            && let Some(path) = held(f)
        {
            *size = pending::size(path, *size as u64) as i64;
        }
        rc
    }
}

unsafe extern "C" fn x_lock(f: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    unsafe { forward!(f, xLock, ffi::SQLITE_IOERR_LOCK, level) }
}
unsafe extern "C" fn x_unlock(f: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    unsafe { forward!(f, xUnlock, ffi::SQLITE_IOERR_UNLOCK, level) }
}
unsafe extern "C" fn x_check_reserved_lock(f: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    unsafe { forward!(f, xCheckReservedLock, ffi::SQLITE_IOERR_CHECKRESERVEDLOCK, out) }
}
unsafe extern "C" fn x_file_control(f: *mut ffi::sqlite3_file, op: c_int, arg: *mut c_void) -> c_int {
    unsafe { forward!(f, xFileControl, ffi::SQLITE_NOTFOUND, op, arg) }
}
unsafe extern "C" fn x_sector_size(f: *mut ffi::sqlite3_file) -> c_int {
    unsafe { forward!(f, xSectorSize, 4096) }
}
unsafe extern "C" fn x_device_characteristics(f: *mut ffi::sqlite3_file) -> c_int {
    unsafe { forward!(f, xDeviceCharacteristics, 0) }
}
unsafe extern "C" fn x_shm_map(f: *mut ffi::sqlite3_file, pg: c_int, sz: c_int, extend: c_int, pp: *mut *mut c_void) -> c_int {
    unsafe { forward!(f, xShmMap, ffi::SQLITE_IOERR_SHMMAP, pg, sz, extend, pp) }
}
unsafe extern "C" fn x_shm_lock(f: *mut ffi::sqlite3_file, offset: c_int, n: c_int, flags: c_int) -> c_int {
    unsafe { forward!(f, xShmLock, ffi::SQLITE_IOERR_SHMLOCK, offset, n, flags) }
}
unsafe extern "C" fn x_shm_barrier(f: *mut ffi::sqlite3_file) {
    unsafe { forward!(f, xShmBarrier, ()) }
}
unsafe extern "C" fn x_shm_unmap(f: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    unsafe { forward!(f, xShmUnmap, ffi::SQLITE_OK, delete) }
}
unsafe extern "C" fn x_fetch(_: *mut ffi::sqlite3_file, _: ffi::sqlite3_int64, _: c_int, pp: *mut *mut c_void) -> c_int {
    // No memory-mapped pages: they would show the disk, not the cache.
    unsafe { *pp = std::ptr::null_mut() };
    ffi::SQLITE_OK
}
unsafe extern "C" fn x_unfetch(_: *mut ffi::sqlite3_file, _: ffi::sqlite3_int64, _: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}

static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(x_close),
    xRead: Some(x_read),
    xWrite: Some(x_write),
    xTruncate: Some(x_truncate),
    xSync: Some(x_sync),
    xFileSize: Some(x_file_size),
    xLock: Some(x_lock),
    xUnlock: Some(x_unlock),
    xCheckReservedLock: Some(x_check_reserved_lock),
    xFileControl: Some(x_file_control),
    xSectorSize: Some(x_sector_size),
    xDeviceCharacteristics: Some(x_device_characteristics),
    xShmMap: Some(x_shm_map),
    xShmLock: Some(x_shm_lock),
    xShmBarrier: Some(x_shm_barrier),
    xShmUnmap: Some(x_shm_unmap),
    xFetch: Some(x_fetch),
    xUnfetch: Some(x_unfetch),
};

// ---- the rest of the VFS: the platform's ---------------------------------------

unsafe extern "C" fn x_delete(vfs: *mut ffi::sqlite3_vfs, name: *const c_char, sync: c_int) -> c_int {
    unsafe {
        if !name.is_null() {
            pending::forget(&CStr::from_ptr(name).to_string_lossy());
        }
        (*root(vfs)).xDelete.map_or(ffi::SQLITE_IOERR_DELETE, |m| m(root(vfs), name, sync))
    }
}
unsafe extern "C" fn x_access(vfs: *mut ffi::sqlite3_vfs, name: *const c_char, flags: c_int, out: *mut c_int) -> c_int {
    unsafe { (*root(vfs)).xAccess.map_or(ffi::SQLITE_IOERR_ACCESS, |m| m(root(vfs), name, flags, out)) }
}
unsafe extern "C" fn x_full_pathname(vfs: *mut ffi::sqlite3_vfs, name: *const c_char, n: c_int, out: *mut c_char) -> c_int {
    unsafe { (*root(vfs)).xFullPathname.map_or(ffi::SQLITE_CANTOPEN, |m| m(root(vfs), name, n, out)) }
}
unsafe extern "C" fn x_randomness(vfs: *mut ffi::sqlite3_vfs, n: c_int, out: *mut c_char) -> c_int {
    unsafe { (*root(vfs)).xRandomness.map_or(0, |m| m(root(vfs), n, out)) }
}
unsafe extern "C" fn x_sleep(vfs: *mut ffi::sqlite3_vfs, micros: c_int) -> c_int {
    unsafe { (*root(vfs)).xSleep.map_or(0, |m| m(root(vfs), micros)) }
}
unsafe extern "C" fn x_current_time(vfs: *mut ffi::sqlite3_vfs, out: *mut f64) -> c_int {
    unsafe { (*root(vfs)).xCurrentTime.map_or(ffi::SQLITE_ERROR, |m| m(root(vfs), out)) }
}
unsafe extern "C" fn x_get_last_error(vfs: *mut ffi::sqlite3_vfs, n: c_int, out: *mut c_char) -> c_int {
    unsafe { (*root(vfs)).xGetLastError.map_or(0, |m| m(root(vfs), n, out)) }
}
unsafe extern "C" fn x_current_time_int64(vfs: *mut ffi::sqlite3_vfs, out: *mut ffi::sqlite3_int64) -> c_int {
    unsafe { (*root(vfs)).xCurrentTimeInt64.map_or(ffi::SQLITE_ERROR, |m| m(root(vfs), out)) }
}
