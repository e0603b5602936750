//! A run's time limit (`--timeout`): wasm code is interrupted through the
//! engine's epoch, host waits end at the deadline.

use wasmtime::Engine;

/// Interrupts the program's wasm code once its time is up; dropping it
/// before then lets the program finish.
pub struct Timer {
    _cancel: std::sync::mpsc::Sender<()>,
    expires: std::time::Instant,
}

impl Timer {
    /// When the program's time is up: host calls that wait (sleeps) must
    /// not wait past it.
    pub fn expires(&self) -> std::time::Instant {
        self.expires
    }

    pub fn start(engine: &Engine, after: std::time::Duration) -> Timer {
        let expires = std::time::Instant::now() + after;
        let (cancel, cancelled) = std::sync::mpsc::channel::<()>();
        let engine = engine.clone();
        std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = cancelled.recv_timeout(after) {
                engine.increment_epoch();
            }
        });
        Timer {
            _cancel: cancel,
            expires,
        }
    }
}
