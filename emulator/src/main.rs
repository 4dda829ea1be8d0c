//! `rtk-emulator`: runs the emulator on loopback and prints where.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use rtk_emulator::{router, serve, Config, Emulator};

const USAGE: &str = "\
rtk-emulator: a local Cloudflare RealtimeKit webhooks API

usage: rtk-emulator [--port N] [--host ADDR] [--token T] [--api-key K --api-email E]
                    [--www DIR] [--pkg DIR] [--state FILE] [--upstream URL]

  --port N      port to listen on (default 8765, not wrangler's 8787; 0 picks a free one)
  --host ADDR   address to listen on (default 127.0.0.1)
  --token T     API token accepted as `Authorization: Bearer T` (default emulator-token)
  --api-key K   global API key accepted with --api-email (default emulator-key)
  --api-email E its email (default dev@example.com)
  --www DIR     serve this directory at / (the demo page)
  --pkg DIR     serve this directory at /pkg/ (the built npm package)
  --state FILE  keep webhooks in FILE, so they survive a restart
  --upstream URL  forward /proxy/... to this API (e.g. https://api.cloudflare.com/client/v4),
                with the caller's credentials, for a browser page holding a real token
";

fn main() -> ExitCode {
    let (addr, config) = match parse(std::env::args().skip(1)) {
        Ok(parsed) => parsed,
        Err(message) if message == "help" => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("rtk-emulator: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("rtk-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(addr, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rtk-emulator: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(addr: SocketAddr, config: Config) -> std::io::Result<()> {
    let token = config.token.clone();
    let upstream = config.upstream.clone();
    let emulator = Emulator::new(config)?;
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => std::io::Error::new(
            e.kind(),
            format!(
                "port {} on {} is in use (another emulator, or `cargo xtask demo`, may be running): stop it, or give another port with --port N (`cargo xtask demo --port N`)",
                addr.port(),
                addr.ip()
            ),
        ),
        _ => std::io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")),
    })?;
    let bound = listener.local_addr()?;
    // The first line is read by tests and tools: keep its shape.
    println!("rtk-emulator listening on http://{bound}");
    println!("  API base URL: http://{bound}/client/v4");
    println!("  API token:    {token}");
    println!("  any account id and app id work; each pair has its own webhooks");
    if let Some(upstream) = upstream {
        println!("  proxy:        http://{bound}/proxy -> {upstream}");
    }
    serve(listener, router(emulator)).await
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<(SocketAddr, Config), String> {
    let mut config = Config::default();
    let mut host = "127.0.0.1".to_owned();
    let mut port = rtk_emulator::DEFAULT_PORT;
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => port = value()?.parse().map_err(|_| "--port needs a number from 0 to 65535".to_owned())?,
            "--host" => host = value()?,
            "--token" => config.token = value()?,
            "--api-key" => config.api_key = value()?,
            "--api-email" => config.api_email = value()?,
            "--www" => config.www = Some(PathBuf::from(value()?)),
            "--pkg" => config.pkg = Some(PathBuf::from(value()?)),
            "--state" => config.state_file = Some(PathBuf::from(value()?)),
            "--upstream" => config.upstream = Some(value()?),
            "-h" | "--help" => return Err("help".into()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let addr = format!("{host}:{port}").parse().map_err(|_| format!("bad --host {host:?}"))?;
    Ok((addr, config))
}
