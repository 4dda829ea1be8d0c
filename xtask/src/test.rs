//! `cargo xtask test [tier...]`: every tier by default, in order:
//!
//! - `native`: `cargo fmt --check`, clippy with warnings denied, and `cargo
//!   test` of the workspace (pure logic, the emulator);
//! - `wasm`: the Rust API under wasm-bindgen-test in Node, against an emulator;
//! - `js`: the built package imported by name from Node's test runner;
//! - `types`: the public `.d.ts` against its snapshot (`tests/index.d.ts.snap`),
//!   `tsc --strict` over consumer files that use it right and wrong, and the
//!   declared values against what the entries export;
//! - `pack`: `npm pack --dry-run` lists exactly the files the package needs,
//!   the package has no runtime dependencies (pg only an optional peer),
//!   and what the browser loads stays within the gzipped size budget;
//! - `runtimes`: the packed package installed into an app and imported by name
//!   from Node (ESM and CommonJS), Deno, workerd (`wrangler dev --local`) and
//!   Chromium (the browser entry, and an esbuild bundle), each running the
//!   same scenario against an emulator; and the durable receiver Worker
//!   (`www/worker/`) on wrangler's local Queues and D1;
//! - `demo`: the demo page served as `cargo xtask demo` serves it, driven in
//!   headless Chromium (screenshots in `tests/artifacts/`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::build;
use crate::emulator::Running;
use crate::setup::{self, Needs};
use crate::util::{self, cargo, exec, npm_bin, read, root, step, write, Result};

const TIERS: [&str; 7] = ["native", "wasm", "js", "types", "pack", "runtimes", "demo"];

/// Set to 1 to write the current public `.d.ts` into the snapshot.
const UPDATE_SNAPSHOT: &str = "RTK_UPDATE_SNAPSHOT";

/// The files `npm pack` must list: the package needs each, and nothing else.
const PACKED_FILES: [&str; 48] = [
    "LICENSE-APACHE",
    "LICENSE-MIT",
    "README.md",
    "browser.js",
    "cli.js",
    "client/browser.js",
    "client/deno.js",
    "client/exports.js",
    "client/index.d.cts",
    "client/index.d.ts",
    "client/node.cjs",
    "client/node.js",
    "client/realtimekit_webhooks.js",
    "client/realtimekit_webhooks_client_bg.wasm",
    "client/workerd.js",
    "d1.d.ts",
    "d1.js",
    "deno.js",
    "errors.cjs",
    "errors.js",
    "exports.js",
    "fetch.js",
    "index.d.cts",
    "index.d.ts",
    "migrations/0001_deliveries.sql",
    "migrations/0002_identity_and_owned_leases.sql",
    "migrations/0003_operations.sql",
    "node.cjs",
    "node.js",
    "package.json",
    "postgres.cjs",
    "postgres.d.cts",
    "postgres.d.ts",
    "postgres.js",
    "realtimekit_webhooks.js",
    "realtimekit_webhooks_bg.wasm",
    "receive/browser.js",
    "receive/deno.js",
    "receive/exports.js",
    "receive/index.d.cts",
    "receive/index.d.ts",
    "receive/node.cjs",
    "receive/node.js",
    "receive/realtimekit_webhooks.js",
    "receive/realtimekit_webhooks_receive_bg.wasm",
    "receive/workerd.js",
    "shape.js",
    "workerd.js",
];

