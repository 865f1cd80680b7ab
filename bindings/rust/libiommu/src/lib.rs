// SPDX-License-Identifier: LGPL-2.1-or-later
//! A safe wrapper of libiommu: a context (`Ctx`, the iommufd), I/O address
//! spaces (`Ioas`), VFIO devices (`Device`) and coherency reports
//! (`Coherency`).
//!
//! Lifetimes follow the C library's: the context owns every handle made on
//! it and frees them with itself, so each handle borrows its `Ctx` and
//! cannot outlive it.  Dropping a handle releases it early: an `Ioas` is
//! destroyed (when a device still uses it the kernel says EBUSY and the
//! context frees it later, as in C), a `Device` is unbound and closed, a
//! report is freed.  Errors carry the errno and the library's message
//! (`libiommu_last_error()`), so no log callback is needed.
use libiommu_sys as sys;
use std::ffi::{CStr, CString};
use std::fmt;
use std::marker::PhantomData;
use std::ptr;

/// A failed call: the negative errno's value and the library's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub errno: i32,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (errno {})", self.message, self.errno)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

fn check(ret: i32) -> Result<i32> {
    if ret >= 0 {
        return Ok(ret);
    }
    // SAFETY: returns a NUL-terminated string owned by this thread.
    let msg = unsafe { CStr::from_ptr(sys::libiommu_last_error()) };
    Err(Error { errno: -ret, message: msg.to_string_lossy().into_owned() })
}

/// The library's version string.
pub fn version() -> String {
    // SAFETY: a static string.
    unsafe { CStr::from_ptr(sys::libiommu_version()) }.to_string_lossy().into_owned()
}

/// A context: /dev/iommu opened (or another node), the owner of every handle.
pub struct Ctx {
    raw: *mut sys::libiommu_ctx,
}

impl Ctx {
    /// Open /dev/iommu with the default backend.
    pub fn new() -> Result<Ctx> {
        let mut raw = ptr::null_mut();
        // SAFETY: NULL options are the defaults; raw is an out pointer.
        check(unsafe { sys::libiommu_ctx_new(ptr::null(), &mut raw) })?;
        Ok(Ctx { raw })
    }

    /// Open the node at `path` instead of /dev/iommu.
    pub fn open(path: &str) -> Result<Ctx> {
        let c = CString::new(path).map_err(|_| Error { errno: libc::EINVAL, message: "path has a NUL".into() })?;
        // SAFETY: an all-zero options struct is valid; sz and path are set.
        let mut opts: sys::libiommu_ctx_opts = unsafe { std::mem::zeroed() };
        opts.sz = std::mem::size_of::<sys::libiommu_ctx_opts>();
        opts.path = c.as_ptr();
        let mut raw = ptr::null_mut();
        // SAFETY: opts lives across the call.
        check(unsafe { sys::libiommu_ctx_new(&opts, &mut raw) })?;
        Ok(Ctx { raw })
    }

    pub fn as_raw(&self) -> *mut sys::libiommu_ctx {
        self.raw
    }

    /// Allocate an I/O address space.
    pub fn ioas_alloc(&self) -> Result<Ioas<'_>> {
        let mut raw = ptr::null_mut();
        // SAFETY: self.raw is a live context.
        check(unsafe { sys::libiommu_ioas_alloc(self.raw, ptr::null(), &mut raw) })?;
        Ok(Ioas { raw, _ctx: PhantomData })
    }

    /// Open and bind the VFIO device cdev at `path` (/dev/vfio/devices/vfioN).
    pub fn dev_open(&self, path: &str) -> Result<Device<'_>> {
        let c = CString::new(path).map_err(|_| Error { errno: libc::EINVAL, message: "path has a NUL".into() })?;
        let mut raw = ptr::null_mut();
        // SAFETY: self.raw is live, c outlives the call.
        check(unsafe { sys::libiommu_dev_open(self.raw, c.as_ptr(), ptr::null(), &mut raw) })?;
        Ok(Device { raw, _ctx: PhantomData })
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        // SAFETY: every handle borrowing self is gone (the borrow checker).
        unsafe { sys::libiommu_ctx_free(self.raw) }
    }
}

/// Map flags.
pub const MAP_READ: u32 = sys::LIBIOMMU_MAP_READ;
pub const MAP_WRITE: u32 = sys::LIBIOMMU_MAP_WRITE;

/// An I/O address space of a context.
pub struct Ioas<'c> {
    raw: *mut sys::libiommu_ioas,
    _ctx: PhantomData<&'c Ctx>,
}

