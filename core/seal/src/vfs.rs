//! A SQLite VFS shim, `redline-sealed`, that seals every page on its way to
//! flash and opens it on its way back, over the platform's own VFS (which
//! still does the files, locks, syncs and shared memory).
//!
//! A connection asks for it with a URI: `file:…?vfs=redline-sealed&seal=T`,
//! where `T` names a page key registered with [`register`] (the key never
//! appears in a file name). What it touches:
//!
//! - the database: whole pages at page offsets, sealed; a read of part of
//!   a page (SQLite reads the 100-byte header that way) opens the page and
//!   copies the part. Any other write is refused, never written in clear;
//! - the WAL: frame headers and the WAL header as they are, the page in
//!   each frame sealed. A frame that does not open in a read that includes
//!   its header (WAL recovery after a crash: a torn last frame) reads as
//!   zeros, so SQLite's own checksum ends the log there, as it would for
//!   any torn frame; a page-only read that does not open is `IOERR_DATA`;
//! - a rollback journal (switching to WAL, a VACUUM): page images sealed,
//!   records that do not open read as zeros (the journal's checksum then
//!   ends the playback, as for a torn record);
//! - temporary files are refused: sealed connections keep them in memory
//!   (`temp_store = MEMORY`), so nothing is ever spilled in clear.
//!
//! Memory-mapped reads are switched off (`xFetch` maps nothing), so every
//! byte SQLite reads comes through here.

use crate::page::{PAGE_SIZE, PageCipher, PageFile, RESERVE, is_blank};
use rusqlite::ffi;
use std::collections::HashMap;
use std::ffi::{CStr, c_int, c_void};
use std::sync::{Arc, Mutex, OnceLock};

/// The name connections ask for in their URI.
pub const VFS_NAME: &str = "redline-sealed";
const VFS_CNAME: &CStr = c"redline-sealed";
const WAL_HEADER: u64 = 32;
const FRAME_HEADER: u64 = 24;
const FRAME: u64 = FRAME_HEADER + PAGE_SIZE as u64;
/// Journal headers start on sector boundaries (at least 512 bytes);
/// page images never do.
const JOURNAL_SECTOR: u64 = 512;

/// Page keys by token, for the files opened while a store is open.
fn keys() -> &'static Mutex<HashMap<String, Arc<PageCipher>>> {
    static KEYS: OnceLock<Mutex<HashMap<String, Arc<PageCipher>>>> = OnceLock::new();
    KEYS.get_or_init(Default::default)
}

/// A page key registered for connections; unregistered when dropped
/// (files already open keep their key until closed).
pub struct Registration {
    token: String,
}

impl Registration {
    /// The URI that opens `path` sealed with this key.
    pub fn uri(&self, path: &std::path::Path) -> String {
        let mut out = String::from("file:");
        for b in path.to_string_lossy().bytes() {
            if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out.push_str(&format!("?vfs={VFS_NAME}&seal={}", self.token));
        out
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        keys().lock().unwrap_or_else(|p| p.into_inner()).remove(&self.token);
    }
}

/// Registers `cipher` for the connections of one store (and the VFS itself,
/// once per process).
pub fn register(cipher: PageCipher) -> Result<Registration, crate::SealError> {
    install()?;
    let raw: [u8; 16] = crate::random_bytes()?;
    let token: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    keys().lock().unwrap_or_else(|p| p.into_inner()).insert(token.clone(), Arc::new(cipher));
    Ok(Registration { token })
}

fn install() -> Result<(), crate::SealError> {
    static INSTALLED: OnceLock<c_int> = OnceLock::new();
    let rc = *INSTALLED.get_or_init(|| unsafe {
        let root = ffi::sqlite3_vfs_find(std::ptr::null());
        if root.is_null() {
            return ffi::SQLITE_ERROR;
        }
        let vfs = Box::leak(Box::new(ffi::sqlite3_vfs {
            iVersion: 3,
            szOsFile: (std::mem::size_of::<SealedFile>() as c_int) + (*root).szOsFile,
            mxPathname: (*root).mxPathname,
            pNext: std::ptr::null_mut(),
            zName: VFS_CNAME.as_ptr(),
            pAppData: root.cast(),
            xOpen: Some(x_open),
            xDelete: (*root).xDelete.map(|_| shim::x_delete as _),
            xAccess: (*root).xAccess.map(|_| shim::x_access as _),
            xFullPathname: (*root).xFullPathname.map(|_| shim::x_full_pathname as _),
            xDlOpen: None,
            xDlError: None,
            xDlSym: None,
            xDlClose: None,
            xRandomness: (*root).xRandomness.map(|_| shim::x_randomness as _),
            xSleep: (*root).xSleep.map(|_| shim::x_sleep as _),
            xCurrentTime: (*root).xCurrentTime.map(|_| shim::x_current_time as _),
            xGetLastError: (*root).xGetLastError.map(|_| shim::x_get_last_error as _),
            xCurrentTimeInt64: (*root).xCurrentTimeInt64.map(|_| shim::x_current_time_int64 as _),
            xSetSystemCall: None,
            xGetSystemCall: None,
            xNextSystemCall: None,
        }));
        ffi::sqlite3_vfs_register(vfs, 0)
    });
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(crate::SealError::Io(std::io::Error::other(format!("registering the sealed VFS failed ({rc})"))))
    }
}

