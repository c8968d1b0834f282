//! Progress bars (indicatif), only when stderr is a terminal; otherwise every call is a no-op.

use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

/// A set of transfer bars, or nothing when not on a terminal.
#[derive(Clone)]
pub struct Progress {
    bars: Option<MultiProgress>,
}

impl Progress {
    /// Bars if `wanted` and stderr is a terminal.
    pub fn new(wanted: bool) -> Self {
        let on_terminal = wanted && std::io::stderr().is_terminal();
        Progress { bars: on_terminal.then(MultiProgress::new) }
    }

    /// A byte bar for one transfer (hidden when there are no bars).
    pub fn bar(&self, label: &str, total: u64) -> ProgressBar {
        let Some(bars) = &self.bars else { return ProgressBar::hidden() };
        let bar = bars.add(ProgressBar::new(total));
        if let Ok(style) =
            ProgressStyle::with_template("{msg:30!} {bytes:>10}/{total_bytes:10} {bytes_per_sec:>12} {bar:30}")
        {
            bar.set_style(style);
        }
        bar.set_message(label.to_owned());
        bar
    }
}