impl<'c> Ioas<'c> {
    /// The kernel's object id.
    pub fn id(&self) -> u32 {
        // SAFETY: a live handle.
        unsafe { sys::libiommu_ioas_id(self.raw) }
    }

    /// Map `len` bytes at `vaddr`; `iova` Some: that IOVA, None: the kernel
    /// picks.  Returns the IOVA.
    ///
    /// # Safety
    /// The memory must stay mapped (and not be reused for anything a device
    /// must not reach) until it is unmapped: DMA reaches it behind Rust's
    /// back.
    pub unsafe fn map(&self, vaddr: *mut u8, len: u64, iova: Option<u64>, flags: u32) -> Result<u64> {
        let mut io = iova.unwrap_or(0);
        let f = flags | if iova.is_some() { sys::LIBIOMMU_MAP_FIXED_IOVA } else { 0 };
        check(sys::libiommu_ioas_map(self.raw, vaddr.cast(), len, &mut io, f))?;
        Ok(io)
    }

    /// Unmap what lies in [iova, iova + len); returns the bytes unmapped.
    pub fn unmap(&self, iova: u64, len: u64) -> Result<u64> {
        let mut n = 0u64;
        // SAFETY: a live handle.
        check(unsafe { sys::libiommu_ioas_unmap(self.raw, iova, len, &mut n) })?;
        Ok(n)
    }

    pub fn as_raw(&self) -> *mut sys::libiommu_ioas {
        self.raw
    }
}

impl Drop for Ioas<'_> {
    fn drop(&mut self) {
        // SAFETY: a live handle.  -EBUSY (a device still on it) leaves it to
        // the context, which frees it with itself.
        unsafe { sys::libiommu_ioas_destroy(self.raw) };
    }
}

/// A VFIO device bound to a context.
pub struct Device<'c> {
    raw: *mut sys::libiommu_dev,
    _ctx: PhantomData<&'c Ctx>,
}

impl<'c> Device<'c> {
    pub fn id(&self) -> u32 {
        // SAFETY: a live handle.
        unsafe { sys::libiommu_dev_id(self.raw) }
    }

    /// Attach to `ioas` (of the same context).
    pub fn attach(&self, ioas: &Ioas<'c>) -> Result<()> {
        // SAFETY: both handles are live and of one context (lifetime 'c).
        check(unsafe { sys::libiommu_dev_attach_ioas(self.raw, ioas.raw) })?;
        Ok(())
    }

    pub fn detach(&self) -> Result<()> {
        // SAFETY: a live handle.
        check(unsafe { sys::libiommu_dev_detach(self.raw) })?;
        Ok(())
    }

    /// The device's coherency report (a snapshot).
    pub fn coherency(&self) -> Result<Coherency> {
        let mut raw = ptr::null_mut();
        // SAFETY: a live handle.
        check(unsafe { sys::libiommu_coherency_get_dev(self.raw, &mut raw) })?;
        Ok(Coherency { raw })
    }

    pub fn as_raw(&self) -> *mut sys::libiommu_dev {
        self.raw
    }
}

impl Drop for Device<'_> {
    fn drop(&mut self) {
        // SAFETY: a live handle; unbinds and closes the device.
        unsafe { sys::libiommu_dev_free(self.raw) }
    }
}

/// A coherency report: owns its data, independent of the context.
pub struct Coherency {
    raw: *mut sys::libiommu_coherency,
}

impl Coherency {
    /// The box of the coherency matrix, 1-4, or None when unknown.
    pub fn matrix_box(&self) -> Option<u8> {
        // SAFETY: a live report.
        match unsafe { sys::libiommu_coherency_box(self.raw) } {
            b @ 1..=4 => Some(b as u8),
            _ => None,
        }
    }

    /// What the report is about, e.g. "0000:00:03.0 (vfio0)".
    pub fn name(&self) -> String {
        // SAFETY: a string owned by the report.
        unsafe { CStr::from_ptr(sys::libiommu_coherency_name(self.raw)) }.to_string_lossy().into_owned()
    }

    /// The report as the library prints it.
    pub fn text(&self) -> Result<String> {
        // SAFETY: NULL/0 asks for the length; then a buffer of that size.
        let n = check(unsafe { sys::libiommu_coherency_format(self.raw, ptr::null_mut(), 0) })? as usize;
        let mut buf = vec![0u8; n + 1];
        check(unsafe { sys::libiommu_coherency_format(self.raw, buf.as_mut_ptr().cast(), buf.len()) })?;
        buf.truncate(n);
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }
}

impl Drop for Coherency {
    fn drop(&mut self) {
        // SAFETY: a live report.
        unsafe { sys::libiommu_coherency_free(self.raw) }
    }
}
