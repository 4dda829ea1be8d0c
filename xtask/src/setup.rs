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
    let _lock = install_lock("wasm-bindgen-cli")?;
    let have = output(Command::new("wasm-bindgen").arg("--version")).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(wanted.as_str()) {
        println!("wasm-bindgen {wanted}: ok (installed meanwhile by another xtask)");
        return Ok(());
    }
    installing(&format!("wasm-bindgen-cli {wanted} (cargo compiles it: about 6 minutes on 2 cores)"));
    // Not `--locked`: one of its pinned dependencies is missing from some registry mirrors.
    exec(cargo().args(["install", "wasm-bindgen-cli", "--version", &wanted, "--force"]))
}

/// Says once, before it starts, what is being installed and about how long it takes.
fn installing(what: &str) {
    step(&format!("installing {what}; once, then it is reused"));
}

/// A lock that every xtask on this machine takes before installing a tool,
/// then looks again: of two `cargo xtask` run at once (two terminals, two
/// checkouts), one installs and the other waits and finds it installed,
/// instead of replacing it under the first. Held until dropped.
fn install_lock(what: &str) -> Result<std::fs::File> {
    let path = std::env::temp_dir().join("realtimekit-webhooks-xtask-install.lock");
    let file =
        std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    if file.try_lock().is_err() {
        println!("another `cargo xtask` is installing tools: waiting for it before {what} ({})", path.display());
        file.lock().map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(file)
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
    let installed = install_lock(toolchain).and_then(|_lock| {
        if has_src() {
            return Ok(());
        }
        installing(&format!("the pinned nightly {toolchain} with rust-src (a download of about 100 MB: a minute or two)"));
        exec(Command::new("rustup").args(["toolchain", "install", toolchain, "--profile", "minimal", "--component", "rust-src"]))
    });
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
    installing(&format!("the JS tooling in {} (npm ci: about a minute)", shown.display()));
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
    let _lock = install_lock("Chromium")?;
    if let (Some(browser), Some(driver)) = (find(&browsers), find(&drivers)) {
        return Ok((browser, driver));
    }
    installing("Chromium and chromedriver with apt-get (a download of about 100 MB: a minute or two)");
    apt_get(&["update", "-q"])?;
    apt_get(&["install", "-y", "-q", "--no-install-recommends", "chromium", "chromium-driver"])?;
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
    let _lock = install_lock("PostgreSQL")?;
    if let Some(bin) = find() {
        return Ok(bin);
    }
    installing("PostgreSQL with apt-get, for the fleet test's own server (about a minute)");
    apt_get(&["update", "-q"]).and_then(|()| apt_get(&["install", "-y", "-q", "--no-install-recommends", "postgresql"]))?;
    find().ok_or_else(|| "apt-get installed postgresql, but initdb and pg_ctl are not under /usr/lib/postgresql/*/bin".into())
}

/// How long `apt_get` waits for another apt-get or dpkg to let go of its lock.
const APT_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(600);

/// `apt-get args` (non-interactive). While another apt-get or dpkg holds
/// the dpkg or lists lock (an unattended upgrade, another terminal), it waits,
/// saying so once, for up to [`APT_LOCK_WAIT`], then goes on.
fn apt_get(args: &[&str]) -> Result {
    let deadline = std::time::Instant::now() + APT_LOCK_WAIT;
    let mut said = false;
    loop {
        let mut cmd = Command::new("apt-get");
        // apt waits this long by itself; the loop covers the locks it does not wait for.
        cmd.args(["-o", "DPkg::Lock::Timeout=30"]).args(args).env("DEBIAN_FRONTEND", "noninteractive");
        println!("$ apt-get {}", args.join(" "));
        let out = cmd
            .stdout(std::process::Stdio::inherit())
            .stderr(std::process::Stdio::piped())
            .output()
            .map_err(|e| format!("could not start apt-get: {e}"))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            eprint!("{stderr}");
            return Ok(());
        }
        if !apt_locked(&stderr) || std::time::Instant::now() >= deadline {
            eprint!("{stderr}");
            return Err(format!("`apt-get {}` failed ({})", args.join(" "), out.status));
        }
        if !said {
            println!(
                "another apt-get or dpkg holds its lock ({}): waiting for it, up to {} minutes",
                stderr.lines().find(|l| apt_locked(l)).unwrap_or("").trim(),
                APT_LOCK_WAIT.as_secs() / 60
            );
            said = true;
        }
        std::thread::sleep(std::time::Duration::from_secs(5));
    }
}

