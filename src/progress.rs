//! Progress on stderr: shown only on a terminal and without `--quiet`, never in the data.

use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    bar: ProgressBar,
    bytes: AtomicU64,
    docs: AtomicU64,
}

impl Progress {
    pub fn new(show: bool) -> Self {
        let bar = if show { ProgressBar::new_spinner() } else { ProgressBar::hidden() };
        if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}") {
            bar.set_style(style);
        }
        if show {
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
        }
        Progress { bar, bytes: AtomicU64::new(0), docs: AtomicU64::new(0) }
    }

    fn update(&self) {
        let mb = self.bytes.load(Ordering::Relaxed) as f64 / 1e6;
        self.bar.set_message(format!("reading: {mb:.1} MB, {} documents", self.docs.load(Ordering::Relaxed)));
    }

    pub fn add_bytes(&self, n: u64) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
        self.update();
    }

    pub fn set_docs(&self, n: u64) {
        self.docs.store(n, Ordering::Relaxed);
        self.update();
    }

    pub fn stage(&self, name: &'static str) {
        self.bar.set_message(name);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
