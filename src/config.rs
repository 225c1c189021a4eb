//! Command-line arguments resolved once into the configuration the stages borrow.

use std::io::IsTerminal;

use thiserror::Error;

use crate::cli::{CandidateView, InputArgs, ScanArgs};
use crate::input::{FieldNames, InputOptions};
use crate::origin::WireSources;
use crate::scan::ScanConfig;
use crate::shingle::View;

/// A bad combination of options: reported with exit status 2, like clap's own usage errors.
#[derive(Debug, Error)]
pub enum UsageError {
    #[error("--threshold must be between 0 and 1, got {0}")]
    Threshold(f64),
    #[error("--num-perm must be at least 1")]
    NumPerm,
    #[error("--bands {bands} x --rows {rows} needs {needed} MinHash values, but --num-perm is {num_perm}")]
    Bands { bands: usize, rows: usize, needed: usize, num_perm: usize },
    #[error("--{0} must be at least 1")]
    Zero(&'static str),
}

impl InputArgs {
    pub fn options(&self) -> InputOptions {
        InputOptions {
            fields: FieldNames {
                id: self.id_field.clone(),
                text: self.text_field.clone(),
                title: self.title_field.clone(),
                url: self.url_field.clone(),
                source: self.source_field.clone(),
                date: self.date_field.clone(),
            },
            max_doc_bytes: self.max_doc_bytes,
        }
    }
}

/// Progress and summaries go to stderr only when it is a terminal and `--quiet` is off.
pub fn show_progress(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal() && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

/// Colour on stderr: only on a terminal, with `NO_COLOR` unset (or empty) and `TERM` not `dumb`.
pub fn use_colour() -> bool {
    std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

pub fn scan_config(a: &ScanArgs) -> Result<ScanConfig, UsageError> {
    if !(0.0..=1.0).contains(&a.threshold) || a.threshold.is_nan() {
        return Err(UsageError::Threshold(a.threshold));
    }
    if a.num_perm == 0 {
        return Err(UsageError::NumPerm);
    }
    if a.bands == Some(0) {
        return Err(UsageError::Zero("bands"));
    }
    if a.rows == Some(0) {
        return Err(UsageError::Zero("rows"));
    }
    if a.shingle == 0 {
        return Err(UsageError::Zero("shingle"));
    }
    if a.max_bucket < 2 {
        return Err(UsageError::Zero("max-bucket (at least 2)"));
    }
    let mut views = ScanConfig::default_views(a.num_perm, a.shingle, a.threshold, a.bands, a.rows);
    let b = views[0].bands;
    if b.bands * b.rows > a.num_perm {
        return Err(UsageError::Bands { bands: b.bands, rows: b.rows, needed: b.bands * b.rows, num_perm: a.num_perm });
    }
    views.retain(|v| match v.kind {
        View::Words => a.views.contains(&CandidateView::Words),
        View::Skeleton => a.views.contains(&CandidateView::Skeleton),
    });
    Ok(ScanConfig {
        inputs: a.paths.clone(),
        input: a.input.options(),
        num_perm: a.num_perm,
        views,
        anchors: a.views.contains(&CandidateView::Anchors),
        max_bucket: a.max_bucket,
        wire_sources: WireSources::new(&a.wire_sources),
        progress: show_progress(a.quiet),
        temp_dir: a.temp_dir.clone(),
    })
}