pub fn run(args: &[String]) -> Result {
    for arg in args {
        if !TIERS.contains(&arg.as_str()) {
            return Err(format!("unknown test tier {arg:?}; tiers are {}", TIERS.join(", ")));
        }
    }
    let wants = |tier: &str| args.is_empty() || args.iter().any(|a| a == tier);
    let tools = setup::run(Needs { test_tooling: true, chromium: wants("runtimes") || wants("demo"), postgres: wants("runtimes") })?;
    let started = std::time::Instant::now();

    if wants("native") {
        step("formatting (cargo fmt --check, rustfmt.toml)");
        exec(cargo().args(["fmt", "--all", "--check"]))?;
        step("lints (clippy, warnings denied: natively, and the library and its wasm tests on wasm32)");
        exec(cargo().args(["clippy", "--workspace", "--all-targets", "--quiet", "--", "-D", "warnings"]))?;
        exec(cargo().args(["clippy", "--target", "wasm32-unknown-unknown", "--lib", "--test", "wasm", "--quiet", "--", "-D", "warnings"]))?;
        // The package's modules of one side: the crate with only the client's, or only receiving's, bindings.
        for features in ["client", "receive"] {
            let only =
                ["clippy", "--target", "wasm32-unknown-unknown", "--lib", "--no-default-features", "--features", features, "--quiet"];
            exec(cargo().args(only).args(["--", "-D", "warnings"]))?;
        }
        step("native tests");
        exec(cargo().args(["test", "--workspace", "--quiet"]))?;
        step("doctests (the README's and the docs' Rust examples, compiled for wasm32)");
        exec(cargo().args(["test", "--doc", "--target", "wasm32-unknown-unknown", "--quiet"]))?;
    }
    let emulator = build::emulator()?;
    if wants("wasm") {
        step("wasm tests (wasm-bindgen-test in Node, against the emulator)");
        let emu = Running::start(&emulator, &[])?;
        exec(
            cargo()
                .args(["test", "--target", "wasm32-unknown-unknown", "--test", "wasm"])
                .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner")
                .env("RTK_EMULATOR_URL", &emu.url),
        )?;
    }
    if ["js", "types", "pack", "runtimes", "demo"].iter().any(|t| wants(t)) {
        build::package(&tools)?;
        link_package()?;
    }
    if wants("js") {
        step("JS consumer tests (Node, the package imported by name)");
        let files = test_files(&root().join("tests").join("js"))?;
        exec(Command::new("node").arg("--test").args(&files).current_dir(root()).env("RTK_EMULATOR_BIN", &emulator))?;
    }
    if wants("types") {
        types()?;
    }
    if wants("pack") {
        pack()?;
    }
    if wants("runtimes") {
        let (chromium, _driver) = tools.chromium.clone().ok_or("the set-up found no Chromium")?;
        runtimes(&emulator, &chromium, tools.postgres.clone())?;
    }
    if wants("demo") {
        let (chromium, _driver) = tools.chromium.clone().ok_or("the set-up found no Chromium")?;
        step("the demo page in headless Chromium");
        exec(
            Command::new("node")
                .arg("--test")
                .arg(root().join("tests").join("demo").join("demo.test.mjs"))
                .current_dir(root())
                .env("RTK_EMULATOR_BIN", &emulator)
                .env("RTK_CHROMIUM", &chromium),
        )?;
    }
    println!("\nall tests passed ({:.0?})", started.elapsed());
    Ok(())
}

/// The `types` tier: the snapshot, then `tsc` over `tests/types/`.
fn types() -> Result {
    step("public types: pkg/index.d.ts against tests/index.d.ts.snap");
    snapshot(&root().join("pkg").join("index.d.ts"), &root().join("tests").join("index.d.ts.snap"))?;
    let dir = root().join("tests").join("types");
    for config in ["tsconfig.json", "tsconfig.bundler.json"] {
        step(&format!("tsc --strict: tests/types/{config} (right uses compile, wrong uses are rejected)"));
        exec(Command::new(npm_bin("tsc")).arg("--project").arg(dir.join(config)).current_dir(&dir))?;
    }
    step("the values the types declare are the values the entries export");
    exec(Command::new("node").arg("--test").arg(dir.join("exports.test.mjs")).current_dir(root()))
}

/// Fails unless `actual` equals the snapshot; writes it when asked to.
fn snapshot(actual: &Path, snapshot: &Path) -> Result {
    let text = read(actual)?;
    let update = std::env::var(UPDATE_SNAPSHOT).is_ok_and(|v| v == "1");
    let Ok(expected) = std::fs::read_to_string(snapshot) else {
        if update {
            write(snapshot, &text)?;
            println!("wrote the snapshot {}", snapshot.display());
            return Ok(());
        }
        return Err(format!(
            "the snapshot {} is missing: review pkg/index.d.ts, then write it with `{UPDATE_SNAPSHOT}=1 cargo xtask test types` and commit it",
            snapshot.display()
        ));
    };
    if expected == text {
        println!("the public types match the snapshot");
        return Ok(());
    }
    if update {
        write(snapshot, &text)?;
        println!("updated the snapshot {}", snapshot.display());
        return Ok(());
    }
    let diff = Command::new("diff")
        .arg("-u")
        .arg(snapshot)
        .arg(actual)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_else(|e| format!("(could not run diff: {e})"));
    println!("{diff}");
    Err(format!(
        "the public types (pkg/index.d.ts) differ from the snapshot {} (diff above): if the change is meant, update it with `{UPDATE_SNAPSHOT}=1 cargo xtask test types` and commit it",
        snapshot.display()
    ))
}

