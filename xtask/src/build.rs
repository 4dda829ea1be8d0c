//! `cargo xtask build`: the crate compiled for wasm32 (with the pinned
//! nightly's size options, or stable when that nightly cannot be had),
//! wasm-bindgen, wasm-opt, short names for the module's imports and exports
//! (`wasm_names`), then `pkg/` assembled from wasm-bindgen's output and
//! `pkg-template/` as the npm package, its JS minified.
//!
//! (The two steps wasm-pack would run, cargo and wasm-bindgen, are run here:
//! wasm-pack cannot build with `-Zbuild-std` for a target whose std the
//! nightly does not ship.)

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::setup::Tools;
use crate::util::{build_bin, cargo, exec, read, root, step, write, Result};
use crate::wasm_names;

/// The wasm features rustc enables by default for wasm32-unknown-unknown,
/// named for wasm-opt (never `--all-features`).
pub const WASM_FEATURES: [&str; 7] = [
    "--enable-bulk-memory",
    "--enable-bulk-memory-opt",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
];

const GLUE: &str = "realtimekit_webhooks.js";

/// A wasm module of the package: the crate built with some of its bindings
/// (cargo features), in a directory of `pkg/` with the runtime entries that
/// load it and the exports they give (`pkg-template/<exports>`). A user pays
/// only for the module its entry loads: the browser app that manages webhooks
/// loads `client/`, the Worker that receives loads `receive/`, and the
/// package's name loads the module of both, as it always has.
struct Module {
    /// Its cargo features (beside `package`).
    features: &'static str,
    /// Its directory in `pkg/` ("" for the package's root).
    dir: &'static str,
    /// The template of its `exports.js`.
    exports: &'static str,
}
impl Module {
    /// Its `.wasm`'s file name, its own in each module
    /// (`realtimekit_webhooks_client_bg.wasm`), so that a bundle of two
    /// entries can have both next to it.
    fn wasm(&self) -> String {
        match self.dir {
            "" => WASM.to_owned(),
            dir => WASM.replace("_bg.wasm", &format!("_{dir}_bg.wasm")),
        }
    }
}
const MODULES: [Module; 3] = [
    Module { features: "client,receive", dir: "", exports: "exports.js" },
    Module { features: "client", dir: "client", exports: "client-exports.js" },
    Module { features: "receive", dir: "receive", exports: "receive-exports.js" },
];
/// The runtime entries of each module (from `pkg-template/`), and the CommonJS one made from `node.cjs.js`.
const ENTRIES: [&str; 4] = ["browser.js", "node.js", "workerd.js", "deno.js"];
/// The JS package's sources (the modules users import, their declarations,
/// the command line).
const PACKAGE_DIR: &str = "src/package";
/// The JS snippets the wasm module imports.
const SNIPPETS_DIR: &str = "src/wasm";
/// The package's modules (in `PACKAGE_DIR`) but the command line. With the
/// generated `events.js` and `examples.js`, they are bundled into
/// `exports.js`: a runtime then loads one module for them all, not nine (each
/// costs Node's loader about half a millisecond, and a browser a request), and
/// gzip sees them as one text.
const PACKAGE_MODULES: [&str; 6] =
    ["webhooks-client.js", "webhook-verifier.js", "input.js", "webhook-receiver.js", "testing.js", "lifecycle.js"];
