//! Secrets generated once for a local simulator set-up and kept in files, so a restart keeps
//! decrypting what it encrypted and recognising the API keys it issued.

use std::io::Write;
use std::path::Path;

use arca_protocol::secret::Secret;
use base64::Engine;
use rand::RngCore;

/// Reads the secret in `path`, or writes 32 fresh random bytes (base64) there first. The file is
/// created with mode 0600 and never overwritten.
pub fn load_or_create(path: &Path) -> std::io::Result<Secret> {
    if let Ok(text) = std::fs::read_to_string(path) {
        let text = text.trim();
        if !text.is_empty() {
            return Ok(Secret::new(text));
        }
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let text = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    Ok(Secret::new(text))
}