/// The `pack` tier: the files `npm pack` would publish, and no dependencies.
fn pack() -> Result {
    step("npm pack --dry-run: exactly the files the package needs");
    let pkg = root().join("pkg");
    let json = stdout(Command::new("npm").args(["pack", "--dry-run", "--json"]).current_dir(&pkg))?;
    let mut listed = json_strings(&json, "path");
    listed.sort();
    let expected: Vec<String> = PACKED_FILES.iter().map(|f| f.to_string()).collect();
    if listed != expected {
        let extra: Vec<_> = listed.iter().filter(|f| !expected.contains(f)).collect();
        let missing: Vec<_> = expected.iter().filter(|f| !listed.contains(f)).collect();
        return Err(format!("npm pack lists the wrong files: extra {extra:?}, missing {missing:?}"));
    }
    println!("npm pack lists: {}", listed.join(", "));
    // pkg/ holds exactly what npm publishes: `npm install path/to/pkg` gets the same package.
    let mut present = files_under(&pkg, "")?;
    present.sort();
    if present != expected {
        return Err(format!("pkg/ holds other files than npm publishes: {present:?}"));
    }
    println!("pkg/ holds exactly those files");
    // No runtime dependency: the one peer dependency is `pg`, optional (only
    // realtimekit-webhooks/postgres uses it, on the pool the app passes in).
    let check = "const m = JSON.parse(require('fs').readFileSync('package.json', 'utf8'));\
        const bad = ['dependencies', 'optionalDependencies', 'bundleDependencies', 'bundledDependencies'].filter((f) => f in m);\
        const peers = Object.keys(m.peerDependencies ?? {});\
        const optional = peers.every((p) => m.peerDependenciesMeta?.[p]?.optional === true);\
        if (bad.length || peers.join() !== 'pg' || !optional) { console.error(JSON.stringify({ bad, peers, optional })); process.exit(1); }";
    stdout(Command::new("node").args(["-e", check]).current_dir(&pkg))
        .map_err(|_| "pkg/package.json must have no runtime dependencies, and only pg as an optional peer".to_owned())?;
    println!("no runtime dependencies (pg: an optional peer, for realtimekit-webhooks/postgres)");
    size_budget(&pkg)
}

/// The most each kind of user may load of the package, gzipped (level 9, each
/// file on its own), as the benchmark counts it (`USERS` and `entryFiles` in
/// tests/bench/size.mjs), for the package as built with the pinned nightly
/// and, when that could not be installed, with stable. Size is deterministic,
/// so growth past a budget fails the tests; lower them as the package shrinks
/// (see `cargo xtask bench`). Each is the size measured + 2 %:
/// - `both`, a browser app of the package's name: 74 636 bytes (nightly),
///   84 013 (stable);
/// - `client`, a browser app of /client (managing webhooks only): 48 355,
///   56 192;
/// - `receive`, a Worker of /receive (receiving only): 53 609, 62 245.
const SIZE_BUDGETS: [(&str, usize, usize); 3] = [("both", 76_100, 85_700), ("client", 49_300, 57_300), ("receive", 54_700, 63_500)];
/// Fails when what a kind of user loads grows past its budget in [`SIZE_BUDGETS`].
fn size_budget(pkg: &Path) -> Result {
    step("size budgets: what each kind of user loads, gzipped");
    let script = "import { gzipSync } from 'node:zlib'; import { readFileSync } from 'node:fs'; import { pathToFileURL } from 'node:url';\
        const { entryFiles, USERS } = await import(pathToFileURL(process.argv[1]));\
        for (const [key, { subpath, condition, what }] of Object.entries(USERS)) {\
          let total = 0;\
          for (const f of entryFiles('.', subpath, condition)) { const n = gzipSync(readFileSync(f), { level: 9 }).length; total += n; console.log(`  ${n} ${f}`); }\
          console.log(`${key} ${total} ${what}`);\
        }";
    let size_mjs = root().join("tests").join("bench").join("size.mjs");
    let out = stdout(Command::new("node").args(["--input-type=module", "-e", script]).arg(size_mjs).current_dir(pkg))?;
    print!("{out}");
    let toolchain = read(&root().join("target").join(build::TOOLCHAIN_RECORD)).unwrap_or_default();
    let nightly = toolchain.trim() == build::NIGHTLY;
    let built = if nightly { format!("built with {}", build::NIGHTLY) } else { "built with stable, not the pinned nightly".to_owned() };
    let mut over = Vec::new();
    for (key, budget_nightly, budget_stable) in SIZE_BUDGETS {
        let budget = if nightly { budget_nightly } else { budget_stable };
        let total: usize = out
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{key} ")))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("could not measure what the {key} user loads"))?;
        match total <= budget {
            true => println!("{key}: {total} bytes gzipped ({built}), within the budget of {budget}"),
            false => over.push(format!("{key}: {total} bytes gzipped ({built}), over the budget of {budget}")),
        }
    }
    match over.is_empty() {
        true => Ok(()),
        false => Err(format!("{}: find what grew (cargo xtask bench shows the sizes)", over.join("; "))),
    }
}