/// Whether apt-get's error output says another process holds a lock it needs.
fn apt_locked(stderr: &str) -> bool {
    [
        "Could not get lock",
        "Unable to acquire the dpkg frontend lock",
        "Unable to lock directory",
        "Unable to lock the administration directory",
    ]
    .iter()
    .any(|m| stderr.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apt_lock_errors_are_recognised() {
        let held = "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)\n\
                    E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?\n";
        assert!(apt_locked(held));
        assert!(apt_locked("E: Unable to lock directory /var/lib/apt/lists/"));
        assert!(!apt_locked("E: Unable to locate package chromium-driverx"));
    }

    #[test]
    fn a_second_install_waits_for_the_first() {
        let first = install_lock("a test install").expect("the lock");
        let started = std::time::Instant::now();
        let second = std::thread::spawn(move || {
            let _lock = install_lock("a second test install").expect("the lock, once free");
            started.elapsed()
        });
        std::thread::sleep(std::time::Duration::from_millis(400));
        drop(first);
        let waited = second.join().expect("the second install");
        assert!(waited >= std::time::Duration::from_millis(400), "it waited for the first ({waited:?})");
    }

    /// A real wait, where apt-get runs as root: this process holds the dpkg
    /// frontend lock (as another apt-get would, with an fcntl lock) for a few
    /// seconds while `apt_get` installs a package that is already there.
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    #[test]
    fn apt_get_waits_for_the_dpkg_lock_then_goes_on() {
        let root = output(Command::new("id").arg("-u")).is_some_and(|id| id.trim() == "0");
        let lock_path = "/var/lib/dpkg/lock-frontend";
        if !root || output(Command::new("which").arg("apt-get")).is_none() || !std::path::Path::new(lock_path).exists() {
            println!("skipped: needs root and apt-get");
            return;
        }
        /// `struct flock` of Linux on x86_64.
        #[repr(C)]
        struct Flock {
            l_type: i16,
            l_whence: i16,
            l_start: i64,
            l_len: i64,
            l_pid: i32,
        }
        extern "C" {
            fn fcntl(fd: i32, cmd: i32, ...) -> i32;
        }
        const F_SETLK: i32 = 6;
        const F_WRLCK: i16 = 1;
        use std::os::fd::AsRawFd;
        let file = std::fs::OpenOptions::new().write(true).open(lock_path).expect("the dpkg frontend lock file");
        let lock = Flock { l_type: F_WRLCK, l_whence: 0, l_start: 0, l_len: 0, l_pid: 0 };
        // SAFETY: fcntl with F_SETLK reads one `struct flock`, which `lock` is, for an open descriptor.
        let taken = unsafe { fcntl(file.as_raw_fd(), F_SETLK, &lock as *const Flock) };
        if taken != 0 {
            println!("skipped: the dpkg lock is held by someone else right now");
            return;
        }
        let started = std::time::Instant::now();
        let holder = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs(3));
            drop(file); // closing the descriptor releases the lock
        });
        apt_get(&["install", "-y", "-qq", "--no-upgrade", "--no-install-recommends", "apt"])
            .expect("apt-get went on once the lock was free");
        assert!(started.elapsed() >= std::time::Duration::from_secs(3), "it waited for the lock");
        holder.join().expect("the holder thread");
    }
}
