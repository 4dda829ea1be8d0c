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

use std::process::Command;

use crate::build;
use crate::setup::{self, Needs};
use crate::util::{self, exec, root, step, Result};

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
    let tools = setup::run(Needs { chromium: false })?;
    if build_first {
        build::package(&tools)?;
    } else if !root().join("pkg").join("realtimekit_webhooks_bg.wasm").exists() {
        return Err("pkg/ has no package: run `cargo xtask build` first, or drop --no-build".into());
    }
    link_package()?;

    step("bench (tests/bench/bench.mjs)");
    let out = root().join("target").join("bench").join("results.json");
    let mut node = Command::new("node");
    node.arg(root().join("tests").join("bench").join("bench.mjs")).arg("--out").arg(&out).current_dir(root());
    if quick {
        node.arg("--quick");
    }
    exec(&mut node)
}

/// Makes `realtimekit-webhooks` resolve to `pkg/` from `tests/`, as an
/// installed package would (the bench imports it by name).
fn link_package() -> Result {
    let link = util::js_dir().join("node_modules").join("realtimekit-webhooks");
    if let Ok(target) = std::fs::read_link(&link) {
        if target == std::path::Path::new("../../pkg") {
            return Ok(());
        }
    }
    if link.symlink_metadata().is_ok() {
        std::fs::remove_file(&link)
            .or_else(|_| std::fs::remove_dir_all(&link))
            .map_err(|e| format!("{}: {e}", link.display()))?;
    }
    std::os::unix::fs::symlink("../../pkg", &link).map_err(|e| format!("{}: {e}", link.display()))
}
