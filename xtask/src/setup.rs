//! The one idempotent set-up every command runs: each step is skipped when
//! what it installs is already there, and a step that cannot install says
//! what is missing and how to get it.

use std::process::Command;

use crate::util::{self, cargo, exec, output, root, step, Result};

/// What the caller will use beyond the always-needed tools.
#[derive(Debug, Clone, Copy)]
pub struct Needs {
    /// The test tooling in tests/ (runtimes, tsc, the SDK the bench compares with).
    pub test_tooling: bool,
    pub chromium: bool,
    /// PostgreSQL's server binaries (the fleet test starts its own server).
    pub postgres: bool,
}

/// Paths of the tools found or installed.
#[derive(Debug, Clone)]
pub struct Tools {
    /// `chromium` and `chromedriver`, when asked for.
    pub chromium: Option<(String, String)>,
    /// Whether the pinned nightly (with `rust-src`) is there to build the package.
    pub nightly: bool,
    /// The directory of PostgreSQL's `initdb` and `pg_ctl`, when asked for;
    /// or why there is none (the tests that need it then say so and skip).
    pub postgres: Option<std::result::Result<String, String>>,
}

pub fn run(needs: Needs) -> Result<Tools> {
    step("set-up");
    node()?;
    wasm_target()?;
    rust_components()?;
    wasm_bindgen_cli()?;
    let nightly = nightly();
    npm_tooling(&util::build_tools_dir())?;
    if needs.test_tooling {
        npm_tooling(&util::js_dir())?;
    }
    let chromium = if needs.chromium { Some(chromium()?) } else { None };
    let postgres = if needs.postgres { Some(postgres()) } else { None };
    Ok(Tools { chromium, nightly, postgres })
}

fn node() -> Result {
    let version = output(Command::new("node").arg("--version"))
        .ok_or("Node.js is missing: install Node.js 18 or newer (https://nodejs.org/ or your package manager), then run this again")?;
    let major: u32 = version.trim().trim_start_matches('v').split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0);
    if major < 18 {
        return Err(format!("Node.js {} is too old: install Node.js 18 or newer", version.trim()));
    }
    output(Command::new("npm").arg("--version")).ok_or("npm is missing: install it with Node.js")?;
    println!("node {}: ok", version.trim());
    Ok(())
}

fn wasm_target() -> Result {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]));
    match installed {
        Some(list) if list.lines().any(|l| l.trim() == "wasm32-unknown-unknown") => {
            println!("wasm32-unknown-unknown: ok");
            Ok(())
        }
        Some(_) => exec(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"])),
        None => Err(
            "rustup is missing: install Rust with rustup (https://rustup.rs), or add the wasm32-unknown-unknown target to your toolchain"
                .into(),
        ),
    }
}

/// rustfmt and clippy, which the native tier runs.
fn rust_components() -> Result {
    let missing: Vec<&str> = [("rustfmt", "fmt"), ("clippy", "clippy")]
        .into_iter()
        .filter(|(_, sub)| output(cargo().args([sub, "--version"])).is_none())
        .map(|(component, _)| component)
        .collect();
    if missing.is_empty() {
        println!("rustfmt and clippy: ok");
        return Ok(());
    }
    exec(Command::new("rustup").args(["component", "add"]).args(&missing))
        .map_err(|e| format!("{e}: install them with `rustup component add {}`", missing.join(" ")))
}

/// The `wasm-bindgen` version in Cargo.lock: the CLI must match it exactly.
pub fn wasm_bindgen_version() -> Result<String> {
    let lock = util::read(&root().join("Cargo.lock"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(version.trim_end_matches('"').to_owned());
            }
        }
    }
    Err("wasm-bindgen is not in Cargo.lock".into())
}

fn wasm_bindgen_cli() -> Result {
    let wanted = wasm_bindgen_version()?;
    let have = output(Command::new("wasm-bindgen").arg("--version")).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(wanted.as_str()) {
        println!("wasm-bindgen {wanted}: ok");
        return Ok(());
    }
    // Not `--locked`: one of its pinned dependencies is missing from some registry mirrors.
    exec(cargo().args(["install", "wasm-bindgen-cli", "--version", &wanted, "--force"]))
}

