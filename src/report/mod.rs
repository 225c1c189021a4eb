//! Writing the report: `clusters.csv`, `pairs.csv`, `matches.csv`, `documents.jsonl` and
//! `summary.json`.
//!
//! Each file is written to a temporary name in the output folder and renamed into place, and
//! `summary.json` goes last: a report folder with a `summary.json` newer than its CSVs is
//! complete; a scan that dies midway leaves no summary (the old one is removed first).

pub mod csv;
mod direct;
pub mod html;
pub mod load;
pub mod summary;
pub mod table;
pub mod texts;

use std::fs;
use std::io::{self, IoSlice, Write};
use std::path::Path;

use anyhow::{Context, Result};

pub use direct::Blocks;
use direct::DirectWriter;
pub use summary::Summary;

/// Report files, in the order they are written.
pub const FILES: [&str; 5] = ["clusters.csv", "pairs.csv", "matches.csv", "documents.jsonl", "summary.json"];

/// Writes `name` in `dir` atomically: the content goes to a temporary file that is renamed.
/// `blocks` says where its full blocks are written (see [`Blocks`]).
pub fn write_atomic(
    dir: &Path,
    name: &str,
    blocks: Blocks,
    write: impl FnOnce(&mut (dyn Write + Send)) -> Result<()>,
) -> Result<()> {
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // Temporary files are private (0600); a report is an ordinary file, readable as the umask
    // allows.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let tmp = builder.tempfile_in(dir).with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    {
        let mut w = DirectWriter::new(tmp.as_file(), blocks);
        write(&mut w)?;
        w.finish().with_context(|| format!("writing {name}"))?;
    }
    let path = dir.join(name);
    tmp.persist(&path).with_context(|| format!("renaming into {}", path.display()))?;
    Ok(())
}

/// Writes every buffer of `bufs` to `w`, in order, with `writev` (up to 1024 buffers a system
/// call) when `w` passes them on: the report writes a cluster's lines or a page's clusters, a few
/// kB each, and a `write` each cost about 0.1 s of system time per 27,000 on the 1 GB mkspeed
/// corpus.
pub fn write_all_vectored<'a>(w: &mut (impl Write + ?Sized), bufs: impl Iterator<Item = &'a [u8]>) -> io::Result<()> {
    let mut slices: Vec<IoSlice> = bufs.map(IoSlice::new).collect();
    let mut left = &mut slices[..];
    while !left.is_empty() {
        match w.write_vectored(left) {
            Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero)),
            Ok(n) => IoSlice::advance_slices(&mut left, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Creates the output folder and removes the summary of an earlier report, so that a scan that
/// fails from here on cannot leave a report that looks complete.
pub fn prepare_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("creating the output folder {}", dir.display()))?;
    let summary = dir.join("summary.json");
    if summary.exists() {
        fs::remove_file(&summary).with_context(|| format!("removing the old {}", summary.display()))?;
    }
    // An HTML report from an earlier scan would no longer match the CSVs.
    html::remove_pages(dir)?;
    remove_stale_temporaries(dir)?;
    remove_stale_temporaries(&dir.join(html::page::PAGES_DIR))?;
    Ok(())
}

/// Removes the temporary files a killed scan left behind (`write_atomic` names them
/// `.NAME.XXXXXX.tmp`; a kill skips their clean-up). Only names the report writes are touched.
fn remove_stale_temporaries(dir: &Path) -> Result<()> {
    let Ok(list) = fs::read_dir(dir) else { return Ok(()) };
    for entry in list {
        let path = entry.with_context(|| format!("listing {}", dir.display()))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let ours = FILES.iter().chain([&html::page::REPORT]).any(|f| name.starts_with(&format!(".{f}.")))
            || name.starts_with(".clusters-");
        if ours && name.ends_with(".tmp") && path.is_file() {
            fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        }
    }
    Ok(())
}
