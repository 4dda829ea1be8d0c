//! `cargo xtask bench [--no-build] [--quick]`: the package against the
//! official SDK (`cloudflare`, webhooks only) and against fetch + JSON.parse,
//! side by side: speed, cold start in Node and workerd, delivery verification,
//! bundle size, load and memory. Prints a table of medians, spreads and
//! ratios, and whether each target is met; writes every figure to
//! `target/bench/results.json`. It only reports: a missed target is not a
//! failure. The scripts are in `tests/bench/` (`bench.mjs` explains the method).
//!
//! - `--no-build` measures `pkg/` as it is instead of building it first;
//! - `--quick` runs fewer rounds, to try the harness (figures are rough).

use std::path::Path;
use std::process::Command;

use crate::build;
use crate::setup::{self, Needs};
use crate::util::{exec, root, step, Result};

const USAGE: &str = "usage: cargo xtask bench [--no-build] [--quick]";

pub fn run(args: &[String]) -> Result {
    let mut build_first = true;
    let mut quick = false;
    for arg in args {
        match arg.as_str() {
            "--no-build" => build_first = false,
            "--quick" => quick = true,
            _ => return Err(format!("unknown argument {arg:?}\n{USAGE}")),
        }
    }
    let tools = setup::run(Needs { test_tooling: true, chromium: false, postgres: false })?;
    if build_first {
        build::package(&tools)?;
    }
    snapshot_package()?;

    step("bench (tests/bench/bench.mjs)");
    let out = root().join("target").join("bench").join("results.json");
    let mut node = Command::new("node");
    node.arg("--expose-gc").arg(root().join("tests").join("bench").join("bench.mjs")).arg("--out").arg(&out).current_dir(root());
    if quick {
        node.arg("--quick");
    }
    exec(&mut node)
}

/// Copies `pkg/` to `target/bench/pkg/` and makes `realtimekit-webhooks`
/// resolve to that copy from `tests/bench/` (through
/// `tests/bench/node_modules/`), so that a rebuild of `pkg/` during the run
/// cannot change what is measured halfway.
fn snapshot_package() -> Result {
    let pkg = root().join("pkg");
    let copy = root().join("target").join("bench").join("pkg");
    if !pkg.exists() {
        return Err("pkg/ is missing: run `cargo xtask build` first, or drop --no-build".into());
    }
    if copy.exists() {
        std::fs::remove_dir_all(&copy).map_err(io(&copy))?;
    }
    std::fs::create_dir_all(&copy).map_err(io(&copy))?;
    copy_tree(&pkg, &copy)?;
    for needed in ["package.json", "node.js", "realtimekit_webhooks.js", "realtimekit_webhooks_bg.wasm"] {
        if !copy.join(needed).exists() {
            return Err(format!("pkg/ has no {needed} (is it being rebuilt?): run `cargo xtask bench` again"));
        }
    }
    let modules = root().join("tests").join("bench").join("node_modules");
    std::fs::create_dir_all(&modules).map_err(io(&modules))?;
    let link = modules.join("realtimekit-webhooks");
    if link.symlink_metadata().is_ok() {
        std::fs::remove_file(&link).map_err(io(&link))?;
    }
    std::os::unix::fs::symlink("../../../target/bench/pkg", &link).map_err(io(&link))?;
    println!("measuring a copy of pkg/: {}", copy.display());
    Ok(())
}

/// Copies the files of `from` into `to`, and its directories (the modules, the migrations) with theirs.
fn copy_tree(from: &Path, to: &Path) -> Result {
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let path = entry.map_err(io(from))?.path();
        let target = to.join(path.file_name().unwrap_or_default());
        match path.is_dir() {
            true => copy_tree(&path, &target)?,
            false => std::fs::copy(&path, &target).map(drop).map_err(io(&path))?,
        }
    }
    Ok(())
}

/// An io error naming the path.
fn io(path: &Path) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{}: {e}", path.display())
}
