//! Expanding a command-line path into the files to read, in a deterministic order.
//!
//! Directories are walked recursively with entries sorted by name, so two runs over the same tree
//! read (and number, and report) everything in the same order. Hidden entries (a name starting
//! with `.`) below the root are neither read nor counted, like ripgrep and fd do: `.git` and
//! editor droppings are not articles. Symbolic links are followed (walkdir detects loops).

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::format::{format_of, Compression, Format};

/// One thing met while walking.
pub enum Entry {
    /// A regular file in a supported format. `id` is its path relative to the root, with `/`
    /// separators, or its file name when the root is the file itself.
    File { path: PathBuf, id: String, format: Format, compression: Compression },
    /// A file whose extension reprint does not read.
    Unsupported(PathBuf),
    /// An entry that could not be examined (a broken link, a directory without permission, a
    /// special file such as a FIFO).
    Unreadable { path: PathBuf, error: String },
}

/// The entries under `root`, in order.
pub fn walk(root: &Path) -> impl Iterator<Item = Entry> + '_ {
    WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(move |item| match item {
            Ok(e) if e.file_type().is_dir() => None,
            Ok(e) => Some(classify(root, e.path(), e.depth(), e.file_type().is_file())),
            Err(err) => {
                let path = err.path().map_or_else(|| root.to_path_buf(), Path::to_path_buf);
                Some(Entry::Unreadable { path, error: err.to_string() })
            }
        })
}

fn classify(root: &Path, path: &Path, depth: usize, regular: bool) -> Entry {
    let Some((format, compression)) = format_of(path) else {
        return Entry::Unsupported(path.to_path_buf());
    };
    if !regular {
        return Entry::Unreadable { path: path.to_path_buf(), error: "not a regular file".to_string() };
    }
    let id = if depth == 0 {
        path.file_name().map_or_else(|| path.to_string_lossy(), |n| n.to_string_lossy()).into_owned()
    } else {
        let rel = path.strip_prefix(root).unwrap_or(path);
        rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
    };
    Entry::File { path: path.to_path_buf(), id, format, compression }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn sorted_relative_ids_hidden_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("b/c")).unwrap();
        fs::create_dir_all(root.join(".git")).unwrap();
        for f in ["b/c/z.txt", "b/a.md", "a.jsonl.gz", ".hidden.txt", ".git/x.txt", "n.pdf"] {
            fs::write(root.join(f), "x").unwrap();
        }
        let mut seen = Vec::new();
        for e in walk(root) {
            match e {
                Entry::File { id, .. } => seen.push(id),
                Entry::Unsupported(p) => seen.push(format!("unsupported {}", p.display())),
                Entry::Unreadable { path, .. } => seen.push(format!("bad {}", path.display())),
            }
        }
        let html = format!("unsupported {}", root.join("n.pdf").display());
        assert_eq!(seen, vec!["a.jsonl.gz", "b/a.md", "b/c/z.txt", html.as_str()]);
    }

    #[test]
    fn file_root_id_is_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("one.txt");
        fs::write(&f, "x").unwrap();
        let ids: Vec<String> = walk(&f)
            .filter_map(|e| match e {
                Entry::File { id, .. } => Some(id),
                _ => None,
            })
            .collect();
        assert_eq!(ids, vec!["one.txt"]);
    }
}
