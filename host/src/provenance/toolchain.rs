//! The Rust toolchain a build uses, as `rustc -vV` and `cargo -V` report it (run in the
//! workspace root, so that a `rust-toolchain.toml` there selects the toolchain as it does for
//! the build).

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use super::section::ToolchainRecord;
use super::ProvenanceError;

fn run(program: &OsString, arg: &str, dir: &Path) -> Result<String, ProvenanceError> {
    let out = Command::new(program)
        .arg(arg)
        .current_dir(dir)
        .env_remove("RUSTC_WRAPPER")
        .output()
        .map_err(|e| {
            ProvenanceError::Toolchain(format!(
                "cannot run {} {arg}: {e}",
                program.to_string_lossy()
            ))
        })?;
    if !out.status.success() {
        return Err(ProvenanceError::Toolchain(format!(
            "{} {arg} failed: {}",
            program.to_string_lossy(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| ProvenanceError::Toolchain(format!("{arg}: output is not UTF-8")))
}

/// Parses `rustc -vV` output (and `cargo -V`'s line) into a record.
pub fn parse(rustc_vv: &str, cargo_v: &str) -> Result<ToolchainRecord, ProvenanceError> {
    let mut lines = rustc_vv.lines();
    let rustc = lines
        .next()
        .filter(|l| l.starts_with("rustc "))
        .ok_or_else(|| ProvenanceError::Toolchain("rustc -vV: no version line".into()))?
        .trim()
        .to_string();
    let field = |name: &str| -> Result<String, ProvenanceError> {
        rustc_vv
            .lines()
            .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
            .ok_or_else(|| ProvenanceError::Toolchain(format!("rustc -vV: no {name:?} line")))
    };
    Ok(ToolchainRecord {
        rustc,
        commit_hash: field("commit-hash:")?,
        host: field("host:")?,
        llvm: field("LLVM version:")?,
        cargo: cargo_v.trim().to_string(),
    })
}

/// The toolchain cargo uses in `workspace_root` (`$RUSTC` if set, else `rustc`; `cargo` is the
/// program given).
pub fn detect(cargo: &OsString, workspace_root: &Path) -> Result<ToolchainRecord, ProvenanceError> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    parse(
        &run(&rustc, "-vV", workspace_root)?,
        &run(cargo, "-V", workspace_root)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustc_vv_is_parsed() {
        let vv = "rustc 1.95.0 (59807616e 2026-04-14)\nbinary: rustc\ncommit-hash: 59807616e1fa\n\
                  commit-date: 2026-04-14\nhost: x86_64-unknown-linux-gnu\nrelease: 1.95.0\n\
                  LLVM version: 21.1.8\n";
        let t = parse(vv, "cargo 1.95.0 (abc 2026-04-01)\n").unwrap();
        assert_eq!(t.rustc, "rustc 1.95.0 (59807616e 2026-04-14)");
        assert_eq!(t.commit_hash, "59807616e1fa");
        assert_eq!(t.host, "x86_64-unknown-linux-gnu");
        assert_eq!(t.llvm, "21.1.8");
        assert_eq!(t.cargo, "cargo 1.95.0 (abc 2026-04-01)");
        assert!(parse("nonsense", "").is_err());
        assert!(parse("rustc 1\nhost: x\n", "").is_err());
    }
}
