//! hoso-client against a real hoso-portal on 127.0.0.1, each with its own
//! SQLite file in a temporary folder.

mod submit;

use hoso_client::{AddPortal, Client, PortalRecord};
use hoso_core::{AttachedDocument, DossierContent, Procedure};
use hoso_portal::{PortalConfig, RunningPortal};
use tempfile::TempDir;

/// A running portal, a client profile registered with it, and their folders.
#[derive(Debug)]
pub struct World {
    pub dir: TempDir,
    pub portal: RunningPortal,
    pub client: Client,
    pub record: PortalRecord,
}

impl World {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let portal = hoso_portal::start(PortalConfig::practice(dir.path().join("portal")))
            .await
            .expect("portal starts");
        let token = portal
            .issue_token("cty-anh-duong", "Công ty Ánh Dương")
            .await
            .expect("token");
        let client = Client::open(&dir.path().join("profile"))
            .await
            .expect("profile opens");
        let record = client
            .add_portal(
                portal.base_url(),
                AddPortal {
                    token: Some(token),
                    practice: false,
                },
            )
            .await
            .expect("portal added");
        Self {
            dir,
            portal,
            client,
            record,
        }
    }

    pub fn portal_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("portal")
    }

    pub async fn procedure(&self) -> Procedure {
        self.client
            .procedures(&self.record)
            .await
            .expect("procedures")
            .into_iter()
            .next()
            .expect("one procedure")
    }

    /// A complete dossier with `file` attached.
    pub async fn dossier(&self, file: &std::path::Path) -> DossierContent {
        let p = self.procedure().await;
        let entry = self.client.import_attachment(file).await.expect("import");
        let fields = [
            ("importer.name", "Công ty TNHH Thiết bị Điện Ánh Dương"),
            ("importer.tax_code", "0100233488"),
            ("importer.address", "12 Tràng Tiền, Hoàn Kiếm, Hà Nội"),
            ("importer.phone", "024 3825 1234"),
            ("goods.description", "Máy biến áp khô 3 pha 1000 kVA"),
            ("goods.border_gate", "Cảng Hải Phòng"),
            ("documents.contract_no", "HĐ-2026/114"),
        ];
        DossierContent {
            procedure: p.code,
            version: p.version,
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
            documents: vec![AttachedDocument {
                slot: "quality_certificate".into(),
                name: entry.name,
                size: entry.size,
                sha256: entry.sha256,
            }],
        }
    }

    /// Writes `len` bytes of a repeatable pattern to a file in the folder.
    pub fn file(&self, name: &str, len: usize) -> std::path::PathBuf {
        let path = self.dir.path().join(name);
        let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
        std::fs::write(&path, bytes).expect("write test file");
        path
    }
}
