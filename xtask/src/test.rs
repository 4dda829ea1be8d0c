//! `cargo xtask test [tier...]`: every tier by default, in order:
//!
//! - `native`: `cargo test` of the workspace (pure logic, the emulator);
//! - `wasm`: the Rust API under wasm-bindgen-test in Node, against an emulator;
//! - `js`: the built package imported by name from Node's test runner.

use std::path::Path;
use std::process::Command;

use crate::emulator::Running;
use crate::setup::{self, Needs};
use crate::util::{self, cargo, root, exec, step, Result};
use crate::build;

const TIERS: [&str; 3] = ["native", "wasm", "js"];

pub fn run(args: &[String]) -> Result {
    for arg in args {
        if !TIERS.contains(&arg.as_str()) {
            return Err(format!("unknown test tier {arg:?}; tiers are {}", TIERS.join(", ")));
        }
    }
    let wants = |tier: &str| args.is_empty() || args.iter().any(|a| a == tier);
    let tools = setup::run(Needs { chromium: false })?;
    let started = std::time::Instant::now();

    if wants("native") {
        step("native tests");
        exec(cargo().args(["test", "--workspace", "--quiet"]))?;
    }
    let emulator = build::emulator()?;
    if wants("wasm") {
        step("wasm tests (wasm-bindgen-test in Node, against the emulator)");
        let emu = Running::start(&emulator, &[])?;
        exec(cargo()
            .args(["test", "--target", "wasm32-unknown-unknown", "--test", "wasm"])
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner")
            .env("RTK_EMULATOR_URL", &emu.url))?;
    }
    if wants("js") {
        build::package(&tools)?;
        link_package()?;
        step("JS consumer tests (Node, the package imported by name)");
        let files = test_files(&root().join("tests").join("js"))?;
        exec(Command::new("node")
            .arg("--test")
            .args(&files)
            .current_dir(root())
            .env("RTK_EMULATOR_BIN", &emulator))?;
    }
    println!("\nall tests passed ({:.0?})", started.elapsed());
    Ok(())
}

/// Makes `realtimekit-webhooks` resolve to `pkg/` from `tests/`, as an installed package would.
fn link_package() -> Result {
    let link = util::js_dir().join("node_modules").join("realtimekit-webhooks");
    if link.symlink_metadata().is_ok() {
        std::fs::remove_file(&link).or_else(|_| std::fs::remove_dir_all(&link)).map_err(|e| format!("{}: {e}", link.display()))?;
    }
    std::os::unix::fs::symlink("../../pkg", &link).map_err(|e| format!("{}: {e}", link.display()))
}

/// The `*.test.mjs` and `*.test.cjs` files of a directory, sorted.
fn test_files(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs") || p.to_string_lossy().ends_with(".test.cjs"))
        .collect();
    files.sort();
    Ok(files)
}
