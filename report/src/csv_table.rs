//! The simulation's CSV files as `imr-sim` writes them: a header line, then comma-separated
//! fields without quoting (names are restricted to `[A-Za-z0-9._-]`). Columns are found by
//! their header name, so added columns do not break reading; every error names the file, the
//! line and the column.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::load::LoadError;

/// One CSV file, split into lines and fields.
pub(crate) struct CsvTable<'a> {
    file: PathBuf,
    header: Vec<&'a str>,
    rows: Vec<(usize, Vec<&'a str>)>,
}

/// One data row of a [`CsvTable`].
pub(crate) struct CsvRow<'t, 'a> {
    table: &'t CsvTable<'a>,
    line: usize,
    fields: &'t [&'a str],
}

impl<'a> CsvTable<'a> {
    /// Splits `text` (the content of `file`). Empty lines are skipped; every other line must
    /// have as many fields as the header.
    pub(crate) fn parse(file: &Path, text: &'a str) -> Result<Self, LoadError> {
        let mut lines = text.lines().enumerate().filter(|(_, l)| !l.is_empty());
        let Some((_, header)) = lines.next() else {
            return Err(LoadError::Invalid {
                file: file.to_path_buf(),
                message: "empty file (no header line)".into(),
            });
        };
        let header: Vec<&str> = header.split(',').collect();
        let mut rows = Vec::new();
        for (i, l) in lines {
            let fields: Vec<&str> = l.split(',').collect();
            if fields.len() != header.len() {
                return Err(LoadError::Invalid {
                    file: file.to_path_buf(),
                    message: format!(
                        "line {}: {} fields, the header has {}",
                        i + 1,
                        fields.len(),
                        header.len()
                    ),
                });
            }
            rows.push((i + 1, fields));
        }
        Ok(Self {
            file: file.to_path_buf(),
            header,
            rows,
        })
    }

    /// The index of column `name`.
    pub(crate) fn column(&self, name: &str) -> Result<usize, LoadError> {
        self.header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| LoadError::Invalid {
                file: self.file.clone(),
                message: format!("the header has no column `{name}`"),
            })
    }

    /// The data rows, in file order.
    pub(crate) fn rows(&self) -> impl Iterator<Item = CsvRow<'_, 'a>> {
        self.rows.iter().map(move |(line, fields)| CsvRow {
            table: self,
            line: *line,
            fields,
        })
    }
}

impl<'a> CsvRow<'_, 'a> {
    /// The text of column `col`.
    pub(crate) fn text(&self, col: usize) -> &'a str {
        self.fields[col]
    }

    /// Column `col` parsed as `T` (`what` says what was expected, for the error).
    pub(crate) fn parse<T: FromStr>(&self, col: usize, what: &str) -> Result<T, LoadError> {
        let text = self.fields[col];
        text.parse()
            .map_err(|_| self.error(col, format!("`{text}` is not {what}")))
    }

    /// An error about column `col` of this row.
    pub(crate) fn error(&self, col: usize, message: String) -> LoadError {
        LoadError::Invalid {
            file: self.table.file.clone(),
            message: format!(
                "line {}, field `{}`: {message}",
                self.line, self.table.header[col]
            ),
        }
    }
}
