//! The `rtk-emulator` binary as people run it.

use std::net::TcpListener;
use std::process::Command;

#[test]
fn a_port_in_use_is_named_with_the_way_out() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = taken.local_addr().expect("its address").port();
    let out = Command::new(env!("CARGO_BIN_EXE_rtk-emulator")).args(["--port", &port.to_string()]).output().expect("the emulator runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("port {port} on 127.0.0.1 is in use")), "{stderr}");
    assert!(stderr.contains("--port N"), "{stderr}");
    assert!(stderr.contains("cargo xtask demo --port N"), "{stderr}");
}

#[test]
fn help_is_the_usage_and_success() {
    let out = Command::new(env!("CARGO_BIN_EXE_rtk-emulator")).arg("--help").output().expect("the emulator runs");
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("rtk-emulator: a local Cloudflare RealtimeKit webhooks API"), "{stdout}");
    assert!(out.stderr.is_empty());
}
