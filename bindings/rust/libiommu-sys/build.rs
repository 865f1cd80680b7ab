// SPDX-License-Identifier: LGPL-2.1-or-later
//! Generate the bindings with the bindgen command (Debian's `bindgen`
//! package; $BINDGEN overrides) and say how to link libiommu.
//!
//! Where the header and the library are:
//! - LIBIOMMU_INCLUDE_DIR / LIBIOMMU_LIB_DIR when set (LIBIOMMU_STATIC=1
//!   links libiommu.a from LIBIOMMU_LIB_DIR: a static program);
//! - else `pkg-config libiommu` (an installed library);
//! - else this source tree's include/ (header only: the link then needs
//!   LIBIOMMU_LIB_DIR or an installed library).
use std::env;
use std::path::PathBuf;
use std::process::Command;

fn pkg_config(args: &[&str]) -> Option<String> {
    let out = Command::new(env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".into()))
        .args(args)
        .arg("libiommu")
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    for v in ["LIBIOMMU_INCLUDE_DIR", "LIBIOMMU_LIB_DIR", "LIBIOMMU_STATIC", "BINDGEN", "PKG_CONFIG_PATH"] {
        println!("cargo:rerun-if-env-changed={}", v);
    }
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let tree_include = manifest.join("../../../include");

    let mut clang_args: Vec<String> = Vec::new();
    let header;
    if let Ok(dir) = env::var("LIBIOMMU_INCLUDE_DIR") {
        header = PathBuf::from(&dir).join("libiommu/libiommu.h");
        clang_args.push(format!("-I{}", dir));
    } else if let Some(cflags) = pkg_config(&["--cflags"]) {
        clang_args.extend(cflags.split_whitespace().map(String::from));
        let dir = clang_args
            .iter()
            .find_map(|a| a.strip_prefix("-I").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("/usr/include"));
        header = dir.join("libiommu/libiommu.h");
    } else {
        header = tree_include.join("libiommu/libiommu.h");
        clang_args.push(format!("-I{}", tree_include.display()));
    }
    if !header.exists() {
        panic!(
            "libiommu-sys: no {}: install libiommu (pkg-config libiommu) or set LIBIOMMU_INCLUDE_DIR",
            header.display()
        );
    }
    println!("cargo:rerun-if-changed={}", header.display());

    if let Ok(dir) = env::var("LIBIOMMU_LIB_DIR") {
        println!("cargo:rustc-link-search=native={}", dir);
        if env::var("LIBIOMMU_STATIC").map(|v| v == "1").unwrap_or(false) {
            println!("cargo:rustc-link-lib=static=iommu");
        } else {
            println!("cargo:rustc-link-lib=iommu");
        }
    } else if let Some(libs) = pkg_config(&["--libs"]) {
        for a in libs.split_whitespace() {
            if let Some(d) = a.strip_prefix("-L") {
                println!("cargo:rustc-link-search=native={}", d);
            } else if let Some(l) = a.strip_prefix("-l") {
                println!("cargo:rustc-link-lib={}", l);
            }
        }
    } else {
        println!("cargo:rustc-link-lib=iommu");
    }

    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("bindings.rs");
    let bindgen = env::var("BINDGEN").unwrap_or_else(|_| "bindgen".into());
    let status = Command::new(&bindgen)
        .arg(&header)
        .args(["--allowlist-function", "libiommu_.*"])
        .args(["--allowlist-type", "libiommu_.*"])
        .args(["--allowlist-var", "LIBIOMMU_.*"])
        .args(["--default-enum-style", "consts"])
        .arg("--no-doc-comments")
        .arg("--size_t-is-usize")
        .arg("-o")
        .arg(&out)
        .arg("--")
        .args(&clang_args)
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "libiommu-sys: cannot run '{}' ({}): install Debian's bindgen package (tests/vm/setup-host.sh --rust) or set BINDGEN",
                bindgen, e
            )
        });
    if !status.success() {
        panic!("libiommu-sys: {} failed on {}: {}", bindgen, header.display(), status);
    }
}
