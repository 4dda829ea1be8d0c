//! `cargo xtask demo [--port N]`: builds the package, then serves the demo page
//! and the emulator on one origin, until Ctrl-C. `/proxy/...` forwards to the
//! real API, for a page given a real token.

use std::process::Command;

use crate::build;
use crate::setup::{self, Needs};
use crate::util::{exec, root, step, Result};

/// The emulator's own default port (`rtk_emulator::DEFAULT_PORT`): not 8787,
/// which `wrangler dev` takes, so a Worker next to the demo keeps its port.
const DEFAULT_PORT: &str = "8765";

pub fn run(args: &[String]) -> Result {
    let port = match args {
        [] => DEFAULT_PORT.to_owned(),
        [flag, port] if flag == "--port" => port.clone(),
        _ => return Err("usage: cargo xtask demo [--port N]".into()),
    };
    let tools = setup::run(Needs { test_tooling: false, chromium: false, postgres: false })?;
    build::package(&tools)?;
    let emulator = build::emulator()?;
    let root = root();
    step(&format!("demo: open http://127.0.0.1:{port}/ (Ctrl-C stops it)"));
    exec(
        Command::new(emulator)
            .args(["--port", &port, "--www"])
            .arg(root.join("www"))
            .arg("--pkg")
            .arg(root.join("pkg"))
            .args(["--upstream", "https://api.cloudflare.com/client/v4"]),
    )
}
