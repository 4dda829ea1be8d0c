//! Small helpers: paths, running commands.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub type Result<T = ()> = std::result::Result<T, String>;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// `tests/`, where the JS tooling (package.json) lives.
pub fn js_dir() -> PathBuf {
    root().join("tests")
}

/// `xtask/tools/`, where what the build needs from npm (package.json) lives.
pub fn build_tools_dir() -> PathBuf {
    root().join("xtask").join("tools")
}

/// A binary installed by `npm ci` in `tests/`.
pub fn npm_bin(name: &str) -> PathBuf {
    js_dir().join("node_modules").join(".bin").join(name)
}

/// A binary installed by `npm ci` in `xtask/tools/`.
pub fn build_bin(name: &str) -> PathBuf {
    build_tools_dir().join("node_modules").join(".bin").join(name)
}

/// Prints a step heading.
pub fn step(title: &str) {
    println!("\n==> {title}");
}

/// Runs `cmd`, streaming its output; an error names the command.
pub fn exec(cmd: &mut Command) -> Result {
    let shown = show(cmd);
    println!("$ {shown}");
    let status = cmd.status().map_err(|e| format!("could not start `{shown}`: {e}"))?;
    match status.success() {
        true => Ok(()),
        false => Err(format!("`{shown}` failed ({status})")),
    }
}

/// Runs `cmd` quietly and returns its stdout, or `None` if it could not run or failed.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn show(cmd: &Command) -> String {
    let mut text = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// `cargo`, as the one running xtask.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// Reads a file, naming it in the error.
pub fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes a file, naming it in the error.
pub fn write(path: &Path, text: impl AsRef<[u8]>) -> Result {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