/// The pinned nightly and its `rust-src`, for the release package; installed
/// when missing. When it cannot be had (or `RTK_STABLE_BUILD=1`), the package
/// is built with stable (larger), and the set-up says so.
fn nightly() -> bool {
    let toolchain = crate::build::NIGHTLY;
    if std::env::var("RTK_STABLE_BUILD").is_ok_and(|v| v == "1") {
        println!("RTK_STABLE_BUILD=1: the package is built with stable");
        return false;
    }
    let has_src = || {
        output(Command::new("rustup").args(["component", "list", "--installed", "--toolchain", toolchain]))
            .is_some_and(|list| list.lines().any(|line| line.starts_with("rust-src")))
    };
    if has_src() {
        println!("{toolchain} with rust-src: ok");
        return true;
    }
    let installed =
        exec(Command::new("rustup").args(["toolchain", "install", toolchain, "--profile", "minimal", "--component", "rust-src"]));
    if installed.is_ok() && has_src() {
        return true;
    }
    println!(
        "warning: the pinned nightly {toolchain} (with rust-src) could not be installed; the package is built with stable, \
         and is larger (install it with `rustup toolchain install {toolchain} --profile minimal --component rust-src`)"
    );
    false
}

/// `npm ci` in `dir`, skipped while its lockfile is the one last installed there.
fn npm_tooling(dir: &std::path::Path) -> Result {
    let lock = util::read(&dir.join("package-lock.json"))?;
    let stamp_path = dir.join("node_modules").join(".xtask-lock");
    let shown = dir.strip_prefix(root()).unwrap_or(dir).join("node_modules");
    if std::fs::read_to_string(&stamp_path).ok().as_deref() == Some(lock.as_str()) {
        println!("npm tooling ({}): ok", shown.display());
        return Ok(());
    }
    exec(Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]).current_dir(dir))?;
    util::write(&stamp_path, lock)
}

/// Debian's chromium and chromedriver: installed with apt-get when root.
fn chromium() -> Result<(String, String)> {
    let find = |names: &[&str]| {
        names
            .iter()
            .find(|n| output(Command::new("which").arg(n)).is_some())
            .map(|n| output(Command::new("which").arg(n)).unwrap_or_default().trim().to_owned())
    };
    let browsers = ["chromium", "chromium-browser"];
    let drivers = ["chromedriver"];
    if let (Some(browser), Some(driver)) = (find(&browsers), find(&drivers)) {
        println!("chromium ({browser}) and chromedriver: ok");
        return Ok((browser, driver));
    }
    let is_root = output(Command::new("id").arg("-u")).is_some_and(|id| id.trim() == "0");
    let has_apt = output(Command::new("which").arg("apt-get")).is_some();
    if !(is_root && has_apt) {
        return Err(
            "Chromium is missing: install it (on Debian/Ubuntu: `sudo apt-get install chromium chromium-driver`), then run this again"
                .into(),
        );
    }
    exec(Command::new("apt-get").args(["update", "-q"]).env("DEBIAN_FRONTEND", "noninteractive"))?;
    exec(
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends", "chromium", "chromium-driver"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    match (find(&browsers), find(&drivers)) {
        (Some(browser), Some(driver)) => Ok((browser, driver)),
        _ => Err("apt-get ran but chromium or chromedriver is still missing".into()),
    }
}

/// Debian's PostgreSQL server (`initdb`, `pg_ctl`): installed with apt-get
/// when root. Where it cannot be had, the reason, not a failure: only the
/// tests that need a server skip, saying so.
fn postgres() -> std::result::Result<String, String> {
    let find = || {
        let mut dirs: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .filter(|bin| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
            .collect();
        dirs.sort();
        // The newest version, else whatever is on the PATH.
        dirs.pop().map(|d| d.display().to_string()).or_else(|| {
            output(Command::new("which").arg("initdb"))
                .and_then(|p| std::path::Path::new(p.trim()).parent().map(|d| d.display().to_string()))
        })
    };
    if let Some(bin) = find() {
        println!("postgresql ({bin}): ok");
        return Ok(bin);
    }
    let is_root = output(Command::new("id").arg("-u")).is_some_and(|id| id.trim() == "0");
    let has_apt = output(Command::new("which").arg("apt-get")).is_some();
    if !(is_root && has_apt) {
        return Err("PostgreSQL is not installed and cannot be here (not root, or no apt-get): install it (`sudo apt-get install postgresql`) to run the fleet test".into());
    }
    step("install PostgreSQL (apt-get): the fleet test starts its own server");
    let apt = |args: &[&str]| exec(Command::new("apt-get").args(args).env("DEBIAN_FRONTEND", "noninteractive"));
    apt(&["update", "-q"]).and_then(|()| apt(&["install", "-y", "-q", "--no-install-recommends", "postgresql"]))?;
    find().ok_or_else(|| "apt-get installed postgresql, but initdb and pg_ctl are not under /usr/lib/postgresql/*/bin".into())
}