/// Our file, followed in the same allocation by the platform VFS's file.
#[repr(C)]
struct SealedFile {
    base: ffi::sqlite3_file,
    cipher: *const PageCipher,
    kind: PageFile,
}

use crate::shim::{self, root};

unsafe fn real(f: *mut ffi::sqlite3_file) -> *mut ffi::sqlite3_file {
    unsafe { shim::real::<SealedFile>(f) }
}

unsafe fn state(f: *mut ffi::sqlite3_file) -> (&'static PageCipher, PageFile) {
    let s = f.cast::<SealedFile>();
    unsafe { (&*(*s).cipher, (*s).kind) }
}

/// Calls a method of the platform file, or answers `$missing` when it has none.
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
        let kind = if flags & ffi::SQLITE_OPEN_MAIN_DB != 0 {
            PageFile::Database
        } else if flags & ffi::SQLITE_OPEN_WAL != 0 {
            PageFile::Wal
        } else if flags & ffi::SQLITE_OPEN_MAIN_JOURNAL != 0 {
            PageFile::Journal
        } else {
            // Temporary files, statement journals: kept in memory by
            // sealed connections; never written to flash in clear.
            return ffi::SQLITE_CANTOPEN;
        };
        if name.is_null() {
            return ffi::SQLITE_CANTOPEN;
        }
        let token = ffi::sqlite3_uri_parameter(name, c"seal".as_ptr());
        if token.is_null() {
            return ffi::SQLITE_CANTOPEN;
        }
        let token = CStr::from_ptr(token).to_string_lossy();
        let Some(cipher) = keys().lock().unwrap_or_else(|p| p.into_inner()).get(token.as_ref()).cloned() else {
            return ffi::SQLITE_CANTOPEN;
        };
        let root = root(vfs);
        let Some(open) = (*root).xOpen else { return ffi::SQLITE_CANTOPEN };
        let rc = open(root, name, real(file), flags, out_flags);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        let s = file.cast::<SealedFile>();
        (*s).cipher = Arc::into_raw(cipher);
        (*s).kind = kind;
        (*file).pMethods = &METHODS;
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn x_close(f: *mut ffi::sqlite3_file) -> c_int {
    unsafe {
        let rc = forward!(f, xClose, ffi::SQLITE_OK);
        let s = f.cast::<SealedFile>();
        drop(Arc::from_raw((*s).cipher));
        (*s).cipher = std::ptr::null();
        rc
    }
}

unsafe extern "C" fn x_read(f: *mut ffi::sqlite3_file, buf: *mut c_void, amt: c_int, off: ffi::sqlite3_int64) -> c_int {
    let (Ok(len), Ok(off)) = (usize::try_from(amt), u64::try_from(off)) else { return ffi::SQLITE_IOERR_READ };
    unsafe {
        let buf = std::slice::from_raw_parts_mut(buf.cast::<u8>(), len);
        let (cipher, kind) = state(f);
        match kind {
            PageFile::Database => read_database(f, cipher, buf, off),
            PageFile::Wal => read_wal(f, cipher, buf, off),
            PageFile::Journal => read_journal(f, cipher, buf, off),
        }
    }
}

