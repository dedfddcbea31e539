//! Writing results to standard output without panicking when the reader goes away.
//!
//! `print!` panics on a closed pipe (`tidal crds | head`); a command line tool should instead stop
//! quietly, as `cat` does.

use std::io::{ErrorKind, Write as _};

/// Writes `text` to standard output; a closed pipe ends the output silently.
///
/// # Errors
///
/// Any write error other than a broken pipe.
pub(crate) fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(error) if error.kind() != ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(()),
    }
}
