//! The subnet file (`S.json`) of `imr simulate`: the subnet's Yuma hyperparameters, named as in
//! [`imr_yuma::Hyperparams`] (`{"tempo": 360, "kappa_u16": 32767, "yuma3": true, ...}`); every
//! name left out takes a new subnet's default. Errors name the file and the field.

use std::path::{Path, PathBuf};

use imr_yuma::Hyperparams;

/// A subnet file that cannot be used; always names the file and the field.
#[derive(Debug, thiserror::Error)]
pub enum SubnetError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The JSON is malformed, a name is unknown or a value has the wrong type or range.
    #[error("{file}: field `{field}`: {message}")]
    Invalid {
        /// The file.
        file: PathBuf,
        /// Path of the offending field.
        field: String,
        /// What is wrong.
        message: String,
    },
}

/// Reads a subnet file; `None` gives a new subnet's hyperparameters.
pub fn read(path: Option<&Path>) -> Result<(Hyperparams, Option<Vec<u8>>), SubnetError> {
    let Some(path) = path else {
        return Ok((Hyperparams::default(), None));
    };
    let bytes = std::fs::read(path).map_err(|source| SubnetError::Read {
        file: path.to_path_buf(),
        source,
    })?;
    let hp = parse(&bytes, path)?;
    Ok((hp, Some(bytes)))
}

/// Parses and checks the bytes of a subnet file; `file` is only used in errors.
pub fn parse(bytes: &[u8], file: &Path) -> Result<Hyperparams, SubnetError> {
    let invalid = |field: &str, message: String| SubnetError::Invalid {
        file: file.to_path_buf(),
        field: field.to_string(),
        message,
    };
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let hp: Hyperparams = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        invalid(
            if path == "." { "(top level)" } else { &path },
            e.inner().to_string(),
        )
    })?;
    if hp.commit_reveal_enabled {
        return Err(invalid(
            "commit_reveal_enabled",
            "commit-reveal is not simulated: weights enter the epoch they are set in".into(),
        ));
    }
    if hp.mechanism_count != 1 {
        return Err(invalid(
            "mechanism_count",
            format!(
                "only one mechanism is simulated, got {}",
                hp.mechanism_count
            ),
        ));
    }
    if hp.emission_split.is_some() {
        return Err(invalid(
            "emission_split",
            "only one mechanism is simulated".into(),
        ));
    }
    if hp.n.is_some() {
        return Err(invalid(
            "n",
            "the number of uids follows from the epochs and the validators file; leave it out"
                .into(),
        ));
    }
    if let Some(declared) = hp.activity_cutoff_blocks {
        let computed = hp.activity_cutoff();
        if declared != computed {
            return Err(invalid(
                "activity_cutoff_blocks",
                format!(
                    "{declared} differs from the cutoff the factor and tempo give ({computed})"
                ),
            ));
        }
    }
    Ok(hp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text.as_bytes(), Path::new("S.json"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn names_left_out_take_the_defaults() {
        let hp = parse(
            br#"{"kappa_u16": 40000, "yuma3": false}"#,
            Path::new("S.json"),
        )
        .unwrap();
        assert_eq!(hp.kappa_u16, 40000);
        assert!(!hp.yuma3);
        assert_eq!(hp.tempo, Hyperparams::default().tempo);
        assert_eq!(read(None).unwrap().0, Hyperparams::default());
    }

    #[test]
    fn errors_name_file_and_field() {
        let e = err(r#"{"kappa_u16": "half"}"#);
        assert!(e.starts_with("S.json: field `kappa_u16`"), "{e}");
        let e = err(r#"{"kapa": 1}"#);
        assert!(
            e.starts_with("S.json: field `kapa`") && e.contains("unknown field"),
            "{e}"
        );
        let e = err(r#"{"tempo": 70000}"#);
        assert!(e.starts_with("S.json: field `tempo`"), "{e}");
        let e = err(r#"{"commit_reveal_enabled": true}"#);
        assert!(
            e.starts_with("S.json: field `commit_reveal_enabled`"),
            "{e}"
        );
        let e = err(r#"{"n": 5}"#);
        assert!(e.starts_with("S.json: field `n`"), "{e}");
        let e = err("[1");
        assert!(e.starts_with("S.json: field"), "{e}");
        let e = read(Some(Path::new("/nonexistent/S.json")))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("/nonexistent/S.json: cannot read"), "{e}");
    }
}