/// Reads whole pages of the database into `page` at `page_off`.
unsafe fn read_raw(f: *mut ffi::sqlite3_file, buf: &mut [u8], off: u64) -> c_int {
    unsafe { forward!(f, xRead, ffi::SQLITE_IOERR_READ, buf.as_mut_ptr().cast(), buf.len() as c_int, off as i64) }
}

unsafe fn read_database(f: *mut ffi::sqlite3_file, cipher: &PageCipher, buf: &mut [u8], off: u64) -> c_int {
    let mut short = false;
    let mut pos = 0usize;
    while pos < buf.len() {
        let at = off + pos as u64;
        let page_off = at - at % PAGE_SIZE as u64;
        let skip = (at - page_off) as usize;
        let take = (PAGE_SIZE - skip).min(buf.len() - pos);
        let mut page = [0u8; PAGE_SIZE];
        let rc = unsafe { read_raw(f, &mut page, page_off) };
        match rc {
            ffi::SQLITE_OK if is_blank(&page) => {}
            ffi::SQLITE_OK => {
                if cipher.open(&mut page, PageFile::Database, page_off).is_err() {
                    return ffi::SQLITE_IOERR_DATA;
                }
            }
            ffi::SQLITE_IOERR_SHORT_READ => {
                // Past the end (or a torn tail): zeros, as SQLite expects.
                page.fill(0);
                short = true;
            }
            rc => return rc,
        }
        buf[pos..pos + take].copy_from_slice(&page[skip..skip + take]);
        pos += take;
    }
    if short { ffi::SQLITE_IOERR_SHORT_READ } else { ffi::SQLITE_OK }
}

/// Offsets of the pages of WAL frames that overlap `[off, off + len)`.
fn wal_pages(off: u64, len: u64) -> impl Iterator<Item = u64> {
    let first_data = WAL_HEADER + FRAME_HEADER;
    let k0 = off.saturating_sub(first_data) / FRAME;
    (k0..).map(move |k| first_data + k * FRAME).take_while(move |&d| d < off + len).filter(move |&d| d + PAGE_SIZE as u64 > off)
}

unsafe fn read_wal(f: *mut ffi::sqlite3_file, cipher: &PageCipher, buf: &mut [u8], off: u64) -> c_int {
    let rc = unsafe { read_raw(f, buf, off) };
    if rc != ffi::SQLITE_OK && rc != ffi::SQLITE_IOERR_SHORT_READ {
        return rc;
    }
    let end = off + buf.len() as u64;
    for d in wal_pages(off, buf.len() as u64) {
        if d < off || d + PAGE_SIZE as u64 > end {
            return ffi::SQLITE_IOERR_READ; // part of a page: SQLite never asks for one
        }
        let at = (d - off) as usize;
        let page: &mut [u8; PAGE_SIZE] = (&mut buf[at..at + PAGE_SIZE]).try_into().expect("one page");
        if is_blank(page) || cipher.open(page, PageFile::Wal, d).is_ok() {
            continue;
        }
        if d >= off + FRAME_HEADER {
            // The frame's header is part of this read: recovery, which
            // must see a torn frame as the end of the log.
            page.fill(0);
        } else {
            return ffi::SQLITE_IOERR_DATA;
        }
    }
    rc
}

unsafe fn read_journal(f: *mut ffi::sqlite3_file, cipher: &PageCipher, buf: &mut [u8], off: u64) -> c_int {
    let rc = unsafe { read_raw(f, buf, off) };
    if rc == ffi::SQLITE_OK && buf.len() == PAGE_SIZE && !off.is_multiple_of(JOURNAL_SECTOR) {
        let page: &mut [u8; PAGE_SIZE] = buf.try_into().expect("one page");
        if cipher.open(page, PageFile::Journal, off).is_err() {
            page.fill(0);
        }
    }
    rc
}

