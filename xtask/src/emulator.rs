//! Runs the emulator binary as a child process on a free loopback port.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::util::Result;

/// A running emulator; killed when dropped.
pub struct Running {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
}

impl Running {
    /// Starts `bin` with `--port 0` and `args`, and waits for its address.
    pub fn start(bin: &Path, args: &[&str]) -> Result<Running> {
        let mut child = Command::new(bin)
            .args(["--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", bin.display()))?;
        let stdout = child.stdout.take().ok_or("the emulator has no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(|l| l.ok()).unwrap_or_default();
        let Some(url) = first.strip_prefix("rtk-emulator listening on ").map(str::to_owned) else {
            let _ = child.kill();
            return Err(format!("the emulator did not start (it printed {first:?})"));
        };
        // Keep draining its output so it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(Running { child, url })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
