//! Reading the files a subcommand is given; `-` is standard input.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// One input: the name used in messages and its text.
pub(crate) struct Input {
    /// The path as the user wrote it, or `<stdin>`.
    pub(crate) name: String,
    /// The whole text.
    pub(crate) text: String,
}

/// Reads every path in order; `-` reads standard input once.
///
/// # Errors
///
/// A file that cannot be read or is not UTF-8, named with its path.
pub(crate) fn read_all(paths: &[PathBuf]) -> anyhow::Result<Vec<Input>> {
    paths.iter().map(|path| read(path)).collect()
}

fn read(path: &Path) -> anyhow::Result<Input> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read standard input")?;
        return Ok(Input {
            name: "<stdin>".to_owned(),
            text,
        });
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Input {
        name: path.display().to_string(),
        text,
    })
}