unsafe extern "C" fn x_write(f: *mut ffi::sqlite3_file, buf: *const c_void, amt: c_int, off: ffi::sqlite3_int64) -> c_int {
    let (Ok(len), Ok(off)) = (usize::try_from(amt), u64::try_from(off)) else { return ffi::SQLITE_IOERR_WRITE };
    unsafe {
        let data = std::slice::from_raw_parts(buf.cast::<u8>(), len);
        let (cipher, kind) = state(f);
        let sealed_page = match kind {
            PageFile::Database => {
                if len != PAGE_SIZE || !off.is_multiple_of(PAGE_SIZE as u64) || (off == 0 && !header_is_sealable(data)) {
                    return ffi::SQLITE_IOERR_WRITE;
                }
                true
            }
            PageFile::Wal => {
                let mut pages = wal_pages(off, len as u64);
                match pages.next() {
                    None => false,
                    Some(d) if d == off && len == PAGE_SIZE => true,
                    Some(_) => return ffi::SQLITE_IOERR_WRITE,
                }
            }
            PageFile::Journal => len == PAGE_SIZE && !off.is_multiple_of(JOURNAL_SECTOR),
        };
        if !sealed_page {
            return forward!(f, xWrite, ffi::SQLITE_IOERR_WRITE, buf, amt, off as i64);
        }
        let plain: &[u8; PAGE_SIZE] = data.try_into().expect("one page");
        let mut out = [0u8; PAGE_SIZE];
        if cipher.seal(plain, kind, off, &mut out).is_err() {
            return ffi::SQLITE_IOERR_WRITE;
        }
        forward!(f, xWrite, ffi::SQLITE_IOERR_WRITE, out.as_ptr().cast(), amt, off as i64)
    }
}

/// Page 1 must declare the page size and the reserved bytes sealing needs:
/// sealing a page without them would overwrite SQLite's data.
fn header_is_sealable(page: &[u8]) -> bool {
    page.len() >= 21 && u16::from_be_bytes([page[16], page[17]]) as usize == PAGE_SIZE && page[20] as usize == RESERVE
}

unsafe extern "C" fn x_truncate(f: *mut ffi::sqlite3_file, size: ffi::sqlite3_int64) -> c_int {
    unsafe { forward!(f, xTruncate, ffi::SQLITE_IOERR_TRUNCATE, size) }
}
unsafe extern "C" fn x_sync(f: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    unsafe { forward!(f, xSync, ffi::SQLITE_IOERR_FSYNC, flags) }
}
unsafe extern "C" fn x_file_size(f: *mut ffi::sqlite3_file, size: *mut ffi::sqlite3_int64) -> c_int {
    unsafe { forward!(f, xFileSize, ffi::SQLITE_IOERR_FSTAT, size) }
}

static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(x_close),
    xRead: Some(x_read),
    xWrite: Some(x_write),
    xTruncate: Some(x_truncate),
    xSync: Some(x_sync),
    xFileSize: Some(x_file_size),
    xLock: Some(shim::x_lock::<SealedFile>),
    xUnlock: Some(shim::x_unlock::<SealedFile>),
    xCheckReservedLock: Some(shim::x_check_reserved_lock::<SealedFile>),
    xFileControl: Some(shim::x_file_control::<SealedFile>),
    xSectorSize: Some(shim::x_sector_size::<SealedFile>),
    xDeviceCharacteristics: Some(shim::x_device_characteristics::<SealedFile>),
    xShmMap: Some(shim::x_shm_map::<SealedFile>),
    xShmLock: Some(shim::x_shm_lock::<SealedFile>),
    xShmBarrier: Some(shim::x_shm_barrier::<SealedFile>),
    xShmUnmap: Some(shim::x_shm_unmap::<SealedFile>),
    xFetch: Some(shim::x_fetch),
    xUnfetch: Some(shim::x_unfetch),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wal_pages_are_found_by_offset() {
        let d0 = WAL_HEADER + FRAME_HEADER;
        assert_eq!(wal_pages(0, 32).count(), 0, "the WAL header holds no page");
        assert_eq!(wal_pages(32, 24).count(), 0, "nor does a frame header");
        assert_eq!(wal_pages(d0, PAGE_SIZE as u64).collect::<Vec<_>>(), vec![d0]);
        assert_eq!(wal_pages(32, FRAME).collect::<Vec<_>>(), vec![d0], "recovery reads header and page");
        assert_eq!(wal_pages(d0 + FRAME - FRAME_HEADER, FRAME).collect::<Vec<_>>(), vec![d0 + FRAME]);
        assert_eq!(wal_pages(d0 + 100, 10).collect::<Vec<_>>(), vec![d0], "a part of a page is seen");
    }

    #[test]
    fn uris_escape_the_path() {
        let r = Registration { token: "t".into() };
        assert_eq!(r.uri(std::path::Path::new("/data/a b?#%.db")), "file:/data/a%20b%3F%23%25.db?vfs=redline-sealed&seal=t");
        std::mem::forget(r);
    }
}
