//! `arca-api cert …`: the simulator's CA, client certificates from it, and CSRs for ARCA.

use std::path::{Path, PathBuf};

use anyhow::Context;
use arca_protocol::Cuit;
use arca_protocol::certificate::generate_csr;
use arca_simulator::CertificateAuthority;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create the simulator's certificate authority in DIR.
    Ca {
        #[arg(long)]
        out_dir: PathBuf,
    },
    /// Issue a client certificate (and its key) from the simulator's CA.
    Issue {
        #[arg(long)]
        ca_dir: PathBuf,
        #[arg(long)]
        cuit: String,
        /// The certificate's alias (CN).
        #[arg(long, default_value = "arca-api")]
        cn: String,
        #[arg(long)]
        out_dir: PathBuf,
    },
    /// Create an RSA key and the CSR to submit to ARCA's certificate self-service.
    Csr {
        #[arg(long)]
        cuit: String,
        /// Company name (O).
        #[arg(long)]
        org: String,
        /// The certificate's alias (CN).
        #[arg(long)]
        cn: String,
        #[arg(long)]
        out_dir: PathBuf,
    },
}

pub fn run(command: Command) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    match command {
        Command::Ca { out_dir } => {
            let ca = CertificateAuthority::create(now)?;
            ca.save(&out_dir)?;
            println!("CA created: {}", out_dir.join("ca.crt").display());
        }
        Command::Issue {
            ca_dir,
            cuit,
            cn,
            out_dir,
        } => {
            let cuit: Cuit = cuit.parse().with_context(|| format!("--cuit {cuit}"))?;
            let ca = CertificateAuthority::load(&ca_dir)
                .with_context(|| format!("loading the CA in {}", ca_dir.display()))?;
            let (certificate, key) = ca.issue(&cuit.to_string(), &cn, now)?;
            std::fs::create_dir_all(&out_dir)?;
            write(&out_dir.join("cert.pem"), &certificate.to_pem()?, false)?;
            write(&out_dir.join("key.pem"), &key.private_key_to_pem_pkcs8()?, true)?;
            println!("certificate for CUIT {cuit}: {}", out_dir.join("cert.pem").display());
            println!("private key: {}", out_dir.join("key.pem").display());
        }
        Command::Csr { cuit, org, cn, out_dir } => {
            let cuit: Cuit = cuit.parse().with_context(|| format!("--cuit {cuit}"))?;
            let request = generate_csr(cuit, &org, &cn)?;
            std::fs::create_dir_all(&out_dir)?;
            write(
                &out_dir.join("key.pem"),
                request.private_key_pem.expose().as_bytes(),
                true,
            )?;
            write(&out_dir.join("request.csr"), request.csr_pem.as_bytes(), false)?;
            println!("CSR (paste into ARCA): {}", out_dir.join("request.csr").display());
            println!(
                "private key (keep it; it never goes to ARCA): {}",
                out_dir.join("key.pem").display()
            );
        }
    }
    Ok(())
}

/// Writes a file; private keys are created with mode 0600.
fn write(path: &Path, contents: &[u8], private: bool) -> anyhow::Result<()> {
    std::fs::write(path, contents).with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