/// The `runtimes` tier: `npm pack`, then `tests/runtimes/runtimes.test.mjs`.
fn runtimes(emulator: &Path, chromium: &str, postgres: Option<std::result::Result<String, String>>) -> Result {
    step("npm pack (the tarball the runtime tests install)");
    let out = root().join("target").join("package");
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let json = stdout(Command::new("npm").args(["pack", "--json", "--pack-destination"]).arg(&out).current_dir(root().join("pkg")))?;
    let tarball = json_strings(&json, "filename")
        .into_iter()
        .next()
        .map(|name| out.join(name))
        .filter(|path| path.exists())
        .ok_or_else(|| format!("npm pack made no tarball in {}", out.display()))?;

    step("runtimes: Node ESM and CommonJS, Deno, workerd (wrangler dev), Chromium (entry and esbuild bundle); the durable receiver Worker (local Queues + D1), init worker; a Node fleet on PostgreSQL");
    let dir = root().join("tests").join("runtimes");
    let mut node = Command::new("node");
    match postgres {
        Some(Ok(bin)) => node.env("RTK_POSTGRES_BIN", bin),
        Some(Err(why)) => node.env("RTK_POSTGRES_MISSING", why),
        None => &mut node,
    };
    exec(
        node.arg("--test")
            .arg(dir.join("runtimes.test.mjs"))
            .arg(dir.join("cli.test.mjs"))
            .arg(dir.join("receiver.test.mjs"))
            .arg(dir.join("init-worker.test.mjs"))
            .arg(dir.join("fleet.test.mjs"))
            .current_dir(root())
            .env("RTK_PACKAGE_TARBALL", &tarball)
            .env("RTK_EMULATOR_BIN", emulator)
            .env("RTK_CHROMIUM", chromium)
            .env("RTK_WORK_DIR", root().join("target").join("runtimes")),
    )
}

/// The files under `dir` (one level of directories deep is all the package has), as `sub/name`.
fn files_under(dir: &Path, prefix: &str) -> Result<Vec<String>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        match entry.file_type().map_err(|e| format!("{name}: {e}"))?.is_dir() {
            true => files.extend(files_under(&entry.path(), &format!("{name}/"))?),
            false => files.push(name),
        }
    }
    Ok(files)
}

/// Runs `cmd` and returns its stdout; its stderr streams through.
fn stdout(cmd: &mut Command) -> Result<String> {
    let shown = format!("{cmd:?}");
    let out = cmd.stderr(Stdio::inherit()).output().map_err(|e| format!("could not start {shown}: {e}"))?;
    match out.status.success() {
        true => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
        false => Err(format!("{shown} failed ({})", out.status)),
    }
}

/// The string values of every `"key": "..."` in npm's JSON output (which
/// prints one key per line, and no escapes in file names).
fn json_strings(json: &str, key: &str) -> Vec<String> {
    let prefix = format!("\"{key}\": \"");
    json.lines()
        .filter_map(|line| line.trim().strip_prefix(prefix.as_str()))
        .filter_map(|rest| rest.trim_end_matches(',').strip_suffix('"'))
        .map(str::to_owned)
        .collect()
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
fn test_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs") || p.to_string_lossy().ends_with(".test.cjs"))
        .collect();
    files.sort();
    Ok(files)
}
