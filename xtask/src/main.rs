//! `cargo xtask <command>`: the project's set-up, build, demo, test and bench.
//!
//! Every command first runs the same idempotent set-up ([`setup`]), so a fresh
//! clone needs nothing but Rust, Node.js and npm.

mod bench;
mod build;
mod demo;
mod emulator;
mod setup;
mod test;
mod util;
mod wasm_names;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

  setup   install what the other commands need (wasm target, rustfmt and clippy,
          wasm-bindgen-cli, the pinned nightly with rust-src, npm tooling,
          Chromium and PostgreSQL where needed); each says what it installs
          and about how long, and waits for another xtask installing it
  build   build the npm package into pkg/ (release; RTK_STABLE_BUILD=1 builds
          it with stable instead of the pinned nightly: larger)
  demo    build, then serve the demo page and the emulator on http://127.0.0.1:8765/
          (--port N for another port, when 8765 is taken)
  test    every test tier; non-zero exit on any failure. `test <tier>...` runs
          some: native, wasm, js, types, pack, runtimes, demo
  bench   this package against the official SDK and raw fetch: a table of
          medians and ratios, and the targets met or not [--no-build] [--quick]
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::run(setup::Needs { test_tooling: true, chromium: true, postgres: true }).map(drop),
        Some("build") => {
            setup::run(setup::Needs { test_tooling: false, chromium: false, postgres: false }).and_then(|tools| build::package(&tools))
        }
        Some("demo") => demo::run(&args[1..]),
        Some("test") => test::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("-h" | "--help" | "help") | None => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: {message}");
            ExitCode::FAILURE
        }
    }
}
