//! `hoso-portal`: run a HoSo intake portal, or administer its data folder.

use anyhow::Context;
use clap::{Parser, Subcommand};
use hoso_portal::PortalConfig;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "hoso-portal",
    version,
    about = "HoSo intake portal / Cổng tiếp nhận hồ sơ HoSo"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal / Chạy cổng.
    Serve {
        /// Data folder (database, key, uploads).
        #[arg(long, env = "HOSO_PORTAL_DATA")]
        data: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8680")]
        listen: SocketAddr,
        /// Address clients use, when behind a proxy.
        #[arg(long)]
        public_url: Option<String>,
    },
    /// Register an applicant and print a new access token / Thêm người nộp và in mã truy cập.
    AddApplicant {
        /// Data folder.
        #[arg(long, env = "HOSO_PORTAL_DATA")]
        data: PathBuf,
        /// Account name.
        #[arg(long)]
        account: String,
        /// Name shown to officers.
        #[arg(long)]
        name: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    match Cli::parse().command {
        Command::Serve {
            data,
            listen,
            public_url,
        } => {
            let config = PortalConfig {
                listen,
                public_url,
                ..PortalConfig::practice(data)
            };
            let portal = hoso_portal::start(config).await?;
            println!("{}", portal.base_url());
            tokio::signal::ctrl_c()
                .await
                .context("waiting for Ctrl-C")?;
            portal.stop().await;
        }
        Command::AddApplicant {
            data,
            account,
            name,
        } => {
            let token = hoso_portal::add_applicant(&data, &account, &name).await?;
            println!("{token}");
        }
    }
    Ok(())
}