/// The package's hand-written declarations (in `PACKAGE_DIR`), in the order
/// `index.d.ts` gives them.
const DECLARATIONS: [&str; 7] = [
    "types.d.ts",
    "payloads.d.ts",
    "webhooks-client.d.ts",
    "webhook-verifier.d.ts",
    "errors.d.ts",
    "webhook-receiver.d.ts",
    "testing.d.ts",
];
/// The command line: the package's `bin`, its own file, not minified.
const CLI: &str = "cli.js";
/// The command line's other modules (in `PACKAGE_DIR`), bundled into it.
const CLI_MODULES: [&str; 2] = ["cli-output.js", "cli-receiver.js"];
/// The durable receiver project that `init worker` writes: these files of
/// `www/worker` (the repository's own example of it), made into
/// `worker-template.js` and bundled into the command line.
const WORKER_DIR: &str = "www/worker";
const WORKER_FILES: [&str; 6] = ["worker.js", "handlers.js", "wrangler.toml", "package.json", "README.md", ".gitignore"];
/// The package's subpath entries (in `PACKAGE_DIR`): receiving beyond one
/// process, for Workers (`realtimekit-webhooks/d1`) and Node
/// (`realtimekit-webhooks/postgres`). Each is bundled on its own with the
/// modules it imports (sql.js), and imports the package's main entry by its
/// name, so a browser never loads them and they share the one wasm instance.
/// With whether it also ships as CommonJS (`require`), and its declarations.
const SUBPATHS: [(&str, bool); 2] = [("d1", false), ("postgres", true)];
/// The D1 migrations (in `PACKAGE_DIR`), shipped as `migrations/` for
/// `wrangler d1 migrations apply` (wrangler.toml's `migrations_dir`).
const MIGRATIONS_DIR: &str = "migrations";
/// The example body of each event, for `exampleDelivery` (made into `examples.js`).
const EXAMPLES_DIR: &str = "emulator/fixtures";
const WASM: &str = "realtimekit_webhooks_bg.wasm";

/// The nightly the release package is built with, pinned: `-Zbuild-std` with
/// `optimize_for_size`, panics that abort at once, and no `Debug` formatting or
/// panic locations make the module about 10 KB (gzipped) smaller. With
/// `rust-src`; `cargo xtask setup` installs both.
pub const NIGHTLY: &str = "nightly-2026-05-19";
/// Its flags (what the package never needs: `Debug` output, panic locations, unwinding).
const NIGHTLY_RUSTFLAGS: &str = "-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none";
/// Which toolchain built `pkg/` (for the size budget): `target/package-toolchain`.
pub const TOOLCHAIN_RECORD: &str = "package-toolchain";

