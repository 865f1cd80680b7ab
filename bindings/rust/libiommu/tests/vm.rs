// SPDX-License-Identifier: LGPL-2.1-or-later
//! The safe wrapper against the kernel (VM tier, run as the program
//! `rust-libiommu`): a context, an IOAS mapped and unmapped, the edu device
//! attached and its coherency report.  Exit 0 pass, 77 skip (no
//! /dev/iommu: runs in the VM tier), 1 fail.
use libiommu::{Ctx, MAP_READ, MAP_WRITE};
use std::path::Path;

fn count_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

fn ctx_opens_and_errors_carry_the_message() -> Result<(), String> {
    let ctx = Ctx::new().map_err(|e| format!("Ctx::new: {}", e))?;
    drop(ctx);
    match Ctx::open("/nonexistent/libiommu-rust") {
        Ok(_) => Err("opening a missing node succeeded".into()),
        Err(e) if e.errno == libc::ENOENT && e.message.contains("/nonexistent/libiommu-rust") => Ok(()),
        Err(e) => Err(format!("unexpected error: {:?}", e)),
    }
}

fn ioas_maps_and_unmaps() -> Result<(), String> {
    let ctx = Ctx::new().map_err(|e| e.to_string())?;
    let ioas = ctx.ioas_alloc().map_err(|e| e.to_string())?;
    if ioas.id() == 0 {
        return Err("IOAS id 0".into());
    }
    let len = 2 * 4096usize;
    // SAFETY: an anonymous private mapping, unmapped below.
    let buf = unsafe {
        libc::mmap(ptr_null(), len, libc::PROT_READ | libc::PROT_WRITE,
                   libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1, 0)
    };
    if buf == libc::MAP_FAILED {
        return Err("mmap failed".into());
    }
    let res = (|| {
        // SAFETY: buf stays mapped until after the unmaps.
        let picked = unsafe { ioas.map(buf.cast(), 4096, None, MAP_READ | MAP_WRITE) }.map_err(|e| e.to_string())?;
        let fixed = unsafe { ioas.map((buf as *mut u8).add(4096), 4096, Some(0x100000), MAP_READ) }
            .map_err(|e| e.to_string())?;
        if fixed != 0x100000 {
            return Err(format!("fixed IOVA came back as {:#x}", fixed));
        }
        if ioas.unmap(picked, 4096).map_err(|e| e.to_string())? != 4096 {
            return Err("unmap of the kernel-chosen IOVA did not unmap 4096 bytes".into());
        }
        ioas.unmap(0x100000, 4096).map_err(|e| e.to_string())?;
        match ioas.unmap(0x100000, 4096) {
            Err(e) if e.errno == libc::ENOENT && !e.message.is_empty() => Ok(()),
            r => Err(format!("unmapping twice: {:?}", r)),
        }
    })();
    drop(ioas);
    // SAFETY: nothing maps it any more.
    unsafe { libc::munmap(buf, len) };
    res
}

fn ptr_null() -> *mut libc::c_void {
    std::ptr::null_mut()
}

fn edu_cdev() -> Option<String> {
    let bdf = std::env::var("LIBIOMMU_VM_EDU").ok()?;
    let dir = format!("/sys/bus/pci/devices/{}/vfio-dev", bdf);
    let name = std::fs::read_dir(dir).ok()?.filter_map(|e| e.ok()).next()?.file_name();
    Some(format!("/dev/vfio/devices/{}", name.to_string_lossy()))
}

fn device_attaches_and_reports_its_box() -> Result<(), String> {
    let path = edu_cdev().ok_or("no edu device (LIBIOMMU_VM_EDU) bound to vfio-pci")?;
    let snoop_on = std::env::var("LIBIOMMU_VM_SNOOP").map(|s| s != "off").unwrap_or(true);
    let ctx = Ctx::new().map_err(|e| e.to_string())?;
    let ioas = ctx.ioas_alloc().map_err(|e| e.to_string())?;
    let dev = ctx.dev_open(&path).map_err(|e| format!("dev_open({}): {}", path, e))?;
    dev.attach(&ioas).map_err(|e| e.to_string())?;
    let report = dev.coherency().map_err(|e| e.to_string())?;
    let text = report.text().map_err(|e| e.to_string())?;
    println!("{}", text);
    // edu is conventional PCI: it never issues no-snoop (box 2, or 4
    // when the IOMMU cannot block it)
    let want = if snoop_on { 2 } else { 4 };
    if report.matrix_box() != Some(want) {
        return Err(format!("box {:?}, expected {} (snoop {})", report.matrix_box(), want, snoop_on));
    }
    if !report.name().contains("vfio") || text.is_empty() {
        return Err(format!("report name '{}' / text empty", report.name()));
    }
    drop(report);
    // the IOAS is in use: its Drop leaves it to the context (EBUSY)
    drop(ioas);
    dev.detach().map_err(|e| e.to_string())?;
    drop(dev);
    drop(ctx);
    Ok(())
}

fn main() {
    if !Path::new("/dev/iommu").exists() {
        println!("SKIP: /dev/iommu not present (kernel without CONFIG_IOMMUFD): runs in the VM tier");
        std::process::exit(77);
    }
    println!("libiommu {}", libiommu::version());
    let fds = count_fds();
    let cases: [(&str, fn() -> Result<(), String>); 3] = [
        ("ctx_opens_and_errors_carry_the_message", ctx_opens_and_errors_carry_the_message),
        ("ioas_maps_and_unmaps", ioas_maps_and_unmaps),
        ("device_attaches_and_reports_its_box", device_attaches_and_reports_its_box),
    ];
    let mut failed = 0;
    for (name, f) in cases.iter() {
        match f() {
            Ok(()) => println!("PASS {}", name),
            Err(e) => {
                println!("FAIL {}: {}", name, e);
                failed += 1;
            }
        }
    }
    if count_fds() != fds {
        println!("FAIL fds: {} open before, {} after", fds, count_fds());
        failed += 1;
    }
    println!("{} of {} passed", cases.len() - failed.min(cases.len()), cases.len());
    std::process::exit(if failed == 0 { 0 } else { 1 });
}
