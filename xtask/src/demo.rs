//! `cargo xtask demo [--port N]`: builds the package, then serves the demo page
//! and the emulator on one origin, until Ctrl-C. `/proxy/...` forwards to the
//! real API, for a page given a real token.

use std::process::Command;

use crate::build;
use crate::setup::{self, Needs};
use crate::util::{exec, root, step, Result};

pub fn run(args: &[String]) -> Result {
    let port = match args {
        [] => "8787".to_owned(),
        [flag, port] if flag == "--port" => port.clone(),
        _ => return Err("usage: cargo xtask demo [--port N]".into()),
    };
    let tools = setup::run(Needs { chromium: false })?;
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