/// Builds the release package into `pkg/`.
pub fn package(tools: &Tools) -> Result {
    let root = root();
    let toolchain = if tools.nightly { NIGHTLY } else { "stable" };
    write(&root.join("target").join(TOOLCHAIN_RECORD), toolchain)?;
    let pkg = root.join("pkg");
    if pkg.exists() {
        std::fs::remove_dir_all(&pkg).map_err(|e| format!("{}: {e}", pkg.display()))?;
    }
    std::fs::create_dir_all(&pkg).map_err(|e| format!("{}: {e}", pkg.display()))?;
    let template = root.join("pkg-template");

    // Each module: compiled, wasm-bindgen, wasm-opt, its glue pointed at the
    // one copy of each snippet at the package's root, its entries.
    let mut snippets: Vec<String> = Vec::new();
    let mut generated = String::new();
    for module in &MODULES {
        let name = if module.dir.is_empty() { "full" } else { module.dir };
        let wasm = compile(tools.nightly, module)?;
        let out = root.join("target").join("bindgen").join(name);
        step(&format!("wasm-bindgen (--target web): the {name} module"));
        exec(Command::new("wasm-bindgen").args(["--target", "web", "--out-dir"]).arg(&out).arg(&wasm))?;
        let dir = pkg.join(module.dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        step(&format!("wasm-opt -Oz, short import and export names (wasm_names): the {name} module"));
        let wasm_path = dir.join(module.wasm());
        exec(Command::new(build_bin("wasm-opt")).arg(out.join(WASM)).arg("-Oz").args(WASM_FEATURES).arg("-o").arg(&wasm_path))?;
        let optimized = std::fs::read(&wasm_path).map_err(|e| format!("{}: {e}", wasm_path.display()))?;
        let (wasm, glue) = wasm_names::shorten(&optimized, &read(&out.join(GLUE))?)?;
        std::fs::write(&wasm_path, wasm).map_err(|e| format!("{}: {e}", wasm_path.display()))?;
        // The module's own .wasm name, where the glue and the entries load it.
        let glue = named_wasm(&glue, module)?;
        let up = if module.dir.is_empty() { "./" } else { "../" };
        let (glue, used) = relink_snippets(&one_key_per_snippet(&drop_self_types(&glue)), up)?;
        write(&dir.join(GLUE), glue)?;
        for file in used {
            if !snippets.contains(&file) {
                snippets.push(file);
            }
        }
        for file in ENTRIES {
            write(&dir.join(file), named_wasm(&read(&template.join(file))?, module)?)?;
        }
        std::fs::copy(template.join(module.exports), dir.join("exports.js"))
            .map_err(|e| format!("pkg-template/{}: {e}", module.exports))?;
        if module.dir.is_empty() {
            generated = read(&out.join("realtimekit_webhooks.d.ts"))?;
        }
    }

    step("assemble pkg/");
    for file in &snippets {
        std::fs::copy(root.join(SNIPPETS_DIR).join(file), pkg.join(file)).map_err(|e| format!("{SNIPPETS_DIR}/{file}: {e}"))?;
    }
    // Package modules written in JS over the wasm classes (not wasm snippets).
    for file in PACKAGE_MODULES.iter().chain([&CLI]).chain(&CLI_MODULES) {
        std::fs::copy(root.join(PACKAGE_DIR).join(file), pkg.join(file)).map_err(|e| format!("{PACKAGE_DIR}/{file}: {e}"))?;
    }
    write(&pkg.join("examples.js"), examples(&root.join(EXAMPLES_DIR))?)?;
    write(&pkg.join("worker-template.js"), worker_template(&root.join(WORKER_DIR))?)?;
    for file in ["README.md", "LICENSE-APACHE", "LICENSE-MIT"] {
        std::fs::copy(template.join(file), pkg.join(file)).map_err(|e| format!("pkg-template/{file}: {e}"))?;
    }
    write(&pkg.join("package.json"), package_json(&read(&template.join("package.json"))?)?)?;
    let (events_js, events_dts) = events(&generated)?;
    write(&pkg.join("events.js"), events_js)?;
    let mut declarations = DECLARATIONS.iter().map(|file| read(&root.join(PACKAGE_DIR).join(file))).collect::<Result<Vec<_>>>()?;
    declarations.push(events_dts);
    let dts = types(&generated, &declarations)?;
    write(&pkg.join("index.d.ts"), &dts)?;
    // The same declarations for `require` (TypeScript reads a `.d.ts` in a
    // `"type": "module"` package as ESM, which a CommonJS file cannot require).
    write(&pkg.join("index.d.cts"), &dts)?;
    // A module's declarations: what the package's name declares, its part of it.
    for module in MODULES.iter().filter(|m| !m.dir.is_empty()) {
        let declared = read(&template.join(format!("{}.d.ts", module.dir)))?;
        write(&pkg.join(module.dir).join("index.d.ts"), &declared)?;
        write(&pkg.join(module.dir).join("index.d.cts"), declared.replace("\"../index.js\"", "\"../index.cjs\""))?;
    }
    bundle_exports(&pkg, &snippets)?;
    commonjs_errors(&pkg)?;
    for module in &MODULES {
        let source = named_wasm(&read(&template.join("node.cjs.js"))?, module)?;
        commonjs(&pkg.join(module.dir), if module.dir.is_empty() { "./" } else { "../" }, &source)?;
    }
    subpaths(&root, &pkg)?;
    minify(&pkg)?;
    println!("pkg/ is ready: {}", pkg.display());
    Ok(())
}

/// Points the glue's imports of the crate's JS snippets (`src/wasm/*.js`, which
/// wasm-bindgen puts under `snippets/<crate-hash>/`) at the copies at the
/// package's root (`up`: "./" from the root, "../" from a module's directory),
/// so every module and entry shares one copy of each: one set of error
/// classes above all. Only `import ... from` lines change: the same paths also
/// name the wasm module's imports (keys of the imports object), which stay.
/// Returns the glue and the snippet file names.
fn relink_snippets(glue: &str, up: &str) -> Result<(String, Vec<String>)> {
    let mut files: Vec<String> = Vec::new();
    let mut out = String::with_capacity(glue.len());
    for line in glue.lines() {
        let target = ["from './snippets/", "from \"./snippets/"].iter().find_map(|p| line.find(p).map(|at| at + 5));
        let Some(start) = target.filter(|_| line.starts_with("import ")) else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let quote = &line[start..start + 1];
        let end = line[start + 1..].find(quote).ok_or("an unterminated snippet import in the glue")? + start + 1;
        let path = &line[start + 1..end];
        let file = path
            .split_once(&format!("/{SNIPPETS_DIR}/"))
            .map(|(_, file)| file.to_owned())
            .filter(|file| !file.contains('/'))
            .ok_or_else(|| format!("the glue imports {path}, which is not a {SNIPPETS_DIR}/ snippet"))?;
        out.push_str(&line[..start + 1]);
        out.push_str(up);
        out.push_str(&file);
        out.push_str(&line[end..]);
        out.push('\n');
        if !files.contains(&file) {
            files.push(file);
        }
    }
    if !files.iter().any(|f| f == "errors.js") {
        return Err("the glue does not import the errors.js snippet".into());
    }
    Ok((out, files))
}

/// `text` (the glue or an entry) with the `.wasm` it loads named as
/// `module`'s is. It must name it once, so an entry or a glue that changed
/// how it loads the module fails the build.
fn named_wasm(text: &str, module: &Module) -> Result<String> {
    let found = text.matches(WASM).count();
    if found != 1 {
        return Err(format!("{WASM} is named {found} times, not once, in:\n{}", text.lines().next().unwrap_or_default()));
    }
    Ok(text.replace(WASM, &module.wasm()))
}

/// The glue with each snippet module named once in its imports object.
/// wasm-bindgen writes one `import * as importN from "<snippet>"` and one
/// `"<snippet>": importN,` key per import of a snippet, so a snippet imported
/// three times is the same key three times (with the same module as value):
/// harmless, but bundlers (wrangler's esbuild) warn "Duplicate key" to users.
/// The repeats go, and their `import * as` lines with them.
fn one_key_per_snippet(glue: &str) -> String {
    let mut seen_imports: Vec<&str> = Vec::new();
    let mut seen_keys: Vec<&str> = Vec::new();
    let mut out = String::with_capacity(glue.len());
    for line in glue.lines() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("import * as ") {
            // import * as import2 from "./snippets/.../fetch.js"
            if let Some((_, path)) = rest.split_once(" from ").filter(|(_, path)| path.contains("/snippets/")) {
                if seen_imports.contains(&path) {
                    continue;
                }
                seen_imports.push(path);
            }
        } else if trimmed.starts_with("\"./snippets/") && trimmed.ends_with(',') {
            // "./snippets/.../fetch.js": import2,
            if let Some((key, _)) = trimmed.split_once("\":") {
                if seen_keys.contains(&key) {
                    continue;
                }
                seen_keys.push(key);
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `events.js` and its declarations: the event names as values, from the
/// `WebhookEvent` union that wasm-bindgen emitted from the crate's one list of
/// them (`with_webhook_events!` in src/models.rs).
fn events(generated_dts: &str) -> Result<(String, String)> {
    let start = generated_dts.find("export type WebhookEvent =").ok_or("the generated .d.ts has no WebhookEvent union")?;
    let union = &generated_dts[start..];
    let union = &union[..union.find(';').ok_or("the WebhookEvent union does not end")?];
    let names: Vec<&str> = union.split('"').skip(1).step_by(2).collect();
    if names.is_empty() {
        return Err("the WebhookEvent union names no event".into());
    }
    let quoted: Vec<String> = names.iter().map(|name| format!("\"{name}\"")).collect();
    let js = format!(
        "// Made by `cargo xtask build` from the crate's list of events (with_webhook_events! in src/models.rs).\n\
         /** The webhook event names, in the API's order. */\n\
         export const WEBHOOK_EVENTS = Object.freeze([{}]);\n\n\
         const KNOWN = new Set(WEBHOOK_EVENTS);\n\n\
         /** Whether `name` is one of the event names (a type guard in TypeScript). */\n\
         export function isWebhookEvent(name) {{\n  return KNOWN.has(name);\n}}\n",
        quoted.join(", ")
    );
    let dts = format!(
        "/** The {} webhook event names, in the API's order. */\n\
         export declare const WEBHOOK_EVENTS: readonly [{}];\n\
         /** Whether `name` is one of the event names: narrows a string (an event from the API, user input) to `WebhookEvent`. */\n\
         export declare function isWebhookEvent(name: unknown): name is WebhookEvent;",
        names.len(),
        quoted.join(", ")
    );
    Ok((js, dts))
}

/// `examples.js`: the example body of each event, one JSON file each in `dir`
/// (named by the event), as one frozen object, in the files' name order.
fn examples(dir: &Path) -> Result<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut js = String::from("// Made by `cargo xtask build` from emulator/fixtures: the documented example body of each event.\nexport const EXAMPLES = Object.freeze({\n");
    for path in &files {
        let event = path.file_stem().and_then(|s| s.to_str()).ok_or_else(|| format!("{}: not a UTF-8 name", path.display()))?;
        js.push_str(&format!("  \"{event}\": {},\n", read(path)?.trim()));
    }
    js.push_str("});\n");
    Ok(js)
}

/// `worker-template.js`: the files of `init worker`'s project ([`WORKER_FILES`]
/// of `dir`), as one frozen object of their texts by name.
fn worker_template(dir: &Path) -> Result<String> {
    let mut js = String::from("// Made by `cargo xtask build` from www/worker: the project `init worker` writes.\nexport const WORKER_TEMPLATE = Object.freeze({\n");
    for file in WORKER_FILES {
        js.push_str(&format!("  {}: {},\n", js_string(file), js_string(&read(&dir.join(file))?)));
    }
    js.push_str("});\n");
    Ok(js)
}

/// `text` as a JS string literal (JSON's escapes, which JS reads the same).
fn js_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The glue without its `@ts-self-types` pointer: wasm-bindgen's own `.d.ts`
/// is not shipped (the package's types are `index.d.ts`).
fn drop_self_types(glue: &str) -> String {
    glue.lines().filter(|line| !line.starts_with("/* @ts-self-types=")).map(|line| format!("{line}\n")).collect()
}

/// package.json with the crate's version.
fn package_json(template: &str) -> Result<String> {
    let manifest = read(&root().join("Cargo.toml"))?;
    let version =
        manifest.lines().find_map(|l| l.strip_prefix("version = \"")).map(|v| v.trim_end_matches('"')).ok_or("no version in Cargo.toml")?;
    Ok(template.replacen("\"version\": \"0.0.0\"", &format!("\"version\": \"{version}\""), 1))
}

/// index.d.ts: the types wasm-bindgen emitted (the `WebhookEvent` and
/// `WebhookPayload` unions, from the crate's one list of events: its wasm
/// cores are `skip_typescript`) without its init functions (the entries
/// initialise the module), plus the hand-written declarations of
/// `src/package/` ([`DECLARATIONS`]: the plain-object types, the payloads,
/// the classes, the error classes, the receiver, the test helpers).
///
/// The classes declare no `[Symbol.dispose]`: it needs TypeScript's
/// `esnext.disposable` lib, so under a consumer's `lib: ["es2022"]` the file
/// would not compile. They declare `free()`, and webhooks-client.js and
/// webhook-verifier.js set `[Symbol.dispose]` where the runtime has it.
///
/// It ends with `export {};`, so that only what is marked `export` is
/// exported (a declaration file otherwise exports every top-level declaration,
/// helpers such as a `declare const` brand included).
fn types(generated: &str, declarations: &[String]) -> Result<String> {
    let cut = generated.find("export type InitInput").ok_or("the generated .d.ts has no init section to cut")?;
    let mut dts = generated[..cut].trim_end().to_owned();
    for declaration in declarations {
        // Without the file's own header (`//` lines about the source file).
        let body: Vec<&str> = declaration.lines().skip_while(|line| line.starts_with("//") || line.trim().is_empty()).collect();
        dts.push('\n');
        dts.push_str(body.join("\n").trim_end());
    }
    Ok(format!("{dts}\n/** Only what is marked `export` above is exported. */\nexport {{}};\n"))
}

/// `node.cjs` of a module (`dir`, `up` the way to the package's root): the
/// CommonJS entry, bundled by esbuild from `node.cjs.js`, but for the error
/// classes, which every module's CommonJS entry requires from the root's one
/// `errors.cjs` (so `require` of the package's name, /client and /receive
/// share them, as their ES entries share `errors.js`).
fn commonjs(dir: &Path, up: &str, source: &str) -> Result {
    let mut child = Command::new(build_bin("esbuild"))
        .current_dir(dir)
        .args([
            "--bundle",
            "--format=cjs",
            "--platform=node",
            "--target=node18",
            "--sourcefile=node.cjs.js",
            "--outfile=node.cjs",
            "--external:./errors.js",
            "--external:../errors.js",
            "--minify",
            "--line-limit=200", // as `minify` says why
            "--keep-names",
            "--log-level=warning",
            "--log-override:empty-import-meta=silent",
        ])
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start esbuild: {e}"))?;
    child.stdin.take().ok_or("esbuild has no stdin")?.write_all(source.as_bytes()).map_err(|e| format!("esbuild stdin: {e}"))?;
    let status = child.wait().map_err(|e| format!("esbuild: {e}"))?;
    if !status.success() {
        return Err(format!("esbuild failed to bundle node.cjs ({status})"));
    }
    let path = dir.join("node.cjs");
    let bundled = read(&path)?;
    let shared = bundled
        .replace("require(\"./errors.js\")", &format!("require(\"{up}errors.cjs\")"))
        .replace("require(\"../errors.js\")", &format!("require(\"{up}errors.cjs\")"));
    if !shared.contains("errors.cjs") {
        return Err(format!("{}: node.cjs does not require errors.cjs", dir.display()));
    }
    write(&path, shared)
}

/// `errors.cjs`: the error classes as CommonJS, the one copy every module's `node.cjs` requires.
fn commonjs_errors(pkg: &Path) -> Result {
    exec(Command::new(build_bin("esbuild")).current_dir(pkg).args([
        "errors.js",
        "--format=cjs",
        "--platform=node",
        "--target=node18",
        "--outfile=errors.cjs",
        "--minify",
        "--line-limit=200",
        "--keep-names",
        "--log-level=warning",
    ]))
}

/// The subpath entries ([`SUBPATHS`]): each bundled as ESM (and CommonJS where
/// it ships so, minified as node.cjs is), its declarations beside it (`.d.cts`
/// too for CommonJS), and the D1 migrations in `migrations/`.
fn subpaths(root: &Path, pkg: &Path) -> Result {
    step("bundle the subpath entries (d1.js, postgres.js) and copy the migrations");
    let source = root.join(PACKAGE_DIR);
    for (name, commonjs) in SUBPATHS {
        let mut formats = vec![("esm", "neutral", format!("{name}.js"))];
        if commonjs {
            formats.push(("cjs", "node", format!("{name}.cjs")));
        }
        for (format, platform, outfile) in formats {
            let mut esbuild = Command::new(build_bin("esbuild"));
            esbuild.arg(source.join(format!("{name}.js"))).args([
                "--bundle",
                &format!("--format={format}"),
                &format!("--platform={platform}"),
                "--target=es2022",
                // The package's own entry, resolved by the runtime's conditions.
                "--external:realtimekit-webhooks",
                "--log-level=warning",
            ]);
            esbuild.arg(format!("--outfile={}", pkg.join(&outfile).display()));
            if format == "cjs" {
                esbuild.args(["--minify", "--line-limit=200", "--keep-names"]);
            }
            exec(&mut esbuild)?;
        }
        let declarations = read(&source.join(format!("{name}.d.ts")))?;
        write(&pkg.join(format!("{name}.d.ts")), &declarations)?;
        if commonjs {
            write(&pkg.join(format!("{name}.d.cts")), &declarations)?;
        }
    }
    let migrations = pkg.join(MIGRATIONS_DIR);
    std::fs::create_dir_all(&migrations).map_err(|e| format!("{}: {e}", migrations.display()))?;
    let dir = source.join(MIGRATIONS_DIR);
    for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.extension().is_some_and(|x| x == "sql") {
            let file = path.file_name().ok_or("a migration without a name")?;
            std::fs::copy(&path, migrations.join(file)).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Compiles the crate for wasm32 with the `package` feature (its allocator)
/// and the module's; returns a copy of the `.wasm` made (each module builds
/// to the same file).
fn compile(nightly: bool, module: &Module) -> Result<std::path::PathBuf> {
    let target = root().join("target");
    let features = format!("package,{}", module.features);
    let mut cmd = match nightly {
        true => {
            step(&format!("cargo build (release, wasm32, {NIGHTLY}, -Zbuild-std, features {features})"));
            let mut cmd = Command::new("rustup");
            cmd.current_dir(root()).args(["run", NIGHTLY, "cargo", "build"]);
            cmd.args(["-Zbuild-std=std,panic_abort", "-Zbuild-std-features=optimize_for_size"]);
            cmd.env("RUSTFLAGS", NIGHTLY_RUSTFLAGS).env("CARGO_TARGET_DIR", target.join("nightly"));
            cmd
        }
        false => {
            step(&format!("cargo build (release, wasm32, stable, features {features})"));
            let mut cmd = cargo();
            cmd.arg("build");
            cmd
        }
    };
    exec(cmd.args(["--release", "--lib", "--target", "wasm32-unknown-unknown", "--no-default-features", "--features", &features]))?;
    let dir = if nightly { target.join("nightly") } else { target.clone() };
    let built = dir.join("wasm32-unknown-unknown").join("release").join("realtimekit_webhooks.wasm");
    // Under the crate's own name, which wasm-bindgen names its output after.
    let modules = target.join("modules").join(module.features.replace(',', "+"));
    std::fs::create_dir_all(&modules).map_err(|e| format!("{}: {e}", modules.display()))?;
    let copy = modules.join("realtimekit_webhooks.wasm");
    std::fs::copy(&built, &copy).map_err(|e| format!("{}: {e}", built.display()))?;
    Ok(copy)
}

/// Each module's `exports.js` as one module with the package modules it
/// imports, and the command line with the package modules it imports beside
/// the public entry (input.js, for the library's checks); the modules bundled
/// are then removed from `pkg/`. The glue, the JS snippets it imports
/// (`snippets`) and the Node entry stay outside, one copy each: every module
/// and the package share one set of error classes. (esbuild keeps an
/// external import as written: `./realtimekit_webhooks.js` is then the glue
/// of the module's own directory, and a snippet, written `./errors.js` in the
/// package modules, is pointed back at the root's.)
fn bundle_exports(pkg: &Path, snippets: &[String]) -> Result {
    step("bundle each module's exports.js, and cli.js, with the package modules");
    let externals: Vec<String> = [GLUE, "node.js"]
        .into_iter()
        .chain(snippets.iter().map(String::as_str))
        .flat_map(|file| [format!("--external:./{file}"), format!("--external:../{file}")])
        .collect();
    let mut entries: Vec<(String, &str)> =
        MODULES.iter().map(|m| (format!("{}{}exports.js", m.dir, if m.dir.is_empty() { "" } else { "/" }), "neutral")).collect();
    entries.push((CLI.to_owned(), "node"));
    for (entry, platform) in &entries {
        exec(Command::new(build_bin("esbuild")).current_dir(pkg).arg(entry).args(&externals).args([
            "--bundle",
            "--format=esm",
            &format!("--platform={platform}"),
            &format!("--outfile={entry}"),
            "--allow-overwrite",
            "--log-level=warning",
        ]))?;
        if entry.contains('/') {
            let path = pkg.join(entry);
            let mut text = read(&path)?;
            for file in snippets {
                text = text.replace(&format!("\"./{file}\""), &format!("\"../{file}\""));
            }
            write(&path, text)?;
        }
    }
    for file in PACKAGE_MODULES.iter().chain(&CLI_MODULES).chain(&["events.js", "examples.js", "worker-template.js"]) {
        std::fs::remove_file(pkg.join(file)).map_err(|e| format!("pkg/{file}: {e}"))?;
    }
    Ok(())
}

/// Minifies every published `.js` file in place (esbuild), but the command
/// line, which people read. (`node.cjs` is minified as it is bundled.) Names
/// are kept only where users see them: the package's classes (exports.js) and
/// the error classes; the glue's and the snippets' names show nowhere.
fn minify(pkg: &Path) -> Result {
    step("minify the published JS");
    let mut files: Vec<String> = Vec::new();
    for dir in MODULES.iter().map(|m| m.dir) {
        let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
        let listed = std::fs::read_dir(pkg.join(dir)).map_err(|e| format!("{}: {e}", pkg.join(dir).display()))?;
        files.extend(
            listed
                .filter_map(|entry| entry.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                .filter(|name| name.ends_with(".js") && name != CLI)
                .map(|name| format!("{prefix}{name}")),
        );
    }
    files.sort();
    let named_file = |f: &str| NAMED.contains(&f.rsplit('/').next().unwrap_or(f));
    let (named, unnamed): (Vec<String>, Vec<String>) = files.into_iter().partition(|f| named_file(f));
    for (files, keep_names) in [(named, true), (unnamed, false)] {
        // Each file on its own (no bundling), written over itself.
        let mut esbuild = Command::new(build_bin("esbuild"));
        esbuild.current_dir(pkg).args(&files).args([
            "--minify",
            // Lines of at most about 200 characters: Node prints the line an
            // uncaught error was thrown from, and a whole file is one line.
            "--line-limit=200",
            "--outdir=.",
            "--outbase=.",
            "--allow-overwrite",
            "--log-level=warning",
            "--log-override:empty-import-meta=silent",
        ]);
        if keep_names {
            esbuild.arg("--keep-names");
        }
        exec(&mut esbuild)?;
    }
    Ok(())
}

/// The published files whose class and function names users see, kept by the
/// minifier. (The modules' `exports.js` name their four classes themselves:
/// keeping every internal function's name there would cost each user bytes.)
const NAMED: [&str; 3] = ["errors.js", "d1.js", "postgres.js"];

/// Builds the emulator (debug) and returns its path.
pub fn emulator() -> Result<std::path::PathBuf> {
    step("build the emulator");
    exec(cargo().args(["build", "--package", "rtk-emulator"]))?;
    let path = root().join("target").join("debug").join("rtk-emulator");
    match path.exists() {
        true => Ok(path),
        false => Err(format!("{} was not built", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_snippet_is_one_key_of_the_imports_object() {
        let glue = "import { exchange } from './snippets/c-1/src/wasm/fetch.js';\n\
                    import * as import1 from \"./snippets/c-1/src/wasm/fetch.js\"\n\
                    import * as import2 from \"./snippets/c-1/src/wasm/fetch.js\"\n\
                    import * as import3 from \"./snippets/c-1/src/wasm/shape.js\"\n\
                    const imports = {\n\
                    \x20   \"./snippets/c-1/src/wasm/fetch.js\": import1,\n\
                    \x20   \"./snippets/c-1/src/wasm/fetch.js\": import2,\n\
                    \x20   \"./snippets/c-1/src/wasm/shape.js\": import3,\n\
                    };\n";
        let once = one_key_per_snippet(glue);
        assert_eq!(once.matches("\"./snippets/c-1/src/wasm/fetch.js\":").count(), 1, "{once}");
        assert!(!once.contains("import2"), "{once}");
        assert!(once.contains("import { exchange }") && once.contains("import3"), "{once}");
    }
}
