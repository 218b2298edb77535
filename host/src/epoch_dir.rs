//! The epoch files of a directory (`imr run --epochs DIR`): which entries are
//! run, in which order, and which are skipped and why.
//!
//! Run: regular files (or links to them) named `*.json` with a UTF-8 name that
//! does not start with a dot, in byte order of their names. Everything else is
//! skipped and listed with the reason, so that nothing is silently left out:
//! dotfiles (editor and OS leftovers such as `._e.json`), names that are not
//! UTF-8, other extensions (`E.JSON` included: the match is exact),
//! sub-directories (not descended into), and FIFOs, sockets or devices.

use std::path::{Path, PathBuf};

/// An entry of the directory that is not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The entry's name (lossy for a non-UTF-8 name, control characters escaped).
    pub name: String,
    /// Why it is not run.
    pub reason: &'static str,
}

/// The epoch files of a directory and the entries skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EpochDir {
    /// The files to run, sorted by name.
    pub files: Vec<PathBuf>,
    /// The entries not run, sorted by name.
    pub skipped: Vec<Skipped>,
}

impl EpochDir {
    /// A one-line summary of the skipped entries (`None` when none was):
    /// `skipped 3 entries of DIR: .e.json (dotfile), E.JSON (not *.json), old/ (directory)`.
    pub fn skipped_summary(&self, dir: &Path, max_listed: usize) -> Option<String> {
        if self.skipped.is_empty() {
            return None;
        }
        let mut listed: Vec<String> = self
            .skipped
            .iter()
            .take(max_listed)
            .map(|s| format!("{} ({})", s.name, s.reason))
            .collect();
        if self.skipped.len() > max_listed {
            listed.push(format!("and {} more", self.skipped.len() - max_listed));
        }
        Some(format!(
            "skipped {} {} of {}: {}",
            self.skipped.len(),
            if self.skipped.len() == 1 {
                "entry"
            } else {
                "entries"
            },
            crate::terminal::escape_line(&dir.display().to_string()),
            listed.join(", ")
        ))
    }
}

/// Lists `dir` (see the module docs).
pub fn list(dir: &Path) -> std::io::Result<EpochDir> {
    let mut out = EpochDir::default();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let raw = entry.file_name();
        let shown = crate::terminal::escape_line(&raw.to_string_lossy()).into_owned();
        let path = entry.path();
        // Follows links: a link to an epoch file is run like the file.
        let meta = std::fs::metadata(&path);
        let skip = |reason| Skipped {
            name: shown.clone(),
            reason,
        };
        let skipped = match (raw.to_str(), &meta) {
            (_, Ok(m)) if m.is_dir() => Some(Skipped {
                name: format!("{shown}/"),
                reason: "directory, not descended into",
            }),
            (None, _) => Some(skip("name is not UTF-8")),
            (Some(name), _) if name.starts_with('.') => Some(skip("dotfile")),
            (Some(name), _) if !name.ends_with(".json") => Some(skip("not *.json")),
            (_, Err(_)) => Some(skip("dangling link or unreadable")),
            (_, Ok(m)) if !m.is_file() => Some(skip("not a regular file")),
            _ => None,
        };
        match skipped {
            Some(s) => out.skipped.push(s),
            None => out.files.push(path),
        }
    }
    out.files.sort();
    out.skipped.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_what_it_skips() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        for name in ["b.json", "a.json", ".hidden.json", "C.JSON", "notes.txt"] {
            std::fs::write(d.join(name), "{}").unwrap();
        }
        std::fs::create_dir(d.join("old.json")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let name = std::ffi::OsStr::from_bytes(b"bad\xff.json");
            std::fs::write(d.join(name), "{}").unwrap();
            rustix::fs::mkfifoat(rustix::fs::CWD, d.join("pipe.json"), rustix::fs::Mode::RUSR)
                .unwrap();
        }
        let listed = list(d).unwrap();
        assert_eq!(listed.files, vec![d.join("a.json"), d.join("b.json")]);
        let reasons: Vec<(&str, &str)> = listed
            .skipped
            .iter()
            .map(|s| (s.name.as_str(), s.reason))
            .collect();
        assert!(
            reasons.contains(&(".hidden.json", "dotfile")),
            "{reasons:?}"
        );
        assert!(reasons.contains(&("C.JSON", "not *.json")), "{reasons:?}");
        assert!(
            reasons.contains(&("notes.txt", "not *.json")),
            "{reasons:?}"
        );
        assert!(
            reasons.contains(&("old.json/", "directory, not descended into")),
            "{reasons:?}"
        );
        #[cfg(unix)]
        {
            assert!(
                reasons.contains(&("bad\u{fffd}.json", "name is not UTF-8")),
                "{reasons:?}"
            );
            assert!(
                reasons.contains(&("pipe.json", "not a regular file")),
                "{reasons:?}"
            );
        }
        let summary = listed.skipped_summary(d, 2).unwrap();
        assert!(summary.starts_with(&format!("skipped {} entries of ", listed.skipped.len())));
        assert!(
            summary.ends_with(&format!("and {} more", listed.skipped.len() - 2)),
            "{summary}"
        );
    }
}
